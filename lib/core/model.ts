/**
 * The plain data that flows between the adapters (lib/aws), the pure core and the Config runner.
 * Nothing here talks to AWS.
 */
import type { FindingId } from '../findings/registry';

/** A policy document as AWS hands it over: an object, a JSON string or a URL-encoded JSON string. */
export type RawPolicyDocument = unknown;

/** Everything the engine needs to know about one role. Built from a configuration item or from IAM. */
export interface RoleSnapshot {
  readonly roleName: string;
  /** The RoleId (`AROA...`): AWS Config's resourceId for AWS::IAM::Role. */
  readonly roleId: string;
  readonly arn: string;
  readonly path: string;
  readonly accountId: string;
  /** `aws`, `aws-cn`, `aws-us-gov`: taken from the role ARN. */
  readonly partition: string;
  readonly trustPolicy: RawPolicyDocument;
  readonly inlinePolicies: readonly { readonly name: string; readonly document: RawPolicyDocument }[];
  readonly managedPolicies: readonly {
    readonly arn: string;
    readonly name: string;
    readonly document: RawPolicyDocument;
  }[];
  readonly permissionsBoundary?: { readonly arn: string; readonly document: RawPolicyDocument };
  readonly tags: Readonly<Record<string, string>>;
}

/** Stable ids: the same id appears in code, tests, annotations and the README. Declared by the registry. */
export type { FindingId };

/** Who needs a grant: a job definition (`etl:3`), an ECS task definition family, or a rule parameter. */
export interface Consumer {
  readonly kind: 'batch-job-definition' | 'ecs-task-definition' | 'rule-parameter' | 'base';
  /** `etl:3`, `web:12`, `SecretArns`. */
  readonly name: string;
}

/** One permission the role must hold. */
export interface PermissionRequirement {
  readonly kind: 'permission';
  readonly id: FindingId;
  readonly action: string;
  /** The resource to check: an ARN, `*`, or an ARN ending in `*` meaning "every resource under it". */
  readonly resource: string;
  readonly neededBy: readonly Consumer[];
  /**
   * Condition keys known to hold when the ECS agent makes this request (e.g. `kms:ViaService` for a
   * Decrypt that Secrets Manager makes on the role's behalf); they override the evaluator's defaults.
   */
  readonly context?: Readonly<Record<string, readonly string[]>>;
}

/**
 * A requirement that cannot be checked from the facts at hand (an unparseable `valueFrom`, a secret whose
 * KMS key could not be described). It always yields a finding: the rule fails closed.
 */
export interface UnverifiableRequirement {
  readonly kind: 'unverifiable';
  readonly id: FindingId;
  /** The action that could not be checked, when one is known (`kms:Decrypt`). */
  readonly action?: string;
  /** What the requirement is about: the reference as written, or the secret/parameter ARN. */
  readonly subject: string;
  /** Completes a sentence about the subject: `cannot be checked: the KMS key protecting it could not be determined`. */
  readonly problem: string;
  readonly neededBy: readonly Consumer[];
}

export interface TrustRequirement {
  readonly kind: 'trust';
  readonly id: 'TRUST_ECS_TASKS';
  readonly service: 'ecs-tasks.amazonaws.com';
  /** When true, the allowing statement must carry aws:SourceAccount or aws:SourceArn (TRUST_CONFUSED_DEPUTY). */
  readonly requireConfusedDeputyCondition: boolean;
}

export interface AttachmentRequirement {
  readonly kind: 'attachment';
  readonly id: 'MANAGED_POLICY_ATTACHED';
  /** Without partition: `iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy` is completed per role. */
  readonly policyName: 'AmazonECSTaskExecutionRolePolicy';
  readonly policyPath: '/service-role/';
}

export type Requirement =
  PermissionRequirement | TrustRequirement | AttachmentRequirement | UnverifiableRequirement;

export type Compliance = 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';

/** Why a requirement is not met. */
export type FindingReason =
  | { readonly kind: 'noAllow' }
  | { readonly kind: 'explicitDeny'; readonly policyName: string; readonly statement: string }
  | { readonly kind: 'boundary'; readonly policyName: string }
  | {
      readonly kind: 'conditional';
      readonly conditions: readonly string[];
      /** The conditions are a Deny's: it may refuse, so the grant is not proven (else an Allow's). */
      readonly deny?: boolean;
    }
  | { readonly kind: 'notAttached' }
  | { readonly kind: 'noConfusedDeputyCondition' }
  | { readonly kind: 'unreadable'; readonly policyName: string; readonly problem: string }
  | { readonly kind: 'unverifiable'; readonly subject: string; readonly problem: string }
  /** A policy on the other side of the grant (key, secret, repository, registry policy, SCP, RCP) denies it. */
  | {
      readonly kind: 'layerDeny';
      readonly layer: OtherLayer;
      /** The resource ARN the policy is attached to, or `p-xxxx at OU ou-xxxx` for an SCP or RCP. */
      readonly policyName: string;
      readonly statement: string;
    }
  /** A policy on the other side of the grant does not allow it; `detail` says what it lacks. */
  | {
      readonly kind: 'layerNoAllow';
      readonly layer: OtherLayer;
      readonly policyName: string;
      readonly detail: string;
      /** The role the missing statement must name (the remediation's refusal quotes it). */
      readonly principalArn: string;
    }
  /** A layer that could not be read or parsed (LAYER_UNREADABLE). */
  | {
      readonly kind: 'layerUnreadable';
      readonly layer: OtherLayer;
      /** The key, secret or repository ARN, `ACCOUNT REGION` of a registry, or the account for SCPs/RCPs. */
      readonly subject: string;
      /** Short: `AccessDenied`, `OtherAccount`, `NotFound`, `NotProvided`, `Unparseable`. */
      readonly cause: string;
      readonly problem: string;
    }
  | {
      /** A trust condition ECS does not support: `aws:SourceArn` naming one cluster (TRUST_SOURCE_ARN). */
      readonly kind: 'unsupportedSourceArn';
      /** `trust` statement label: its Sid or index. */
      readonly statement: string;
      readonly values: readonly string[];
      /** What AWS documents instead: `arn:aws:ecs:REGION:ACCOUNT:*`. */
      readonly replacement: string;
    };

/** The layers beyond the role's own policies: which one refused or could not be read. */
export type OtherLayer =
  'keyPolicy' | 'secretPolicy' | 'repositoryPolicy' | 'registryPolicy' | 'bucketPolicy' | 'scp' | 'rcp';

export interface Finding {
  readonly id: FindingId;
  /** Empty for trust/attachment findings. */
  readonly action?: string;
  readonly resource?: string;
  readonly reason: FindingReason;
  readonly neededBy: readonly Consumer[];
  /** One human sentence, used by the annotation builder and the CLI. */
  readonly message: string;
}

export interface RoleEvaluation {
  readonly compliance: 'COMPLIANT' | 'NON_COMPLIANT';
  readonly findings: readonly Finding[];
  /**
   * Layers that were not read and, by the rule parameter UnreadableLayers=report (or an offline audit
   * without layer files), do not count against the verdict: named in the annotation, nothing more.
   */
  readonly notes?: readonly Finding[];
}
