/**
 * The audit's saved files: Batch job definitions, ECS task definitions and KMS key metadata, checked
 * strictly so that a wrong file fails with the field named instead of silently auditing less.
 */
import type {
  BatchJobDefinition,
  ContainerLike,
  EcsPropertiesLike,
  EcsTaskDefinition,
  KeyMetadata,
} from '../lib/usage/types';

/** Bad flags or files: one line on stderr, exit code 2. */
export class AuditInputError extends Error {
  override readonly name = 'AuditInputError';
}

/**
 * The first line of an error's message. Checked by shape, not `instanceof Error`: errors from Node's own
 * modules may come from another realm (as under Jest).
 */
export function messageOf(error: unknown): string {
  const message =
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
      ? (error as { message: string }).message
      : String(error);
  return message.split('\n')[0] as string;
}

/** Parses JSON text read for `flag`, naming the flag and file on failure. */
export function parseJsonFile(text: string, flag: string, path: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AuditInputError(`${flag} ${path}: not valid JSON (${messageOf(error)})`);
  }
}

/**
 * `aws batch describe-job-definitions` output: `{jobDefinitions: [...]}` (a bare array is accepted too).
 * Every revision is returned; the usage extraction keeps only ACTIVE ones, as the rule does.
 */
export function jobDefinitionsFrom(json: unknown, where: string): BatchJobDefinition[] {
  const list = listIn(json, 'jobDefinitions', where, 'aws batch describe-job-definitions');
  return list.map((entry, index) => {
    const field = `jobDefinitions[${index}]`;
    const job = objectAt(entry, field, where);
    stringAt(job['jobDefinitionName'], `${field}.jobDefinitionName`, where);
    numberAt(job['revision'], `${field}.revision`, where);
    optionalStringAt(job['status'], `${field}.status`, where);
    if (job['containerProperties'] !== undefined) {
      containerAt(job['containerProperties'], `${field}.containerProperties`, where);
    }
    ecsPropertiesAt(job['ecsProperties'], `${field}.ecsProperties`, where);
    if (job['nodeProperties'] !== undefined) {
      const nodes = objectAt(job['nodeProperties'], `${field}.nodeProperties`, where);
      optionalArrayAt(
        nodes['nodeRangeProperties'],
        `${field}.nodeProperties.nodeRangeProperties`,
        where,
      ).forEach((rangeEntry, rangeIndex) => {
        const rangeField = `${field}.nodeProperties.nodeRangeProperties[${rangeIndex}]`;
        const range = objectAt(rangeEntry, rangeField, where);
        optionalStringAt(range['targetNodes'], `${rangeField}.targetNodes`, where);
        if (range['container'] !== undefined)
          containerAt(range['container'], `${rangeField}.container`, where);
        ecsPropertiesAt(range['ecsProperties'], `${rangeField}.ecsProperties`, where);
      });
    }
    return job as unknown as BatchJobDefinition;
  });
}

/**
 * ECS task definitions: a JSON array, `{taskDefinitions: [...]}`, or one `aws ecs describe-task-definition`
 * answer (`{taskDefinition: {...}}`). Only the latest ACTIVE revision of each family is kept: the rule
 * reads task definitions the same way.
 */
export function taskDefinitionsFrom(json: unknown, where: string): EcsTaskDefinition[] {
  const single =
    typeof json === 'object' && json !== null && !Array.isArray(json) && 'taskDefinition' in json
      ? [(json as Record<string, unknown>)['taskDefinition']]
      : undefined;
  const list = single ?? listIn(json, 'taskDefinitions', where, 'a JSON array of ECS task definitions');
  const latest = new Map<string, EcsTaskDefinition>();
  list.forEach((entry, index) => {
    const field = single ? 'taskDefinition' : `taskDefinitions[${index}]`;
    const task = objectAt(entry, field, where);
    const family = stringAt(task['family'], `${field}.family`, where);
    const revision = numberAt(task['revision'], `${field}.revision`, where);
    const status = optionalStringAt(task['status'], `${field}.status`, where);
    optionalStringAt(task['executionRoleArn'], `${field}.executionRoleArn`, where);
    optionalArrayAt(task['containerDefinitions'], `${field}.containerDefinitions`, where).forEach(
      (container, containerIndex) =>
        containerAt(container, `${field}.containerDefinitions[${containerIndex}]`, where),
    );
    if (status !== undefined && status !== 'ACTIVE') return;
    const previous = latest.get(family);
    if (previous === undefined || previous.revision < revision) {
      latest.set(family, task as unknown as EcsTaskDefinition);
    }
  });
  return [...latest.values()];
}

/**
 * KMS key metadata: `{"<secret or parameter ARN>": "<key ARN, key id or alias>" | null}`, null meaning the
 * AWS managed key (no kms:Decrypt needed). ARNs as the findings name them.
 */
export function keysFrom(json: unknown, where: string): Map<string, string | null> {
  const object = objectAt(json, '(top level)', where, 'an object of secret or parameter ARN -> KMS key');
  const keys = new Map<string, string | null>();
  for (const [arn, key] of Object.entries(object)) {
    if (!/^arn:[^:]+:(secretsmanager|ssm):[^:]+:\d{12}:(secret:|parameter\/)/.test(arn)) {
      throw new AuditInputError(
        `${where}: ${JSON.stringify(arn)}: expected a Secrets Manager secret or SSM parameter ARN`,
      );
    }
    if (key !== null && (typeof key !== 'string' || key.trim() === '')) {
      throw new AuditInputError(
        `${where}: ${JSON.stringify(arn)}: expected a KMS key ARN, key id or alias, or null for the AWS managed key`,
      );
    }
    keys.set(arn, key);
  }
  return keys;
}

/** Keys of the references not described, taken as AWS managed (`--assume-aws-managed-keys`). */
export function assumeAwsManagedKeys(keys: KeyMetadata, arns: Iterable<string>): Map<string, string | null> {
  const result = new Map(keys);
  for (const arn of arns) if (!result.has(arn)) result.set(arn, null);
  return result;
}

function listIn(json: unknown, key: string, where: string, what: string): unknown[] {
  if (Array.isArray(json)) return json;
  if (typeof json === 'object' && json !== null && Array.isArray((json as Record<string, unknown>)[key])) {
    return (json as Record<string, unknown[]>)[key] as unknown[];
  }
  throw new AuditInputError(`${where}: ${key}: expected an array (is this the output of ${what}?)`);
}

function containerAt(value: unknown, field: string, where: string): ContainerLike {
  const container = objectAt(value, field, where);
  for (const name of ['name', 'image', 'executionRoleArn']) {
    optionalStringAt(container[name], `${field}.${name}`, where);
  }
  secretsAt(container['secrets'], `${field}.secrets`, where);
  if (container['logConfiguration'] !== undefined && container['logConfiguration'] !== null) {
    const logs = objectAt(container['logConfiguration'], `${field}.logConfiguration`, where);
    optionalStringAt(logs['logDriver'], `${field}.logConfiguration.logDriver`, where);
    if (logs['options'] !== undefined) {
      const options = objectAt(logs['options'], `${field}.logConfiguration.options`, where);
      for (const [key, option] of Object.entries(options)) {
        stringAt(option, `${field}.logConfiguration.options.${key}`, where);
      }
    }
    secretsAt(logs['secretOptions'], `${field}.logConfiguration.secretOptions`, where);
  }
  if (container['repositoryCredentials'] !== undefined && container['repositoryCredentials'] !== null) {
    const credentials = objectAt(container['repositoryCredentials'], `${field}.repositoryCredentials`, where);
    optionalStringAt(
      credentials['credentialsParameter'],
      `${field}.repositoryCredentials.credentialsParameter`,
      where,
    );
  }
  return container as ContainerLike;
}

function ecsPropertiesAt(value: unknown, field: string, where: string): EcsPropertiesLike | undefined {
  if (value === undefined || value === null) return undefined;
  const properties = objectAt(value, field, where);
  optionalArrayAt(properties['taskProperties'], `${field}.taskProperties`, where).forEach((entry, index) => {
    const taskField = `${field}.taskProperties[${index}]`;
    const task = objectAt(entry, taskField, where);
    optionalStringAt(task['executionRoleArn'], `${taskField}.executionRoleArn`, where);
    optionalArrayAt(task['containers'], `${taskField}.containers`, where).forEach(
      (container, containerIndex) =>
        containerAt(container, `${taskField}.containers[${containerIndex}]`, where),
    );
  });
  return properties as EcsPropertiesLike;
}

function secretsAt(value: unknown, field: string, where: string): void {
  optionalArrayAt(value, field, where).forEach((entry, index) => {
    const secret = objectAt(entry, `${field}[${index}]`, where);
    optionalStringAt(secret['name'], `${field}[${index}].name`, where);
    optionalStringAt(secret['valueFrom'], `${field}[${index}].valueFrom`, where);
  });
}

function objectAt(
  value: unknown,
  field: string,
  where: string,
  expected = 'an object',
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuditInputError(`${where}: ${field}: expected ${expected}, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function optionalArrayAt(value: unknown, field: string, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    throw new AuditInputError(`${where}: ${field}: expected an array, got ${describe(value)}`);
  }
  return value;
}

function stringAt(value: unknown, field: string, where: string): string {
  if (typeof value !== 'string') {
    throw new AuditInputError(`${where}: ${field}: expected a string, got ${describe(value)}`);
  }
  return value;
}

function optionalStringAt(value: unknown, field: string, where: string): string | undefined {
  return value === undefined ? undefined : stringAt(value, field, where);
}

function numberAt(value: unknown, field: string, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new AuditInputError(`${where}: ${field}: expected an integer, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
