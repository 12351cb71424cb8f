/**
 * UsageReader over Batch, ECS, Secrets Manager, SSM, ECR and S3: who uses execution roles, which KMS keys
 * protect the secrets they pull and the buckets of the files they fetch, and the full ARNs of secrets they
 * name. Only metadata and configuration are read, never a value or an object.
 */
import { DescribeJobDefinitionsCommand, type JobDefinition } from '@aws-sdk/client-batch';
import {
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionFamiliesCommand,
  type TaskDefinition,
} from '@aws-sdk/client-ecs';
import { DescribePullThroughCacheRulesCommand } from '@aws-sdk/client-ecr';
import { GetBucketEncryptionCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand, type ParameterMetadata } from '@aws-sdk/client-ssm';
import { AwsCallError } from '../core/errors';
import type { UsageReader } from '../facts/ports';
import { isFullSecretArnOf } from '../usage/resolve';
import type { BatchJobDefinition, BucketEncryption, EcsTaskDefinition, SecretMetadata } from '../usage/types';
import { parseArn, type ParsedArn } from './arn';
import type { AwsClients } from './clients';
import { mapWithConcurrency } from './concurrency';
import { awsErrorName, callAws, callAwsUnlessAbsent, classifyAwsError, isAccessDenied } from './errors';

// DescribeJobDefinitions and ListTaskDefinitionFamilies return at most 100 items per page.
const PAGE_SIZE = 100;
// DescribeParameters takes at most 10 values per ParameterFilter and returns at most 50 per page.
const PARAMETER_NAMES_PER_CALL = 10;
const PARAMETERS_PER_PAGE = 50;
const DESCRIBE_CONCURRENCY = 5;
// DescribePullThroughCacheRules takes maxResults from 1 to 1000.
const CACHE_RULES_PER_PAGE = 1000;

/** Where the rule runs: resources of other accounts cannot be described and are left out. */
export interface UsageReaderOptions {
  readonly accountId: string;
}

/** Reads job definitions, task definitions, secret metadata and pull through cache rules with the SDK. */
export class AwsUsageReader implements UsageReader {
  // One reader serves one invocation: each region's rules are read once, a failed read is tried again.
  private readonly cacheRules = new Map<string, Promise<readonly string[]>>();
  private readonly bucketEncryptions = new Map<string, Promise<BucketEncryption>>();

  constructor(
    private readonly clients: AwsClients,
    private readonly options: UsageReaderOptions,
  ) {}

  async listActiveJobDefinitions(): Promise<BatchJobDefinition[]> {
    const result: BatchJobDefinition[] = [];
    let nextToken: string | undefined;
    do {
      const page = await callAws('batch:DescribeJobDefinitions', () =>
        this.clients.batch.send(
          new DescribeJobDefinitionsCommand({ status: 'ACTIVE', maxResults: PAGE_SIZE, nextToken }),
        ),
      );
      for (const definition of page.jobDefinitions ?? []) result.push(toBatchJobDefinition(definition));
      nextToken = page.nextToken;
    } while (nextToken !== undefined && nextToken !== '');
    return result;
  }

  async listLatestTaskDefinitions(): Promise<EcsTaskDefinition[]> {
    const families: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await callAws('ecs:ListTaskDefinitionFamilies', () =>
        this.clients.ecs.send(
          new ListTaskDefinitionFamiliesCommand({ status: 'ACTIVE', maxResults: PAGE_SIZE, nextToken }),
        ),
      );
      families.push(...(page.families ?? []));
      nextToken = page.nextToken;
    } while (nextToken !== undefined && nextToken !== '');

    const latest = await mapWithConcurrency(families, DESCRIBE_CONCURRENCY, (family) =>
      // A bare family name resolves to its latest ACTIVE revision. ClientException: the family's last
      // revision was deregistered after the listing, so it has no ACTIVE revision left.
      callAwsUnlessAbsent('ecs:DescribeTaskDefinition', ['ClientException'], () =>
        this.clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: family })),
      ),
    );
    return latest.flatMap((answer) => {
      const definition = answer?.taskDefinition;
      // Only ACTIVE revisions use a role; anything else is a family emptied since the listing.
      return definition !== undefined && definition.status === 'ACTIVE'
        ? [toEcsTaskDefinition(definition)]
        : [];
    });
  }

  async describeKeys(refs: {
    readonly secretArns: readonly string[];
    readonly parameterArns: readonly string[];
  }): Promise<SecretMetadata> {
    const keys = new Map<string, string | null>();
    const resolvedArns = new Map<string, string>();
    const secrets = this.describable(refs.secretArns, 'secretsmanager');
    await mapWithConcurrency(secrets, DESCRIBE_CONCURRENCY, async ({ arn, parsed }) => {
      const secret = await this.describeSecret(arn, parsed);
      if (secret === undefined) return;
      keys.set(arn, secret.key);
      // DescribeSecret answers a partial ARN with the full one: the ARN an exact grant names.
      if (secret.arn !== undefined && isFullSecretArnOf(arn, secret.arn)) resolvedArns.set(arn, secret.arn);
    });

    const byRegion = new Map<string, { arn: string; parsed: ParsedArn }[]>();
    for (const ref of this.describable(refs.parameterArns, 'ssm')) {
      byRegion.set(ref.parsed.region, [...(byRegion.get(ref.parsed.region) ?? []), ref]);
    }
    for (const [region, parameters] of byRegion) {
      for (const [arn, key] of await this.parameterKeys(region, parameters)) keys.set(arn, key);
    }
    return { keys, resolvedArns };
  }

  pullThroughCachePrefixes(region: string): Promise<readonly string[]> {
    let prefixes = this.cacheRules.get(region);
    if (prefixes === undefined) {
      prefixes = this.readPullThroughCachePrefixes(region);
      this.cacheRules.set(region, prefixes);
      prefixes.catch(() => this.cacheRules.delete(region));
    }
    return prefixes;
  }

  bucketEncryption(bucketArn: string): Promise<BucketEncryption> {
    let encryption = this.bucketEncryptions.get(bucketArn);
    if (encryption === undefined) {
      encryption = this.readBucketEncryption(bucketArn);
      this.bucketEncryptions.set(bucketArn, encryption);
      encryption.catch(() => this.bucketEncryptions.delete(bucketArn));
    }
    return encryption;
  }

  /**
   * GetBucketEncryption, asked of the rule's region first and, when S3 redirects (the bucket is elsewhere),
   * of the region it names. ExpectedBucketOwner: another account's bucket is refused, never read as ours.
   */
  private async readBucketEncryption(bucketArn: string): Promise<BucketEncryption> {
    const bucket = bucketArn.slice(bucketArn.lastIndexOf(':') + 1);
    const home = await this.clients.defaultRegion();
    const { attempt, redirectedTo } = await followBucketRegion(
      (s3) => this.getBucketEncryption(s3, bucket),
      this.clients.s3,
      () => Promise.resolve(home),
      async (region) => (await this.clients.regional(region)).s3,
    );
    const region = redirectedTo ?? home;
    if (!('error' in attempt)) {
      const { encryption } = attempt;
      return encryption.status === 'read' ? { ...encryption, region } : encryption;
    }
    const { error } = attempt;
    const name = awsErrorName(error) ?? 'Error';
    const message = error instanceof Error ? error.message : String(error);
    if (isAccessDenied(error)) {
      return {
        status: 'unreadable',
        detail:
          `s3:GetEncryptionConfiguration on ${bucketArn} was denied (${name}: ${message}); S3 refuses it too ` +
          `for a bucket of another account than ${this.options.accountId}`,
      };
    }
    if (name === 'NoSuchBucket') {
      return { status: 'unreadable', detail: `bucket ${bucket} does not exist (NoSuchBucket)` };
    }
    throw classifyAwsError(error, 's3:GetEncryptionConfiguration');
  }

  private async getBucketEncryption(
    s3: S3Client,
    bucket: string,
  ): Promise<{ encryption: BucketEncryption } | { error: unknown }> {
    try {
      const answer = await s3.send(
        new GetBucketEncryptionCommand({ Bucket: bucket, ExpectedBucketOwner: this.options.accountId }),
      );
      return { encryption: defaultEncryption(answer.ServerSideEncryptionConfiguration?.Rules ?? []) };
    } catch (error) {
      // Buckets made before 2023 may have no default encryption: S3 answers so, and nothing is decrypted.
      if (awsErrorName(error) === 'ServerSideEncryptionConfigurationNotFoundError') {
        return { encryption: { status: 'read', algorithm: 'none' } };
      }
      return { error };
    }
  }

  private async readPullThroughCachePrefixes(region: string): Promise<readonly string[]> {
    const { ecr } = await this.clients.regional(region);
    const prefixes: string[] = [];
    let nextToken: string | undefined;
    do {
      // No registryId: the caller's own registry, the only one whose rules apply to its images.
      const page = await callAws('ecr:DescribePullThroughCacheRules', () =>
        ecr.send(new DescribePullThroughCacheRulesCommand({ maxResults: CACHE_RULES_PER_PAGE, nextToken })),
      );
      for (const rule of page.pullThroughCacheRules ?? []) {
        if (rule.ecrRepositoryPrefix !== undefined && rule.ecrRepositoryPrefix !== '')
          prefixes.push(rule.ecrRepositoryPrefix);
      }
      nextToken = page.nextToken;
    } while (nextToken !== undefined && nextToken !== '');
    return prefixes;
  }

  /** Well-formed ARNs of `service` in this account; others cannot be described, so they stay absent. */
  private describable(arns: readonly string[], service: string): { arn: string; parsed: ParsedArn }[] {
    return [...new Set(arns)].flatMap((arn) => {
      const parsed = parseArn(arn);
      return parsed !== undefined &&
        parsed.service === service &&
        parsed.region !== '' &&
        parsed.accountId === this.options.accountId
        ? [{ arn, parsed }]
        : [];
    });
  }

  /** The secret's KMS key and full ARN; undefined when it does not exist. */
  private async describeSecret(
    arn: string,
    parsed: ParsedArn,
  ): Promise<{ key: string | null; arn: string | undefined } | undefined> {
    const { secretsManager } = await this.clients.regional(parsed.region);
    const secret = await callAwsUnlessAbsent(
      'secretsmanager:DescribeSecret',
      ['ResourceNotFoundException'],
      () => secretsManager.send(new DescribeSecretCommand({ SecretId: arn })),
    );
    if (secret === undefined) return undefined;
    // DescribeSecret omits KmsKeyId when the secret uses the AWS managed key aws/secretsmanager.
    return { key: keyArnOrNull(secret.KmsKeyId, 'alias/aws/secretsmanager', parsed), arn: secret.ARN };
  }

  private async parameterKeys(
    region: string,
    parameters: readonly { arn: string; parsed: ParsedArn }[],
  ): Promise<Map<string, string | null>> {
    const { ssm } = await this.clients.regional(region);
    // A parameter ARN ends in `parameter/NAME` for `NAME` and for `/NAME`: ask for both spellings of
    // top-level names, and match answers with the leading slash removed.
    const arnByName = new Map<string, { arn: string; parsed: ParsedArn }>();
    const names: string[] = [];
    for (const parameter of parameters) {
      const bare = parameter.parsed.resource.replace(/^parameter\/+/, '');
      arnByName.set(bare, parameter);
      names.push(...(bare.includes('/') ? [`/${bare}`] : [bare, `/${bare}`]));
    }

    const found: ParameterMetadata[] = [];
    for (let start = 0; start < names.length; start += PARAMETER_NAMES_PER_CALL) {
      const values = names.slice(start, start + PARAMETER_NAMES_PER_CALL);
      let nextToken: string | undefined;
      do {
        const page = await callAws('ssm:DescribeParameters', () =>
          ssm.send(
            new DescribeParametersCommand({
              ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: values }],
              MaxResults: PARAMETERS_PER_PAGE,
              NextToken: nextToken,
            }),
          ),
        );
        found.push(...(page.Parameters ?? []));
        nextToken = page.NextToken;
      } while (nextToken !== undefined && nextToken !== '');
    }

    const keys = new Map<string, string | null>();
    for (const parameter of found) {
      const ref = arnByName.get((parameter.Name ?? '').replace(/^\//, ''));
      if (ref === undefined) continue;
      // String and StringList parameters are not encrypted: nothing to decrypt.
      const key =
        parameter.Type === 'SecureString' ? keyArnOrNull(parameter.KeyId, 'alias/aws/ssm', ref.parsed) : null;
      keys.set(ref.arn, key);
    }
    return keys;
  }
}

/**
 * The KMS key as an ARN, or null for the service's AWS managed key (no grant needed). A bare key id or alias
 * name lives in the resource's region and account; ARNs are kept as given.
 */
export function keyArnOrNull(
  keyId: string | undefined,
  awsManagedAlias: string,
  resource: Pick<ParsedArn, 'partition' | 'region' | 'accountId'>,
): string | null {
  if (keyId === undefined || keyId === '') return null;
  if (keyId === awsManagedAlias || keyId.endsWith(`:${awsManagedAlias}`)) return null;
  if (keyId.startsWith('arn:')) return keyId;
  const prefix = `arn:${resource.partition}:kms:${resource.region}:${resource.accountId}`;
  return keyId.startsWith('alias/') ? `${prefix}:${keyId}` : `${prefix}:key/${keyId}`;
}

const SSE_ALGORITHMS = ['AES256', 'aws:kms', 'aws:kms:dsse'] as const;

/** The rule that applies a default (`ApplyServerSideEncryptionByDefault`), as a read; an unknown algorithm fails closed. */
function defaultEncryption(
  rules: readonly {
    ApplyServerSideEncryptionByDefault?: {
      SSEAlgorithm?: string | undefined;
      KMSMasterKeyID?: string | undefined;
    };
  }[],
): BucketEncryption {
  const applied = rules.find((rule) => rule.ApplyServerSideEncryptionByDefault !== undefined);
  const algorithm = applied?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm;
  if (algorithm === undefined) return { status: 'read', algorithm: 'none' };
  const known = SSE_ALGORITHMS.find((candidate) => candidate === algorithm);
  if (known === undefined) {
    return {
      status: 'unreadable',
      detail: `its SSEAlgorithm ${JSON.stringify(algorithm)} is not one the rule knows`,
    };
  }
  const keyId = applied?.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID;
  return {
    status: 'read',
    algorithm: known,
    ...(known !== 'AES256' && keyId !== undefined && keyId !== '' && { kmsKeyId: keyId }),
  };
}

/**
 * An S3 call about one bucket, asked of `first` and, when S3 answers that the bucket lives in another region
 * (redirectRegion), asked once more of that region's client: the last answer (or error), and the region it was
 * redirected to, if any. Bucket reads of the evaluator (encryption) and of the layers (bucket policy) share it.
 */
export async function followBucketRegion<T extends object>(
  ask: (s3: S3Client) => Promise<T | { readonly error: unknown }>,
  first: S3Client,
  firstRegion: () => Promise<string>,
  clientIn: (region: string) => S3Client | Promise<S3Client>,
): Promise<{ attempt: T | { readonly error: unknown }; redirectedTo?: string }> {
  const attempt = await ask(first);
  const elsewhere = 'error' in attempt ? redirectRegion(attempt.error) : undefined;
  if (elsewhere === undefined || elsewhere === (await firstRegion())) return { attempt };
  return { attempt: await ask(await clientIn(elsewhere)), redirectedTo: elsewhere };
}

/** The region S3 names when it redirects a request for a bucket of another region (`x-amz-bucket-region`). */
function redirectRegion(error: unknown): string | undefined {
  const response = (error as { $response?: { headers?: Record<string, string | undefined> } } | null)
    ?.$response;
  const region = response?.headers?.['x-amz-bucket-region'];
  return region !== undefined && /^[a-z]{2}(-[a-z]+)+-\d+$/.test(region) ? region : undefined;
}

function toBatchJobDefinition(definition: JobDefinition): BatchJobDefinition {
  const { jobDefinitionName, revision } = definition;
  if (jobDefinitionName === undefined || revision === undefined) {
    throw new AwsCallError('DescribeJobDefinitions', 'answer has a job definition without name or revision');
  }
  return { ...definition, jobDefinitionName, revision };
}

function toEcsTaskDefinition(definition: TaskDefinition): EcsTaskDefinition {
  const { family, revision } = definition;
  if (family === undefined || revision === undefined) {
    throw new AwsCallError(
      'DescribeTaskDefinition',
      'answer has a task definition without family or revision',
    );
  }
  return { ...definition, family, revision };
}
