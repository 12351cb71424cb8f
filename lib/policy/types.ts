/**
 * The IAM policy language as plain data. Every document is normalised by `parsePolicyDocument`
 * before anything evaluates it: single values become arrays, `Statement` becomes a list.
 */

export type Effect = 'Allow' | 'Deny';

/** `"*"` or a map such as `{ Service: ["ecs-tasks.amazonaws.com"], AWS: ["arn:aws:iam::1:root"] }`. */
export type PrincipalBlock = '*' | Readonly<Record<string, readonly string[]>>;

/** `{ StringEquals: { "aws:SourceAccount": ["123"] } }`; operator and key spelled as written. */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface Statement {
  /** Position in the document's `Statement` list (0 when `Statement` was a single object). */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
  readonly principal?: PrincipalBlock;
  readonly notPrincipal?: PrincipalBlock;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly condition: ConditionBlock;
}

export interface PolicyDocument {
  /** `Version` as written; policy variables are substituted only under `2012-10-17`. */
  readonly version?: string;
  readonly id?: string;
  readonly statements: readonly Statement[];
}

export type PolicyKind = 'inline' | 'managed' | 'boundary' | 'trust' | 'custom';

/** A parsed policy with the name reported in findings (`inline:deny-logs`, `managed:AmazonECSTaskExecutionRolePolicy`). */
export interface NamedPolicy {
  readonly kind: PolicyKind;
  readonly name: string;
  readonly arn?: string;
  readonly document: PolicyDocument;
}

/**
 * Request context: condition key (case-insensitive) -> values. A key that is absent is *unknown* unless
 * the request says unknown keys are absent (as `aws iam simulate-custom-policy` treats them).
 */
export type RequestContext = Readonly<Record<string, readonly string[]>>;

export interface Request {
  readonly action: string;
  /** ARN, or `*`. A `*` inside the resource stands for "any string": only a pattern `*` covers it. */
  readonly resource: string;
  readonly context?: RequestContext;
  /**
   * Keys this request adds to `context`, as `{ ...context, ...extraContext }` would. Lets callers share one
   * `context` object across requests, so its lowercased form is built once rather than per request.
   */
  readonly extraContext?: RequestContext;
  /** `unknown` (default): a condition on a key missing from `context` is unresolved -> conditional.
   *  `absent`: the key is known to be missing from the request, as at runtime. */
  readonly missingKeys?: 'unknown' | 'absent';
}

export type Decision = 'allowed' | 'implicitDeny' | 'explicitDeny';

export interface StatementRef {
  readonly policyKind: PolicyKind;
  readonly policyName: string;
  readonly statementIndex: number;
  readonly sid?: string;
  readonly effect: Effect;
}

export interface UnresolvedCondition extends StatementRef {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly string[];
}

export interface EvaluationResult {
  /** The decision from the statements whose conditions are known to hold. */
  readonly decision: Decision;
  /** True when a statement with unresolved conditions could change `decision`. Fail closed: treat as not allowed. */
  readonly conditional: boolean;
  /** Statements that decided: the Deny that matched, or the Allows that matched (identity and boundary). */
  readonly matchedStatements: readonly StatementRef[];
  readonly unresolvedConditions: readonly UnresolvedCondition[];
  /** Which layer refused: `identity` (no Allow / a Deny in identity policies) or `boundary`. */
  readonly deniedBy?: 'identity' | 'boundary';
  /** Keys a condition needed that the context did not hold (as simulate-custom-policy's MissingContextValues). */
  readonly missingContextKeys: readonly string[];
  /** Present only with a boundary: whether the boundary alone allows (an Allow, no Deny) the request. */
  readonly allowedByBoundary?: boolean;
}

export interface PolicySet {
  /** Inline and managed policies of the role. */
  readonly identity: readonly NamedPolicy[];
  /** Permissions boundary: when present, an action must be allowed by both. */
  readonly boundary?: NamedPolicy;
}

export interface TrustResult {
  /** `allowed` only when a statement lets the service call sts:AssumeRole with every condition satisfied. */
  readonly decision: Decision;
  readonly conditional: boolean;
  readonly matchedStatements: readonly StatementRef[];
  readonly unresolvedConditions: readonly UnresolvedCondition[];
  /** True when the allowing statement carries aws:SourceAccount or aws:SourceArn (confused-deputy hardening). */
  readonly hasConfusedDeputyCondition: boolean;
}

export interface TrustQuery {
  readonly service: string;
  /** The role's account: aws:SourceAccount equal to it, aws:SourceArn on ECS ARNs of it, count as satisfied. */
  readonly accountId: string;
  readonly partition?: string;
}
