/**
 * One request decided across every policy AWS weighs at task start: the role's identity policies and
 * boundary (evaluateRequest), the resource's own policy (KMS key policy, Secrets Manager secret policy, ECR
 * repository or registry policy, S3 bucket policy), and the organization's service and resource control policies.
 *
 * The rules, from the IAM User Guide ("Policy evaluation logic", "Cross-account policy evaluation logic",
 * "Permissions boundaries") and the KMS Developer Guide ("Key policies in AWS KMS"):
 * - an explicit Deny in any layer wins;
 * - SCPs (on the principal's account) and RCPs (on the resource's account) need an Allow at every level from
 *   the root to the account; neither applies to service-linked roles or in the management account;
 * - KMS: the key policy must allow, by naming the principal or by delegating to the account's IAM (the account
 *   principal); delegation then needs the identity policies to allow too;
 * - same account, other services: the identity side or the resource policy naming the role suffices; for a
 *   role with a permissions boundary, a resource-policy grant to the role still needs the boundary to allow
 *   (the reading that cannot produce a false COMPLIANT: the page's role flow chart applies the boundary);
 * - cross account: the identity side and the resource policy must both allow;
 * - a Deny with NotPrincipal denies every principal that has a permissions boundary ("Permissions
 *   boundaries": it is not evaluated as excluding them).
 * Unknown condition keys stay unknown: a grant that holds only under them is `conditional` (not proven).
 */
import { requestState, scanLayer, type LayerOutcome } from './evaluate';
import { matchesPrincipal } from './match';
import type {
  Decision,
  NamedPolicy,
  PolicySet,
  PrincipalBlock,
  Request,
  Statement,
  StatementRef,
  UnresolvedCondition,
} from './types';

/** The role making the request. */
export interface RequestPrincipal {
  /** The role's ARN, path included (`arn:aws:iam::111122223333:role/batch/exec`). */
  readonly arn: string;
  readonly accountId: string;
  /** Service-linked roles are outside SCPs and RCPs. */
  readonly serviceLinked?: boolean;
}

/** Which resource policy a layer is: it names the refusing layer and decides the KMS rule. */
export type ResourcePolicyKind =
  'keyPolicy' | 'secretPolicy' | 'repositoryPolicy' | 'registryPolicy' | 'bucketPolicy';

/** The policy attached to the requested resource, and whose resource it is. */
export interface ResourcePolicyLayer {
  readonly kind: ResourcePolicyKind;
  readonly policy: NamedPolicy;
  /** The account that owns the resource (from its ARN). */
  readonly ownerAccountId: string;
}

/** SCPs or RCPs, one list per level from the organization root down to the account. */
export interface OrganizationLayer {
  readonly levels: readonly (readonly NamedPolicy[])[];
  /** The account is the organization's management account: no SCP or RCP applies there. */
  readonly managementAccount?: boolean;
}

/** Every layer of one request; absent layers are not weighed (a caller names what it could not read). */
export interface LayeredRequest {
  readonly request: Request;
  readonly principal: RequestPrincipal;
  /** The role's identity policies and permissions boundary. */
  readonly policies: PolicySet;
  readonly resourcePolicy?: ResourcePolicyLayer;
  /** `kms`: the key policy must allow (a request without one is not proven). */
  readonly service?: 'kms';
  readonly scps?: OrganizationLayer;
  readonly rcps?: OrganizationLayer;
}

/** The layer that refused. */
export type DeniedBy = 'identity' | 'boundary' | ResourcePolicyKind | 'scp' | 'rcp';

export interface LayeredDecision {
  /** From the statements known to apply, as evaluateRequest decides. */
  readonly decision: Decision;
  /** True when unresolved conditions could change `decision`: treat as not proven. */
  readonly conditional: boolean;
  readonly deniedBy?: DeniedBy;
  /** When an SCP or RCP level refused without a Deny: its index in `levels` (0 = the root). */
  readonly deniedAtLevel?: number;
  /** The statements that decided: the Deny, or the Allows of every layer that allowed. */
  readonly matchedStatements: readonly StatementRef[];
  readonly unresolvedConditions: readonly UnresolvedCondition[];
}

/** Three-valued: a layer allows for sure, only under unresolved conditions, or not at all. */
type Tri = 'yes' | 'maybe' | 'no';
const and = (...values: Tri[]): Tri =>
  values.includes('no') ? 'no' : values.includes('maybe') ? 'maybe' : 'yes';
const or = (...values: Tri[]): Tri =>
  values.includes('yes') ? 'yes' : values.includes('maybe') ? 'maybe' : 'no';
const allowsOf = (outcome: LayerOutcome): Tri =>
  outcome.allows !== undefined ? 'yes' : outcome.unresolvedAllows !== undefined ? 'maybe' : 'no';

/** How a resource policy statement's principal relates to the role. */
type PrincipalMatch = 'role' | 'account' | 'none' | 'unknown';

/** Whether a Principal block names the role itself (or everyone), only its account, or neither. */
function principalMatch(block: PrincipalBlock, principal: RequestPrincipal): PrincipalMatch {
  if (matchesPrincipal(block, { type: 'AWS', id: principal.arn })) return 'role';
  const ids = block === '*' ? [] : (block['AWS'] ?? []);
  const partition = principal.arn.split(':')[1] ?? 'aws';
  if (
    ids.includes(principal.accountId) ||
    ids.includes(`arn:${partition}:iam::${principal.accountId}:root`)
  ) {
    return 'account';
  }
  // A role's unique id (AROA...) or an STS session ARN of its account may name this role: undecidable here.
  if (
    ids.some(
      (id) => /^AROA[A-Z0-9]+$/.test(id) || id.startsWith(`arn:${partition}:sts::${principal.accountId}:`),
    )
  ) {
    return 'unknown';
  }
  return 'none';
}

// ECR repository and registry policies have no Resource element: a statement is about the resource it is
// attached to (ECR User Guide, "Private repository policies").
const IMPLICIT_RESOURCE: ReadonlySet<ResourcePolicyKind> = new Set(['repositoryPolicy', 'registryPolicy']);

interface ResourceScan {
  /** Statements naming the role (or everyone): Allows grant by themselves in the same account. */
  readonly role: LayerOutcome;
  /** Allows naming only the role's account: they delegate to the account's IAM. */
  readonly account: LayerOutcome;
  /** Denies whose principal may or may not be this role: unresolved, fail closed. */
  readonly undecided: UnresolvedCondition[];
}

function scanResourcePolicy(
  layer: ResourcePolicyLayer,
  principal: RequestPrincipal,
  hasBoundary: boolean,
  request: Request,
): ResourceScan {
  const role: Statement[] = [];
  const account: Statement[] = [];
  const undecided: UnresolvedCondition[] = [];
  const implicitResource = IMPLICIT_RESOURCE.has(layer.kind);
  for (const raw of layer.policy.document.statements) {
    const statement =
      implicitResource && !raw.resource && !raw.notResource ? { ...raw, resource: ['*'] } : raw;
    let match: PrincipalMatch;
    if (statement.notPrincipal !== undefined) {
      // A Deny with NotPrincipal denies a role with a boundary whatever it lists (IAM "Permissions boundaries").
      if (statement.effect === 'Deny' && hasBoundary) match = 'role';
      else {
        const named = principalMatch(statement.notPrincipal, principal);
        match = named === 'none' ? 'role' : named === 'unknown' ? 'unknown' : 'none';
      }
    } else if (statement.principal !== undefined) {
      match = principalMatch(statement.principal, principal);
    } else {
      match = 'unknown';
    }
    if (match === 'none') continue;
    if (match === 'unknown') {
      // An Allow we cannot attribute grants nothing; a Deny we cannot rule out stays unresolved.
      if (statement.effect === 'Deny') {
        undecided.push({
          policyKind: 'custom',
          policyName: layer.policy.name,
          statementIndex: statement.index,
          effect: 'Deny',
          ...(statement.sid !== undefined ? { sid: statement.sid } : {}),
          operator: statement.notPrincipal ? 'NotPrincipal' : 'Principal',
          key: '',
          values: [],
        });
      }
      continue;
    }
    // A Deny naming the account denies every principal of it, the role included.
    if (statement.effect === 'Deny' || match === 'role') role.push(statement);
    else account.push(statement);
  }
  const scan = (statements: Statement[]): LayerOutcome =>
    scanLayer(
      [{ ...layer.policy, kind: 'custom', document: { ...layer.policy.document, statements } }],
      requestState(request),
    );
  return { role: scan(role), account: scan(account), undecided };
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * Decides `input.request` across every layer given, as AWS would at task start. Never `allowed` without
 * proof: an Allow that holds only under unresolved conditions leaves an implicit deny marked conditional,
 * an unresolved Deny makes an allow conditional, and a KMS request without its key policy is denied.
 */
export function decideAcrossLayers(input: LayeredRequest): LayeredDecision {
  const { request, principal, policies } = input;
  const identity = scanLayer(policies.identity, requestState(request));
  const boundary = policies.boundary ? scanLayer([policies.boundary], requestState(request)) : undefined;
  const resource = input.resourcePolicy
    ? scanResourcePolicy(input.resourcePolicy, principal, boundary !== undefined, request)
    : undefined;
  const applies = (layer: OrganizationLayer | undefined): layer is OrganizationLayer =>
    layer !== undefined && !layer.managementAccount && !principal.serviceLinked;
  const levels = (layer: OrganizationLayer | undefined): LayerOutcome[] =>
    applies(layer) ? layer.levels.map((level) => scanLayer(level, requestState(request))) : [];
  const scps = levels(input.scps);
  const rcps = levels(input.rcps);
  const resourceKind = input.resourcePolicy?.kind;

  // 1. An explicit Deny in any layer wins.
  const layers: [DeniedBy, LayerOutcome | undefined][] = [
    ['identity', identity],
    ['boundary', boundary],
    [resourceKind ?? 'secretPolicy', resource?.role],
    ...scps.map((level) => ['scp', level] as [DeniedBy, LayerOutcome]),
    ...rcps.map((level) => ['rcp', level] as [DeniedBy, LayerOutcome]),
  ];
  for (const [by, outcome] of layers) {
    if (outcome?.denies !== undefined) {
      return {
        decision: 'explicitDeny',
        conditional: false,
        deniedBy: by,
        matchedStatements: outcome.denies,
        unresolvedConditions: NONE,
      };
    }
  }
  const unresolvedDenies = [
    ...layers.flatMap(([, outcome]) => outcome?.unresolvedDenies ?? []),
    ...(resource?.undecided ?? []),
  ];

  // 2. The grant: which layers must allow depends on the service and on whose resource it is.
  const identityAllows = allowsOf(identity);
  const boundaryAllows = boundary === undefined ? 'yes' : allowsOf(boundary);
  const identitySide = and(identityAllows, boundaryAllows);
  const direct = resource ? allowsOf(resource.role) : 'no';
  const viaAccount = resource ? allowsOf(resource.account) : 'no';
  const sameAccount =
    input.resourcePolicy === undefined || input.resourcePolicy.ownerAccountId === principal.accountId;
  const identityRefusal: DeniedBy = identityAllows !== 'yes' ? 'identity' : 'boundary';
  let grant: Tri;
  let refusedBy: DeniedBy;
  if (input.service === 'kms') {
    // The key policy must allow: naming the role (the boundary still applies) or delegating to IAM.
    grant = resource ? or(and(direct, boundaryAllows), and(viaAccount, identitySide)) : 'no';
    refusedBy =
      or(direct, viaAccount) === 'no'
        ? 'keyPolicy'
        : direct !== 'no' && boundaryAllows !== 'yes'
          ? 'boundary'
          : identityRefusal;
  } else if (sameAccount) {
    // "If either the identity-based policy or the resource-based policy within the same account allows the
    // request and the other doesn't, the request is still allowed" (IAM User Guide, "Policy evaluation for
    // requests within a single account", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html);
    // with no resource policy at all, the identity side alone decides. Secrets, this account's ECR repositories
    // and S3 buckets (a bucket policy is read only as this account's: ExpectedBucketOwner, lib/aws/layers.ts).
    grant = or(identitySide, and(direct, boundaryAllows));
    // A resource grant to the role that the boundary stops is the boundary's refusal.
    refusedBy = direct !== 'no' && boundaryAllows !== 'yes' ? 'boundary' : identityRefusal;
  } else {
    grant = and(identitySide, or(direct, viaAccount));
    refusedBy = identitySide !== 'yes' ? identityRefusal : (resourceKind ?? 'identity');
  }
  const scpAllows = and(...scps.map(allowsOf));
  const rcpAllows = and(...rcps.map(allowsOf));
  const total = and(scpAllows, rcpAllows, grant);

  if (total !== 'yes') {
    const by: DeniedBy = scpAllows !== 'yes' ? 'scp' : rcpAllows !== 'yes' ? 'rcp' : refusedBy;
    const refusingLevels = by === 'scp' ? scps : by === 'rcp' ? rcps : [];
    const level = refusingLevels.findIndex((outcome) => allowsOf(outcome) !== 'yes');
    const unresolvedAllows =
      total === 'maybe'
        ? [identity, boundary, resource?.role, resource?.account, ...scps, ...rcps].flatMap(
            (outcome) => outcome?.unresolvedAllows ?? [],
          )
        : [];
    return {
      decision: 'implicitDeny',
      conditional: total === 'maybe',
      deniedBy: by,
      ...(level >= 0 ? { deniedAtLevel: level } : {}),
      matchedStatements: NONE,
      unresolvedConditions: total === 'maybe' ? [...unresolvedAllows, ...unresolvedDenies] : NONE,
    };
  }
  const matched = [identity, boundary, resource?.role, resource?.account, ...scps, ...rcps].flatMap(
    (outcome) => outcome?.allows ?? [],
  );
  return {
    decision: 'allowed',
    conditional: unresolvedDenies.length > 0,
    matchedStatements: matched,
    unresolvedConditions: unresolvedDenies,
  };
}
