/**
 * The audit's saved files: Batch job definitions, ECS task definitions and KMS key metadata, checked
 * strictly so that a wrong file fails with the field named instead of silently auditing less.
 */
import { ExecutionRoleCheckError } from '../lib/core/errors';
import { isFullSecretArnOf } from '../lib/usage';
import { encodingHint } from './text-file';
import type {
  BatchJobDefinition,
  BucketEncryption,
  ContainerLike,
  EcsPropertiesLike,
  EcsTaskDefinition,
  KeyMetadata,
  SecretMetadata,
} from '../lib/usage/types';

/** Bad flags or files: one line on stderr, exit code 2. */
export class AuditInputError extends ExecutionRoleCheckError {
  override readonly name = 'AuditInputError';
  readonly code = 'AUDIT_INPUT';
  constructor(problem: string, options?: { cause?: unknown }) {
    super(problem, problem, options);
  }
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
    return JSON.parse(text.startsWith('\uFEFF') ? text.slice(1) : text) as unknown;
  } catch (error) {
    const hint = encodingHint(text);
    throw new AuditInputError(
      `${flag} ${path}: not valid JSON (${messageOf(error)})${hint === undefined ? '' : `; ${hint}`}`,
    );
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
    stringListAt(job['platformCapabilities'], `${field}.platformCapabilities`, where);
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
  const list = single ?? listIn(json, 'taskDefinitions', where, 'aws ecs describe-task-definition');
  const latest = new Map<string, EcsTaskDefinition>();
  list.forEach((entry, index) => {
    const field = single ? 'taskDefinition' : `taskDefinitions[${index}]`;
    const task = objectAt(entry, field, where);
    const family = stringAt(task['family'], `${field}.family`, where);
    const revision = numberAt(task['revision'], `${field}.revision`, where);
    const status = optionalStringAt(task['status'], `${field}.status`, where);
    optionalStringAt(task['executionRoleArn'], `${field}.executionRoleArn`, where);
    stringListAt(task['requiresCompatibilities'], `${field}.requiresCompatibilities`, where);
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
 * AWS managed key (no kms:Decrypt needed). ARNs as the findings name them. Secret entries may also take
 * the `{"arn", "kmsKeyId"}` form of secretMetadataFrom; only their keys are returned here.
 */
export function keysFrom(json: unknown, where: string): Map<string, string | null> {
  return new Map(secretMetadataFrom(json, where).keys);
}

// A Secrets Manager secret name (CreateSecret): letters, digits and /_+=.@-.
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;
const SECRET_ARN = /^arn:[^:]+:secretsmanager:[^:]+:\d{12}:secret:[\w/+=.@-]+$/;
const KEY_PROBLEM = 'expected a KMS key ARN, key id or alias, or null for the AWS managed key';

/**
 * The `--keys` file as DescribeSecret / DescribeParameters would answer: `{"<ARN>": key | null}`; a secret
 * named without its suffix may take `{"<name or partial ARN>": {"arn": "<full ARN>", "kmsKeyId": ...}}`.
 */
export function secretMetadataFrom(json: unknown, where: string): SecretMetadata {
  const object = objectAt(json, '(top level)', where, 'an object of secret or parameter ARN -> KMS key');
  const keys = new Map<string, string | null>();
  const resolvedArns = new Map<string, string>();
  for (const [entry, value] of Object.entries(object)) {
    const label = JSON.stringify(entry);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const secret = secretEntry(entry, value as Record<string, unknown>, `${where}: ${label}`);
      if (secret.kmsKeyId !== undefined) {
        keys.set(secret.partialArn ?? secret.arn, secret.kmsKeyId);
        keys.set(secret.arn, secret.kmsKeyId);
      }
      if (secret.partialArn !== undefined) resolvedArns.set(secret.partialArn, secret.arn);
      continue;
    }
    if (!/^arn:[^:]+:(secretsmanager|ssm):[^:]+:\d{12}:(secret:|parameter\/)/.test(entry)) {
      throw new AuditInputError(`${where}: ${label}: expected a Secrets Manager secret or SSM parameter ARN`);
    }
    if (value !== null && (typeof value !== 'string' || value.trim() === '')) {
      throw new AuditInputError(`${where}: ${label}: ${KEY_PROBLEM}`);
    }
    keys.set(entry, value);
  }
  return { keys, resolvedArns };
}

/**
 * One `{"arn", "kmsKeyId"}` entry: `arn` is the secret's full ARN, the entry's name is that secret's name or
 * partial ARN (or the full ARN itself). `partialArn` is set when the entry resolves a name.
 */
function secretEntry(
  entry: string,
  value: Record<string, unknown>,
  at: string,
): { arn: string; partialArn?: string; kmsKeyId?: string | null } {
  for (const field of Object.keys(value)) {
    if (field !== 'arn' && field !== 'kmsKeyId') {
      throw new AuditInputError(`${at}.${field}: unknown field (expected arn and kmsKeyId)`);
    }
  }
  const arn = value['arn'];
  if (typeof arn !== 'string' || !SECRET_ARN.test(arn)) {
    throw new AuditInputError(
      `${at}.arn: expected the secret's full ARN ` +
        `(arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf), got ${describe(arn)}`,
    );
  }
  const kmsKeyId = value['kmsKeyId'];
  if (
    kmsKeyId !== undefined &&
    kmsKeyId !== null &&
    (typeof kmsKeyId !== 'string' || kmsKeyId.trim() === '')
  ) {
    throw new AuditInputError(`${at}.kmsKeyId: ${KEY_PROBLEM}`);
  }
  const key = kmsKeyId === undefined ? {} : { kmsKeyId: kmsKeyId as string | null };
  if (entry.startsWith('arn:')) {
    if (!SECRET_ARN.test(entry)) {
      throw new AuditInputError(`${at}: the {"arn", "kmsKeyId"} form is for Secrets Manager secrets only`);
    }
    if (entry === arn) return { arn, ...key };
    if (isFullSecretArnOf(entry, arn)) return { arn, partialArn: entry, ...key };
    throw new AuditInputError(`${at}.arn: ${JSON.stringify(arn)} is not the full ARN of the secret ${entry}`);
  }
  if (!SECRET_NAME.test(entry)) {
    throw new AuditInputError(`${at}: expected a secret name, or a secret or SSM parameter ARN`);
  }
  // A name resolves in the full ARN's region and account: the partial ARN is that ARN without its suffix.
  const partialArn = arn.slice(0, -'-AbCdEf'.length);
  if (!partialArn.endsWith(`:secret:${entry}`) || !isFullSecretArnOf(partialArn, arn)) {
    throw new AuditInputError(
      `${at}.arn: ${JSON.stringify(arn)} is not the full ARN of a secret named ${entry}`,
    );
  }
  return { arn, partialArn, ...key };
}

/** One rule of `aws ecr describe-pull-through-cache-rules`, reduced to what the audit reads. */
export interface SavedPullThroughCacheRule {
  readonly ecrRepositoryPrefix: string;
  /** The registry (account) the rule belongs to, when the file says. */
  readonly registryId?: string;
}

// ecrRepositoryPrefix as DescribePullThroughCacheRules documents it: repository-name segments, or ROOT.
const CACHE_PREFIX = /^((?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*\/?|ROOT)$/;

/**
 * Pull through cache rules: the output of `aws ecr describe-pull-through-cache-rules`
 * (`{"pullThroughCacheRules": [...]}`) or its array. Each rule needs its `ecrRepositoryPrefix`.
 */
export function pullThroughCacheRulesFrom(json: unknown, where: string): SavedPullThroughCacheRule[] {
  const list = listIn(json, 'pullThroughCacheRules', where, 'aws ecr describe-pull-through-cache-rules');
  return list.map((entry, index) => {
    const field = `pullThroughCacheRules[${index}]`;
    const rule = objectAt(entry, field, where);
    const prefix = stringAt(rule['ecrRepositoryPrefix'], `${field}.ecrRepositoryPrefix`, where);
    if (!CACHE_PREFIX.test(prefix)) {
      throw new AuditInputError(
        `${where}: ${field}.ecrRepositoryPrefix: ${JSON.stringify(prefix)} is not a repository prefix (lowercase name segments, or ROOT)`,
      );
    }
    const registryId = optionalStringAt(rule['registryId'], `${field}.registryId`, where);
    if (registryId !== undefined && !/^\d{12}$/.test(registryId)) {
      throw new AuditInputError(
        `${where}: ${field}.registryId: ${JSON.stringify(registryId)} is not an account id`,
      );
    }
    return { ecrRepositoryPrefix: prefix, ...(registryId !== undefined && { registryId }) };
  });
}

// S3 bucket naming rules (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const SSE_ALGORITHMS: readonly string[] = ['AES256', 'aws:kms', 'aws:kms:dsse'];

/**
 * The `--bucket-encryption` file as GetBucketEncryption would answer, by bucket ARN: `{"BUCKET or bucket ARN":
 * {"algorithm": "AES256" | "aws:kms" | "aws:kms:dsse", "kmsKeyId": "key ARN"}}` (no kmsKeyId with aws:kms:
 * the AWS managed key aws/s3), or per bucket the output of `aws s3api get-bucket-encryption --bucket BUCKET`.
 */
export function bucketEncryptionFrom(
  json: unknown,
  where: string,
  partition: string,
): Map<string, BucketEncryption> {
  const object = objectAt(json, '(top level)', where, 'an object of bucket name -> default encryption');
  const result = new Map<string, BucketEncryption>();
  for (const [entry, value] of Object.entries(object)) {
    const at = `${where}: ${JSON.stringify(entry)}`;
    const arn = /^arn:[^:]+:s3:::/.exec(entry) ? entry : `arn:${partition}:s3:::${entry}`;
    const name = arn.slice(arn.lastIndexOf(':') + 1);
    if (!BUCKET_NAME.test(name) || !arn.startsWith(`arn:${partition}:s3:::`)) {
      throw new AuditInputError(`${at}: expected a bucket name or arn:${partition}:s3:::BUCKET`);
    }
    result.set(arn, bucketEntry(value, where, entry));
  }
  return result;
}

function bucketEntry(value: unknown, where: string, entry: string): BucketEncryption {
  const at = `${where}: ${JSON.stringify(entry)}`;
  const fields = objectAt(
    value,
    JSON.stringify(entry),
    where,
    '{"algorithm", "kmsKeyId"} or aws s3api get-bucket-encryption output',
  );
  let settings: Record<string, unknown> = fields;
  let algorithmField = 'algorithm';
  let keyField = 'kmsKeyId';
  if ('ServerSideEncryptionConfiguration' in fields) {
    // `aws s3api get-bucket-encryption` output: the first rule that applies a default.
    const rules = (fields['ServerSideEncryptionConfiguration'] as { Rules?: unknown } | null)?.Rules;
    const applied = Array.isArray(rules)
      ? (rules as { ApplyServerSideEncryptionByDefault?: unknown }[]).find(
          (rule) => typeof rule === 'object' && rule !== null && rule.ApplyServerSideEncryptionByDefault,
        )?.ApplyServerSideEncryptionByDefault
      : undefined;
    if (typeof applied !== 'object' || applied === null) {
      throw new AuditInputError(
        `${at}.ServerSideEncryptionConfiguration.Rules: no rule with ApplyServerSideEncryptionByDefault`,
      );
    }
    settings = applied as Record<string, unknown>;
    algorithmField = 'SSEAlgorithm';
    keyField = 'KMSMasterKeyID';
  } else {
    for (const field of Object.keys(fields)) {
      if (field !== 'algorithm' && field !== 'kmsKeyId') {
        throw new AuditInputError(`${at}.${field}: unknown field (expected algorithm and kmsKeyId)`);
      }
    }
  }
  const algorithm = settings[algorithmField];
  if (typeof algorithm !== 'string' || !SSE_ALGORITHMS.includes(algorithm)) {
    throw new AuditInputError(
      `${at}.${algorithmField}: expected AES256, aws:kms or aws:kms:dsse, got ${describe(algorithm)}`,
    );
  }
  const kmsKeyId = settings[keyField];
  if (kmsKeyId !== undefined && (typeof kmsKeyId !== 'string' || kmsKeyId.trim() === '')) {
    throw new AuditInputError(`${at}.${keyField}: expected a KMS key ARN, key id or alias ARN`);
  }
  if (kmsKeyId !== undefined && algorithm === 'AES256') {
    throw new AuditInputError(`${at}.${keyField}: AES256 (SSE-S3) takes no KMS key`);
  }
  return {
    status: 'read',
    algorithm: algorithm as 'AES256' | 'aws:kms' | 'aws:kms:dsse',
    ...(kmsKeyId !== undefined && { kmsKeyId: kmsKeyId.trim() }),
  };
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

/** An optional array of strings (`platformCapabilities`, `requiresCompatibilities`). */
function stringListAt(value: unknown, field: string, where: string): void {
  optionalArrayAt(value, field, where).forEach((entry, index) =>
    stringAt(entry, `${field}[${index}]`, where),
  );
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
