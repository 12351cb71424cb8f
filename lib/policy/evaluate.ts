/**
 * Evaluation of an identity-based request: identity policies (inline + managed) intersected with an
 * optional permissions boundary. Explicit Deny in either wins; otherwise both must allow.
 */
import { IdentityCache } from '../core/cache';
import { compileDocument, type CompiledStatement } from './compile';
import { evaluateCondition, FALSE, TRUE, UNKNOWN, type Lookup, type Tri } from './conditions';
import { arnCovers, arnOverlaps } from './match';
import type {
  EvaluationResult,
  NamedPolicy,
  PolicyDocument,
  PolicySet,
  Request,
  RequestContext,
  StatementRef,
  UnresolvedCondition,
} from './types';
import { substitute } from './variables';

/** Everything one request needs while statements are scanned; built once per request. */
export interface RequestState {
  readonly actionLower: string;
  readonly resource: string;
  readonly lookup: Lookup;
  readonly missingKeys: 'unknown' | 'absent';
  /** Context keys a matching statement needed and the context lacked: lowercased -> as written. */
  missing: Map<string, string> | undefined;
  /** Unresolved pieces of the statement being evaluated (reset per statement). */
  readonly pending: { operator: string; key: string; values: readonly string[] }[];
}

const EMPTY_CONTEXT = new Map<string, readonly string[]>();
// Keyed by object identity, across modules: the context objects come from lib/rule/evaluate-role.ts,
// which interns and freezes them (one per principal, location and requirement context). Entries die with
// their context; the lowercased copy is a function of a frozen object, so it is safe across invocations.
const lowered = new IdentityCache<RequestContext, Map<string, readonly string[]>>('lowercased contexts');

/** The context with lowercased keys (condition keys are case-insensitive); cached per context object. */
function lowerContext(context: RequestContext | undefined): Map<string, readonly string[]> {
  if (context === undefined) return EMPTY_CONTEXT;
  let map = lowered.get(context);
  if (map === undefined) {
    map = lowerKeys(context);
    lowered.set(context, map);
  }
  return map;
}

function lowerKeys(context: RequestContext): Map<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  for (const key of Object.keys(context)) {
    const values = context[key];
    if (values !== undefined) map.set(key.toLowerCase(), values);
  }
  return map;
}

/** The lookup for a request: `context` layered under `extraContext`, without copying either. */
function lookupFor(request: Request): Lookup {
  const map = lowerContext(request.context);
  const extra = request.extraContext;
  if (extra === undefined) return (k) => map.get(k);
  const extraMap = lowerContext(extra);
  if (extraMap.size === 0) return (k) => map.get(k);
  for (const key of extraMap.keys()) {
    if (map.has(key)) {
      // Keys that differ only in case: which value wins depends on the merged key order, so merge.
      const merged = lowerKeys({ ...request.context, ...extra });
      return (k) => merged.get(k);
    }
  }
  return (k) => extraMap.get(k) ?? map.get(k);
}

/** Builds the per-request state. */
export function requestState(request: Request): RequestState {
  return {
    actionLower: request.action.toLowerCase(),
    resource: request.resource,
    lookup: lookupFor(request),
    missingKeys: request.missingKeys ?? 'unknown',
    missing: undefined,
    pending: [],
  };
}

function noteMissing(state: RequestState, key: string): void {
  const lower = key.toLowerCase();
  if (state.missing === undefined) state.missing = new Map();
  if (!state.missing.has(lower)) state.missing.set(lower, key);
}

/**
 * Whether the statement's Resource/NotResource applies to the request resource.
 *
 * A request resource with `*` stands for a set of resources. An Allow must hold for all of them, so
 * it needs a pattern that *covers* the set; a Deny holds if it may hit any of them, so a pattern that
 * merely *overlaps* counts. NotResource reverses this: an Allow applies only if no excluded pattern
 * overlaps the set; a Deny applies unless one excluded pattern covers it all (a union of patterns
 * that jointly covers is not detected: the Deny then applies — the fail-closed side). A pattern whose
 * variable is known to be absent likewise falls on the fail-closed side.
 */
function resourceApplies(cs: CompiledStatement, state: RequestState): Tri {
  const patterns = cs.resources;
  // IAM rejects identity statements without Resource; if one gets here, an Allow grants nothing and a Deny denies all.
  if (patterns === undefined) return cs.deny ? TRUE : FALSE;
  const useCover = !cs.deny !== cs.notResource;
  const pendingBefore = state.pending.length;
  let m: Tri = FALSE;
  for (const p of patterns) {
    let eglob = p.eglob;
    if (eglob === undefined) {
      const s = substitute(
        p.template as NonNullable<typeof p.template>,
        state.lookup,
        state.missingKeys,
        'glob',
      );
      if (!s.ok) {
        for (const key of (p.template as NonNullable<typeof p.template>).keys) {
          if (state.lookup(key.toLowerCase()) === undefined) noteMissing(state, key);
        }
        if (s.missing === 'absent') {
          if (!useCover) {
            m = TRUE;
            break;
          }
          continue;
        }
        m = UNKNOWN;
        state.pending.push({
          operator: cs.notResource ? 'NotResource' : 'Resource',
          key: (p.template as NonNullable<typeof p.template>).keys.join(', '),
          values: [p.raw],
        });
        continue;
      }
      eglob = s.value;
    }
    if (useCover ? arnCovers(eglob, state.resource) : arnOverlaps(eglob, state.resource)) {
      m = TRUE;
      break;
    }
  }
  if (m === TRUE && state.pending.length !== pendingBefore) state.pending.length = pendingBefore;
  if (!cs.notResource) return m;
  return m === TRUE ? FALSE : m === FALSE ? TRUE : UNKNOWN;
}

/**
 * Whether a statement applies to the request: TRUE, FALSE, or UNKNOWN (the unresolved parts are left
 * in `state.pending`). Every condition is evaluated, so that all missing keys get reported.
 */
export function statementApplies(cs: CompiledStatement, state: RequestState): Tri {
  // Truncating an array is slow in V8 even when it is already empty: do it only when needed.
  if (state.pending.length !== 0) state.pending.length = 0;
  let actionHit = false;
  for (const m of cs.actions) {
    if (m(state.actionLower)) {
      actionHit = true;
      break;
    }
  }
  if (actionHit === cs.notAction) return FALSE;
  const r = resourceApplies(cs, state);
  if (r === FALSE) return FALSE;
  let c: Tri = TRUE;
  for (const cond of cs.conditions) {
    const values = state.lookup(cond.keyLower);
    if (values === undefined) noteMissing(state, cond.key);
    const t = evaluateCondition(cond, values, state.lookup, state.missingKeys);
    if (t === FALSE) c = FALSE;
    else if (t === UNKNOWN) {
      if (c === TRUE) c = UNKNOWN;
      state.pending.push({ operator: cond.operator, key: cond.key, values: cond.values });
    }
  }
  if (c === FALSE) return FALSE;
  return r === UNKNOWN || c === UNKNOWN ? UNKNOWN : TRUE;
}

// Keyed by document (shared across roles through the parse cache), then by kind and name: callers
// tend to build fresh NamedPolicy objects per role around the same documents, so nothing is keyed by them.
// Documents are frozen, and an entry dies with its document: safe across warm invocations.
const refCache = new IdentityCache<PolicyDocument, Map<string, Map<string, readonly StatementRef[]>>>(
  'statement refs',
);

/** The StatementRefs of a policy, built once per document, kind and name. */
function refsOf(policy: NamedPolicy): readonly StatementRef[] {
  let byKind = refCache.get(policy.document);
  if (byKind === undefined) {
    byKind = new Map();
    refCache.set(policy.document, byKind);
  }
  let byName = byKind.get(policy.kind);
  if (byName === undefined) {
    byName = new Map();
    byKind.set(policy.kind, byName);
  }
  let refs = byName.get(policy.name);
  if (refs === undefined) {
    refs = policy.document.statements.map((s) => {
      const ref: StatementRef = {
        policyKind: policy.kind,
        policyName: policy.name,
        statementIndex: s.index,
        effect: s.effect,
        ...(s.sid !== undefined ? { sid: s.sid } : {}),
      };
      return Object.freeze(ref);
    });
    byName.set(policy.name, refs);
  }
  return refs;
}

/** What one layer (identity policies, or the boundary) says about the request. */
export interface LayerOutcome {
  allows: StatementRef[] | undefined;
  denies: StatementRef[] | undefined;
  unresolvedAllows: UnresolvedCondition[] | undefined;
  unresolvedDenies: UnresolvedCondition[] | undefined;
}

function pushTo<T>(list: T[] | undefined, item: T): T[] {
  if (list === undefined) return [item];
  list.push(item);
  return list;
}

function recordUnresolved(
  outcome: LayerOutcome,
  ref: StatementRef,
  pending: RequestState['pending'],
  deny: boolean,
): void {
  // A statement can be unresolved with nothing pending only through a bug; keep it visible anyway.
  const items = pending.length > 0 ? pending : [{ operator: '', key: '', values: [] }];
  for (const p of items) {
    const u: UnresolvedCondition = { ...ref, operator: p.operator, key: p.key, values: p.values };
    if (deny) outcome.unresolvedDenies = pushTo(outcome.unresolvedDenies, u);
    else outcome.unresolvedAllows = pushTo(outcome.unresolvedAllows, u);
  }
}

/** Scans the statements of some policies for the request. */
export function scanLayer(policies: readonly NamedPolicy[], state: RequestState): LayerOutcome {
  const outcome: LayerOutcome = {
    allows: undefined,
    denies: undefined,
    unresolvedAllows: undefined,
    unresolvedDenies: undefined,
  };
  for (const policy of policies) {
    const statements = compileDocument(policy.document);
    let refs: readonly StatementRef[] | undefined;
    for (let i = 0; i < statements.length; i++) {
      const cs = statements[i] as CompiledStatement;
      const t = statementApplies(cs, state);
      if (t === FALSE) continue;
      refs ??= refsOf(policy);
      const ref = refs[i] as StatementRef;
      if (t === TRUE) {
        if (cs.deny) outcome.denies = pushTo(outcome.denies, ref);
        else outcome.allows = pushTo(outcome.allows, ref);
      } else {
        recordUnresolved(outcome, ref, state.pending, cs.deny);
      }
    }
  }
  return outcome;
}

const NONE: readonly never[] = Object.freeze([]);

/** Two optional lists as one, without copying when one side is empty (the common case). */
function join<T>(a: readonly T[] | undefined, b: readonly T[] | undefined): readonly T[] {
  if (a === undefined) return b ?? NONE;
  if (b === undefined) return a;
  return [...a, ...b];
}

/**
 * Evaluates one request: any applicable Deny (identity or boundary) gives explicitDeny; otherwise the
 * identity policies and, when present, the boundary must each have an applicable Allow.
 */
export function evaluateRequest(request: Request, policies: PolicySet): EvaluationResult {
  const state = requestState(request);
  const identity = scanLayer(policies.identity, state);
  const boundary = policies.boundary ? scanLayer([policies.boundary], state) : undefined;
  const missingContextKeys = state.missing ? [...state.missing.values()] : NONE;
  let result: EvaluationResult;

  if (identity.denies !== undefined || boundary?.denies !== undefined) {
    result = {
      decision: 'explicitDeny',
      conditional: false,
      matchedStatements: join(identity.denies, boundary?.denies),
      unresolvedConditions: NONE,
      deniedBy: identity.denies !== undefined ? 'identity' : 'boundary',
      missingContextKeys,
    };
  } else {
    const identityAllows = identity.allows !== undefined;
    const boundaryAllows = boundary === undefined || boundary.allows !== undefined;
    if (identityAllows && boundaryAllows) {
      const unresolvedDenies = join(identity.unresolvedDenies, boundary?.unresolvedDenies);
      result = {
        decision: 'allowed',
        conditional: unresolvedDenies.length > 0,
        matchedStatements: join(identity.allows, boundary?.allows),
        unresolvedConditions: unresolvedDenies,
        missingContextKeys,
      };
    } else {
      // Implicit deny: conditional only if unresolved Allows could complete every missing layer.
      const identityCould = identityAllows || identity.unresolvedAllows !== undefined;
      const boundaryCould =
        boundary === undefined || boundaryAllows || boundary.unresolvedAllows !== undefined;
      const conditional = identityCould && boundaryCould;
      result = {
        decision: 'implicitDeny',
        conditional,
        matchedStatements: NONE,
        unresolvedConditions: conditional
          ? join(
              identityAllows ? undefined : identity.unresolvedAllows,
              boundaryAllows ? undefined : boundary?.unresolvedAllows,
            )
          : NONE,
        deniedBy: identityAllows ? 'boundary' : 'identity',
        missingContextKeys,
      };
    }
  }
  if (boundary !== undefined) {
    // Added in place (the result is new): a spread would copy every field once more per request.
    (result as { allowedByBoundary?: boolean }).allowedByBoundary =
      boundary.denies === undefined && boundary.allows !== undefined;
  }
  return result;
}
