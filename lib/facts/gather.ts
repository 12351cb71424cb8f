/**
 * Fact gathering: everything a verdict needs beyond the role itself, read through the reader ports
 * (lib/facts/ports.ts). The Config runner, the remediation and the audit CLI all gather here, whether the
 * readers are the SDK adapters (lib/aws) or saved files (lib/facts/saved-account.ts), so that all three
 * judge a role from the same facts.
 */
import { MissingPermissionError } from '../core/errors';
import type { RuleParameters } from '../parameters';
import {
  applyBucketEncryption,
  applyPullThroughCacheRules,
  collectSecretRefs,
  extractUsage,
  ownRegistryRegions,
  referencedBucketArns,
  resolveSecretReferences,
  type RoleUsage,
} from '../usage';
import type {
  BatchJobDefinition,
  BucketEncryption,
  BucketEncryptions,
  EcsTaskDefinition,
  KeyMetadata,
  RuleLocation,
  SecretMetadata,
} from '../usage/types';
import type {
  LayerFacts,
  LayerRead,
  LayerTarget,
  OrganizationPolicyReader,
  OrganizationRead,
  ResourcePolicyReader,
} from './layer-ports';
import type { UsageReader } from './ports';

/** Usage per role ARN, computed once per invocation. */
export type UsageIndex = ReadonlyMap<string, RoleUsage>;

/** What the rule knows about the account beyond the roles themselves. */
export interface UsageFacts {
  readonly jobDefinitions: readonly BatchJobDefinition[];
  readonly taskDefinitions: readonly EcsTaskDefinition[];
  readonly keys: KeyMetadata;
}

/** The usage index (secret references resolved) and the KMS keys the requirements look up. */
export interface GatheredUsage {
  readonly index: UsageIndex;
  readonly keys: KeyMetadata;
}

/** Indexes job and task definitions by the execution role they name. */
export function indexUsage(
  facts: Pick<UsageFacts, 'jobDefinitions' | 'taskDefinitions'>,
  location: RuleLocation,
): UsageIndex {
  return extractUsage(facts.jobDefinitions, facts.taskDefinitions, location);
}

/** Every secret and parameter ARN whose KMS key must be described. */
export function secretRefsOf(usage: UsageIndex): { secretArns: string[]; parameterArns: string[] } {
  return collectSecretRefs(usage);
}

/** Lists the consumers the parameters discover and indexes them by the execution role they name. */
export async function readUsageIndex(
  usage: UsageReader,
  params: RuleParameters,
  location: RuleLocation,
): Promise<UsageIndex> {
  const [jobDefinitions, taskDefinitions] = await Promise.all([
    params.discoverBatchJobDefinitions ? usage.listActiveJobDefinitions() : Promise.resolve([]),
    params.discoverEcsTaskDefinitions ? usage.listLatestTaskDefinitions() : Promise.resolve([]),
  ]);
  return indexUsage({ jobDefinitions, taskDefinitions }, location);
}

const NO_SECRET_METADATA: SecretMetadata = Object.freeze({ keys: new Map(), resolvedArns: new Map() });

/**
 * KMS keys of every secret and parameter `index` references, plus SecretArns and ParameterArns, and the full
 * ARN of each secret named without its suffix: one DescribeSecret / DescribeParameters pass answers both.
 */
export async function describeKeysFor(
  usage: UsageReader,
  index: UsageIndex,
  params: RuleParameters,
): Promise<SecretMetadata> {
  const refs = secretRefsOf(index);
  const secretArns = [...new Set([...refs.secretArns, ...params.secretArns])];
  const parameterArns = [...new Set([...refs.parameterArns, ...params.parameterArns])];
  if (secretArns.length === 0 && parameterArns.length === 0) return NO_SECRET_METADATA;
  return usage.describeKeys({ secretArns, parameterArns });
}

/**
 * The index with each consumer's pull through cache repositories: the cache rules of the account's own
 * registry are read in every region `scope` (default: the whole index) pulls from it, once per region.
 */
export async function withPullThroughCache(
  usage: UsageReader,
  index: UsageIndex,
  location: RuleLocation,
  scope: UsageIndex = index,
): Promise<UsageIndex> {
  const regions = ownRegistryRegions(scope, location.accountId);
  if (regions.length === 0) return index;
  const prefixes = await Promise.all(
    regions.map(async (region) => [region, await usage.pullThroughCachePrefixes(region)] as const),
  );
  return applyPullThroughCacheRules(index, new Map(prefixes), location.accountId);
}

/**
 * The default encryption of every bucket `scope` (default: the whole index) fetches S3 objects from, read
 * once per distinct bucket: whether its environment files, FireLens configs and credential specs need
 * kms:Decrypt (lib/requirements/derive.ts).
 */
export async function readBucketEncryption(
  usage: UsageReader,
  scope: UsageIndex,
): Promise<BucketEncryptions> {
  const buckets = referencedBucketArns(scope);
  const reads = await Promise.all(buckets.map((bucket) => usage.bucketEncryption(bucket)));
  return new Map(buckets.map((bucket, i) => [bucket, reads[i] as BucketEncryption]));
}

/** The index with each S3 object given its bucket's default encryption (see readBucketEncryption). */
export function withBucketEncryption(index: UsageIndex, encryptions: BucketEncryptions): UsageIndex {
  return applyBucketEncryption(index, encryptions);
}

/**
 * Reads the facts the requirements depend on for a whole account: job/task definitions, the KMS keys of
 * their secrets, the full ARNs of secrets they name without a suffix (applied to the index, see
 * resolveSecretReferences), the pull through cache rules of the registry they pull from, and the default
 * encryption of the buckets their S3 files live in.
 */
export async function gatherUsage(
  usage: UsageReader,
  params: RuleParameters,
  location: RuleLocation,
): Promise<GatheredUsage> {
  const read = await readUsageIndex(usage, params, location);
  const [{ keys, resolvedArns }, index, encryptions] = await Promise.all([
    describeKeysFor(usage, read, params),
    withPullThroughCache(usage, read, location),
    readBucketEncryption(usage, read),
  ]);
  return { index: withBucketEncryption(resolveSecretReferences(index, resolvedArns), encryptions), keys };
}

/** The readers of the layers beyond the role; `organization` only when OrganizationPolicies is on. */
export interface LayerReaders {
  readonly resources: ResourcePolicyReader;
  readonly organization?: OrganizationPolicyReader;
}

/**
 * Reads each distinct layer once: the key, secret, repository, registry and bucket policies `targets` name
 * (lib/rule/layer-targets.ts picks them from the requirements), and the SCPs and RCPs of `accountId` when
 * the parameters turn them on. Per invocation only: a policy edited between two invocations must count,
 * so nothing read here outlives the call (the readers' caches die with them; parsed texts are cached by
 * text in lib/rule/layered-permission.ts).
 */
export async function gatherLayers(
  readers: LayerReaders,
  targets: Iterable<LayerTarget>,
  accountId: string,
  params: RuleParameters,
): Promise<LayerFacts> {
  const list = [...targets];
  const reads = await Promise.all(list.map((target) => readTarget(readers.resources, target)));
  const resourcePolicies = new Map<string, LayerRead>(
    list.map((target, i) => [target.key, reads[i] as LayerRead]),
  );
  const organization = await readOrganization(readers.organization, accountId, params);
  return organization ? { resourcePolicies, organization } : { resourcePolicies };
}

function readTarget(reader: ResourcePolicyReader, target: LayerTarget): Promise<LayerRead> {
  switch (target.kind) {
    case 'keyPolicy':
      return reader.keyPolicy(target.arn);
    case 'secretPolicy':
      return reader.secretPolicy(target.arn);
    case 'repositoryPolicy':
      return reader.repositoryPolicy(target.arn);
    case 'registryPolicy':
      return reader.registryPolicy(target.ownerAccountId, target.region);
    case 'bucketPolicy':
      return reader.bucketPolicy(target.arn);
  }
}

/** The organization's policies; a refused read is an unreadable layer (named), other failures throw. */
async function readOrganization(
  reader: OrganizationPolicyReader | undefined,
  accountId: string,
  params: RuleParameters,
): Promise<OrganizationRead | undefined> {
  if (params.organizationPolicies.mode === 'off') return undefined;
  if (reader === undefined) {
    return { status: 'unreadable', detail: 'no reader of organization policies was configured' };
  }
  try {
    return { status: 'read', policies: await reader.policiesFor(accountId) };
  } catch (error) {
    if (error instanceof MissingPermissionError) return { status: 'unreadable', detail: error.message };
    throw error;
  }
}
