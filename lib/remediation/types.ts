/**
 * The remediation's data: what it plans, what it refuses, what it reports, and the port it writes IAM
 * through. Plain data, so a plan can be printed, tested and audited before anything is applied.
 */
import type { FindingId } from '../core/model';

/** The inline policy this tool owns on a role; it never writes any other inline policy. */
export const OWNED_POLICY_NAME = 'execution-role-check-grants';

/** The Sid of the trust statement this tool adds. */
export const TRUST_STATEMENT_SID = 'ExecutionRoleCheckEcsTasks';

/** The only principal the remediation ever adds to a trust policy. */
export const ECS_TASKS_SERVICE = 'ecs-tasks.amazonaws.com';

/** The actions the owned inline policy may grant, each in its own statement. */
export const GRANT_SIDS = {
  'secretsmanager:GetSecretValue': 'ExecutionRoleCheckSecretsManager',
  'ssm:GetParameters': 'ExecutionRoleCheckSsm',
  'kms:Decrypt': 'ExecutionRoleCheckKms',
  'logs:CreateLogGroup': 'ExecutionRoleCheckLogGroups',
  's3:GetObject': 'ExecutionRoleCheckS3Objects',
  's3:GetBucketLocation': 'ExecutionRoleCheckS3Buckets',
} as const;
/** An action the owned inline policy may grant. */
export type GrantAction = keyof typeof GRANT_SIDS;

/** A statement as it is written into a policy document. */
export type StatementJson = Readonly<Record<string, unknown>>;

/** One addition to a role; the remediation never removes, detaches or edits anything. */
export type PlannedChange =
  | {
      readonly kind: 'addTrustStatement';
      readonly statement: StatementJson;
      /** The whole new trust policy: the original text with the statement appended. */
      readonly document: string;
    }
  | { readonly kind: 'attachManagedPolicy'; readonly policyArn: string }
  | {
      readonly kind: 'putOwnedInlinePolicy';
      readonly policyName: typeof OWNED_POLICY_NAME;
      readonly document: string;
      /** The grants this change adds (the rest of the document was already there). */
      readonly added: readonly { readonly action: GrantAction; readonly resource: string }[];
    };

/** A finding the remediation will not fix, and why (an operator must act first). */
export interface Refusal {
  readonly findingId: FindingId;
  readonly message: string;
}

/** Changes are applied in this order, each at most once. Empty changes and refusals: nothing to do. */
export interface RemediationPlan {
  readonly changes: readonly PlannedChange[];
  readonly refusals: readonly Refusal[];
}

/** The three things the remediation may write, as read from IAM (documents as decoded JSON text). */
export interface RoleDocuments {
  readonly trustPolicy: string;
  /** null when the role has no owned inline policy. */
  readonly ownedInlinePolicy: string | null;
  readonly attachedPolicyArns: readonly string[];
}

/** `skipped`: not written because an earlier step stopped the run (or a refusal stopped it all). */
export type ChangeStatus = 'planned' | 'applied' | 'skipped';

/**
 * - `compliant`: nothing to change. `planned`: dry run. `applied`: every change written.
 * - `refused`: a refusal stopped everything (nothing written). `stopped`: a write failed or drift was seen.
 */
export type RemediationOutcome = 'compliant' | 'planned' | 'applied' | 'refused' | 'stopped';

/** What the remediation returns and logs: enough to audit a change or roll it back by hand. */
export interface RemediationReport {
  readonly roleName: string;
  readonly roleId: string;
  readonly roleArn: string;
  readonly dryRun: boolean;
  readonly outcome: RemediationOutcome;
  readonly changes: readonly {
    readonly kind: PlannedChange['kind'];
    readonly status: ChangeStatus;
    readonly detail: string;
  }[];
  readonly refusals: readonly Refusal[];
  readonly before: RoleDocuments;
  /** After a dry run or a refusal: what the documents would be, or are, after the applied changes. */
  readonly after: RoleDocuments;
}

/**
 * The IAM writes (and the reads that guard them) the remediation needs. Documents are decoded JSON text.
 * Implemented over the SDK in lib/aws/iam-writer.ts; every method fails with a named error.
 */
export interface IamWriter {
  /** The role's trust policy as IAM stores it (GetRole). */
  getTrustPolicy(roleName: string): Promise<string>;
  /** An inline policy's document, or undefined when the role has no inline policy of that name. */
  getRolePolicy(roleName: string, policyName: string): Promise<string | undefined>;
  /** Every attached managed policy ARN (all pages). */
  listAttachedPolicyArns(roleName: string): Promise<string[]>;
  updateAssumeRolePolicy(roleName: string, documentJson: string): Promise<void>;
  attachRolePolicy(roleName: string, policyArn: string): Promise<void>;
  putRolePolicy(roleName: string, policyName: string, documentJson: string): Promise<void>;
}
