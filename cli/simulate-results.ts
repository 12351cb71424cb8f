/**
 * `simulate`'s output: the `EvaluationResults` of SimulateCustomPolicy, with AWS's field names. The shape
 * follows the IAM API Reference, "EvaluationResult" and "ResourceSpecificResult"
 * (https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html): one result per action;
 * with resource ARNs, its top-level fields are the aggregate over them (the most restrictive decision) and
 * each resource's own result is under `ResourceSpecificResults`.
 */
import type { Decision } from '../lib/policy';

export interface MatchedStatementJson {
  readonly SourcePolicyId: string;
  readonly SourcePolicyType: string;
  readonly StartPosition?: { readonly Line: number; readonly Column: number };
  readonly EndPosition?: { readonly Line: number; readonly Column: number };
}

interface BoundaryDetailJson {
  readonly AllowedByPermissionsBoundary: boolean;
}

/** One entry of `ResourceSpecificResults`. */
export interface ResourceSpecificResultJson {
  readonly EvalResourceName: string;
  readonly EvalResourceDecision: Decision;
  readonly MatchedStatements: readonly MatchedStatementJson[];
  readonly MissingContextValues: readonly string[];
  readonly EvalDecisionDetails?: Readonly<Record<string, Decision>>;
  readonly PermissionsBoundaryDecisionDetail?: BoundaryDetailJson;
}

/** One entry of `EvaluationResults`. */
export interface EvaluationResultJson {
  readonly EvalActionName: string;
  /** The resource, when one was simulated (`*` without --resource-arns). */
  readonly EvalResourceName?: string;
  readonly EvalDecision: Decision;
  readonly MatchedStatements: readonly MatchedStatementJson[];
  readonly MissingContextValues: readonly string[];
  readonly EvalDecisionDetails?: Readonly<Record<string, Decision>>;
  readonly PermissionsBoundaryDecisionDetail?: BoundaryDetailJson;
  readonly ResourceSpecificResults?: readonly ResourceSpecificResultJson[];
}

/** What the simulation decided for one action on one resource. */
export interface ResourceVerdict {
  readonly resource: string;
  readonly decision: Decision;
  readonly matched: readonly MatchedStatementJson[];
  readonly missing: readonly string[];
  /** With a permissions boundary: whether it alone allows the request. */
  readonly allowedByBoundary?: boolean;
  /** Cross-account only: each side's own decision ("how each policy type contributes"). */
  readonly details?: Readonly<Record<string, Decision>>;
}

const RESTRICTIVENESS: Readonly<Record<Decision, number>> = { allowed: 0, implicitDeny: 1, explicitDeny: 2 };

function mostRestrictive(decisions: readonly Decision[]): Decision {
  return decisions.reduce((a, b) => (RESTRICTIVENESS[b] > RESTRICTIVENESS[a] ? b : a), 'allowed');
}

function unique<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.values()];
}

function boundaryDetail(allowed: boolean | undefined): {
  PermissionsBoundaryDecisionDetail?: BoundaryDetailJson;
} {
  return allowed === undefined
    ? {}
    : { PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: allowed } };
}

/**
 * The result for one action. `verdicts` has one entry per resource; `listed` says the resources came from
 * --resource-arns (AWS then nests them under ResourceSpecificResults) rather than the default `*`.
 */
export function toEvaluationResult(
  action: string,
  verdicts: readonly ResourceVerdict[],
  listed: boolean,
): EvaluationResultJson {
  const details = (v: ResourceVerdict) => (v.details ? { EvalDecisionDetails: v.details } : {});
  if (!listed) {
    const v = verdicts[0] as ResourceVerdict;
    return {
      EvalActionName: action,
      EvalResourceName: v.resource,
      EvalDecision: v.decision,
      MatchedStatements: v.matched,
      MissingContextValues: v.missing,
      ...details(v),
      ...boundaryDetail(v.allowedByBoundary),
    };
  }
  const decision = mostRestrictive(verdicts.map((v) => v.decision));
  const deciding = verdicts.filter((v) => v.decision === decision);
  // Same account with resource ARNs: present but empty. Cross account: each side, most restrictive first.
  const aggregateDetails: Record<string, Decision> = {};
  for (const v of verdicts) {
    for (const [side, d] of Object.entries(v.details ?? {})) {
      aggregateDetails[side] = mostRestrictive([aggregateDetails[side] ?? 'allowed', d]);
    }
  }
  const boundary = verdicts.map((v) => v.allowedByBoundary);
  return {
    EvalActionName: action,
    // AWS's reference does not say which resource the aggregate names: only a single one is named here.
    ...(verdicts.length === 1 ? { EvalResourceName: (verdicts[0] as ResourceVerdict).resource } : {}),
    EvalDecision: decision,
    MatchedStatements: unique(
      deciding.flatMap((v) => v.matched),
      (m) => JSON.stringify(m),
    ),
    MissingContextValues: unique(
      verdicts.flatMap((v) => v.missing),
      (k) => k.toLowerCase(),
    ),
    EvalDecisionDetails: aggregateDetails,
    ...boundaryDetail(boundary.includes(undefined) ? undefined : boundary.every(Boolean)),
    ResourceSpecificResults: verdicts.map((v) => ({
      EvalResourceName: v.resource,
      EvalResourceDecision: v.decision,
      MatchedStatements: v.matched,
      MissingContextValues: v.missing,
      ...details(v),
      ...boundaryDetail(v.allowedByBoundary),
    })),
  };
}
