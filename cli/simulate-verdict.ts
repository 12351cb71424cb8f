/**
 * What `simulate` decides for one action on one resource. Identity policies and the permissions boundary
 * alone: `evaluateRequest`, as SimulateCustomPolicy without a resource policy. With `--resource-policy`,
 * or a resource in another account than `--caller-arn`'s: `decideAcrossLayers`, the same code the rule
 * decides layered grants with, so a verdict of the rule can be reproduced by hand.
 */
import { ExecutionRoleCheckError } from '../lib/core/errors';
import {
  evaluateRequest,
  parsePolicyDocument,
  type Decision,
  type NamedPolicy,
  type PolicyDocument,
  type PolicySet,
  type Request,
  type RequestContext,
  type StatementRef,
  type StatementSpan,
  type UnresolvedCondition,
} from '../lib/policy';
import {
  decideAcrossLayers,
  type RequestPrincipal,
  type ResourcePolicyKind,
  type ResourcePolicyLayer,
} from '../lib/policy/layers';
import type { MatchedStatementJson, ResourceVerdict } from './simulate-results';

/** Bad flags or documents, or a request the simulator cannot decide: one line on stderr, exit code 2. */
export class SimulateInputError extends ExecutionRoleCheckError {
  override readonly name = 'SimulateInputError';
  readonly code = 'SIMULATE_INPUT';
  constructor(problem: string, options?: { cause?: unknown }) {
    super(problem, problem, options);
  }
}

/** SourcePolicyId of the resource policy in MatchedStatements. */
export const RESOURCE_POLICY_ID = 'ResourcePolicy';

/** Everything the simulation weighs besides the action and the resource. */
export interface Simulation {
  readonly policies: PolicySet;
  readonly context: RequestContext;
  /** Statement positions of every input policy, by policy name. */
  readonly spans: ReadonlyMap<string, StatementSpan[] | undefined>;
  /** `--caller-arn`: the principal a resource policy's Principal is matched against. */
  readonly caller?: RequestPrincipal;
  /** `--resource-policy`. */
  readonly resourcePolicy?: NamedPolicy;
  /** `--resource-owner`'s account: owns resources whose ARN names no account (and `*`). */
  readonly resourceOwner?: string;
}

/**
 * Whose resource policy a resource has, from its ARN (or, for `*`, the action's service): the layers an
 * execution role meets. KMS key policies decide with the KMS rule (the key policy must allow).
 */
export function resourcePolicyKind(resource: string, action: string): ResourcePolicyKind | undefined {
  const parts = resource.split(':');
  const service = (resource === '*' ? action.split(':')[0] : parts[2])?.toLowerCase();
  const path = parts.slice(5).join(':');
  const any = resource === '*';
  if (service === 'kms' && (any || path.startsWith('key/'))) return 'keyPolicy';
  if (service === 'secretsmanager' && (any || path.startsWith('secret:'))) return 'secretPolicy';
  if (service === 'ecr' && (any || path.startsWith('repository/'))) return 'repositoryPolicy';
  return undefined;
}

/** The account that owns `resource`: its ARN's, else `--resource-owner`'s, else the caller's. */
function ownerOf(resource: string, simulation: Simulation, caller: RequestPrincipal): string {
  const fromArn = resource === '*' ? '' : (resource.split(':')[4] ?? '');
  const { resourceOwner } = simulation;
  if (fromArn !== '' && resourceOwner !== undefined && resourceOwner !== fromArn) {
    throw new SimulateInputError(
      `--resource-owner ${resourceOwner} contradicts ${resource}, whose ARN names account ${fromArn}`,
    );
  }
  return fromArn || resourceOwner || caller.accountId;
}

// ECR repository policies have no Resource element: a statement is about the repository it is attached to
// (ECR User Guide, "Private repository policies"); read as `*` when looking for context keys.
function withImplicitResource(document: PolicyDocument): PolicyDocument {
  return {
    ...document,
    statements: document.statements.map((s) => (s.resource || s.notResource ? s : { ...s, resource: ['*'] })),
  };
}

// The resource policy's own answer: the layered decision with an identity side that allows everything.
const ALLOW_ALL: NamedPolicy = {
  kind: 'custom',
  name: 'allow-all',
  document: parsePolicyDocument({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }),
};

function matchedJson(ref: StatementRef, spans: Simulation['spans']): MatchedStatementJson {
  const span = spans.get(ref.policyName)?.[ref.statementIndex];
  return {
    SourcePolicyId: ref.policyName,
    // What the IAM simulator prints for policies passed as text; `resource` is the API's PolicySourceType.
    SourcePolicyType: ref.policyName === RESOURCE_POLICY_ID ? 'resource' : 'IAM Policy',
    ...(span ? { StartPosition: span.start, EndPosition: span.end } : {}),
  };
}

/** A decision that rests on conditions the simulator cannot evaluate is no decision: say which. */
function undecidable(request: Request, unresolved: readonly UnresolvedCondition[]): never {
  const what = unresolved
    .map((u) => `${u.policyName} Statement[${u.statementIndex}] ${u.operator} ${u.key}`.trim())
    .join('; ');
  throw new SimulateInputError(
    `${request.action} on ${request.resource} cannot be decided: it depends on ${what}, which this simulator cannot evaluate`,
  );
}

function unionKeys(...lists: (readonly string[])[]): string[] {
  const seen = new Map<string, string>();
  for (const key of lists.flat()) if (!seen.has(key.toLowerCase())) seen.set(key.toLowerCase(), key);
  return [...seen.values()];
}

/** Decides `action` on `resource`; throws SimulateInputError when the inputs cannot decide it. */
export function decideResource(action: string, resource: string, simulation: Simulation): ResourceVerdict {
  const request: Request = { action, resource, context: simulation.context, missingKeys: 'absent' };
  const identity = evaluateRequest(request, simulation.policies);
  if (identity.conditional) undecidable(request, identity.unresolvedConditions);
  const boundary =
    identity.allowedByBoundary === undefined ? {} : { allowedByBoundary: identity.allowedByBoundary };
  const { caller, resourcePolicy } = simulation;
  const owner = caller ? ownerOf(resource, simulation, caller) : undefined;
  const crossAccount = caller !== undefined && owner !== caller.accountId;
  const fromIdentity = (decision: Decision, refs: readonly StatementRef[]): ResourceVerdict => ({
    resource,
    decision,
    matched: refs.map((ref) => matchedJson(ref, simulation.spans)),
    missing: identity.missingContextKeys,
    ...boundary,
  });

  if (resourcePolicy === undefined || caller === undefined) {
    if (!crossAccount) return fromIdentity(identity.decision, identity.matchedStatements);
    // Cross account, the resource's account must grant too, and no resource policy was given to grant.
    const decision = identity.decision === 'explicitDeny' ? 'explicitDeny' : 'implicitDeny';
    return {
      ...fromIdentity(decision, decision === 'explicitDeny' ? identity.matchedStatements : []),
      details: { 'IAM Policy': identity.decision, 'Resource Policy': 'implicitDeny' },
    };
  }

  const kind = resourcePolicyKind(resource, action);
  if (kind === undefined) {
    throw new SimulateInputError(
      `--resource-policy: cannot tell whose policy it is for ${action} on ${resource}: simulate weighs the ` +
        'resource policies an execution role meets, of KMS keys (key/...), Secrets Manager secrets (secret:...) ' +
        'and ECR repositories (repository/...)',
    );
  }
  const layer: ResourcePolicyLayer = { kind, policy: resourcePolicy, ownerAccountId: owner as string };
  const service = kind === 'keyPolicy' ? { service: 'kms' as const } : {};
  const layered = decideAcrossLayers({
    request,
    principal: caller,
    policies: simulation.policies,
    resourcePolicy: layer,
    ...service,
  });
  if (layered.conditional) undecidable(request, layered.unresolvedConditions);
  const resourceSide = crossAccount
    ? decideAcrossLayers({
        request,
        principal: caller,
        policies: { identity: [ALLOW_ALL] },
        resourcePolicy: layer,
        ...service,
      })
    : undefined;
  if (resourceSide?.conditional) undecidable(request, resourceSide.unresolvedConditions);
  // Keys the resource policy's statements for this action and resource need, whichever principal they name.
  const resourceKeys = evaluateRequest(request, {
    identity: [{ ...resourcePolicy, document: withImplicitResource(resourcePolicy.document) }],
  }).missingContextKeys;
  return {
    resource,
    decision: layered.decision,
    matched: layered.matchedStatements.map((ref) => matchedJson(ref, simulation.spans)),
    missing: unionKeys(identity.missingContextKeys, resourceKeys),
    ...boundary,
    ...(resourceSide && {
      details: { 'IAM Policy': identity.decision, 'Resource Policy': resourceSide.decision },
    }),
  };
}
