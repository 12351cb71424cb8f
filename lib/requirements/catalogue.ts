/** The AWS Batch execution-role page, requirement by requirement, with the section each comes from. */
import type { FindingId } from '../core/model';

/** The page this rule enforces (a copy lives in the repository's spec folder). */
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

/** What one finding id stands for, for the README table and the CLI. */
export interface CatalogueEntry {
  readonly title: string;
  readonly section: SpecSection;
  /** `SPEC_URL#section`. */
  readonly specUrl: string;
  readonly description: string;
}

const entry = (title: string, section: SpecSection, description: string): CatalogueEntry => ({
  title,
  section,
  specUrl: `${SPEC_URL}#${section}`,
  description,
});

/** Every finding id with its title, spec section and what it demands. Same ids as code, tests and README. */
export const REQUIREMENT_CATALOGUE: Readonly<Record<FindingId, CatalogueEntry>> = {
  TRUST_ECS_TASKS: entry(
    'Trusted by ecs-tasks.amazonaws.com',
    'execution-IAM-role',
    'The trust policy lets ecs-tasks.amazonaws.com call sts:AssumeRole, so the ECS agent can use the role.',
  ),
  TRUST_CONFUSED_DEPUTY: entry(
    'Trust limited to this account (strict)',
    'execution-IAM-role',
    'With RequireConfusedDeputyCondition, the statement trusting ecs-tasks.amazonaws.com also carries ' +
      'aws:SourceAccount or aws:SourceArn, as AWS recommends against the confused deputy problem.',
  ),
  EXEC_PERMISSIONS: entry(
    'Execution permissions (AmazonECSTaskExecutionRolePolicy)',
    'execution-IAM-role',
    'ecr:GetAuthorizationToken, the three ECR pull actions and logs:CreateLogStream / logs:PutLogEvents: on ' +
      'every resource, or, for roles with known consumers, on the repositories and log groups they use.',
  ),
  MANAGED_POLICY_ATTACHED: entry(
    'AmazonECSTaskExecutionRolePolicy attached (strict)',
    'create-execution-role',
    'With RequireManagedPolicy, the AWS managed policy is attached so that the role gains permissions for ' +
      'future ECS features.',
  ),
  REGISTRY_CREDENTIALS: entry(
    'Private registry credentials readable',
    'execution-private-auth',
    'secretsmanager:GetSecretValue on each repositoryCredentials.credentialsParameter secret.',
  ),
  SECRETS_SSM: entry(
    'Parameter Store secrets readable',
    'execution-secrets',
    'ssm:GetParameters on each Parameter Store parameter a job definition references in secrets or ' +
      'logConfiguration.secretOptions (and on the rule parameter ParameterArns).',
  ),
  SECRETS_MANAGER: entry(
    'Secrets Manager secrets readable',
    'execution-secrets',
    'secretsmanager:GetSecretValue on each secret a job definition references, directly or through ' +
      '/aws/reference/secretsmanager/ (and on the rule parameter SecretArns).',
  ),
  KMS_DECRYPT: entry(
    'Customer managed KMS keys usable',
    'execution-secrets',
    'kms:Decrypt on the customer managed key of each secret or SecureString parameter (AWS managed keys ' +
      'need no grant), and on the rule parameter KmsKeyArns.',
  ),
  POLICY_UNREADABLE: entry(
    'Every policy readable',
    'execution-IAM-role',
    'Every identity policy and the permissions boundary parse as IAM policy documents; otherwise nothing ' +
      'can be proven and the role is NON_COMPLIANT.',
  ),
};
