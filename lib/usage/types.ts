import type { Consumer } from '../core/model';

/**
 * The consumers of an execution role, in the camelCase shape of the Batch and ECS APIs (which is also
 * what `aws batch describe-job-definitions` saves), reduced to the fields the rule reads.
 */

export interface KeyValueSecret {
  readonly name?: string;
  readonly valueFrom?: string;
}

export interface LogConfiguration {
  readonly logDriver?: string;
  readonly options?: Readonly<Record<string, string>>;
  readonly secretOptions?: readonly KeyValueSecret[];
}

export interface ContainerLike {
  /** Set on ECS containers (`ecsProperties`, task definitions); used in messages. */
  readonly name?: string;
  readonly image?: string;
  readonly executionRoleArn?: string;
  readonly secrets?: readonly KeyValueSecret[];
  readonly logConfiguration?: LogConfiguration;
  readonly repositoryCredentials?: { readonly credentialsParameter?: string };
  /** ECS task definitions only: files of `KEY=VALUE` lines the agent downloads from S3 (`type: "s3"`). */
  readonly environmentFiles?: readonly { readonly value?: string; readonly type?: string }[];
  /** ECS task definitions only: a FireLens router; `config-file-type: "s3"` makes the agent fetch its config. */
  readonly firelensConfiguration?: {
    readonly type?: string;
    readonly options?: Readonly<Record<string, string>>;
  };
  /** ECS task definitions only: `credentialspec:ARN` or `credentialspecdomainless:ARN` (S3 object or SSM parameter). */
  readonly credentialSpecs?: readonly string[];
  /** ECS task definitions only: the older place of a credential spec (`credentialspec:ARN`, `credentialspec:file://...`). */
  readonly dockerSecurityOptions?: readonly string[];
}

/** A task definition volume; only FSx for Windows File Server volumes involve the execution role. */
export interface EcsVolume {
  readonly name?: string;
  readonly fsxWindowsFileServerVolumeConfiguration?: {
    readonly fileSystemId?: string;
    readonly rootDirectory?: string;
    readonly authorizationConfig?: { readonly credentialsParameter?: string; readonly domain?: string };
  };
}

export interface EcsPropertiesLike {
  readonly taskProperties?: readonly {
    readonly executionRoleArn?: string;
    readonly containers?: readonly ContainerLike[];
  }[];
}

export interface BatchJobDefinition {
  readonly jobDefinitionName: string;
  readonly jobDefinitionArn?: string;
  readonly revision: number;
  readonly status?: string;
  readonly type?: string;
  /** `["FARGATE"]` for jobs that run on Fargate (the GuardDuty sidecar's trigger). */
  readonly platformCapabilities?: readonly string[];
  readonly containerProperties?: ContainerLike;
  readonly ecsProperties?: EcsPropertiesLike;
  readonly nodeProperties?: {
    readonly nodeRangeProperties?: readonly {
      readonly targetNodes?: string;
      readonly container?: ContainerLike;
      readonly ecsProperties?: EcsPropertiesLike;
    }[];
  };
}

export interface EcsTaskDefinition {
  readonly family: string;
  readonly revision: number;
  readonly taskDefinitionArn?: string;
  readonly status?: string;
  readonly executionRoleArn?: string;
  /** `["FARGATE"]` (with or without `EC2`) for task definitions that can run on Fargate. */
  readonly requiresCompatibilities?: readonly string[];
  readonly containerDefinitions?: readonly (ContainerLike & { readonly name?: string })[];
  readonly volumes?: readonly EcsVolume[];
}

/** Where the rule runs: names of SSM parameters and secrets resolve in this region and account. */
export interface RuleLocation {
  readonly region: string;
  readonly accountId: string;
  readonly partition: string;
}

/** A secret the ECS agent fetches for a consumer, reduced to the ARN the grant must name. */
export interface SecretReference {
  readonly service: 'secretsmanager' | 'ssm';
  /** Secrets Manager secret ARN (7 fields) or SSM parameter ARN. */
  readonly arn: string;
  /** Where it came from, for messages: `secrets[DB_PASSWORD]`, `repositoryCredentials`, `logConfiguration.secretOptions[x]`. */
  readonly field: string;
  /** Set for `/aws/reference/secretsmanager/NAME`: the secret behind the pass-through parameter. */
  readonly passThroughSecretArn?: string;
  /** Secrets Manager partial ARN or name with no suffix: a pattern `NAME-??????` is the grant to check. */
  readonly isPartial?: boolean;
  /**
   * The full ARN (`...:secret:NAME-AbCdEf`) of the secret named without its suffix (`arn` when partial, else
   * `passThroughSecretArn`), when DescribeSecret resolved it: grants are then checked on exactly this ARN.
   */
  readonly resolvedSecretArn?: string;
}

/** KMS key ARN protecting a secret or parameter, or `null` for an AWS managed key (no grant needed). */
export type KeyMetadata = ReadonlyMap<string, string | null>;

/** Partial secret ARN (`...:secret:NAME`, as a reference by name resolves) -> the secret's full ARN. */
export type ResolvedSecretArns = ReadonlyMap<string, string>;

/**
 * What DescribeSecret / DescribeParameters report for the referenced secrets and parameters: their KMS
 * keys, keyed by the ARNs asked about, and the full ARN of each secret that was asked about by partial ARN.
 */
export interface SecretMetadata {
  readonly keys: KeyMetadata;
  readonly resolvedArns: ResolvedSecretArns;
}

/** The needs of ECS task definitions that the Batch page does not list, one finding id each. */
export type EcsFileNeed =
  'ENVIRONMENT_FILES' | 'FIRELENS_CONFIG' | 'GMSA_CREDENTIAL_SPECS' | 'FSX_WINDOWS_CREDENTIALS';

/** An S3 object the ECS agent downloads with the execution role before the container starts. */
export interface S3ObjectReference {
  readonly id: Exclude<EcsFileNeed, 'FSX_WINDOWS_CREDENTIALS'>;
  /** `arn:PARTITION:s3:::BUCKET/KEY`: what s3:GetObject is authorised on. */
  readonly objectArn: string;
  /** `arn:PARTITION:s3:::BUCKET`: what s3:GetBucketLocation is authorised on. */
  readonly bucketArn: string;
  /** Whether AWS documents s3:GetBucketLocation for this file too (environment files, FireLens config). */
  readonly needsBucketLocation: boolean;
  /** `containerDefinitions[app].environmentFiles[0]`. */
  readonly field: string;
  /**
   * Its bucket's default encryption, once lib/facts/gather.ts has read it (GetBucketEncryption); absent until
   * then, and an absent one is unknown (kms:Decrypt unverifiable), never taken as unencrypted.
   */
  readonly bucketEncryption?: BucketEncryption;
}

/**
 * A bucket's default encryption as GetBucketEncryption reports it (`SSEAlgorithm`: `AES256`, `aws:kms`,
 * `aws:kms:dsse`; `none` when the bucket has no configuration), or why it could not be read.
 */
export type BucketEncryption =
  | {
      readonly status: 'read';
      readonly algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse' | 'none';
      /** `KMSMasterKeyID` as configured: key id, key ARN or alias ARN; absent = the AWS managed key aws/s3. */
      readonly kmsKeyId?: string;
      /** Where the bucket is, when known: a bare key id names a key of this region. */
      readonly region?: string;
    }
  | {
      readonly status: 'unreadable';
      /** Why, naming the permission or the missing input: `s3:GetEncryptionConfiguration was denied ...`. */
      readonly detail: string;
    };

/** Default encryption by bucket ARN (`arn:PARTITION:s3:::BUCKET`). */
export type BucketEncryptions = ReadonlyMap<string, BucketEncryption>;

/** An SSM parameter or Secrets Manager secret a gMSA credential spec or an FSx for Windows volume reads. */
export interface FeatureSecretReference extends SecretReference {
  readonly id: 'GMSA_CREDENTIAL_SPECS' | 'FSX_WINDOWS_CREDENTIALS';
}

/** An FSx for Windows File Server file system a volume mounts: fsx:DescribeFileSystems on its ARN. */
export interface FileSystemReference {
  /** `arn:PARTITION:fsx:REGION:ACCOUNT:file-system/fs-0123456789abcdef0`. */
  readonly arn: string;
  readonly field: string;
}

/** A reference the ECS agent could not resolve: the consumer fails at runtime whatever the role grants. */
export interface InvalidReference {
  readonly id: 'SECRETS_MANAGER' | 'SECRETS_SSM' | 'REGISTRY_CREDENTIALS' | EcsFileNeed;
  /** `containerProperties.secrets[DB_PASSWORD]`. */
  readonly field: string;
  readonly valueFrom: string;
  /** Why it names nothing fetchable: `is not a Secrets Manager ARN, ...`. */
  readonly problem: string;
}

/** What one job or task definition needs from the execution role it names. */
export interface ConsumerUsage {
  readonly consumer: Consumer;
  /** Private ECR repositories its images come from (`arn:aws:ecr:REGION:ACCOUNT:repository/NAME`). */
  readonly ecrRepositories: readonly string[];
  /** awslogs log groups its containers write to (`arn:aws:logs:REGION:ACCOUNT:log-group:NAME`). */
  readonly logGroups: readonly string[];
  /** Those of them the awslogs driver creates (`awslogs-create-group: "true"`): they need logs:CreateLogGroup. */
  readonly createdLogGroups: readonly string[];
  /**
   * Those of `ecrRepositories` in the role's own registry whose name starts with a pull through cache rule's
   * prefix (`ecr:DescribePullThroughCacheRules`): they need ecr:BatchImportUpstreamImage and
   * ecr:CreateRepository. Empty until lib/facts/gather.ts applies the rules it read.
   */
  readonly pullThroughCacheRepositories: readonly string[];
  /**
   * The region its tasks run in on Fargate (its ARN's region, else the rule's), or undefined when it does not
   * run on Fargate: with GuardDutyRuntimeMonitoring, Fargate tasks pull the GuardDuty agent sidecar.
   */
  readonly fargateRegion?: string;
  /** `secrets[].valueFrom` and `logConfiguration.secretOptions[].valueFrom`. */
  readonly secrets: readonly SecretReference[];
  /** `repositoryCredentials.credentialsParameter`: always Secrets Manager. */
  readonly registryCredentials: readonly SecretReference[];
  /** ECS only: environment files, FireLens config files and gMSA credential specs hosted in S3. */
  readonly s3Objects: readonly S3ObjectReference[];
  /** ECS only: gMSA credential specs in Parameter Store, FSx for Windows credentials (secret or parameter). */
  readonly featureSecrets: readonly FeatureSecretReference[];
  /** ECS only: FSx for Windows File Server file systems its volumes mount. */
  readonly fsxFileSystems: readonly FileSystemReference[];
  readonly invalidReferences: readonly InvalidReference[];
}

/** Every discovered consumer of one execution role. */
export interface RoleUsage {
  /** The role's index key: `arn:PARTITION:iam::ACCOUNT:role/NAME` (path dropped, see roleKey). */
  readonly roleArn: string;
  readonly consumers: readonly ConsumerUsage[];
}

/**
 * The `ecrRepositoryPrefix` of every pull through cache rule of the account's own private registry, by
 * region (`ROOT` applies to every repository without a rule of its own).
 */
export type PullThroughCachePrefixes = ReadonlyMap<string, readonly string[]>;
