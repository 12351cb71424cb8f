/**
 * Job and task definitions -> what each execution role they name must grant. Pure: the definitions are
 * read by lib/aws; this only walks them.
 */
import type { Consumer } from '../core/model';
import { addContainerFiles, addTaskVolumes, type EcsFileSink } from './ecs-files';
import { InvalidSecretReferenceError } from './errors';
import { ecrRepositoryArn } from './images';
import { roleKey } from './roles';
import type {
  BatchJobDefinition,
  ConsumerUsage,
  ContainerLike,
  EcsPropertiesLike,
  EcsTaskDefinition,
  FeatureSecretReference,
  FileSystemReference,
  InvalidReference,
  RoleUsage,
  RuleLocation,
  S3ObjectReference,
  SecretReference,
} from './types';
import { parseValueFrom } from './value-from';

/** Batch sends container logs here when a job definition names no awslogs group. */
export const BATCH_DEFAULT_LOG_GROUP = '/aws/batch/job';

/**
 * Usage per execution role. `get` and `has` accept the role's ARN with or without its path, or a bare
 * role name (resolved in the rule's account), so `index.get(role.arn)` finds a role however it was named.
 */
export class RoleUsageIndex extends Map<string, RoleUsage> {
  readonly #location: RuleLocation;

  constructor(location: RuleLocation) {
    super();
    this.#location = location;
  }

  override get(roleArnOrName: string): RoleUsage | undefined {
    const key = roleKey(roleArnOrName, this.#location);
    return key === undefined ? undefined : super.get(key);
  }

  override has(roleArnOrName: string): boolean {
    const key = roleKey(roleArnOrName, this.#location);
    return key !== undefined && super.has(key);
  }

  override set(roleArnOrName: string, usage: RoleUsage): this {
    const key = roleKey(roleArnOrName, this.#location);
    if (key === undefined) throw new Error(`Not a role reference: ${JSON.stringify(roleArnOrName)}`);
    return super.set(key, usage);
  }

  /** A new index over the same location with each role's usage replaced by `update(usage)`. */
  mapUsage(update: (usage: RoleUsage) => RoleUsage): RoleUsageIndex {
    const result = new RoleUsageIndex(this.#location);
    for (const [key, usage] of this) result.set(key, update(usage));
    return result;
  }
}

/** Which log group a container writes to, by kind of consumer. */
type LogPolicy = 'batch' | 'ecs';

/** One container and the path to it, for messages. */
interface Located {
  readonly container: ContainerLike;
  readonly path: string;
}

/** Accumulates one consumer's needs, deduplicated, in the order first seen. */
class ConsumerBuilder implements EcsFileSink {
  readonly ecr = new Set<string>();
  readonly logGroups = new Set<string>();
  readonly createdLogGroups = new Set<string>();
  readonly secrets = new Map<string, SecretReference>();
  readonly registry = new Map<string, SecretReference>();
  readonly s3Objects = new Map<string, S3ObjectReference>();
  readonly featureSecrets = new Map<string, FeatureSecretReference>();
  readonly fileSystems = new Map<string, FileSystemReference>();
  readonly invalid: InvalidReference[] = [];

  constructor(readonly consumer: Consumer) {}

  addS3Object(reference: S3ObjectReference): void {
    const key = `${reference.id}\u0000${reference.objectArn}\u0000${reference.needsBucketLocation}`;
    if (!this.s3Objects.has(key)) this.s3Objects.set(key, reference);
  }

  addFeatureSecret(reference: FeatureSecretReference): void {
    const key = `${reference.id}\u0000${reference.service}\u0000${reference.arn}`;
    if (!this.featureSecrets.has(key)) this.featureSecrets.set(key, reference);
  }

  addFileSystem(reference: FileSystemReference): void {
    if (!this.fileSystems.has(reference.arn)) this.fileSystems.set(reference.arn, reference);
  }

  addInvalid(reference: InvalidReference): void {
    this.invalid.push(reference);
  }

  build(): ConsumerUsage {
    return {
      consumer: this.consumer,
      ecrRepositories: [...this.ecr],
      logGroups: [...this.logGroups],
      createdLogGroups: [...this.createdLogGroups],
      secrets: [...this.secrets.values()],
      registryCredentials: [...this.registry.values()],
      s3Objects: [...this.s3Objects.values()],
      featureSecrets: [...this.featureSecrets.values()],
      fsxFileSystems: [...this.fileSystems.values()],
      invalidReferences: this.invalid,
    };
  }
}

/**
 * Indexes ACTIVE job definitions and task definitions by the execution role they name: each consumer
 * with its ECR repositories, awslogs groups and secret references. Unparseable references are kept as
 * `invalidReferences` (the caller reports them) rather than thrown: one bad definition must not hide the rest.
 */
export function extractUsage(
  jobDefinitions: readonly BatchJobDefinition[],
  taskDefinitions: readonly EcsTaskDefinition[],
  location: RuleLocation,
): RoleUsageIndex {
  const byRole = new Map<string, Map<string, ConsumerBuilder>>();
  const builderFor = (roleReference: string | undefined, consumer: Consumer): ConsumerBuilder | undefined => {
    const key = roleKey(roleReference, location);
    if (key === undefined) return undefined;
    let consumers = byRole.get(key);
    if (!consumers) byRole.set(key, (consumers = new Map()));
    const consumerKey = `${consumer.kind}\u0000${consumer.name}`;
    let builder = consumers.get(consumerKey);
    if (!builder) consumers.set(consumerKey, (builder = new ConsumerBuilder(consumer)));
    return builder;
  };

  for (const job of jobDefinitions) {
    if (job.status !== undefined && job.status !== 'ACTIVE') continue;
    const consumer: Consumer = {
      kind: 'batch-job-definition',
      name: `${job.jobDefinitionName}:${job.revision}`,
    };
    for (const { roleReference, containers } of batchContainers(job)) {
      const builder = builderFor(roleReference, consumer);
      if (builder) for (const located of containers) addContainer(builder, located, 'batch', location);
    }
  }

  for (const task of taskDefinitions) {
    if (task.status !== undefined && task.status !== 'ACTIVE') continue;
    const consumer: Consumer = { kind: 'ecs-task-definition', name: `${task.family}:${task.revision}` };
    const builder = builderFor(task.executionRoleArn, consumer);
    if (!builder) continue;
    (task.containerDefinitions ?? []).forEach((container, index) => {
      const path = `containerDefinitions[${container.name ?? index}]`;
      addContainer(builder, { container, path }, 'ecs', location);
      // Fields only ECS task definitions have (Batch's ecsProperties containers do not).
      addContainerFiles(builder, container, path, location);
    });
    addTaskVolumes(builder, task.volumes, location);
  }

  const index = new RoleUsageIndex(location);
  for (const [key, consumers] of byRole) {
    index.set(key, { roleArn: key, consumers: [...consumers.values()].map((builder) => builder.build()) });
  }
  return index;
}

/** Every place a Batch job definition names an execution role, with the containers that role serves. */
function batchContainers(
  job: BatchJobDefinition,
): { roleReference: string | undefined; containers: Located[] }[] {
  const groups: { roleReference: string | undefined; containers: Located[] }[] = [];
  if (job.containerProperties) {
    groups.push({
      roleReference: job.containerProperties.executionRoleArn,
      containers: [{ container: job.containerProperties, path: 'containerProperties' }],
    });
  }
  groups.push(...ecsPropertiesContainers(job.ecsProperties, 'ecsProperties'));
  (job.nodeProperties?.nodeRangeProperties ?? []).forEach((range, index) => {
    const path = `nodeProperties.nodeRangeProperties[${range.targetNodes ?? index}]`;
    if (range.container) {
      groups.push({
        roleReference: range.container.executionRoleArn,
        containers: [{ container: range.container, path: `${path}.container` }],
      });
    }
    groups.push(...ecsPropertiesContainers(range.ecsProperties, `${path}.ecsProperties`));
  });
  return groups;
}

function ecsPropertiesContainers(
  properties: EcsPropertiesLike | undefined,
  path: string,
): { roleReference: string | undefined; containers: Located[] }[] {
  return (properties?.taskProperties ?? []).map((task, taskIndex) => ({
    roleReference: task.executionRoleArn,
    containers: (task.containers ?? []).map((container, containerIndex) => ({
      container,
      path: `${path}.taskProperties[${taskIndex}].containers[${container.name ?? containerIndex}]`,
    })),
  }));
}

function addContainer(
  builder: ConsumerBuilder,
  { container, path }: Located,
  logPolicy: LogPolicy,
  location: RuleLocation,
): void {
  const repository = ecrRepositoryArn(container.image);
  if (repository) builder.ecr.add(repository);

  const logGroup = logGroupOf(container, logPolicy, location);
  if (logGroup) {
    builder.logGroups.add(logGroup);
    // The driver creates the group when asked to ("true", as the options are strings), with the role's credentials.
    const create = container.logConfiguration?.options?.['awslogs-create-group'];
    if (create?.trim().toLowerCase() === 'true') builder.createdLogGroups.add(logGroup);
  }

  (container.secrets ?? []).forEach((secret, index) => {
    addSecret(builder, secret.valueFrom, `${path}.secrets[${secret.name ?? index}]`, false, location);
  });
  (container.logConfiguration?.secretOptions ?? []).forEach((secret, index) => {
    const field = `${path}.logConfiguration.secretOptions[${secret.name ?? index}]`;
    addSecret(builder, secret.valueFrom, field, false, location);
  });
  const credentials = container.repositoryCredentials?.credentialsParameter;
  if (container.repositoryCredentials) {
    addSecret(builder, credentials, `${path}.repositoryCredentials.credentialsParameter`, true, location);
  }
}

function addSecret(
  builder: ConsumerBuilder,
  valueFrom: string | undefined,
  field: string,
  registryCredentials: boolean,
  location: RuleLocation,
): void {
  try {
    const reference = parseValueFrom(valueFrom as string, location, { field, registryCredentials });
    const target = registryCredentials ? builder.registry : builder.secrets;
    const key = `${reference.service}\u0000${reference.arn}`;
    if (!target.has(key)) target.set(key, reference);
  } catch (error) {
    if (!(error instanceof InvalidSecretReferenceError)) throw error;
    builder.invalid.push({
      id: registryCredentials
        ? 'REGISTRY_CREDENTIALS'
        : String(valueFrom).includes(':secretsmanager:')
          ? 'SECRETS_MANAGER'
          : 'SECRETS_SSM',
      field,
      valueFrom: String(valueFrom ?? ''),
      problem: error.problem,
    });
  }
}

/**
 * The log group ARN a container's logs go to, or undefined when the role writes none. Batch defaults to
 * awslogs and `/aws/batch/job`; ECS writes to CloudWatch only when awslogs is configured explicitly.
 */
function logGroupOf(container: ContainerLike, policy: LogPolicy, location: RuleLocation): string | undefined {
  const configuration = container.logConfiguration;
  const driver = configuration?.logDriver ?? (policy === 'batch' ? 'awslogs' : undefined);
  if (driver !== 'awslogs') return undefined;
  const options = configuration?.options ?? {};
  const group =
    options['awslogs-group']?.trim() || (policy === 'batch' ? BATCH_DEFAULT_LOG_GROUP : undefined);
  if (!group) return undefined;
  // awslogs-region sends logs to another region: the grant must name that region's log group.
  const region = options['awslogs-region']?.trim() || location.region;
  return `arn:${location.partition}:logs:${region}:${location.accountId}:log-group:${group}`;
}
