/**
 * The other side of each grant, read with the SDK: KMS key policies, Secrets Manager secret policies, ECR
 * repository and registry policies, S3 bucket policies, and the organization's SCPs and RCPs. Each resource is read at most once per
 * reader (one reader per invocation); reads of another account's resources are not attempted.
 */
import { ECRClient, GetRegistryPolicyCommand, GetRepositoryPolicyCommand } from '@aws-sdk/client-ecr';
import { GetKeyPolicyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  OrganizationsClient,
  type PolicyType,
} from '@aws-sdk/client-organizations';
import { GetResourcePolicyCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { OrganizationPoliciesSource } from '../parameters';
import type {
  LayerRead,
  OrganizationPolicies,
  OrganizationPolicy,
  OrganizationPolicyLevels,
  OrganizationPolicyReader,
  ResourcePolicyReader,
} from '../facts/layer-ports';
import { parseArn } from './arn';
import { RETRY_SETTINGS, type SharedClientConfig } from './clients';
import { awsErrorName, callAws, isAccessDenied } from './errors';
import { followBucketRegion } from './usage';

/** The clients of one region that hold resource policies. */
interface LayerClients {
  readonly kms: KMSClient;
  readonly secretsManager: SecretsManagerClient;
  readonly ecr: ECRClient;
  readonly s3: S3Client;
}

/** Settings for the clients this reader builds per region, and the account it reads for. */
export interface ResourcePolicyReaderOptions {
  readonly accountId: string;
  readonly clientConfig?: SharedClientConfig;
  /** Called with each client the reader builds (the bench counts their calls). */
  readonly instrument?: (
    service: 'kms' | 'secretsmanager' | 'ecr' | 's3',
    client: KMSClient | SecretsManagerClient | ECRClient | S3Client,
  ) => void;
}

/** Reads key, secret, repository, registry and bucket policies; each at most once per reader. */
export class AwsResourcePolicyReader implements ResourcePolicyReader {
  private readonly clientsByRegion = new Map<string, LayerClients>();
  /** The S3 client of the configured region, asked first for every bucket (S3 redirects to the bucket's). */
  private defaultS3: S3Client | undefined;
  private readonly reads = new Map<string, Promise<LayerRead>>();

  constructor(private readonly options: ResourcePolicyReaderOptions) {}

  keyPolicy(keyArn: string): Promise<LayerRead> {
    return this.once(`kms ${keyArn}`, keyArn, 'kms:GetKeyPolicy', [], (clients) =>
      clients.kms
        .send(new GetKeyPolicyCommand({ KeyId: keyArn, PolicyName: 'default' }))
        .then((out) => out.Policy ?? null),
    );
  }

  secretPolicy(secretArn: string): Promise<LayerRead> {
    return this.once(`secret ${secretArn}`, secretArn, 'secretsmanager:GetResourcePolicy', [], (clients) =>
      // A secret without a resource policy answers with no ResourcePolicy.
      clients.secretsManager
        .send(new GetResourcePolicyCommand({ SecretId: secretArn }))
        .then((out) => out.ResourcePolicy ?? null),
    );
  }

  repositoryPolicy(repositoryArn: string): Promise<LayerRead> {
    const arn = parseArn(repositoryArn);
    const repositoryName = arn?.resource.replace(/^repository\//, '') ?? '';
    return this.once(
      `repository ${repositoryArn}`,
      repositoryArn,
      'ecr:GetRepositoryPolicy',
      ['RepositoryPolicyNotFoundException'],
      (clients) =>
        clients.ecr
          .send(new GetRepositoryPolicyCommand({ registryId: arn?.accountId, repositoryName }))
          .then((out) => out.policyText ?? null),
    );
  }

  registryPolicy(accountId: string, region: string): Promise<LayerRead> {
    // Not a real ARN (a registry has none): only its account and region are read, to pick the client.
    const pseudoArn = `arn:aws:ecr:${region}:${accountId}:registry`;
    return this.once(
      `registry ${accountId} ${region}`,
      pseudoArn,
      'ecr:GetRegistryPolicy',
      ['RegistryPolicyNotFoundException'],
      (clients) => clients.ecr.send(new GetRegistryPolicyCommand({})).then((out) => out.policyText ?? null),
    );
  }

  /**
   * GetBucketPolicy, asked of the configured region first and, when S3 redirects (the bucket is in another
   * region), of the region it names, as lib/aws/usage.ts reads bucket encryption. An S3 ARN names no account:
   * ExpectedBucketOwner makes S3 refuse (403) a bucket of another account, so such a bucket is unreadable,
   * never read as this account's (S3 API Reference, GetBucketPolicy:
   * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketPolicy.html). No policy
   * (NoSuchBucketPolicy): the role's own policies decide; a missing bucket (NoSuchBucket): NotFound.
   */
  bucketPolicy(bucketArn: string): Promise<LayerRead> {
    const key = `bucket ${bucketArn}`;
    let result = this.reads.get(key);
    if (result === undefined) {
      result = this.readBucketPolicy(bucketArn);
      this.reads.set(key, result);
    }
    return result;
  }

  private async readBucketPolicy(bucketArn: string): Promise<LayerRead> {
    const bucket = bucketArn.slice(bucketArn.lastIndexOf(':') + 1);
    const first = this.firstS3();
    const { attempt } = await followBucketRegion(
      (s3) => this.getBucketPolicy(s3, bucket),
      first,
      () => first.config.region(),
      (region) => this.clientsFor(region).s3,
    );
    if (!('error' in attempt)) return { status: 'read', policy: attempt.policy };
    const { error } = attempt;
    const name = awsErrorName(error) ?? 'Error';
    if (isAccessDenied(error)) {
      return {
        status: 'unreadable',
        reason: 'AccessDenied',
        detail:
          `s3:GetBucketPolicy on ${bucketArn} was denied (${name}): the rule's role lacks it, or the bucket ` +
          `belongs to another account than ${this.options.accountId}, whose bucket policy this account cannot read`,
      };
    }
    if (name === 'NoSuchBucket') {
      return {
        status: 'unreadable',
        reason: 'NotFound',
        detail: `${bucketArn} does not exist (NoSuchBucket)`,
      };
    }
    // Throttling and 5xx were retried by the SDK; what is left fails the invocation, naming the call.
    return callAws('s3:GetBucketPolicy', () => Promise.reject(error));
  }

  private async getBucketPolicy(
    s3: S3Client,
    bucket: string,
  ): Promise<{ policy: string | null } | { error: unknown }> {
    try {
      const out = await s3.send(
        new GetBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: this.options.accountId }),
      );
      return { policy: out.Policy ?? null };
    } catch (error) {
      if (awsErrorName(error) === 'NoSuchBucketPolicy') return { policy: null };
      return { error };
    }
  }

  /** The S3 client of the configured region (the SDK's default region when none is configured). */
  private firstS3(): S3Client {
    const region = this.options.clientConfig?.region;
    if (region !== undefined) return this.clientsFor(region).s3;
    if (this.defaultS3 === undefined) {
      this.defaultS3 = new S3Client({ ...RETRY_SETTINGS, ...this.options.clientConfig });
      this.options.instrument?.('s3', this.defaultS3);
    }
    return this.defaultS3;
  }

  /**
   * One read of `key`: another account's resource is unreadable without a call; AccessDenied and a missing
   * resource become unreadable layers (named in the annotation); `absent` errors mean "no policy".
   */
  private once(
    key: string,
    resourceArn: string,
    action: string,
    absent: readonly string[],
    read: (clients: LayerClients) => Promise<string | null>,
  ): Promise<LayerRead> {
    let result = this.reads.get(key);
    if (result === undefined) {
      result = this.readOnce(resourceArn, action, absent, read);
      this.reads.set(key, result);
    }
    return result;
  }

  private async readOnce(
    resourceArn: string,
    action: string,
    absent: readonly string[],
    read: (clients: LayerClients) => Promise<string | null>,
  ): Promise<LayerRead> {
    const arn = parseArn(resourceArn);
    if (arn === undefined || arn.region === '') {
      return { status: 'unreadable', reason: 'NotFound', detail: `${resourceArn} is not a regional ARN` };
    }
    if (arn.accountId !== this.options.accountId) {
      return {
        status: 'unreadable',
        reason: 'OtherAccount',
        detail: `${resourceArn} belongs to account ${arn.accountId}, whose policies this account cannot read`,
      };
    }
    try {
      return { status: 'read', policy: await read(this.clientsFor(arn.region)) };
    } catch (error) {
      const name = awsErrorName(error);
      if (name !== undefined && absent.includes(name)) return { status: 'read', policy: null };
      if (isAccessDenied(error)) {
        return {
          status: 'unreadable',
          reason: 'AccessDenied',
          detail: `the rule's role lacks ${action} on ${resourceArn}`,
        };
      }
      if (
        name === 'NotFoundException' ||
        name === 'ResourceNotFoundException' ||
        name === 'RepositoryNotFoundException'
      ) {
        return {
          status: 'unreadable',
          reason: 'NotFound',
          detail: `${resourceArn} does not exist (${name})`,
        };
      }
      // Throttling and 5xx were retried by the SDK; what is left fails the invocation, naming the call.
      return callAws(action, () => Promise.reject(error));
    }
  }

  private clientsFor(region: string): LayerClients {
    let clients = this.clientsByRegion.get(region);
    if (clients === undefined) {
      const config = { ...RETRY_SETTINGS, ...this.options.clientConfig, region };
      clients = {
        kms: new KMSClient(config),
        secretsManager: new SecretsManagerClient(config),
        ecr: new ECRClient(config),
        s3: new S3Client(config),
      };
      this.options.instrument?.('kms', clients.kms);
      this.options.instrument?.('secretsmanager', clients.secretsManager);
      this.options.instrument?.('ecr', clients.ecr);
      this.options.instrument?.('s3', clients.s3);
      this.clientsByRegion.set(region, clients);
    }
    return clients;
  }
}

/** SCPs and RCPs of the organization, read where that is allowed (management or delegated administrator). */
export class AwsOrganizationPolicyReader implements OrganizationPolicyReader {
  private readonly contents = new Map<string, Promise<string>>();

  constructor(private readonly client: OrganizationsClient) {}

  async policiesFor(accountId: string): Promise<OrganizationPolicies> {
    const organization = await callAws('organizations:DescribeOrganization', () =>
      this.client.send(new DescribeOrganizationCommand({})),
    );
    const managementAccountId = organization.Organization?.MasterAccountId ?? '';
    const targets = await this.pathFromRoot(accountId);
    const scps = await this.levels(targets, 'SERVICE_CONTROL_POLICY');
    const rcps = await this.levels(targets, 'RESOURCE_CONTROL_POLICY');
    const organizationId = organization.Organization?.Id;
    return {
      managementAccountId,
      ...(organizationId !== undefined && { organizationId }),
      ...(scps && { scps }),
      ...(rcps && { rcps }),
    };
  }

  /** The root, each OU down to the account, and the account: the levels an SCP or RCP is attached at. */
  private async pathFromRoot(accountId: string): Promise<string[]> {
    const path = [accountId];
    let child = accountId;
    // An organization is at most five OU levels deep under its root (Organizations quotas).
    for (let depth = 0; depth < 7; depth++) {
      const out = await callAws('organizations:ListParents', () =>
        this.client.send(new ListParentsCommand({ ChildId: child })),
      );
      const parent = out.Parents?.[0];
      if (parent?.Id === undefined) throw new Error(`organizations:ListParents gave no parent for ${child}`);
      path.unshift(parent.Id);
      if (parent.Type === 'ROOT') return path;
      child = parent.Id;
    }
    throw new Error(`no organization root above ${accountId}`);
  }

  /** The policies of `type` at each level; undefined when the type is not enabled in the organization. */
  private async levels(
    targets: readonly string[],
    type: PolicyType,
  ): Promise<OrganizationPolicyLevels | undefined> {
    const levels: { targetId: string; policies: OrganizationPolicy[] }[] = [];
    for (const targetId of targets) {
      const policies: OrganizationPolicy[] = [];
      let nextToken: string | undefined;
      do {
        let page;
        try {
          page = await this.client.send(
            new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: type, NextToken: nextToken }),
          );
        } catch (error) {
          // A type the organization has not enabled applies nowhere.
          if (awsErrorName(error) === 'PolicyTypeNotEnabledException') return undefined;
          return callAws('organizations:ListPoliciesForTarget', () => Promise.reject(error));
        }
        for (const summary of page.Policies ?? []) {
          if (summary.Id === undefined) continue;
          policies.push({
            id: summary.Id,
            name: summary.Name ?? summary.Id,
            content: await this.content(summary.Id),
          });
        }
        nextToken = page.NextToken;
      } while (nextToken !== undefined && nextToken !== '');
      levels.push({ targetId, policies });
    }
    return { levels };
  }

  /** A policy's document, read once per reader (the same SCP is often attached at many levels). */
  private content(policyId: string): Promise<string> {
    let content = this.contents.get(policyId);
    if (content === undefined) {
      content = callAws('organizations:DescribePolicy', () =>
        this.client.send(new DescribePolicyCommand({ PolicyId: policyId })),
      ).then((out) => out.Policy?.Content ?? '');
      this.contents.set(policyId, content);
    }
    return content;
  }
}

/** The session name the rule uses when it assumes the role OrganizationPolicies names (CloudTrail shows it). */
export const ORGANIZATION_SESSION_NAME = 'execution-role-check';

/**
 * The reader of organization policies the rule parameter OrganizationPolicies asks for: none (`off`), this
 * account's credentials (`local`: the management account or a delegated administrator), or the named role,
 * assumed with sts:AssumeRole once per reader (the credentials refresh when they expire).
 */
export function organizationPolicyReaderFor(
  source: OrganizationPoliciesSource,
  clientConfig: SharedClientConfig = {},
): AwsOrganizationPolicyReader | undefined {
  if (source.mode === 'off') return undefined;
  const config = { ...RETRY_SETTINGS, ...clientConfig };
  if (source.mode === 'local') return new AwsOrganizationPolicyReader(new OrganizationsClient(config));
  const sts = new STSClient(config);
  const credentials = async () => {
    const out = await callAws(`sts:AssumeRole on ${source.roleArn}`, () =>
      sts.send(
        new AssumeRoleCommand({ RoleArn: source.roleArn, RoleSessionName: ORGANIZATION_SESSION_NAME }),
      ),
    );
    const given = out.Credentials;
    if (!given?.AccessKeyId || !given.SecretAccessKey) {
      throw new Error(`sts:AssumeRole on ${source.roleArn} returned no credentials`);
    }
    return {
      accessKeyId: given.AccessKeyId,
      secretAccessKey: given.SecretAccessKey,
      ...(given.SessionToken ? { sessionToken: given.SessionToken } : {}),
      ...(given.Expiration ? { expiration: given.Expiration } : {}),
    };
  };
  return new AwsOrganizationPolicyReader(new OrganizationsClient({ ...config, credentials }));
}
