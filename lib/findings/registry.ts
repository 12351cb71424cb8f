/**
 * Every finding id, declared once with everything about it: the requirement it stands for and where the
 * AWS Batch execution-role page states it, where it goes in a Config annotation, how the annotation words
 * it, and what the remediation can do about it. Typed as a record over FindingId, so an id without an
 * entry (or an entry without a part) does not compile; test/findings/registry.test.ts checks the rest.
 */
import type { Finding, FindingReason } from '../core/model';
import { conditionKeys, consumersText, layerAnnotationText, shortArn } from './render';

/** Stable ids, in the order of the README's table: the same id appears in code, tests, annotations and the README. */
export const FINDING_IDS = [
  'TRUST_ECS_TASKS',
  'TRUST_CONFUSED_DEPUTY',
  'EXEC_PERMISSIONS',
  'MANAGED_POLICY_ATTACHED',
  'REGISTRY_CREDENTIALS',
  'SECRETS_SSM',
  'SECRETS_MANAGER',
  'KMS_DECRYPT',
  'LOG_GROUP_CREATION',
  'ENVIRONMENT_FILES',
  'FIRELENS_CONFIG',
  'GMSA_CREDENTIAL_SPECS',
  'FSX_WINDOWS_CREDENTIALS',
  'TRUST_SOURCE_ARN',
  'PULL_THROUGH_CACHE',
  'CROSS_ACCOUNT_IMAGE',
  'GUARDDUTY_AGENT_IMAGE',
  'POLICY_UNREADABLE',
  'LAYER_UNREADABLE',
] as const;
export type FindingId = (typeof FINDING_IDS)[number];

/** The page this rule enforces. */
export const SPEC_URL = 'https://docs.aws.amazon.com/batch/latest/userguide/execution-IAM-role.html';

/** Section anchors of the page, as its `<a name=...>` tags spell them. */
export const SPEC_SECTIONS = [
  'execution-IAM-role',
  'create-execution-role',
  'execution-private-auth',
  'execution-secrets',
] as const;
/** One of SPEC_SECTIONS. */
export type SpecSection = (typeof SPEC_SECTIONS)[number];

/** What each section is about, as the README table's "Spec section" column names its link. */
export const SPEC_SECTION_TITLES: Readonly<Record<SpecSection, string>> = {
  'execution-IAM-role': 'execution role',
  'create-execution-role': 'creating the role',
  'execution-private-auth': 'private registry auth',
  'execution-secrets': 'Batch secrets',
};

/**
 * What the remediation does about a finding whose reason is `when`: add the ecs-tasks trust statement,
 * attach AmazonECSTaskExecutionRolePolicy, or grant the finding's action on its resource in the owned
 * inline policy. Any other reason, and `none`, is refused with the reason's explanation.
 */
export type RemediationAbility =
  | { readonly fix: 'trust' | 'attach' | 'grant'; readonly when: FindingReason['kind'] }
  | { readonly fix: 'none' };

/** Everything about one finding id. */
export interface FindingDefinition {
  /** The requirement, for the README table and the CLI. */
  readonly title: string;
  /** The section of the Batch page the need belongs to (or, for a need the page does not list, extends). */
  readonly section: SpecSection;
  /** Where AWS states the need: `SPEC_URL#section`, or `docUrl` for a need the Batch page does not list. */
  readonly specUrl: string;
  /** What `specUrl` is about, as its link text (README table, SARIF help): the section's or `docTitle`. */
  readonly specTitle: string;
  /** The AWS page that states a need the Batch page does not list. */
  readonly docUrl?: string;
  /** `docUrl`'s link text. */
  readonly docTitle?: string;
  readonly description: string;
  /**
   * Place in the annotation, lower first: what breaks every job before what breaks some, hardening last.
   * An explicit Deny moves a finding up to EXPLICIT_DENY_PRIORITY (a deliberate Deny is the likeliest cause).
   */
  readonly annotationPriority: number;
  /**
   * The annotation's sentence for a finding that is not a missing grant (grants are grouped into one
   * `Missing ...` run by lib/findings/annotation.ts): `generic` words it from its reason.
   */
  readonly annotationSentence: 'generic' | ((finding: Finding) => string);
  readonly remediation: RemediationAbility;
}

/** Where an explicitly denied finding goes in the annotation when its own priority is lower. */
export const EXPLICIT_DENY_PRIORITY = 3;

/** A definition as written: a page of its own (`docUrl`) always comes with its link text. */
type Definition = Omit<FindingDefinition, 'specUrl' | 'specTitle' | 'docUrl' | 'docTitle'> &
  (
    | { readonly docUrl?: undefined; readonly docTitle?: undefined }
    | { readonly docUrl: string; readonly docTitle: string }
  );
const define = (definition: Definition): FindingDefinition => ({
  ...definition,
  specUrl: definition.docUrl ?? `${SPEC_URL}#${definition.section}`,
  specTitle: definition.docTitle ?? SPEC_SECTION_TITLES[definition.section],
});

/** The annotation of an ECS need: a value that names nothing fetchable, or the finding's own sentence. */
function unusable(what: string): (finding: Finding) => string {
  return (finding) =>
    finding.reason.kind === 'unverifiable' && finding.action === undefined
      ? `Unusable ${what} ${finding.reason.subject}${consumersText(finding.neededBy)}`
      : genericSentence(finding);
}

/** Every finding id and what it means. Same ids as the code, the tests, the annotations and the README. */
export const FINDINGS: Readonly<Record<FindingId, FindingDefinition>> = {
  TRUST_ECS_TASKS: define({
    title: 'Trusted by ecs-tasks.amazonaws.com',
    section: 'execution-IAM-role',
    description:
      'The trust policy lets ecs-tasks.amazonaws.com call sts:AssumeRole, so the ECS agent can use the role.',
    annotationPriority: 0,
    annotationSentence: ({ reason }) => {
      if (reason.kind === 'explicitDeny')
        return `Trust policy denies ecs-tasks.amazonaws.com (statement ${reason.statement})`;
      if (reason.kind === 'conditional') {
        const how = reason.deny ? 'denied' : 'only';
        return `Trust for ecs-tasks.amazonaws.com ${how} under conditions on ${conditionKeys(reason.conditions)}`;
      }
      if (reason.kind === 'unreadable') return 'Unreadable trust policy';
      return 'Trust policy does not allow ecs-tasks.amazonaws.com';
    },
    remediation: { fix: 'trust', when: 'noAllow' },
  }),
  TRUST_CONFUSED_DEPUTY: define({
    title: 'Trust limited to this account (strict)',
    section: 'execution-IAM-role',
    description:
      'With RequireConfusedDeputyCondition, the statement trusting ecs-tasks.amazonaws.com also carries ' +
      'aws:SourceAccount or aws:SourceArn, as AWS recommends against the confused deputy problem.',
    annotationPriority: 1,
    annotationSentence: () => 'Trust lacks aws:SourceAccount or aws:SourceArn',
    remediation: { fix: 'trust', when: 'noConfusedDeputyCondition' },
  }),
  EXEC_PERMISSIONS: define({
    title: 'Execution permissions (AmazonECSTaskExecutionRolePolicy)',
    section: 'execution-IAM-role',
    description:
      'ecr:GetAuthorizationToken, the three ECR pull actions and logs:CreateLogStream / logs:PutLogEvents: on ' +
      'every resource, or, for roles with known consumers, on the repositories and log groups they use.',
    annotationPriority: 4,
    annotationSentence: 'generic',
    remediation: { fix: 'attach', when: 'noAllow' },
  }),
  MANAGED_POLICY_ATTACHED: define({
    title: 'AmazonECSTaskExecutionRolePolicy attached (strict)',
    section: 'create-execution-role',
    description:
      'With RequireManagedPolicy, the AWS managed policy is attached so that the role gains permissions for ' +
      'future ECS features.',
    annotationPriority: 7,
    annotationSentence: () => 'AmazonECSTaskExecutionRolePolicy not attached',
    remediation: { fix: 'attach', when: 'notAttached' },
  }),
  REGISTRY_CREDENTIALS: define({
    title: 'Private registry credentials readable',
    section: 'execution-private-auth',
    description: 'secretsmanager:GetSecretValue on each repositoryCredentials.credentialsParameter secret.',
    annotationPriority: 5,
    annotationSentence: 'generic',
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  SECRETS_SSM: define({
    title: 'Parameter Store secrets readable',
    section: 'execution-secrets',
    description:
      'ssm:GetParameters on each Parameter Store parameter a job definition references in secrets or ' +
      'logConfiguration.secretOptions (and on the rule parameter ParameterArns).',
    annotationPriority: 5,
    annotationSentence: 'generic',
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  SECRETS_MANAGER: define({
    title: 'Secrets Manager secrets readable',
    section: 'execution-secrets',
    description:
      'secretsmanager:GetSecretValue on each secret a job definition references, directly or through ' +
      '/aws/reference/secretsmanager/ (and on the rule parameter SecretArns).',
    annotationPriority: 5,
    annotationSentence: 'generic',
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  KMS_DECRYPT: define({
    title: 'Customer managed KMS keys usable',
    section: 'execution-secrets',
    description:
      'kms:Decrypt on the customer managed key of each secret or SecureString parameter (AWS managed keys ' +
      'need no grant), on the default customer managed key of each bucket an ECS environment file, FireLens ' +
      'config or credential spec lives in (SSE-KMS; unverifiable when its encryption cannot be read), and on ' +
      'the rule parameter KmsKeyArns.',
    annotationPriority: 6,
    annotationSentence: 'generic',
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  LOG_GROUP_CREATION: define({
    title: 'Log groups the awslogs driver creates',
    section: 'execution-IAM-role',
    docTitle: 'awslogs driver',
    docUrl:
      'https://docs.aws.amazon.com/batch/latest/userguide/using_awslogs.html#create_awslogs_logdriver_options',
    description:
      'logs:CreateLogGroup on each log group a container creates with awslogs-create-group "true" (not in ' +
      'AmazonECSTaskExecutionRolePolicy). AWS authorises it on `log-group:NAME:log-stream:`, so a grant on ' +
      '`log-group:NAME:*` covers it and the bare `log-group:NAME` does not; awslogs-region moves the region.',
    annotationPriority: 5,
    annotationSentence: 'generic',
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  ENVIRONMENT_FILES: define({
    title: 'Environment files in S3 readable (ECS)',
    section: 'execution-IAM-role',
    docTitle: 'environment files',
    docUrl: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/use-environment-file.html',
    description:
      's3:GetObject on each environmentFiles object (arn:aws:s3:::BUCKET/KEY) and s3:GetBucketLocation on its ' +
      'bucket, for ECS task definitions. A bucket whose default encryption is a customer managed KMS key adds ' +
      'kms:Decrypt on that key (KMS_DECRYPT); an object uploaded with another key is not seen.',
    annotationPriority: 5,
    annotationSentence: unusable('environment file'),
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  FIRELENS_CONFIG: define({
    title: 'FireLens configuration file in S3 readable (ECS)',
    section: 'execution-IAM-role',
    docTitle: 'FireLens',
    docUrl: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/firelens-taskdef.html',
    description:
      'With firelensConfiguration.options config-file-type "s3", s3:GetObject on the config-file-value object ' +
      'and s3:GetBucketLocation on its bucket (and KMS_DECRYPT for an SSE-KMS bucket, as for ENVIRONMENT_FILES).',
    annotationPriority: 5,
    annotationSentence: unusable('FireLens config file'),
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  GMSA_CREDENTIAL_SPECS: define({
    title: 'gMSA credential specs readable (ECS)',
    section: 'execution-IAM-role',
    docTitle: 'gMSA',
    docUrl: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/linux-gmsa.html',
    description:
      'For each credentialSpecs entry (credentialspec:ARN or credentialspecdomainless:ARN; or credentialspec:ARN ' +
      'in dockerSecurityOptions): s3:GetObject on ' +
      'an S3 object, or ssm:GetParameters on an SSM parameter (and kms:Decrypt on its customer managed key). ' +
      'The domainless secret named inside the spec is not visible offline and is not checked.',
    annotationPriority: 5,
    annotationSentence: unusable('credential spec'),
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  FSX_WINDOWS_CREDENTIALS: define({
    title: 'FSx for Windows File Server volumes usable (ECS)',
    section: 'execution-IAM-role',
    docTitle: 'FSx for Windows volumes',
    docUrl: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/wfsx-volumes.html',
    description:
      'For each fsxWindowsFileServerVolumeConfiguration: secretsmanager:GetSecretValue or ssm:GetParameters on ' +
      'authorizationConfig.credentialsParameter (and kms:Decrypt on its customer managed key), and ' +
      'fsx:DescribeFileSystems on * (only * is proof: whether the action takes a resource is not settled).',
    annotationPriority: 5,
    annotationSentence: unusable('FSx volume setting'),
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  TRUST_SOURCE_ARN: define({
    title: 'Trust aws:SourceArn not limited to one cluster',
    section: 'execution-IAM-role',
    docTitle: 'ECS task roles, confused deputy',
    docUrl: 'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-iam-roles.html',
    description:
      'No statement trusting ecs-tasks.amazonaws.com limits aws:SourceArn to a specific cluster (or other ECS ' +
      'resource): ECS does not support it, and AWS says to use arn:aws:ecs:REGION:ACCOUNT:* instead.',
    annotationPriority: 0,
    annotationSentence: ({ reason }) =>
      reason.kind === 'unsupportedSourceArn'
        ? `Trust aws:SourceArn ${reason.values.join(', ')} names one cluster (unsupported; use ${reason.replacement})`
        : 'Trust aws:SourceArn names one cluster (unsupported)',
    remediation: { fix: 'none' },
  }),
  PULL_THROUGH_CACHE: define({
    title: 'Images pulled through an ECR pull through cache',
    section: 'execution-IAM-role',
    docTitle: 'pull through cache IAM',
    docUrl: 'https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html',
    description:
      'ecr:BatchImportUpstreamImage and ecr:CreateRepository on each cache repository ' +
      "(`repository/PREFIX/UPSTREAM-PATH`) a container pulls from the role's own registry, where PREFIX is a " +
      'rule of ecr:DescribePullThroughCacheRules (with a ROOT rule, every repository of the registry is one): ' +
      'the first pull of an image imports it, and the first pull of a repository creates it, with the ' +
      'execution role. A registry policy may grant them too.',
    annotationPriority: 5,
    annotationSentence: 'generic',
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  CROSS_ACCOUNT_IMAGE: define({
    title: "Images in another account's registry",
    section: 'execution-IAM-role',
    docTitle: 'cross-account repository policy',
    docUrl:
      'https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html#IAM_allow_other_accounts',
    description:
      'ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer and ecr:BatchGetImage on each repository in ' +
      "another account's registry that a container pulls from (that repository's exact ARN; the owner's " +
      'repository policy must allow the role too), with ecr:GetAuthorizationToken on `*` (EXEC_PERMISSIONS).',
    annotationPriority: 5,
    annotationSentence: 'generic',
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  GUARDDUTY_AGENT_IMAGE: define({
    title: 'GuardDuty Runtime Monitoring sidecar (opt-in)',
    section: 'execution-IAM-role',
    docTitle: 'GuardDuty Fargate prerequisites',
    docUrl: 'https://docs.aws.amazon.com/guardduty/latest/ug/prereq-runtime-monitoring-ecs-support.html',
    description:
      'With GuardDutyRuntimeMonitoring, each Fargate job or task definition pulls the GuardDuty agent sidecar ' +
      'with its execution role: ecr:BatchCheckLayerAvailability, ecr:GetDownloadUrlForLayer and ' +
      'ecr:BatchGetImage on `repository/aws-guardduty-agent-fargate` of the GuardDuty account of its region ' +
      '(a region without a known account cannot be verified).',
    annotationPriority: 5,
    annotationSentence: (finding) => {
      const { reason } = finding;
      if (reason.kind === 'unverifiable') {
        return `Cannot verify the GuardDuty agent pull in ${reason.subject}${consumersText(finding.neededBy)}`;
      }
      return finding.message;
    },
    remediation: { fix: 'grant', when: 'noAllow' },
  }),
  POLICY_UNREADABLE: define({
    title: 'Every policy readable',
    section: 'execution-IAM-role',
    description:
      'Every identity policy and the permissions boundary parse as IAM policy documents; otherwise nothing ' +
      'can be proven and the role is NON_COMPLIANT.',
    annotationPriority: 2,
    annotationSentence: 'generic',
    remediation: { fix: 'none' },
  }),
  LAYER_UNREADABLE: define({
    title: 'Every policy on the other side readable',
    section: 'execution-secrets',
    docTitle: 'cross-account evaluation',
    docUrl:
      'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html',
    description:
      'The key policy of each customer managed key, the resource policy of each secret, the repository policy ' +
      "of each other account's repository, the registry policy for pull through cache, and (when " +
      'OrganizationPolicies is on) the SCPs and RCPs could be read and parsed. One that could not (AccessDenied, ' +
      'another account, not found) is named; UnreadableLayers=report notes it without failing the role. A ' +
      'document that does not parse always fails.',
    // After the missing grants: a layer not read is a doubt, a missing grant a certain failure.
    annotationPriority: 6,
    annotationSentence: 'generic',
    remediation: { fix: 'none' },
  }),
};

/** A finding's place in the annotation (lower first). */
export function annotationPriorityOf(finding: Finding): number {
  const own = FINDINGS[finding.id].annotationPriority;
  const kind = finding.reason.kind;
  return kind === 'explicitDeny' || kind === 'layerDeny' ? Math.min(own, EXPLICIT_DENY_PRIORITY) : own;
}

/** The annotation's sentence for a finding that is not a missing grant. */
export function annotationSentenceOf(finding: Finding): string {
  const sentence = FINDINGS[finding.id].annotationSentence;
  if (sentence !== 'generic') return sentence(finding);
  return genericSentence(finding);
}

/** The sentence of a `generic` finding: a layer's refusal, an unverifiable requirement, else the message. */
function genericSentence(finding: Finding): string {
  const layered = layerAnnotationText(finding);
  if (layered !== undefined) return layered;
  const { reason } = finding;
  const consumers = consumersText(finding.neededBy);
  if (reason.kind === 'unverifiable') {
    if (finding.action)
      return `Cannot verify ${finding.action} for ${shortArn(reason.subject)} (KMS key unknown)${consumers}`;
    return `Unusable secret reference ${reason.subject}${consumers}`;
  }
  return finding.message;
}
