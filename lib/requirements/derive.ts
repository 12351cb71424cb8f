/**
 * What one role must grant: the page's base requirements, narrowed or extended by the job and task
 * definitions that use the role and by the rule parameters. Pure data in, data out.
 */
import { BoundedCache } from '../core/cache';
import type {
  AttachmentRequirement,
  Consumer,
  FindingId,
  PermissionRequirement,
  Requirement,
  RoleSnapshot,
  TrustRequirement,
  UnverifiableRequirement,
} from '../core/model';
import type { RuleParameters } from '../parameters';
import type {
  ConsumerUsage,
  KeyMetadata,
  RoleUsage,
  RuleLocation,
  S3ObjectReference,
  SecretReference,
} from '../usage/types';
import { GUARDDUTY_AGENT_SOURCE_URL, guardDutyAgentRepositoryArn } from './guardduty-agent-accounts';

/** The actions of AmazonECSTaskExecutionRolePolicy, as the page lists them. */
export const EXECUTION_ROLE_ACTIONS = [
  'ecr:GetAuthorizationToken',
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchGetImage',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
] as const;

/** The ECR actions that act on a repository (GetAuthorizationToken takes only `*`). */
export const ECR_PULL_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchGetImage',
] as const;

/** What a pull through the role's own registry's cache adds: the import, and the cache repository's creation. */
export const PULL_THROUGH_CACHE_ACTIONS = ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'] as const;

/** The CloudWatch Logs actions the awslogs driver uses, authorised on the log stream. */
export const LOG_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents'] as const;

/** Who needs the page's baseline when no consumer narrows it. */
export const BASE_CONSUMER: Consumer = { kind: 'base', name: 'AmazonECSTaskExecutionRolePolicy' };

// Most candidates share these: built once, frozen, so a sweep allocates nothing for them.
const TRUST_PLAIN: TrustRequirement = Object.freeze({
  kind: 'trust',
  id: 'TRUST_ECS_TASKS',
  service: 'ecs-tasks.amazonaws.com',
  requireConfusedDeputyCondition: false,
});
const TRUST_HARDENED: TrustRequirement = Object.freeze({
  ...TRUST_PLAIN,
  requireConfusedDeputyCondition: true,
});

/**
 * The baseline resource of each action: `*` for ecr:GetAuthorizationToken (IAM sees the literal `*`); every
 * repository (of any account: images may come from another) and every log stream of the role's account, in
 * the rule's region, for the others. These are sets: an Allow must cover all of it (as `*` does), and a Deny
 * on any repository or log group counts against it.
 */
function baseResource(action: string, partition: string, knownRegion: string, accountId: string): string {
  const region = knownRegion || '*';
  if ((ECR_PULL_ACTIONS as readonly string[]).includes(action))
    return `arn:${partition}:ecr:${region}:*:repository/*`;
  if ((LOG_ACTIONS as readonly string[]).includes(action)) {
    return `arn:${partition}:logs:${region}:${accountId}:log-group:*:log-stream:*`;
  }
  return '*';
}

// A sweep has one partition, region and account: built once, frozen, so it allocates nothing per role.
// Frozen values of the key alone: safe across warm invocations (another account gets another key).
const basePermissionsCache = new BoundedCache<string, readonly PermissionRequirement[]>(
  'base permissions',
  100,
);

/** The six actions on their baseline resources. */
function basePermissions(
  partition: string,
  region: string,
  accountId: string,
): readonly PermissionRequirement[] {
  const key = `${partition}:${region}:${accountId}`;
  let permissions = basePermissionsCache.get(key);
  if (permissions === undefined) {
    permissions = Object.freeze(
      EXECUTION_ROLE_ACTIONS.map((action) =>
        Object.freeze({
          kind: 'permission' as const,
          id: 'EXEC_PERMISSIONS' as const,
          action,
          resource: baseResource(action, partition, region, accountId),
          neededBy: Object.freeze([BASE_CONSUMER]),
        }),
      ),
    );
    basePermissionsCache.set(key, permissions);
  }
  return permissions;
}

const ATTACHMENT: AttachmentRequirement = Object.freeze({
  kind: 'attachment',
  id: 'MANAGED_POLICY_ATTACHED',
  policyName: 'AmazonECSTaskExecutionRolePolicy',
  policyPath: '/service-role/',
});

/** A secret as grants are checked: the ARN written, whether it lacks its suffix, its full ARN if resolved. */
type SecretTarget = Pick<SecretReference, 'arn' | 'isPartial' | 'resolvedSecretArn'>;

/**
 * The resource a secret grant must cover: the full ARN when known (written, or resolved by DescribeSecret);
 * otherwise Secrets Manager's `-` and six random characters after a name, which only a wildcard grant covers.
 */
export function secretPattern(reference: SecretTarget): string {
  if (reference.resolvedSecretArn !== undefined) return reference.resolvedSecretArn;
  return reference.isPartial ? `${reference.arn}-??????` : reference.arn;
}

/**
 * The requirements for one candidate role: without usage, the six actions on every resource; with usage, each
 * action on what its consumers use (a secret named without suffix on its `resolvedSecretArn`, else on
 * `NAME-??????`). A secret or parameter whose KMS key is absent from `keys` fails closed (KMS_DECRYPT).
 */
export function requirementsFor(
  role: RoleSnapshot,
  usage: RoleUsage | undefined,
  keys: KeyMetadata,
  params: RuleParameters,
  // Every ARN in `usage` is already resolved against the rule's location by extractUsage; the region here
  // places the baseline of a role without consumers.
  location: RuleLocation,
): Requirement[] {
  const head: Requirement[] = [params.requireConfusedDeputyCondition ? TRUST_HARDENED : TRUST_PLAIN];
  if (params.requireManagedPolicy) head.push(ATTACHMENT);
  const consumers = usage?.consumers ?? [];
  const hasParameterGrants =
    params.secretArns.length > 0 || params.parameterArns.length > 0 || params.kmsKeyArns.length > 0;
  if (consumers.length === 0 && !hasParameterGrants)
    return [...head, ...basePermissions(role.partition, location.region, role.accountId)];

  const collector = new RequirementCollector();
  if (consumers.length === 0) {
    head.push(...basePermissions(role.partition, location.region, role.accountId));
  } else {
    addExecutionPermissions(collector, consumers, role.accountId);
    if (params.guardDutyRuntimeMonitoring) addGuardDutyAgent(collector, consumers, role.partition);
    for (const usage of consumers) {
      const { consumer, secrets, registryCredentials, invalidReferences } = usage;
      for (const reference of registryCredentials) {
        collector.permission(
          'REGISTRY_CREDENTIALS',
          'secretsmanager:GetSecretValue',
          secretPattern(reference),
          consumer,
        );
        addDecrypt(collector, reference.arn, 'secretsmanager', reference, keys, role, consumer);
      }
      for (const reference of secrets) addSecret(collector, reference, keys, role, consumer);
      addEcsFileNeeds(collector, usage, keys, role, location);
      for (const invalid of invalidReferences) {
        collector.unverifiable(
          invalid.id,
          undefined,
          `${invalid.field} ${JSON.stringify(invalid.valueFrom)}`,
          `names nothing the ECS agent can fetch (it ${invalid.problem})`,
          consumer,
        );
      }
    }
  }
  addRuleParameterGrants(collector, params, keys, role);
  return [...head, ...collector.requirements()];
}

function addExecutionPermissions(
  collector: RequirementCollector,
  consumers: readonly ConsumerUsage[],
  accountId: string,
): void {
  const ecrConsumers = consumers.filter((usage) => usage.ecrRepositories.length > 0);
  // Every candidate keeps the token grant: any ECR pull starts with it, and it takes only `*`.
  for (const consumer of ecrConsumers.length > 0
    ? ecrConsumers.map((usage) => usage.consumer)
    : [BASE_CONSUMER]) {
    collector.permission('EXEC_PERMISSIONS', 'ecr:GetAuthorizationToken', '*', consumer);
  }
  for (const usage of consumers) {
    const { consumer, ecrRepositories, logGroups, createdLogGroups } = usage;
    for (const repository of ecrRepositories) {
      // Another account's repository is a need of its own: the role must name it (a grant scoped to the
      // team's account misses it), and its owner's repository policy must allow the role too.
      const id = repositoryAccount(repository) === accountId ? 'EXEC_PERMISSIONS' : 'CROSS_ACCOUNT_IMAGE';
      for (const action of ECR_PULL_ACTIONS) collector.permission(id, action, repository, consumer);
    }
    for (const repository of usage.pullThroughCacheRepositories) {
      // The first pull imports the upstream image and, for a new upstream repository, creates the cache
      // repository: both with the execution role, on the cache repository's ARN.
      for (const action of PULL_THROUGH_CACHE_ACTIONS)
        collector.permission('PULL_THROUGH_CACHE', action, repository, consumer);
    }
    for (const logGroup of logGroups) {
      // Both actions are authorised on the log stream; the stream name is chosen at runtime.
      for (const action of LOG_ACTIONS) {
        collector.permission('EXEC_PERMISSIONS', action, `${logGroup}:log-stream:*`, consumer);
      }
    }
    for (const logGroup of createdLogGroups) {
      // The resource AWS names when it denies CreateLogGroup here carries an empty log-stream part.
      collector.permission('LOG_GROUP_CREATION', 'logs:CreateLogGroup', `${logGroup}:log-stream:`, consumer);
    }
  }
}

/** The account of `arn:PARTITION:ecr:REGION:ACCOUNT:repository/NAME`. */
function repositoryAccount(repositoryArn: string): string | undefined {
  return repositoryArn.split(':')[4];
}

/**
 * GuardDuty Runtime Monitoring adds a sidecar to every Fargate task, pulled with the execution role from the
 * GuardDuty account's `aws-guardduty-agent-fargate` repository of the task's region. A region the copied table
 * lacks cannot be checked: unverifiable, never assumed fine.
 */
function addGuardDutyAgent(
  collector: RequirementCollector,
  consumers: readonly ConsumerUsage[],
  partition: string,
): void {
  for (const { consumer, fargateRegion } of consumers) {
    if (fargateRegion === undefined) continue;
    const repository = guardDutyAgentRepositoryArn(partition, fargateRegion);
    if (repository === undefined) {
      collector.unverifiable(
        'GUARDDUTY_AGENT_IMAGE',
        undefined,
        fargateRegion,
        `has no GuardDuty agent repository account in the table copied from ${GUARDDUTY_AGENT_SOURCE_URL}, ` +
          'so the sidecar pull cannot be checked',
        consumer,
      );
      continue;
    }
    // Any ECR pull starts with a registry token, which takes only `*`.
    collector.permission('EXEC_PERMISSIONS', 'ecr:GetAuthorizationToken', '*', consumer);
    for (const action of ECR_PULL_ACTIONS)
      collector.permission('GUARDDUTY_AGENT_IMAGE', action, repository, consumer);
  }
}

/**
 * What ECS task definitions alone ask of the role: the S3 reads of environment files, FireLens config files
 * and gMSA credential specs, the parameters and secrets of credential specs and FSx for Windows volumes, and
 * fsx:DescribeFileSystems for FSx volumes. Each under its own finding id.
 */
function addEcsFileNeeds(
  collector: RequirementCollector,
  { consumer, s3Objects, featureSecrets, fsxFileSystems }: ConsumerUsage,
  keys: KeyMetadata,
  role: RoleSnapshot,
  location: RuleLocation,
): void {
  for (const object of s3Objects) {
    collector.permission(object.id, 's3:GetObject', object.objectArn, consumer);
    if (object.needsBucketLocation)
      collector.permission(object.id, 's3:GetBucketLocation', object.bucketArn, consumer);
    addObjectDecrypt(collector, object, role, location, consumer);
  }
  for (const reference of featureSecrets) {
    addSecret(collector, reference, keys, role, consumer, reference.id);
  }
  // Checked on `*`, not on the file system's ARN: whether fsx:DescribeFileSystems takes a resource ("Actions,
  // resources, and condition keys for Amazon FSx", https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonfsx.html)
  // could not be settled from the pages at hand. If it does not, AWS weighs the request against `*` and a grant
  // scoped to the ARN would not start the task, so only a grant covering `*` is proof (fail closed); a role scoped
  // to the ARN is reported, which costs a false alarm at worst, never a false COMPLIANT.
  if (fsxFileSystems.length > 0) {
    collector.permission('FSX_WINDOWS_CREDENTIALS', 'fsx:DescribeFileSystems', '*', consumer);
  }
}

/**
 * kms:Decrypt for an S3 object the agent downloads: S3 decrypts an SSE-KMS object with the caller's
 * credentials, so GetObject also needs kms:Decrypt on the key ("Using server-side encryption with AWS KMS
 * keys", https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html). Judged from the
 * bucket's default encryption: nothing for SSE-S3 or the AWS managed key aws/s3 (its key policy allows the
 * account's principals through S3), the key ARN for a customer managed key, unverifiable when the default
 * is unknown. Limit: an object uploaded with another key than the bucket default is not seen (its metadata
 * needs s3:GetObject on the object, which the rule does not take).
 */
function addObjectDecrypt(
  collector: RequirementCollector,
  object: S3ObjectReference,
  role: RoleSnapshot,
  location: RuleLocation,
  consumer: Consumer,
): void {
  const encryption = object.bucketEncryption;
  if (encryption === undefined || encryption.status === 'unreadable') {
    const why = encryption?.detail ?? 's3:GetEncryptionConfiguration was not read for it';
    collector.unverifiable(
      'KMS_DECRYPT',
      'kms:Decrypt',
      object.bucketArn,
      `cannot be checked: its default encryption is unknown (${why}), so whether its objects need a KMS key is too`,
      consumer,
    );
    return;
  }
  if (encryption.algorithm === 'AES256' || encryption.algorithm === 'none') return;
  const key = encryption.kmsKeyId;
  if (key === undefined || key === '' || isAwsManagedAlias(key)) return;
  const [, partition = ''] = object.bucketArn.split(':');
  // A bare key id names a key of the bucket's region and account (the reader reads the account's buckets only).
  const region = encryption.region ?? location.region;
  const keyArn = toKeyArn(key, partition, region, role.accountId);
  if (keyArn === undefined) {
    collector.unverifiable(
      'KMS_DECRYPT',
      'kms:Decrypt',
      object.bucketArn,
      `cannot be checked: its default KMS key is named by alias ${JSON.stringify(key)}, and IAM authorises kms:Decrypt on the key ARN`,
      consumer,
    );
    return;
  }
  const keyRegion = keyArn.split(':')[3] ?? '';
  const context: Record<string, readonly string[]> = { 'kms:CallerAccount': [role.accountId] };
  // S3 calls KMS from the key's (= the bucket's) region. The `aws:s3:arn` encryption context is the object
  // ARN, or the bucket ARN when the object was written with an S3 Bucket Key: per object, so left unknown
  // and a key policy condition on it fails closed.
  if (partition === 'aws') context['kms:ViaService'] = [`s3.${keyRegion}.amazonaws.com`];
  collector.permission('KMS_DECRYPT', 'kms:Decrypt', keyArn, consumer, context);
}

/** The grants of one secret reference; `id` overrides the secrets' own ids for the needs of ECS features. */
function addSecret(
  collector: RequirementCollector,
  reference: SecretReference,
  keys: KeyMetadata,
  role: RoleSnapshot,
  consumer: Consumer,
  id?: FindingId,
): void {
  if (reference.service === 'secretsmanager') {
    collector.permission(
      id ?? 'SECRETS_MANAGER',
      'secretsmanager:GetSecretValue',
      secretPattern(reference),
      consumer,
    );
    addDecrypt(collector, reference.arn, 'secretsmanager', reference, keys, role, consumer);
    return;
  }
  collector.permission(id ?? 'SECRETS_SSM', 'ssm:GetParameters', reference.arn, consumer);
  if (reference.passThroughSecretArn) {
    // Parameter Store fetches the secret with the caller's credentials: both grants are needed.
    const secret: SecretTarget = {
      arn: reference.passThroughSecretArn,
      isPartial: true,
      ...(reference.resolvedSecretArn !== undefined && { resolvedSecretArn: reference.resolvedSecretArn }),
    };
    collector.permission(
      id ?? 'SECRETS_MANAGER',
      'secretsmanager:GetSecretValue',
      secretPattern(secret),
      consumer,
    );
    addDecrypt(collector, secret.arn, 'secretsmanager', secret, keys, role, consumer);
    return;
  }
  addDecrypt(collector, reference.arn, 'ssm', reference, keys, role, consumer);
}

/**
 * kms:Decrypt on the key protecting `lookupArn`: nothing for an AWS managed key (null), the key ARN for a
 * customer managed key, and an unverifiable requirement when the key is unknown (absent from `keys`).
 */
function addDecrypt(
  collector: RequirementCollector,
  lookupArn: string,
  via: 'secretsmanager' | 'ssm',
  reference: SecretTarget,
  keys: KeyMetadata,
  role: RoleSnapshot,
  consumer: Consumer,
): void {
  if (!keys.has(lookupArn)) {
    collector.unverifiable(
      'KMS_DECRYPT',
      'kms:Decrypt',
      lookupArn,
      'cannot be checked: the KMS key protecting it could not be determined',
      consumer,
    );
    return;
  }
  const key = keys.get(lookupArn) ?? null;
  if (key === null || isAwsManagedAlias(key)) return;
  const [, partition = '', , region = '', account = ''] = lookupArn.split(':');
  const keyArn = toKeyArn(key, partition, region, account);
  if (keyArn === undefined) {
    collector.unverifiable(
      'KMS_DECRYPT',
      'kms:Decrypt',
      lookupArn,
      `cannot be checked: its KMS key is named by alias ${JSON.stringify(key)}, and IAM authorises kms:Decrypt on the key ARN`,
      consumer,
    );
    return;
  }
  collector.permission(
    'KMS_DECRYPT',
    'kms:Decrypt',
    keyArn,
    consumer,
    decryptContext(via, reference, region, partition, role),
  );
}

/**
 * What KMS sees when Secrets Manager or Parameter Store decrypts for the role: the calling service and
 * the encryption context they document. An unresolved partial ARN lacks the secret's suffix: left out.
 */
function decryptContext(
  via: 'secretsmanager' | 'ssm',
  reference: SecretTarget,
  region: string,
  partition: string,
  role: RoleSnapshot,
): Record<string, readonly string[]> {
  const context: Record<string, readonly string[]> = { 'kms:CallerAccount': [role.accountId] };
  // kms:ViaService is `SERVICE.REGION.amazonaws.com` in the aws partition; other partitions stay unknown.
  if (partition === 'aws') context['kms:ViaService'] = [`${via}.${region}.amazonaws.com`];
  if (via === 'ssm') context['kms:EncryptionContext:PARAMETER_ARN'] = [reference.arn];
  else if (reference.resolvedSecretArn !== undefined || !reference.isPartial) {
    context['kms:EncryptionContext:SecretARN'] = [secretPattern(reference)];
  }
  return context;
}

function isAwsManagedAlias(key: string): boolean {
  return /(^|:)alias\/aws\//.test(key);
}

/** A key ARN from a key ARN or bare key id; undefined for a customer alias (its key is unknown). */
function toKeyArn(key: string, partition: string, region: string, account: string): string | undefined {
  if (/^arn:[^:]+:kms:[^:]+:\d{12}:key\/.+$/.test(key)) return key;
  if (/^(mrk-)?[0-9a-f-]{32,36}$/i.test(key)) return `arn:${partition}:kms:${region}:${account}:key/${key}`;
  return undefined;
}

const SECRET_ARNS: Consumer = Object.freeze({ kind: 'rule-parameter', name: 'SecretArns' });
const PARAMETER_ARNS: Consumer = Object.freeze({ kind: 'rule-parameter', name: 'ParameterArns' });
const KMS_KEY_ARNS: Consumer = Object.freeze({ kind: 'rule-parameter', name: 'KmsKeyArns' });

function addRuleParameterGrants(
  collector: RequirementCollector,
  params: RuleParameters,
  keys: KeyMetadata,
  role: RoleSnapshot,
): void {
  const secretArns = SECRET_ARNS;
  for (const arn of params.secretArns) {
    collector.permission('SECRETS_MANAGER', 'secretsmanager:GetSecretValue', arn, secretArns);
    // A pattern cannot be described; its keys come from KmsKeyArns.
    if (!arn.includes('*') && !arn.includes('?'))
      addDecrypt(collector, arn, 'secretsmanager', { arn }, keys, role, secretArns);
  }
  const parameterArns = PARAMETER_ARNS;
  for (const arn of params.parameterArns) {
    collector.permission('SECRETS_SSM', 'ssm:GetParameters', arn, parameterArns);
    if (!arn.includes('*') && !arn.includes('?'))
      addDecrypt(collector, arn, 'ssm', { arn }, keys, role, parameterArns);
  }
  const kmsKeyArns = KMS_KEY_ARNS;
  for (const arn of params.kmsKeyArns) collector.permission('KMS_DECRYPT', 'kms:Decrypt', arn, kmsKeyArns);
}

interface Entry {
  readonly requirement: PermissionRequirement | UnverifiableRequirement;
  readonly id: FindingId;
  /** Context (JSON) or problem text: what else must be equal for two requirements to merge. */
  readonly detail: string;
  /** Consumers by identity: extractUsage gives each consumer one object. */
  readonly consumers: Set<Consumer>;
}

/**
 * Merges identical requirements, keeping every consumer that needs them, in first-seen order. Keyed by
 * resource then action with existing strings (no concatenation): this runs for every candidate of a sweep.
 */
class RequirementCollector {
  readonly #byResource = new Map<string, Map<string, Entry[]>>();
  readonly #order: Entry[] = [];

  permission(
    id: FindingId,
    action: string,
    resource: string,
    consumer: Consumer,
    context?: Record<string, readonly string[]>,
  ): void {
    this.#add(id, action, resource, context ? JSON.stringify(context) : '', consumer, () => ({
      kind: 'permission',
      id,
      action,
      resource,
      neededBy: [],
      ...(context ? { context } : {}),
    }));
  }

  unverifiable(
    id: FindingId,
    action: string | undefined,
    subject: string,
    problem: string,
    consumer: Consumer,
  ): void {
    // Subjects never look like permission resources (`u:` cannot start an ARN or `*`): no collisions.
    this.#add(id, action ?? '', `u:${subject}`, problem, consumer, () => ({
      kind: 'unverifiable',
      id,
      ...(action ? { action } : {}),
      subject,
      problem,
      neededBy: [],
    }));
  }

  requirements(): Requirement[] {
    return this.#order.map(({ requirement, consumers }) => ({ ...requirement, neededBy: [...consumers] }));
  }

  #add(
    id: FindingId,
    action: string,
    resource: string,
    detail: string,
    consumer: Consumer,
    create: () => PermissionRequirement | UnverifiableRequirement,
  ): void {
    let byAction = this.#byResource.get(resource);
    if (!byAction) this.#byResource.set(resource, (byAction = new Map()));
    let entries = byAction.get(action);
    if (!entries) byAction.set(action, (entries = []));
    let entry = entries.find((candidate) => candidate.id === id && candidate.detail === detail);
    if (!entry) {
      entry = { requirement: create(), id, detail, consumers: new Set() };
      entries.push(entry);
      this.#order.push(entry);
    }
    entry.consumers.add(consumer);
  }
}
