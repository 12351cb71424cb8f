/**
 * `audit`: the Config rule's verdicts for every role of an account, on a laptop or in a pipeline. Offline
 * from saved CLI output (`--input`), or live with read-only calls (`--live`); with no input, the sample
 * account shipped in samples/account. Facts come from lib/facts/gather.ts (through
 * saved-file readers offline), verdicts from lib/rule/assess-role.ts, as in the Config rule.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import {
  gatherLayers,
  gatherUsage,
  secretRefsOf,
  type LayerReaders,
  type UsageIndex,
} from '../lib/facts/gather';
import type { LayerFacts } from '../lib/facts/layer-ports';
import { AwsResourcePolicyReader, organizationPolicyReaderFor } from '../lib/aws/layers';
import type { LayerTarget } from '../lib/rule/layer-targets';
import { organizationPoliciesFrom, resourcePoliciesFrom } from './audit-layers';
import { savedAccountReaders } from '../lib/facts/saved-account';
import { ownRegistryRegions, referencedBucketArns } from '../lib/usage';
import { assessRole, layerTargetsForRole } from '../lib/rule/assess-role';
import {
  AuthorizationDetailsError,
  snapshotsFromAuthorizationDetails,
} from '../lib/facts/authorization-details';
import { AwsIamReader } from '../lib/aws/iam';
import { AwsUsageReader } from '../lib/aws/usage';
import { createClients, type AwsClients } from '../lib/aws/clients';
import { AwsCallError, InvalidRuleParametersError, MissingPermissionError } from '../lib/core/errors';
import type { RawPolicyDocument, RoleSnapshot } from '../lib/core/model';
import { parseRuleParameters, type RuleParameterName, type RuleParameters } from '../lib/parameters';
import { EXECUTION_POLICY_DOCUMENT, executionPolicyArn } from '../lib/remediation/plan';
import { SPEC_URL } from '../lib/findings/registry';
import type {
  BatchJobDefinition,
  BucketEncryption,
  EcsTaskDefinition,
  KeyMetadata,
  RuleLocation,
  SecretMetadata,
} from '../lib/usage/types';
import {
  assumeAwsManagedKeys,
  AuditInputError,
  bucketEncryptionFrom,
  jobDefinitionsFrom,
  messageOf,
  parseJsonFile,
  pullThroughCacheRulesFrom,
  secretMetadataFrom,
  taskDefinitionsFrom,
} from './audit-input';
import { renderTable, summaryLine, toAuditRow, toJson, type AuditRow } from './audit-report';
import {
  failTemplateUnknownsClosed,
  readTemplates,
  templateLayerNotes,
  toJudgedRole,
  templateOverFile,
} from './audit-template';
import type { TemplateAccount } from '../lib/facts/template-account';
import { toJUnit } from './formats/junit';
import { toSarif } from './formats/sarif';
import { parseFlags, type FlagKind, type ParsedFlags } from './flags';
import type { Command, CommandIo } from './main';

export { AuditInputError } from './audit-input';

/**
 * AWS managed policy documents the audit knows without asking IAM, by ARN. Only AmazonECSTaskExecutionRolePolicy,
 * as the spec prints it: any other AWS managed policy missing from a saved file fails its role closed.
 */
export const KNOWN_AWS_MANAGED_DOCUMENTS: ReadonlyMap<string, RawPolicyDocument> = new Map([
  [executionPolicyArn('aws'), EXECUTION_POLICY_DOCUMENT],
]);

/** The sample account's files, relative to the repository root. */
export const SAMPLE_DIR = join('samples', 'account');
const SAMPLE_FILES = {
  input: 'authorization-details.json',
  jobDefinitions: 'job-definitions.json',
  taskDefinitions: 'task-definitions.json',
  keys: 'keys.json',
  pullThroughCacheRules: 'pull-through-cache-rules.json',
  bucketEncryption: 'bucket-encryption.json',
  resourcePolicies: 'resource-policies.json',
} as const;
const SAMPLE_REGION = 'us-east-1';

export const AUDIT_USAGE = `usage: execution-role-check audit [--input FILE [--job-definitions FILE | --no-job-definitions] [--task-definitions FILE]
                                  [--keys FILE | --assume-aws-managed-keys] [--pull-through-cache-rules [REGION=]FILE ...]
                                  [--bucket-encryption FILE] [--resource-policies FILE] [--organization-policies FILE]]
                                 [--template FILE ... [--account ID] [--keys FILE | --assume-aws-managed-keys]
                                  [--pull-through-cache-rules [REGION=]FILE ...] [--bucket-encryption FILE]
                                  [--resource-policies FILE] [--organization-policies FILE]]
                                 [--live [--profile NAME] [--progress]] [--region REGION]
                                 [rule parameter flags] [--output table|json|sarif|junit] [--all]

Judges every IAM role of an account as the Config rule does. Exit code: 0 nothing NON_COMPLIANT,
1 a role is NON_COMPLIANT, 2 the audit could not run (bad flags or files, or AWS calls that failed).
With no --input and no --live it audits the sample account in samples/account and exits 0.

Offline (no AWS calls):
  --input FILE              aws iam get-account-authorization-details > FILE (without --filter, so
                            attached AWS managed policies are included; missing ones fail their role closed)
  --job-definitions FILE    aws batch describe-job-definitions --status ACTIVE > FILE
  --no-job-definitions      audit without job definitions, on purpose: roles used only as a job's execution
                            role are then not found (only roles the rule parameters match are judged).
                            --input needs one of the two, unless --discover-batch-job-definitions false
  --task-definitions FILE   a JSON array of ECS task definitions, or {"taskDefinitions": [...]}
                            (implies --discover-ecs-task-definitions true)
  --keys FILE               KMS key of each secret and SecureString parameter: {"ARN": "key ARN" | null}
                            (null = the AWS managed key). A secret a job names without its random suffix
                            takes {"NAME or partial ARN": {"arn": "full ARN", "kmsKeyId": "key ARN" | null}}
                            so a grant on its full ARN counts (else only a NAME-?????? grant does).
                            Without it, kms:Decrypt needs are unknown and reported as KMS_DECRYPT
                            findings (fail closed), unless
  --assume-aws-managed-keys treat every secret and parameter not in --keys as using the AWS managed key
  --pull-through-cache-rules [REGION=]FILE
                            aws ecr describe-pull-through-cache-rules > FILE: the account's cache prefixes,
                            for the audit's region (--region), or with REGION=FILE for REGION; repeatable.
                            A file whose name holds "=" before any "/" (us-east-1=rules.json) is given as
                            ./NAME, else it is read as REGION=FILE. Images of the account's own registry
                            under a prefix (every image, for a rule whose prefix is ROOT) need
                            ecr:BatchImportUpstreamImage and ecr:CreateRepository (PULL_THROUGH_CACHE).
                            Without it no image is taken for a cached one, and the audit says so
  --bucket-encryption FILE  default encryption of the buckets of ECS environment files, FireLens configs
                            and credential specs: {"BUCKET": {"algorithm": "AES256" | "aws:kms" |
                            "aws:kms:dsse", "kmsKeyId": "key ARN"}} (aws:kms without kmsKeyId = the AWS
                            managed key aws/s3), or per bucket the output of aws s3api get-bucket-encryption.
                            A customer managed key needs kms:Decrypt (KMS_DECRYPT); a bucket the file lacks
                            is reported unverifiable (fail closed), and the audit says so
  --resource-policies FILE  the policies beyond the role, by ARN: {"ARN": policy | "policy JSON" | null}
                            (null = no policy) for KMS keys (aws kms get-key-policy --policy-name default),
                            secrets (aws secretsmanager get-resource-policy), ECR repositories, this
                            account's and others' (aws ecr get-repository-policy), registries
                            ("arn:aws:ecr:REGION:ACCOUNT:registry": aws ecr get-registry-policy) and S3
                            buckets ("arn:aws:s3:::BUCKET": aws s3api get-bucket-policy). A layer a role
                            needs that the file lacks is named as not provided (see --unreadable-layers).
                            Without the file, no key, secret, repository, registry or bucket policy is
                            weighed, and the audit says so
  --organization-policies FILE  SCPs and RCPs as the management account sees them:
                            {"managementAccountId": "ID", "organizationId": "o-...",
                             "scps": {"levels": [{"targetId": "r-...|ou-...|ID",
                                                  "policies": [{"id": "p-...", "content": policy}]}]},
                             "rcps": {...}}, levels from the root down to the account
  --region REGION           where SSM parameter and secret names resolve (offline default: the region of
                            the job and task definitions' ARNs, else AWS_REGION, else AWS_DEFAULT_REGION)
Template (before deploy; no AWS calls):
  --template FILE           a CloudFormation, SAM or cdk synth template (YAML or JSON); repeatable. Judges
                            every role a job or task definition of it uses, or that the rule parameters
                            match. Values the template does not determine (imports, parameters without
                            defaults) never prove a grant: their roles are NON_COMPLIANT, naming them.
                            Its ECS task definitions are read unless --discover-ecs-task-definitions false.
  --account ID              AWS::AccountId for the template (default: a placeholder, 000000000000)
  --region REGION           AWS::Region for the template (default: a placeholder, xx-placeholder-1), and
                            the region whose GuardDuty agent repository Fargate definitions pull from
                            (--guardduty-runtime-monitoring: PlatformCapabilities / RequiresCompatibilities)
  --keys FILE, --assume-aws-managed-keys   KMS keys of secrets and parameters the template does not declare
  --pull-through-cache-rules [REGION=]FILE the account's pull through cache rules, as offline
  --bucket-encryption FILE                 the default encryption of the buckets its S3 files live in, as offline
                            Key policies (KeyPolicy), secret resource policies
                            (AWS::SecretsManager::ResourcePolicy), repository policies (RepositoryPolicyText),
                            the registry policy (AWS::ECR::RegistryPolicy) and bucket policies
                            (AWS::S3::BucketPolicy) come from the template; a declared secret, repository
                            or bucket without one has none. Those it does not declare
                            (this account's repositories its images name, too) are unknown offline
                            (LAYER_UNREADABLE, see --unreadable-layers) unless given in:
  --resource-policies FILE, --organization-policies FILE   as offline; a policy the template declares wins,
                            the file's entry counts where the template declares none for that secret,
                            repository or bucket (one may be set outside CloudFormation)
Live (read-only: iam:GetAccountAuthorizationDetails, iam:GetPolicy(Version), batch:DescribeJobDefinitions,
      ecs:ListTaskDefinitionFamilies/DescribeTaskDefinition, secretsmanager:DescribeSecret, ssm:DescribeParameters,
      ecr:DescribePullThroughCacheRules, s3:GetEncryptionConfiguration):
  --live                    read the account the credentials belong to; also kms:GetKeyPolicy,
                            secretsmanager:GetResourcePolicy, ecr:GetRepositoryPolicy,
                            ecr:GetRegistryPolicy and s3:GetBucketPolicy for the layers
  --read-organization-policies local|ROLE_ARN
                            OrganizationPolicies: read SCPs and RCPs with these credentials (management
                            or delegated administrator account), or through the role (sts:AssumeRole)
  --profile NAME            a profile of ~/.aws/config (default: the environment)
  --region REGION           the region of job definitions, secrets and parameters (default: the profile's)
  --progress                report progress on stderr even when it is not a terminal (--live only)
Rule parameters (as the deployed rule's InputParameters):
  --role-name-pattern GLOBS             RoleNamePattern (default ecsTaskExecutionRole)
  --exclude-role-name-pattern GLOBS     ExcludeRoleNamePattern
  --role-tag-key KEY[=VALUE]            RoleTagKey
  --discover-batch-job-definitions B    DiscoverBatchJobDefinitions (default true)
  --discover-ecs-task-definitions B     DiscoverEcsTaskDefinitions (default false)
  --require-managed-policy [B]          RequireManagedPolicy (default false)
  --require-confused-deputy-condition [B]  RequireConfusedDeputyCondition (default false)
  --secret-arns ARNS                    SecretArns
  --parameter-arns ARNS                 ParameterArns
  --kms-key-arns ARNS                   KmsKeyArns
  --guardduty-runtime-monitoring [B]    GuardDutyRuntimeMonitoring (default false): Fargate job and task
                                        definitions pull the GuardDuty agent sidecar (GUARDDUTY_AGENT_IMAGE)
  --unreadable-layers fail|report       UnreadableLayers (default fail): a layer not read fails the role,
                                        or is only noted
Output:
  --output table|json|sarif|junit
                            a table (default), a JSON array of roles with their findings, SARIF 2.1.0
                            (code scanning) or JUnit XML (CI test reports)
  --all                     list NOT_APPLICABLE roles too
`;

/**
 * The audit's flags. A rule parameter flag names its parameter: the value goes to the rule's own parser,
 * whose errors then name the flag. Boolean parameters may be given bare (`--require-managed-policy` = true).
 */
const AUDIT_FLAGS = {
  '--input': { kind: 'value' },
  '--job-definitions': { kind: 'value' },
  '--no-job-definitions': { kind: 'switch' },
  '--task-definitions': { kind: 'value' },
  '--keys': { kind: 'value' },
  '--assume-aws-managed-keys': { kind: 'switch' },
  '--pull-through-cache-rules': { kind: 'repeatable' },
  '--bucket-encryption': { kind: 'value' },
  '--template': { kind: 'repeatable' },
  '--account': { kind: 'value' },
  '--region': { kind: 'value' },
  '--live': { kind: 'switch' },
  '--profile': { kind: 'value' },
  '--progress': { kind: 'switch' },
  '--output': { kind: 'value' },
  '--all': { kind: 'switch' },
  '--role-name-pattern': { kind: 'value', parameter: 'RoleNamePattern' },
  '--exclude-role-name-pattern': { kind: 'value', parameter: 'ExcludeRoleNamePattern' },
  '--role-tag-key': { kind: 'value', parameter: 'RoleTagKey' },
  '--discover-batch-job-definitions': { kind: 'optional', parameter: 'DiscoverBatchJobDefinitions' },
  '--discover-ecs-task-definitions': { kind: 'optional', parameter: 'DiscoverEcsTaskDefinitions' },
  '--require-managed-policy': { kind: 'optional', parameter: 'RequireManagedPolicy' },
  '--require-confused-deputy-condition': { kind: 'optional', parameter: 'RequireConfusedDeputyCondition' },
  '--secret-arns': { kind: 'value', parameter: 'SecretArns' },
  '--parameter-arns': { kind: 'value', parameter: 'ParameterArns' },
  '--kms-key-arns': { kind: 'value', parameter: 'KmsKeyArns' },
  '--guardduty-runtime-monitoring': { kind: 'optional', parameter: 'GuardDutyRuntimeMonitoring' },
  '--unreadable-layers': { kind: 'value', parameter: 'UnreadableLayers' },
  '--read-organization-policies': { kind: 'value', parameter: 'OrganizationPolicies' },
  '--resource-policies': { kind: 'value' },
  '--organization-policies': { kind: 'value' },
} as const satisfies Record<`--${string}`, { kind: FlagKind; parameter?: RuleParameterName }>;

type AuditFlags = ParsedFlags<typeof AUDIT_FLAGS>;

const OUTPUTS = ['table', 'json', 'sarif', 'junit'] as const;

/** The SARIF driver's documentation link: the page the findings' requirements come from. */
const SARIF_OPTIONS = { informationUri: SPEC_URL } as const;

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/** The flags as `ruleParameters`, validated by the rule's own parser; errors name the flag. */
function ruleParametersFrom(flags: AuditFlags): RuleParameters {
  const raw: Record<string, string> = {};
  for (const [flag, spec] of Object.entries(AUDIT_FLAGS)) {
    const value = flags[flag as keyof AuditFlags];
    if ('parameter' in spec && typeof value === 'string') raw[spec.parameter] = value;
  }
  // A task definitions file is a request to judge its consumers, as DiscoverEcsTaskDefinitions would.
  if (flags['--task-definitions'] !== undefined) {
    if (raw['DiscoverEcsTaskDefinitions']?.trim().toLowerCase() === 'false') {
      throw new AuditInputError(
        '--task-definitions contradicts --discover-ecs-task-definitions false: drop one of them',
      );
    }
    raw['DiscoverEcsTaskDefinitions'] = 'true';
  }
  // So are the sample account's (no --input, --live or --template): discovered unless the flag says false.
  const sample =
    flags['--input'] === undefined && flags['--live'] !== true && (flags['--template'] ?? []).length === 0;
  if (sample && raw['DiscoverEcsTaskDefinitions'] === undefined) raw['DiscoverEcsTaskDefinitions'] = 'true';
  // A template's task definitions are there to be judged: discovered unless the flag says false.
  if ((flags['--template'] ?? []).length > 0 && raw['DiscoverEcsTaskDefinitions'] === undefined) {
    raw['DiscoverEcsTaskDefinitions'] = 'true';
  }
  try {
    return parseRuleParameters(raw);
  } catch (error) {
    if (!(error instanceof InvalidRuleParametersError)) throw error;
    const flag = Object.entries(AUDIT_FLAGS).find(
      ([, spec]) => 'parameter' in spec && spec.parameter === error.parameter,
    )?.[0];
    throw new AuditInputError(`${flag ?? error.parameter}: ${error.problem}`);
  }
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

function checkedRegion(region: string): string {
  if (!REGION.test(region)) {
    throw new AuditInputError(`--region: ${JSON.stringify(region)} is not a region name such as us-east-1`);
  }
  return region;
}

/** An offline audit's region when given (flag or environment), checked; else undefined. */
function offlineRegionOf(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): OfflineRegion {
  if (flag !== undefined && flag !== '') return { explicit: checkedRegion(flag) };
  for (const variable of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    const region = env[variable];
    if (region !== undefined && region !== '') return { env: { region: checkedRegion(region), variable } };
  }
  return {};
}

/** What the audit judges: the same facts the rule gathers. */
interface AuditFacts {
  readonly roles: readonly RoleSnapshot[];
  readonly index: UsageIndex;
  readonly keys: KeyMetadata;
  readonly location: RuleLocation | undefined;
  /** Managed policy documents the input lacks (offline only). */
  readonly missingPolicyArns: ReadonlySet<string>;
  /** Offline without --keys: how many references have no known KMS key. */
  readonly unknownKeys: number;
  /** Offline: how many secrets are named without their suffix and have no full ARN in --keys. */
  readonly unresolvedSecretNames: number;
  /** Offline and template: regions of the account's own registry the jobs pull from with no rules file. */
  readonly cacheRulesUnread?: readonly string[];
  /** Offline and template: buckets of S3 files whose default encryption no --bucket-encryption file gave. */
  readonly bucketsUnknown?: number;
  /** Set for `--template` audits: where each role is written and what the templates leave unknown. */
  readonly template?: TemplateAccount;
  /** The policies beyond the role (live reads, or offline layer files); absent when none were given. */
  readonly layers?: LayerFacts;
  /** Template audits: what --resource-policies held (the templates' own layers come first). */
  readonly resourcePoliciesGiven?: ReadonlyMap<string, unknown>;
}

/** Secrets referenced by name (no suffix) that no full ARN was given for: checked as `NAME-??????`. */
function unresolvedSecretNames(index: UsageIndex): number {
  const names = new Set<string>();
  for (const usage of index.values()) {
    for (const consumer of usage.consumers) {
      for (const reference of [...consumer.secrets, ...consumer.registryCredentials]) {
        const partial = reference.isPartial ? reference.arn : reference.passThroughSecretArn;
        if (partial !== undefined && reference.resolvedSecretArn === undefined) names.add(partial);
      }
    }
  }
  return names.size;
}

/** Where the roles live: partition and account from their ARNs (one account per audit). */
function locationOf(
  roles: readonly RoleSnapshot[],
  region: string | (() => string),
): RuleLocation | undefined {
  const accounts = [...new Set(roles.map((role) => role.accountId))];
  if (accounts.length > 1) {
    throw new AuditInputError(
      `the roles belong to several accounts (${accounts.join(', ')}); audit one at a time`,
    );
  }
  const first = roles[0];
  if (first === undefined) return undefined;
  return {
    region: typeof region === 'string' ? region : region(),
    accountId: first.accountId,
    partition: first.partition,
  };
}

interface OfflineFiles {
  readonly input: string;
  readonly jobDefinitions?: string;
  readonly taskDefinitions?: string;
  readonly keys?: string;
  /** `--pull-through-cache-rules` values: `FILE` or `REGION=FILE`. */
  readonly pullThroughCacheRules?: readonly string[];
  readonly bucketEncryption?: string;
  readonly resourcePolicies?: string;
  readonly organizationPolicies?: string;
}

/** `REGION=FILE`: what precedes the first `=` is a region when it holds no path separator. */
const REGION_AND_FILE = /^([^=/\\]*)=(.*)$/;

/**
 * One `--pull-through-cache-rules` value as its region (undefined: the audit's) and file. The region is
 * checked as --region is, and an empty one or an empty file is refused, naming the flag.
 */
function cacheRulesValue(value: string): { region: string | undefined; path: string } {
  const match = REGION_AND_FILE.exec(value);
  if (match === null) return { region: undefined, path: value };
  const [, region = '', path = ''] = match;
  const flag = `--pull-through-cache-rules ${value}`;
  if (!REGION.test(region)) {
    throw new AuditInputError(
      `${flag}: ${JSON.stringify(region)} is not a region name such as us-east-1 (REGION=FILE; ` +
        'a file whose name holds "=" is given as ./NAME)',
    );
  }
  if (path === '') throw new AuditInputError(`${flag}: no file after ${region}= (REGION=FILE)`);
  return { region, path };
}

/**
 * The `--pull-through-cache-rules` files as DescribePullThroughCacheRules would answer, by region (`REGION=FILE`,
 * else the audit's region). Filled in `into` once the audit's account and region are known; a file of another
 * registry is refused.
 */
async function readCacheRules(
  io: CommandIo,
  values: readonly string[],
  location: RuleLocation,
  into: Map<string, string[]>,
): Promise<void> {
  for (const value of values) {
    const given = cacheRulesValue(value);
    const region = given.region ?? location.region;
    const path = given.path;
    const where = `--pull-through-cache-rules ${path}`;
    // `us-east-1=x.json` meant as a file name reads x.json for us-east-1: say how to name that file.
    const hint =
      given.region === undefined
        ? undefined
        : `read as REGION=FILE; a file named ${value} is given as ./${value}`;
    const rules = pullThroughCacheRulesFrom(
      await readJson(io, '--pull-through-cache-rules', path, hint),
      where,
    );
    for (const rule of rules) {
      if (rule.registryId !== undefined && rule.registryId !== location.accountId) {
        throw new AuditInputError(
          `${where}: rules of registry ${rule.registryId}, but the roles are in account ${location.accountId} ` +
            '(the rules of the account the images are pulled with are needed)',
        );
      }
    }
    into.set(region, [...(into.get(region) ?? []), ...rules.map((rule) => rule.ecrRepositoryPrefix)]);
  }
}

/** Regions of the account's own registry the usage pulls from that no rules were given for. */
function cacheRulesUnread(
  index: UsageIndex,
  location: RuleLocation | undefined,
  given: ReadonlyMap<string, readonly string[]>,
): string[] {
  if (location === undefined) return [];
  return ownRegistryRegions(index, location.accountId).filter((region) => !given.has(region));
}

/** The `--bucket-encryption` file as GetBucketEncryption would answer, filled in `into` once the partition is known. */
async function readBucketEncryptionFile(
  io: CommandIo,
  path: string | undefined,
  partition: string,
  into: Map<string, BucketEncryption>,
): Promise<void> {
  if (path === undefined) return;
  const json = await readJson(io, '--bucket-encryption', path);
  for (const [arn, encryption] of bucketEncryptionFrom(json, `--bucket-encryption ${path}`, partition))
    into.set(arn, encryption);
}

/** Buckets the usage fetches S3 files from that `given` has no default encryption for. */
function bucketsUnknown(index: UsageIndex, given: ReadonlyMap<string, BucketEncryption>): number {
  return referencedBucketArns(index).filter((arn) => !given.has(arn)).length;
}

/** The layer files of an offline audit as facts; undefined when neither was given. */
async function offlineLayers(
  files: Pick<OfflineFiles, 'resourcePolicies' | 'organizationPolicies'>,
  io: CommandIo,
): Promise<LayerFacts | undefined> {
  const resources = files.resourcePolicies;
  const organization = files.organizationPolicies;
  if (resources === undefined && organization === undefined) return undefined;
  return {
    ...(resources !== undefined && {
      resourcePolicies: resourcePoliciesFrom(
        await readJson(io, '--resource-policies', resources),
        `--resource-policies ${resources}`,
      ),
    }),
    ...(organization !== undefined && {
      organization: {
        status: 'read' as const,
        policies: organizationPoliciesFrom(
          await readJson(io, '--organization-policies', organization),
          `--organization-policies ${organization}`,
        ),
      },
    }),
  };
}

/** A JSON file's content; `hint` follows a file that cannot be read. */
async function readJson(io: CommandIo, flag: string, path: string, hint?: string): Promise<unknown> {
  let text: string;
  try {
    text = await io.readFile(path);
  } catch (error) {
    const more = hint === undefined ? '' : `; ${hint}`;
    throw new AuditInputError(`${flag} ${path}: cannot read it (${messageOf(error)})${more}`);
  }
  return parseJsonFile(text, flag, path);
}

const DEFINITION_ARN = /^arn:[^:]+:(?:batch|ecs):([^:]+):/;

/** Where an offline audit's region comes from: `--region`, or AWS_REGION / AWS_DEFAULT_REGION. */
interface OfflineRegion {
  readonly explicit?: string;
  /** The environment's region and the variable that named it. */
  readonly env?: { readonly region: string; readonly variable: string };
}

/**
 * The region secret and parameter names resolve in, offline: --region, else the one region of the job and
 * task definitions' own ARNs, else the environment's. A given region that disagrees with the definitions'
 * gets a one-line note; several regions, or none, with no region given, ask for --region.
 */
function regionOfDefinitions(
  jobDefinitions: readonly BatchJobDefinition[],
  taskDefinitions: readonly EcsTaskDefinition[],
  files: OfflineFiles,
  given: OfflineRegion,
  io: CommandIo,
): string {
  const regions = new Set<string>();
  const arns = [
    ...jobDefinitions.map((job) => job.jobDefinitionArn),
    ...taskDefinitions.map((task) => task.taskDefinitionArn),
  ];
  for (const arn of arns) {
    const region = typeof arn === 'string' ? DEFINITION_ARN.exec(arn)?.[1] : undefined;
    if (region !== undefined && region !== '') regions.add(region);
  }
  const [only, ...others] = [...regions].sort();
  const named = only === undefined ? '' : [only, ...others].join(', ');
  const disagrees = (region: string): boolean => only !== undefined && (others.length > 0 || only !== region);
  if (given.explicit !== undefined) {
    if (disagrees(given.explicit)) {
      io.stderr(
        `Note: --region ${given.explicit} is used, though the job and task definitions' ARNs name ${named}.\n`,
      );
    }
    return given.explicit;
  }
  if (only !== undefined && others.length === 0) {
    const region = checkedRegion(only);
    if (given.env !== undefined && given.env.region !== region) {
      io.stderr(
        `Note: ${given.env.variable}=${given.env.region} is not used: the job and task definitions' ARNs ` +
          `name ${region} (pass --region to choose another).\n`,
      );
    }
    return region;
  }
  if (given.env !== undefined) {
    if (disagrees(given.env.region)) {
      io.stderr(
        `Note: ${given.env.variable}=${given.env.region} is used, though the job and task definitions' ARNs ` +
          `name ${named}.\n`,
      );
    }
    return given.env.region;
  }
  const read = [files.jobDefinitions, files.taskDefinitions].filter((path) => path !== undefined).join(', ');
  const why =
    only !== undefined
      ? `the job and task definitions are in several regions (${named})`
      : read === ''
        ? 'no job or task definitions were read to take it from'
        : `the job and task definitions of ${read} name none in their ARNs`;
  throw new AuditInputError(
    `no region to resolve secret and parameter names in: ${why}; pass --region REGION (or set AWS_REGION)`,
  );
}

async function offlineFacts(
  files: OfflineFiles,
  givenRegion: OfflineRegion,
  params: RuleParameters,
  assumeAwsManaged: boolean,
  io: CommandIo,
): Promise<AuditFacts> {
  const details = await readJson(io, '--input', files.input);
  let converted;
  try {
    converted = snapshotsFromAuthorizationDetails(details, {
      awsManagedDocuments: KNOWN_AWS_MANAGED_DOCUMENTS,
    });
  } catch (error) {
    if (!(error instanceof AuthorizationDetailsError)) throw error;
    throw new AuditInputError(`--input ${files.input}: ${error.message}`);
  }
  const where = (flag: string, path: string): string => `${flag} ${path}`;
  let jobDefinitions: BatchJobDefinition[] = [];
  if (files.jobDefinitions !== undefined) {
    const json = await readJson(io, '--job-definitions', files.jobDefinitions);
    jobDefinitions = jobDefinitionsFrom(json, where('--job-definitions', files.jobDefinitions));
  }
  let taskDefinitions: EcsTaskDefinition[] = [];
  if (files.taskDefinitions !== undefined) {
    const json = await readJson(io, '--task-definitions', files.taskDefinitions);
    taskDefinitions = taskDefinitionsFrom(json, where('--task-definitions', files.taskDefinitions));
  }
  let metadata: SecretMetadata = { keys: new Map(), resolvedArns: new Map() };
  if (files.keys !== undefined) {
    metadata = secretMetadataFrom(await readJson(io, '--keys', files.keys), where('--keys', files.keys));
  }
  const cacheRules = new Map<string, string[]>();
  const buckets = new Map<string, BucketEncryption>();
  const readers = savedAccountReaders({
    roles: converted.roles,
    jobDefinitions,
    taskDefinitions,
    secretMetadata: metadata,
    pullThroughCachePrefixes: cacheRules,
    ...(files.bucketEncryption !== undefined && { bucketEncryptions: buckets }),
  });
  const roles = await readers.iam.loadAllRoles();
  const location = locationOf(roles, () =>
    regionOfDefinitions(jobDefinitions, taskDefinitions, files, givenRegion, io),
  );
  if (location !== undefined) {
    await readCacheRules(io, files.pullThroughCacheRules ?? [], location, cacheRules);
    await readBucketEncryptionFile(io, files.bucketEncryption, location.partition, buckets);
  }
  // The same gathering as the rule's: consumers the parameters do not discover are not read, and secrets
  // named without their suffix take the full ARN the --keys file gives them.
  const gathered = location ? await gatherUsage(readers.usage, params, location) : undefined;
  const index = gathered?.index ?? new Map();
  let keys = gathered?.keys ?? new Map();
  const refs = secretRefsOf(index);
  // Patterns in SecretArns / ParameterArns cannot be described: the rule takes their keys from KmsKeyArns.
  const wanted = [
    ...refs.secretArns,
    ...refs.parameterArns,
    ...params.secretArns,
    ...params.parameterArns,
  ].filter((arn) => !arn.includes('*') && !arn.includes('?'));
  if (assumeAwsManaged) keys = assumeAwsManagedKeys(keys, wanted);
  const layers = await offlineLayers(files, io);
  return {
    roles,
    index,
    keys,
    location,
    ...(layers && { layers }),
    missingPolicyArns: new Set(converted.missingPolicyArns),
    unknownKeys: new Set(wanted.filter((arn) => !keys.has(arn))).size,
    unresolvedSecretNames: unresolvedSecretNames(index),
    cacheRulesUnread: cacheRulesUnread(index, location, cacheRules),
    bucketsUnknown: bucketsUnknown(index, buckets),
  };
}

const ACCOUNT_ID = /^\d{12}$/;

/**
 * Facts of `--template` files, gathered like an account's: the templates' secrets know their own KMS keys;
 * `--keys` and `--assume-aws-managed-keys` speak for secrets and parameters the templates do not declare.
 */
async function templateFacts(flags: AuditFlags, params: RuleParameters, io: CommandIo): Promise<AuditFacts> {
  const region = flags['--region'];
  const accountId = flags['--account'];
  if (accountId !== undefined && !ACCOUNT_ID.test(accountId)) {
    throw new AuditInputError(`--account: ${JSON.stringify(accountId)} is not a 12-digit account id`);
  }
  // The same file named twice (`--template a.yaml --template ./a.yaml`) is judged once.
  const seen = new Set<string>();
  const files = (flags['--template'] ?? []).filter((path) => {
    const key = resolve(path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const template = await readTemplates(
    io,
    files,
    { ...(region !== undefined && { region }), ...(accountId !== undefined && { accountId }) },
    KNOWN_AWS_MANAGED_DOCUMENTS,
  );
  const keysFile = flags['--keys'];
  const given: SecretMetadata =
    keysFile === undefined
      ? { keys: new Map(), resolvedArns: new Map() }
      : secretMetadataFrom(await readJson(io, '--keys', keysFile), `--keys ${keysFile}`);
  const declared = template.account.secretMetadata;
  const cacheRules = new Map<string, string[]>();
  await readCacheRules(io, flags['--pull-through-cache-rules'] ?? [], template.location, cacheRules);
  const buckets = new Map<string, BucketEncryption>();
  const bucketFile = flags['--bucket-encryption'];
  await readBucketEncryptionFile(io, bucketFile, template.location.partition, buckets);
  const readers = savedAccountReaders({
    ...template.account,
    pullThroughCachePrefixes: cacheRules,
    ...(bucketFile !== undefined && { bucketEncryptions: buckets }),
    // A secret the template declares takes the key the template gives it (or stays unknown).
    secretMetadata: {
      keys: new Map([
        ...[...given.keys].filter(([arn]) => !template.declaredSecretArns.has(arn)),
        ...declared.keys,
      ]),
      resolvedArns: given.resolvedArns,
    },
  });
  const roles = await readers.iam.loadAllRoles();
  const gathered = await gatherUsage(readers.usage, params, template.location);
  let keys = gathered.keys;
  const refs = secretRefsOf(gathered.index);
  const wanted = [
    ...refs.secretArns,
    ...refs.parameterArns,
    ...params.secretArns,
    ...params.parameterArns,
  ].filter((arn) => !arn.includes('*') && !arn.includes('?'));
  if (flags['--assume-aws-managed-keys'] === true) {
    keys = assumeAwsManagedKeys(
      keys,
      wanted.filter((arn) => !template.declaredSecretArns.has(arn)),
    );
  }
  // The templates' own key, secret, repository and registry policies; the file speaks for the layers they
  // do not declare, and for those they declare none of (see templateOverFile).
  const resourcesFile = flags['--resource-policies'];
  const layerFiles = await offlineLayers(
    {
      ...(resourcesFile !== undefined && { resourcePolicies: resourcesFile }),
      ...(flags['--organization-policies'] !== undefined && {
        organizationPolicies: flags['--organization-policies'],
      }),
    },
    io,
  );
  const layers: LayerFacts = {
    resourcePolicies: templateOverFile(template.resourcePolicies, layerFiles?.resourcePolicies),
    notProvided:
      resourcesFile === undefined
        ? 'the template does not declare it, and no --resource-policies file was given'
        : `neither the template nor --resource-policies ${resourcesFile} holds it`,
    ...(layerFiles?.organization !== undefined && { organization: layerFiles.organization }),
  };
  return {
    roles,
    index: gathered.index,
    keys,
    location: template.location,
    layers,
    ...(layerFiles?.resourcePolicies !== undefined && { resourcePoliciesGiven: layerFiles.resourcePolicies }),
    missingPolicyArns: new Set(),
    // A declared secret's unknown KmsKeyId is named on its finding: --keys cannot speak for it.
    unknownKeys: new Set(wanted.filter((arn) => !keys.has(arn) && !template.unknownSecretKeys.has(arn))).size,
    unresolvedSecretNames: unresolvedSecretNames(gathered.index),
    cacheRulesUnread: cacheRulesUnread(gathered.index, template.location, cacheRules),
    bucketsUnknown: bucketsUnknown(gathered.index, buckets),
    template,
  };
}

/** What the audit needs from its surroundings; tests pass their own. */
export interface AuditDependencies {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal: progress is shown there by default. */
  readonly stderrIsTty: () => boolean;
  /** The repository's samples/account directory, or undefined when it cannot be found. */
  readonly sampleDir: () => string | undefined;
  /** SDK clients for `--live`; `region` is `--region` when given. */
  readonly clients: (region: string | undefined) => AwsClients;
  /** Sets AWS_PROFILE before clients are built (the SDK reads it from the environment). */
  readonly useProfile: (profile: string) => void;
  /**
   * Readers of the policies beyond the role for `--live` (key, secret, registry policies; SCPs and RCPs as
   * the parameters ask). Absent: a live audit weighs none and says so.
   */
  readonly layers?: (params: RuleParameters, accountId: string) => LayerReaders;
}

/** Progress on stderr: rewritten in place on a terminal, one line per step otherwise. */
function progressReporter(io: CommandIo, enabled: boolean, tty: boolean) {
  let pending = false;
  return {
    update(text: string): void {
      if (!enabled) return;
      if (tty) {
        io.stderr(`\r\u001b[K${text}`);
        pending = true;
      } else io.stderr(`${text}\n`);
    },
    done(): void {
      if (pending) io.stderr('\n');
      pending = false;
    },
  };
}

async function liveFacts(
  flags: AuditFlags,
  params: RuleParameters,
  deps: AuditDependencies,
  io: CommandIo,
): Promise<AuditFacts> {
  const profile = flags['--profile'];
  if (profile !== undefined) deps.useProfile(profile);
  const requested = flags['--region'];
  const clients = deps.clients(requested);
  const progress = progressReporter(
    io,
    flags['--progress'] === true || deps.stderrIsTty(),
    deps.stderrIsTty(),
  );
  try {
    progress.update('Reading IAM roles...');
    const roles = await new AwsIamReader(clients.iam).loadAllRoles((read) =>
      progress.update(`Reading IAM roles: ${read} read`),
    );
    let region = requested;
    if (region === undefined) {
      try {
        region = await clients.defaultRegion();
      } catch {
        throw new AuditInputError('no region configured: pass --region or set AWS_REGION');
      }
    }
    const location = locationOf(roles, region);
    if (location === undefined) {
      return {
        roles,
        index: new Map(),
        keys: new Map(),
        location,
        missingPolicyArns: new Set(),
        unknownKeys: 0,
        unresolvedSecretNames: 0,
      };
    }
    progress.update(
      `${roles.length} roles read; reading job definitions, KMS key metadata and bucket encryption...`,
    );
    const usage = new AwsUsageReader(clients, { accountId: location.accountId });
    const { index, keys } = await gatherUsage(usage, params, location);
    let layers: LayerFacts | undefined;
    if (deps.layers !== undefined) {
      progress.update(`${roles.length} roles read; reading key, secret, repository and registry policies...`);
      // Every layer any candidate needs, read once, as the rule's sweep does.
      const targets = new Map<string, LayerTarget>();
      for (const role of roles) layerTargetsForRole(role, index, keys, params, location, targets);
      layers = await gatherLayers(
        deps.layers(params, location.accountId),
        targets.values(),
        location.accountId,
        params,
      );
    }
    progress.update(`${roles.length} roles read; evaluating...`);
    return {
      roles,
      index,
      keys,
      location,
      ...(layers && { layers }),
      missingPolicyArns: new Set(),
      unknownKeys: 0,
      unresolvedSecretNames: 0,
    };
  } finally {
    progress.done();
  }
}

function sampleFiles(deps: AuditDependencies): OfflineFiles {
  const dir = deps.sampleDir();
  if (dir === undefined) {
    throw new AuditInputError(
      `the sample account (${SAMPLE_DIR}) is not next to this program: pass --input FILE or --live (see --help)`,
    );
  }
  return {
    input: join(dir, SAMPLE_FILES.input),
    jobDefinitions: join(dir, SAMPLE_FILES.jobDefinitions),
    taskDefinitions: join(dir, SAMPLE_FILES.taskDefinitions),
    keys: join(dir, SAMPLE_FILES.keys),
    pullThroughCacheRules: [join(dir, SAMPLE_FILES.pullThroughCacheRules)],
    bucketEncryption: join(dir, SAMPLE_FILES.bucketEncryption),
    resourcePolicies: join(dir, SAMPLE_FILES.resourcePolicies),
  };
}

/** Builds the audit command over `deps`. */
export function createAudit(deps: AuditDependencies): Command {
  return async (argv, io) => {
    try {
      return await runAudit(argv, io, deps);
    } catch (error) {
      if (error instanceof MissingPermissionError) {
        // The library words it for the Lambda function; here the caller's own credentials lack it.
        io.stderr(
          `execution-role-check audit: your credentials are missing ${error.permission}: ${firstLine(error.problem)}\n`,
        );
        return 2;
      }
      if (error instanceof AuditInputError || error instanceof AwsCallError) {
        io.stderr(`execution-role-check audit: ${firstLine(error.message)}\n`);
        return 2;
      }
      if (error instanceof Error && isCredentialsError(error)) {
        io.stderr(`execution-role-check audit: no AWS credentials: ${firstLine(error.message)}\n`);
        return 2;
      }
      throw error;
    }
  };
}

/** The SDK's failure to find credentials or a profile: a setup problem, not a verdict. */
function isCredentialsError(error: Error): boolean {
  return error.name === 'CredentialsProviderError' || error.name === 'ProviderError';
}

/** The SDK's credentials error, naming the profile it was looking in (--profile, else AWS_PROFILE). */
function credentialsProblem(
  error: Error,
  profile: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const named =
    profile !== undefined
      ? ` for profile ${profile} (--profile; is it in ~/.aws/config or ~/.aws/credentials?)`
      : env['AWS_PROFILE'] !== undefined && env['AWS_PROFILE'] !== ''
        ? ` for profile ${env['AWS_PROFILE']} (AWS_PROFILE)`
        : '';
  const what = error instanceof AwsCallError ? error.message : `${error.name}: ${error.message}`;
  return `no AWS credentials${named}: ${firstLine(what)}`;
}

function firstLine(text: string): string {
  return text.split('\n')[0] as string;
}

async function runAudit(argv: readonly string[], io: CommandIo, deps: AuditDependencies): Promise<number> {
  const flags = parseFlags(argv, AUDIT_FLAGS, (message) => new AuditInputError(message));
  if (flags === 'help') {
    io.stdout(AUDIT_USAGE);
    return 0;
  }
  const templates = flags['--template'] ?? [];
  const output = flags['--output'] ?? 'table';
  if (!isOneOf(OUTPUTS, output)) {
    throw new AuditInputError(
      `--output: expected table, json, sarif or junit, got ${JSON.stringify(output)}`,
    );
  }
  const live = flags['--live'] === true;
  const fromTemplates = templates.length > 0;
  if (fromTemplates) {
    // --progress reports a live audit's reads: a template is judged at once, with nothing to report.
    for (const flag of [
      '--input',
      '--job-definitions',
      '--task-definitions',
      '--profile',
      '--progress',
    ] as const) {
      if (flags[flag] !== undefined) throw new AuditInputError(`--template and ${flag} exclude each other`);
    }
    if (live) throw new AuditInputError('--template and --live exclude each other');
  } else if (flags['--account'] !== undefined) {
    throw new AuditInputError('--account needs --template (it stands in for AWS::AccountId)');
  }
  const offlineOnly = [
    '--job-definitions',
    '--task-definitions',
    '--keys',
    '--pull-through-cache-rules',
    '--bucket-encryption',
  ] as const;
  if (live && flags['--input'] !== undefined)
    throw new AuditInputError('--input and --live exclude each other');
  for (const flag of offlineOnly) {
    if (flags[flag] === undefined || fromTemplates) continue;
    if (live) throw new AuditInputError(`${flag} is for --input; --live reads the account instead`);
    if (flags['--input'] === undefined) throw new AuditInputError(`${flag} needs --input`);
  }
  if (flags['--assume-aws-managed-keys'] === true && flags['--input'] === undefined && !fromTemplates) {
    throw new AuditInputError(
      '--assume-aws-managed-keys needs --input (the sample and --live know their keys)',
    );
  }
  if (flags['--profile'] !== undefined && !live) throw new AuditInputError('--profile needs --live');
  if (flags['--progress'] !== undefined && !live) {
    throw new AuditInputError(
      '--progress needs --live (offline files are read at once, with nothing to report)',
    );
  }
  for (const flag of ['--resource-policies', '--organization-policies'] as const) {
    if (flags[flag] === undefined) continue;
    if (live) throw new AuditInputError(`${flag} is for --input; --live reads the policies itself`);
    if (flags['--input'] === undefined && !fromTemplates) {
      throw new AuditInputError(`${flag} needs --input or --template`);
    }
  }
  if (flags['--read-organization-policies'] !== undefined && !live) {
    throw new AuditInputError(
      '--read-organization-policies needs --live (offline, give --organization-policies FILE)',
    );
  }
  const withoutJobs = flags['--no-job-definitions'] === true;
  if (withoutJobs && flags['--input'] === undefined) {
    throw new AuditInputError(
      '--no-job-definitions needs --input (the sample, --live and --template read theirs)',
    );
  }
  if (withoutJobs && flags['--job-definitions'] !== undefined) {
    throw new AuditInputError('--job-definitions and --no-job-definitions exclude each other');
  }
  if (flags['--region'] !== undefined) checkedRegion(flags['--region']);
  for (const value of flags['--pull-through-cache-rules'] ?? []) cacheRulesValue(value);
  const params = ruleParametersFrom(flags);
  const sample = !live && !fromTemplates && flags['--input'] === undefined;
  const unreadJobs =
    flags['--input'] !== undefined &&
    flags['--job-definitions'] === undefined &&
    params.discoverBatchJobDefinitions;
  if (unreadJobs && !withoutJobs) {
    throw new AuditInputError(
      '--input without --job-definitions: no Batch job definitions are read, so roles used only as their ' +
        'execution roles would not be found (only roles the rule parameters match would be judged); pass ' +
        '--job-definitions FILE (aws batch describe-job-definitions --status ACTIVE > FILE), or ' +
        '--no-job-definitions to audit without them',
    );
  }
  // The same gap for ECS: discovering task definitions offline needs the file they are read from.
  if (
    flags['--input'] !== undefined &&
    flags['--task-definitions'] === undefined &&
    params.discoverEcsTaskDefinitions
  ) {
    throw new AuditInputError(
      '--discover-ecs-task-definitions true without --task-definitions: no ECS task definitions are read, so ' +
        'roles used only as their execution roles would not be found; pass --task-definitions FILE ' +
        '(aws ecs describe-task-definition per family, gathered as {"taskDefinitions": [...]}), or drop ' +
        '--discover-ecs-task-definitions true',
    );
  }
  let facts: AuditFacts;
  if (fromTemplates) {
    facts = await templateFacts(flags, params, io);
  } else if (live) {
    facts = await liveFacts(flags, params, deps, io).catch((error: unknown) => {
      // Direct from the SDK, or as the cause of the AWS call it failed.
      const credentials =
        error instanceof Error &&
        (isCredentialsError(error) || (error.cause instanceof Error && isCredentialsError(error.cause)));
      throw credentials
        ? new AuditInputError(credentialsProblem(error, flags['--profile'], deps.env))
        : error;
    });
  } else {
    const files: OfflineFiles = sample
      ? sampleFiles(deps)
      : {
          input: flags['--input'] as string,
          ...(flags['--job-definitions'] !== undefined && { jobDefinitions: flags['--job-definitions'] }),
          ...(flags['--task-definitions'] !== undefined && {
            taskDefinitions: flags['--task-definitions'],
          }),
          ...(flags['--keys'] !== undefined && { keys: flags['--keys'] }),
          ...(flags['--pull-through-cache-rules'] !== undefined && {
            pullThroughCacheRules: flags['--pull-through-cache-rules'],
          }),
          ...(flags['--bucket-encryption'] !== undefined && {
            bucketEncryption: flags['--bucket-encryption'],
          }),
          ...(flags['--resource-policies'] !== undefined && {
            resourcePolicies: flags['--resource-policies'],
          }),
          ...(flags['--organization-policies'] !== undefined && {
            organizationPolicies: flags['--organization-policies'],
          }),
        };
    const region: OfflineRegion = sample
      ? { explicit: flags['--region'] ?? SAMPLE_REGION }
      : offlineRegionOf(flags['--region'], deps.env);
    facts = await offlineFacts(files, region, params, flags['--assume-aws-managed-keys'] === true, io);
  }

  if (unreadJobs) {
    const tasks = flags['--task-definitions'] === undefined ? ' (nor ECS task definitions)' : '';
    io.stderr(
      `Note: --no-job-definitions: no Batch job definitions were read${tasks}, so roles used only as ` +
        'execution roles were not found: only roles the rule parameters match were judged.\n',
    );
  }

  const origins = facts.template?.roles;
  const rows: AuditRow[] = facts.location
    ? facts.roles.map((role) =>
        failTemplateUnknownsClosed(
          toAuditRow(
            assessRole(role, facts.index, facts.keys, params, facts.location as RuleLocation, facts.layers),
            facts.missingPolicyArns,
          ),
          origins?.get(role.arn),
          facts.template ?? { unknownSecretKeys: new Map() },
          params,
        ),
      )
    : [];
  const all = flags['--all'] === true;
  const shown = all ? rows : rows.filter((row) => row.compliance !== 'NOT_APPLICABLE');
  const nonCompliant = rows.some((row) => row.compliance === 'NON_COMPLIANT');

  const banner = sample ? sampleBanner(facts, deps) : '';
  const nothingToJudge =
    fromTemplates && rows.every((row) => row.compliance === 'NOT_APPLICABLE')
      ? `Nothing to judge: no role in ${templates.join(', ')} is used as an execution role by a job or ` +
        'task definition there, or matches the rule parameters.\n'
      : '';
  const logicalIds = (row: AuditRow) => origins?.get(row.role.arn)?.logicalId;
  if (output !== 'table') {
    // Machine output on stdout stays parseable: explanations go to stderr.
    if (banner) io.stderr(banner);
    if (nothingToJudge) io.stderr(nothingToJudge);
    if (output === 'json') io.stdout(`${JSON.stringify(toJson(shown, logicalIds), null, 2)}\n`);
    const judged = shown.map((row) => toJudgedRole(row, origins?.get(row.role.arn)));
    if (output === 'sarif') io.stdout(`${JSON.stringify(toSarif(judged, SARIF_OPTIONS), null, 2)}\n`);
    if (output === 'junit') io.stdout(toJUnit(judged));
  } else if (nothingToJudge) {
    io.stdout(nothingToJudge);
  } else {
    io.stdout(banner);
    io.stdout(shown.length > 0 ? renderTable(shown) : 'No roles to show.\n');
    io.stdout(`\n${summaryLine(rows, all)}`);
    for (const note of notes(facts, rows, params, flags, flags['--assume-aws-managed-keys'] === true))
      io.stdout(`${note}\n`);
    for (const note of facts.template?.notes ?? []) io.stdout(`Note: ${note}\n`);
    if (sample) {
      io.stdout(
        'This sample run exits 0; a real audit (--input or --live) exits 1 when a role is NON_COMPLIANT.\n',
      );
    }
  }
  if (sample) return 0;
  return nonCompliant ? 1 : 0;
}

function sampleBanner(facts: AuditFacts, deps: AuditDependencies): string {
  const dir = deps.sampleDir();
  const shown = dir === undefined ? SAMPLE_DIR : relative(process.cwd(), dir) || '.';
  const account = facts.location?.accountId ?? 'unknown';
  return (
    `Sample account ${account} (${shown}): audit your own with "npm start -- --live [--profile NAME]" ` +
    `or "npm start -- --input auth.json --job-definitions jobs.json" (aws iam get-account-authorization-details > ` +
    `auth.json; aws batch describe-job-definitions --status ACTIVE > jobs.json); --help for more.\n\n`
  );
}

/** Hints under the table: what the audit could not know, and how to tell it. */
function notes(
  facts: AuditFacts,
  rows: readonly AuditRow[],
  params: RuleParameters,
  flags: AuditFlags,
  assumedAwsManaged: boolean,
): string[] {
  const out: string[] = [];
  if (facts.unknownKeys > 0) {
    out.push(
      `KMS keys of ${facts.unknownKeys} secret${facts.unknownKeys === 1 ? '' : 's'} or parameter${facts.unknownKeys === 1 ? '' : 's'} are unknown offline, ` +
        'so their kms:Decrypt needs are reported unverifiable: pass --keys FILE ({"ARN": "key ARN" | null}) ' +
        'or --assume-aws-managed-keys.',
    );
  } else if (assumedAwsManaged) {
    out.push(
      'Secrets and parameters not in --keys were assumed to use AWS managed keys (--assume-aws-managed-keys).',
    );
  }
  const unread = facts.cacheRulesUnread ?? [];
  if (unread.length > 0) {
    out.push(
      `Pull through cache rules were not given for ${unread.join(', ')}, where jobs pull from this account's ` +
        'registry, so none of those images was taken for a cached one (PULL_THROUGH_CACHE unchecked): pass ' +
        '--pull-through-cache-rules [REGION=]FILE (aws ecr describe-pull-through-cache-rules > FILE).',
    );
  }
  const buckets = facts.bucketsUnknown ?? 0;
  if (buckets > 0) {
    out.push(
      `The default encryption of ${buckets} bucket${buckets === 1 ? '' : 's'} of ECS environment files, FireLens ` +
        'configs or credential specs is unknown offline, so whether they need kms:Decrypt is reported ' +
        'unverifiable: pass --bucket-encryption FILE ({"BUCKET": {"algorithm": "aws:kms", "kmsKeyId": "key ARN"}}).',
    );
  }
  if (facts.unresolvedSecretNames > 0) {
    const count = facts.unresolvedSecretNames;
    out.push(
      `${count} secret${count === 1 ? ' is' : 's are'} named without ${count === 1 ? 'its' : 'their'} random suffix, so only a ` +
        'NAME-?????? wildcard grant is accepted for them: give each full ARN in --keys ' +
        '({"NAME": {"arn": "...:secret:NAME-AbCdEf", "kmsKeyId": null}}) to accept a grant on exactly that ARN.',
    );
  }
  const judged = new Set(
    rows.filter((row) => row.compliance !== 'NOT_APPLICABLE').map((row) => row.role.arn),
  );
  const missingForJudged = facts.roles
    .filter((role) => judged.has(role.arn))
    .flatMap((role) => [
      ...role.managedPolicies.map((policy) => policy.arn),
      ...(role.permissionsBoundary ? [role.permissionsBoundary.arn] : []),
    ])
    .filter((arn) => facts.missingPolicyArns.has(arn));
  if (missingForJudged.length > 0) {
    out.push(
      `Not in the input file: ${[...new Set(missingForJudged)].join(', ')}. Roles with them are NON_COMPLIANT ` +
        'until the file includes their documents (save it without --filter).',
    );
  }
  if (facts.template !== undefined && facts.location !== undefined) {
    // What decided beside the roles' own policies: the templates' layers, the file's, and the unknown.
    const targets = new Map<string, LayerTarget>();
    for (const role of facts.roles.filter((candidate) => judged.has(candidate.arn))) {
      layerTargetsForRole(role, facts.index, facts.keys, params, facts.location, targets);
    }
    out.push(
      ...templateLayerNotes(
        [...targets.values()],
        facts.template,
        facts.resourcePoliciesGiven ?? new Map(),
        flags['--resource-policies'],
        params.unreadableLayers,
      ),
    );
  } else if (facts.layers?.resourcePolicies === undefined) {
    out.push(
      "Key, secret, repository, registry and bucket policies were not read, so these verdicts prove the roles' " +
        'own policies only (a key policy or secret policy may still refuse): pass --resource-policies FILE ' +
        '(see --help), or audit --live.',
    );
  }
  return out;
}

/** The samples directory next to the program: dist/cli/ in the bundle, cli/ when run from source. */
export function findSampleDir(from: string = __dirname): string | undefined {
  let dir = resolve(from);
  for (let depth = 0; depth < 4; depth++) {
    const candidate = join(dir, SAMPLE_DIR);
    if (existsSync(join(candidate, SAMPLE_FILES.input))) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

/** The audit command with the real environment. */
export const audit: Command = createAudit({
  env: process.env,
  stderrIsTty: () => process.stderr.isTTY === true,
  sampleDir: () => findSampleDir(),
  clients: (region) => createClients(region === undefined ? {} : { clientConfig: { region } }),
  useProfile: (profile) => {
    process.env['AWS_PROFILE'] = profile;
  },
  layers: (params, accountId) => {
    const organization = organizationPolicyReaderFor(params.organizationPolicies);
    return {
      resources: new AwsResourcePolicyReader({ accountId }),
      ...(organization ? { organization } : {}),
    };
  },
});
