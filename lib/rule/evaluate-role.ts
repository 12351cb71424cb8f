/**
 * One role snapshot against a list of requirements: which are not met, and why. Pure and synchronous;
 * every policy is parsed once per call, and anything the engine cannot prove counts as not granted.
 */
import type {
  AttachmentRequirement,
  Finding,
  FindingReason,
  PermissionRequirement,
  Requirement,
  RoleEvaluation,
  RoleSnapshot,
  TrustRequirement,
  UnverifiableRequirement,
} from '../core/model';
import { BoundedCache } from '../core/cache';
import {
  conditionalReason,
  confusedDeputyMessage,
  notAttachedMessage,
  notGrantedMessage,
  unreadablePolicyMessage,
  unreadableTrustMessage,
  unsupportedSourceArnMessage,
  untrustedMessage,
  unverifiableMessage,
} from '../findings/render';
import {
  evaluateRequest,
  evaluateTrust,
  findUnsupportedSourceArns,
  parsePolicyDocument,
  PolicyParseError,
  type NamedPolicy,
  type PolicyDocument,
  type PolicySet,
  type RequestContext,
  type StatementRef,
  type UnresolvedCondition,
} from '../policy';
import { LayerJudge, type LayerOptions } from './layered-permission';

/** What the role snapshot does not say about where its consumers run. */
export interface EvaluateRoleOptions {
  /** Region the consumers run in: `aws:RequestedRegion` for requests on `*` (ARNs carry their own). */
  readonly region?: string;
  /**
   * The layers beyond the role (key, secret, repository, registry policies; SCPs and RCPs) and what an
   * unreadable one means. Absent: only the role's own policies are weighed (what an offline audit without
   * layer files does, and says).
   */
  readonly layers?: LayerOptions;
}

/**
 * Evaluates a role against requirements. NON_COMPLIANT whenever a finding exists, including policies that
 * do not parse and grants that hold only under conditions the rule cannot know (fail closed).
 */
export function evaluateRole(
  role: RoleSnapshot,
  requirements: readonly Requirement[],
  options: EvaluateRoleOptions = {},
): RoleEvaluation {
  const findings: Finding[] = [];
  const policies = readIdentityPolicies(role, findings);
  const judge = options.layers ? new LayerJudge(role, options.layers, requirements) : undefined;
  const contexts = new ContextFactory(role, options.region, judge?.organizationId);
  let trust: PolicyDocument | Finding | undefined;

  for (const requirement of requirements) {
    let finding: Finding | undefined;
    switch (requirement.kind) {
      case 'trust':
        trust ??= readTrust(role);
        if ('statements' in trust) findings.push(...checkTrust(trust, requirement, role));
        else finding = trust;
        break;
      case 'attachment':
        finding = checkAttachment(requirement, role);
        break;
      case 'permission':
        finding = checkPermission(requirement, policies, contexts, judge);
        break;
      case 'unverifiable':
        finding = unverifiable(requirement);
        break;
    }
    if (finding) findings.push(finding);
  }
  const unread = judge?.unreadLayers();
  if (unread) findings.push(...unread.findings);
  return {
    compliance: findings.length === 0 ? 'COMPLIANT' : 'NON_COMPLIANT',
    findings,
    ...(unread && unread.notes.length > 0 ? { notes: unread.notes } : {}),
  };
}

/** Inline, managed and boundary documents, parsed; each unreadable one becomes a POLICY_UNREADABLE finding. */
function readIdentityPolicies(role: RoleSnapshot, findings: Finding[]): PolicySet {
  const identity: NamedPolicy[] = [];
  const read = (kind: 'inline' | 'managed' | 'boundary', name: string, document: unknown, arn?: string) => {
    try {
      const parsed = parsePolicyDocument(document, { kind: 'identity' });
      return { kind, name, document: parsed, ...(arn ? { arn } : {}) };
    } catch (error) {
      if (!(error instanceof PolicyParseError)) throw error;
      const policyName = `${kind}:${name}`;
      findings.push({
        id: 'POLICY_UNREADABLE',
        reason: { kind: 'unreadable', policyName, problem: error.message },
        neededBy: [],
        message: unreadablePolicyMessage(kind, name, error.message),
      });
      return undefined;
    }
  };
  for (const inline of role.inlinePolicies) {
    const policy = read('inline', inline.name, inline.document);
    if (policy) identity.push(policy);
  }
  for (const managed of role.managedPolicies) {
    const policy = read('managed', managed.name, managed.document, managed.arn);
    if (policy) identity.push(policy);
  }
  const boundary = role.permissionsBoundary
    ? read(
        'boundary',
        nameFromArn(role.permissionsBoundary.arn),
        role.permissionsBoundary.document,
        role.permissionsBoundary.arn,
      )
    : undefined;
  // An unreadable boundary is left out: its POLICY_UNREADABLE finding already keeps the role NON_COMPLIANT.
  return boundary ? { identity, boundary } : { identity };
}

/** `arn:aws:iam::1:policy/path/name` -> `name`. */
function nameFromArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1) || arn;
}

function readTrust(role: RoleSnapshot): PolicyDocument | Finding {
  try {
    return parsePolicyDocument(role.trustPolicy, { kind: 'resource' });
  } catch (error) {
    if (!(error instanceof PolicyParseError)) throw error;
    return {
      id: 'TRUST_ECS_TASKS',
      reason: { kind: 'unreadable', policyName: 'trust', problem: error.message },
      neededBy: [],
      message: unreadableTrustMessage(error.message),
    };
  }
}

/**
 * The trust findings: TRUST_SOURCE_ARN for each statement whose aws:SourceArn names a cluster (when no other
 * statement trusts ECS tasks without one), then
 * TRUST_ECS_TASKS or TRUST_CONFUSED_DEPUTY. A trust left conditional only by those SourceArn conditions
 * reports them alone: they are the cause, and naming it tells the owner what to change.
 */
function checkTrust(trust: PolicyDocument, requirement: TrustRequirement, role: RoleSnapshot): Finding[] {
  const query = { service: requirement.service, accountId: role.accountId, partition: role.partition };
  const result = evaluateTrust(trust, query);
  // A statement without such a condition already lets tasks assume the role: the cluster-limited one is dead
  // weight, not a reason the task cannot start, so it is not a finding (the verdict is about starting tasks).
  const trusted = result.decision === 'allowed' && !result.conditional;
  const unsupportedSourceArns = trusted ? [] : findUnsupportedSourceArns(trust, query);
  const findings: Finding[] = unsupportedSourceArns.map((unsupported) => {
    const reason: FindingReason = {
      kind: 'unsupportedSourceArn',
      statement: statementName(unsupported.statement),
      values: unsupported.values,
      replacement: unsupported.replacement,
    };
    return {
      id: 'TRUST_SOURCE_ARN',
      reason,
      neededBy: [],
      message: unsupportedSourceArnMessage(requirement.service, reason),
    };
  });
  const explained = (condition: UnresolvedCondition): boolean =>
    condition.key.toLowerCase() === 'aws:sourcearn' &&
    findings.some(
      ({ reason }) =>
        reason.kind === 'unsupportedSourceArn' &&
        reason.statement === statementName(condition) &&
        condition.values.some((value) => reason.values.includes(value)),
    );
  let reason: FindingReason | undefined;
  if (result.decision === 'explicitDeny') reason = denyReason(result.matchedStatements);
  else if (result.conditional && !result.unresolvedConditions.every(explained))
    reason = conditionalReason(result.unresolvedConditions);
  else if (result.decision !== 'allowed' && !result.conditional) reason = { kind: 'noAllow' };
  if (reason !== undefined) {
    findings.push({
      id: 'TRUST_ECS_TASKS',
      reason,
      neededBy: [],
      message: untrustedMessage(requirement.service, reason),
    });
  } else if (
    result.decision === 'allowed' &&
    !result.conditional &&
    requirement.requireConfusedDeputyCondition &&
    !result.hasConfusedDeputyCondition
  ) {
    findings.push({
      id: 'TRUST_CONFUSED_DEPUTY',
      reason: { kind: 'noConfusedDeputyCondition' },
      neededBy: [],
      message: confusedDeputyMessage(requirement.service),
    });
  }
  return findings;
}

/** A statement as findings name it: its Sid, else its index. */
function statementName(statement: Pick<StatementRef, 'sid' | 'statementIndex'>): string {
  return statement.sid !== undefined && statement.sid !== ''
    ? statement.sid
    : String(statement.statementIndex);
}

function checkAttachment(requirement: AttachmentRequirement, role: RoleSnapshot): Finding | undefined {
  const arn = `arn:${role.partition}:iam::aws:policy${requirement.policyPath}${requirement.policyName}`;
  if (role.managedPolicies.some((policy) => policy.arn === arn)) return undefined;
  return {
    id: 'MANAGED_POLICY_ATTACHED',
    reason: { kind: 'notAttached' },
    neededBy: [],
    message: notAttachedMessage(requirement.policyName),
  };
}

function checkPermission(
  requirement: PermissionRequirement,
  policies: PolicySet,
  contexts: ContextFactory,
  judge: LayerJudge | undefined,
): Finding | undefined {
  const request = {
    action: requirement.action,
    resource: requirement.resource,
    context: contexts.principal,
    extraContext: contexts.extraFor(requirement),
    missingKeys: 'unknown' as const,
  };
  if (judge) return judge.check(requirement, policies, request);
  const result = evaluateRequest(request, policies);
  if (result.decision === 'allowed' && !result.conditional) return undefined;

  let reason: FindingReason;
  if (result.decision === 'explicitDeny') reason = denyReason(result.matchedStatements);
  else if (result.conditional) reason = conditionalReason(result.unresolvedConditions);
  else if (result.deniedBy === 'boundary' && policies.boundary)
    reason = { kind: 'boundary', policyName: `boundary:${policies.boundary.name}` };
  else reason = { kind: 'noAllow' };

  return {
    id: requirement.id,
    action: requirement.action,
    resource: requirement.resource,
    reason,
    neededBy: requirement.neededBy,
    message: notGrantedMessage(requirement.action, requirement.resource, reason, requirement.neededBy),
  };
}

function unverifiable(requirement: UnverifiableRequirement): Finding {
  return {
    id: requirement.id,
    ...(requirement.action ? { action: requirement.action } : {}),
    reason: { kind: 'unverifiable', subject: requirement.subject, problem: requirement.problem },
    neededBy: requirement.neededBy,
    message: unverifiableMessage(
      requirement.action,
      requirement.subject,
      requirement.problem,
      requirement.neededBy,
    ),
  };
}

/** The first deciding Deny, named as findings report it: `inline:deny-logs` and the Sid or index. */
function denyReason(statements: readonly StatementRef[]): FindingReason {
  const deny = statements.find((statement) => statement.effect === 'Deny') ?? statements[0];
  if (!deny) return { kind: 'noAllow' };
  return {
    kind: 'explicitDeny',
    policyName: deny.policyKind === 'trust' ? 'trust' : `${deny.policyKind}:${deny.policyName}`,
    statement: deny.sid !== undefined && deny.sid !== '' ? deny.sid : String(deny.statementIndex),
  };
}

/**
 * The request context the ECS agent's calls carry, as far as the role alone tells: who the principal is
 * and where the resource lives. Keys that depend on the network, the session or the resource's tags stay
 * unknown, so conditions on them make a grant conditional (fail closed).
 */
class ContextFactory {
  /** The principal's keys: one object per role, so the engine lowercases them once per role. */
  readonly principal: RequestContext;
  readonly #anywhere: ResourceLocation;

  constructor(role: RoleSnapshot, region: string | undefined, organizationId: string | undefined) {
    this.#anywhere = internLocation(region, undefined);
    const principal: Record<string, readonly string[]> = {
      // The agent calls AWS with the role's session: aws:PrincipalArn is the role ARN, not the session ARN.
      'aws:PrincipalArn': [role.arn],
      'aws:PrincipalAccount': [role.accountId],
      'aws:PrincipalType': ['AssumedRole'],
      'aws:PrincipalIsAWSService': ['false'],
      // The agent calls AWS APIs over HTTPS only.
      'aws:SecureTransport': ['true'],
    };
    // Known only when the organization's policies were read (DescribeOrganization gives its id).
    if (organizationId !== undefined) principal['aws:PrincipalOrgID'] = [organizationId];
    // The role's tags are the session's principal tags: ECS passes no session tags.
    for (const key of Object.keys(role.tags))
      principal[`aws:PrincipalTag/${key}`] = [role.tags[key] as string];
    this.principal = principal;
  }

  /**
   * What the request adds to the principal's keys: where its resource lives, then the requirement's own
   * context. Shared across roles (interned per location and context object), so it is lowercased once.
   */
  extraFor(requirement: PermissionRequirement): RequestContext | undefined {
    const resource = requirement.resource;
    const location = resource === '*' ? this.#anywhere : locationOf(resource);
    const own = requirement.context;
    if (own === undefined) return location.context;
    // Requirements carry equal contexts as separate objects (one per role): intern them by content.
    const key = contentKey(own);
    let byLocation = withOwnContext.get(key);
    if (byLocation === undefined) {
      byLocation = new Map();
      withOwnContext.set(key, byLocation);
    }
    let extra = byLocation.get(location);
    if (extra === undefined) {
      extra = Object.freeze({ ...location.context, ...own });
      byLocation.set(location, extra);
    }
    return extra;
  }
}

/** Bound of each location and context cache below. */
const MAX_LOCATIONS = 10_000;

/**
 * A requirement's own context (by content) on top of each location's keys, built once per pair. Frozen
 * values of their keys (the inner map is keyed by interned locations): safe across warm invocations.
 */
const withOwnContext = new BoundedCache<string, Map<ResourceLocation, RequestContext>>(
  'requirement contexts',
  MAX_LOCATIONS,
);

/** Keys and values in order, each length-prefixed so that no two different contexts share a key. */
function contentKey(context: RequestContext): string {
  let key = '';
  for (const name of Object.keys(context)) {
    const values = context[name];
    if (values === undefined) {
      key += `${name.length}:${name}u`;
      continue;
    }
    key += `${name.length}:${name}${values.length}[`;
    for (const value of values) key += `${value.length}:${value}`;
  }
  return key;
}

/** Region and account of a resource; undefined where the resource does not fix them. */
interface ResourceLocation {
  readonly region: string | undefined;
  readonly account: string | undefined;
  /** `aws:RequestedRegion` and `aws:ResourceAccount` where known; undefined when neither is. */
  readonly context: RequestContext | undefined;
}

// Locations repeat across requests and roles: intern them so each role's contexts are keyed by identity
// (here, in withOwnContext, and by lib/policy/evaluate.ts, which lowercases each context object once).
// Frozen values of region and account alone: safe across warm invocations. Bounded so a long-running
// process cannot grow without limit.
const locations = new BoundedCache<string, ResourceLocation>('resource locations', MAX_LOCATIONS);

function internLocation(region: string | undefined, account: string | undefined): ResourceLocation {
  const key = `${region ?? ''}:${account ?? ''}`;
  let location = locations.get(key);
  if (!location) {
    const context: Record<string, readonly string[]> = {};
    if (region) context['aws:RequestedRegion'] = Object.freeze([region]);
    if (account) context['aws:ResourceAccount'] = Object.freeze([account]);
    location = Object.freeze({
      region,
      account,
      context: region || account ? Object.freeze(context) : undefined,
    });
    locations.set(key, location);
  }
  return location;
}

/** `arn:partition:service:REGION:ACCOUNT:...`; parts holding wildcards stay unknown. */
function locationOf(resource: string): ResourceLocation {
  // Scan for the colons instead of splitting: this runs once per request of every role.
  const c2 = resource.startsWith('arn:') ? resource.indexOf(':', 4) : -1;
  const c3 = c2 < 0 ? -1 : resource.indexOf(':', c2 + 1);
  const c4 = c3 < 0 ? -1 : resource.indexOf(':', c3 + 1);
  const c5 = c4 < 0 ? -1 : resource.indexOf(':', c4 + 1);
  if (c5 < 0) return NOWHERE;
  // Most resources of a role share their region and account: compare in place before slicing a key.
  if (c5 - c3 - 1 === lastKey.length && resource.startsWith(lastKey, c3 + 1)) return lastLocation;
  const key = resource.slice(c3 + 1, c5);
  let location = byRegionAndAccount.get(key);
  if (!location) {
    location = internLocation(known(resource.slice(c3 + 1, c4)), known(resource.slice(c4 + 1, c5)));
    byRegionAndAccount.set(key, location);
  }
  lastKey = key;
  lastLocation = location;
  return location;
}

/** `REGION:ACCOUNT` as written in ARNs -> its interned location (frozen; safe across warm invocations). */
const byRegionAndAccount = new BoundedCache<string, ResourceLocation>('locations by ARN', MAX_LOCATIONS);
const NOWHERE = internLocation(undefined, undefined);
/** The last `REGION:ACCOUNT` seen and its location (never cleared: it holds one interned location). */
let lastKey = ':';
let lastLocation = internLocation(undefined, undefined);

function known(part: string): string | undefined {
  return part !== '' && !part.includes('*') && !part.includes('?') ? part : undefined;
}
