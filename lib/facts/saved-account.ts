/**
 * The reader ports over an account saved to files (the audit's --input, --job-definitions,
 * --task-definitions and --keys, already parsed and checked by cli/audit-input.ts): the offline audit
 * gathers its facts through lib/facts/gather.ts exactly as the live audit and the Config runner do.
 */
import { RoleNotFoundError } from '../core/errors';
import type { RoleSnapshot } from '../core/model';
import type {
  BatchJobDefinition,
  BucketEncryption,
  BucketEncryptions,
  EcsTaskDefinition,
  PullThroughCachePrefixes,
  SecretMetadata,
} from '../usage/types';
import type { IamReader, RoleDescription, UsageReader } from './ports';

/** What the saved files hold, parsed. */
export interface SavedAccount {
  /** The roles of `aws iam get-account-authorization-details`, as complete snapshots. */
  readonly roles: readonly RoleSnapshot[];
  readonly jobDefinitions: readonly BatchJobDefinition[];
  readonly taskDefinitions: readonly EcsTaskDefinition[];
  /** The --keys file, as DescribeSecret / DescribeParameters would answer it. */
  readonly secretMetadata: SecretMetadata;
  /**
   * The --pull-through-cache-rules file's prefixes by region, as DescribePullThroughCacheRules would answer;
   * absent: no rules known (the CLI says so when it matters).
   */
  readonly pullThroughCachePrefixes?: PullThroughCachePrefixes;
  /**
   * The --bucket-encryption file, as GetBucketEncryption would answer, by bucket ARN; absent: no file given.
   * A bucket it lacks is unknown (its kms:Decrypt need unverifiable), never taken as unencrypted.
   */
  readonly bucketEncryptions?: BucketEncryptions;
}

/** IamReader over saved snapshots: every answer comes from the file, none from AWS. */
export class SavedIamReader implements IamReader {
  constructor(private readonly roles: readonly RoleSnapshot[]) {}

  async loadAllRoles(onProgress?: (rolesRead: number) => void): Promise<RoleSnapshot[]> {
    onProgress?.(this.roles.length);
    return [...this.roles];
  }

  /** The saved snapshot of the described role: the file already holds its managed policy documents. */
  async completeRole(description: RoleDescription, accountId: string): Promise<RoleSnapshot> {
    const role = this.roles.find((saved) => saved.arn === description.arn && saved.accountId === accountId);
    if (role === undefined) throw new RoleNotFoundError(description.arn);
    return role;
  }

  /** By RoleId, by name (case-insensitive, as IAM names are unique that way) or by exact ARN. */
  async findRole(idNameOrArn: string): Promise<RoleSnapshot | undefined> {
    const wanted = idNameOrArn.toLowerCase();
    return (
      this.roles.find((role) => role.roleId === idNameOrArn || role.arn === idNameOrArn) ??
      this.roles.find((role) => role.roleName.toLowerCase() === wanted)
    );
  }
}

/**
 * UsageReader over saved definitions and keys. A file lists what it lists: the job definitions are every
 * revision saved (the usage extraction keeps the ACTIVE ones), and describeKeys answers with the whole
 * --keys file, of which the requirements look up only the ARNs they reference.
 */
export class SavedUsageReader implements UsageReader {
  constructor(private readonly account: Omit<SavedAccount, 'roles'>) {}

  async listActiveJobDefinitions(): Promise<BatchJobDefinition[]> {
    return [...this.account.jobDefinitions];
  }

  async listLatestTaskDefinitions(): Promise<EcsTaskDefinition[]> {
    return [...this.account.taskDefinitions];
  }

  async describeKeys(): Promise<SecretMetadata> {
    return this.account.secretMetadata;
  }

  async pullThroughCachePrefixes(region: string): Promise<readonly string[]> {
    return this.account.pullThroughCachePrefixes?.get(region) ?? [];
  }

  async bucketEncryption(bucketArn: string): Promise<BucketEncryption> {
    const given = this.account.bucketEncryptions;
    return (
      given?.get(bucketArn) ?? {
        status: 'unreadable',
        detail:
          given === undefined
            ? 'offline: no --bucket-encryption file was given'
            : 'offline: the --bucket-encryption file does not list this bucket',
      }
    );
  }
}

/** Both reader ports over one saved account. */
export function savedAccountReaders(account: SavedAccount): { iam: IamReader; usage: UsageReader } {
  return { iam: new SavedIamReader(account.roles), usage: new SavedUsageReader(account) };
}
