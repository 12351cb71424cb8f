/**
 * The reader ports fact gathering reads AWS through (lib/facts/gather.ts). lib/aws implements them with the
 * SDK, lib/facts/saved-account.ts with saved CLI output, tests with plain objects. Every method fails with a
 * named error (see lib/core/errors.ts) rather than returning a partial answer.
 */
import type { RawPolicyDocument, RoleSnapshot } from '../core/model';
import type { BatchJobDefinition, BucketEncryption, EcsTaskDefinition, SecretMetadata } from '../usage/types';

export interface ManagedPolicyDocument {
  readonly arn: string;
  readonly name: string;
  readonly defaultVersionId: string;
  readonly document: RawPolicyDocument;
}

/** The role as a configuration item describes it, before managed policy documents are fetched. */
export interface RoleDescription {
  readonly roleName: string;
  readonly roleId: string;
  readonly arn: string;
  readonly path: string;
  readonly trustPolicy: RawPolicyDocument;
  readonly inlinePolicies: readonly { readonly name: string; readonly document: RawPolicyDocument }[];
  readonly attachedManagedPolicyArns: readonly string[];
  readonly permissionsBoundaryArn?: string;
  readonly tags: Readonly<Record<string, string>>;
}

export interface IamReader {
  /**
   * Every role in the account with complete snapshots, for a periodic sweep: GetAccountAuthorizationDetails
   * (roles + customer managed policies), plus the attached AWS managed policies fetched once each.
   * `onProgress` reports roles read so far.
   */
  loadAllRoles(onProgress?: (rolesRead: number) => void): Promise<RoleSnapshot[]>;
  /** Completes a description (from a configuration item) with managed policy and boundary documents. */
  completeRole(description: RoleDescription, accountId: string): Promise<RoleSnapshot>;
  /** One role by RoleId (`AROA...`), name, or ARN; undefined when no such role exists in this account. */
  findRole(idNameOrArn: string): Promise<RoleSnapshot | undefined>;
}

export interface UsageReader {
  /** Every ACTIVE Batch job definition (all pages). */
  listActiveJobDefinitions(): Promise<BatchJobDefinition[]>;
  /** The latest ACTIVE revision of every ECS task definition family. */
  listLatestTaskDefinitions(): Promise<EcsTaskDefinition[]>;
  /**
   * KMS key of each Secrets Manager secret / SSM parameter ARN (DescribeSecret / DescribeParameters metadata
   * only, never values; null = AWS managed key), and the full ARN of each secret asked about by partial ARN
   * (same calls). A resource that cannot be described is absent from both.
   */
  describeKeys(refs: {
    readonly secretArns: readonly string[];
    readonly parameterArns: readonly string[];
  }): Promise<SecretMetadata>;
  /**
   * The `ecrRepositoryPrefix` of every pull through cache rule of this account's private registry in `region`
   * (ecr:DescribePullThroughCacheRules, all pages); read at most once per region by one reader.
   */
  pullThroughCachePrefixes(region: string): Promise<readonly string[]>;
  /**
   * The default encryption of bucket `bucketArn` (s3:GetEncryptionConfiguration, configuration only, never an
   * object); read at most once per bucket by one reader. A bucket that cannot be read (denied, another
   * account's, gone) answers `unreadable` naming why; other failures throw.
   */
  bucketEncryption(bucketArn: string): Promise<BucketEncryption>;
}
