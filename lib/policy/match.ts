/** Matching of actions, resources (ARNs) and principals against the patterns of a policy. */
import { BoundedCache } from '../core/cache';
import {
  compileActionGlob,
  compileArnGlob,
  escapeRaw,
  globsOverlap,
  hasWildcard,
  isAllStars,
  splitColons,
  unescapeGlob,
} from './glob';
import type { PrincipalBlock } from './types';

/** Whether an action pattern (`ecr:Get*`, `logs:PutLogEvents`, `*`) matches an action; case-insensitive, anchored. */
export function matchesActionPattern(pattern: string, action: string): boolean {
  return actionMatcher(pattern)(action.toLowerCase());
}

/** A compiled action pattern: a test of the lowercased action. */
export type ActionMatcher = (actionLower: string) => boolean;

const NEVER: ActionMatcher = () => false;
const ALWAYS: ActionMatcher = () => true;
// A matcher is a pure function of its pattern: safe across warm invocations and roles.
const actionMatchers = new BoundedCache<string, ActionMatcher>('action matchers', 20_000);

/**
 * Compiles (and caches) an action pattern. A comma inside one string is a mistake for a list
 * (`"s3:GetObject,s3:PutObject"`) and matches nothing, as in IAM.
 */
export function actionMatcher(pattern: string): ActionMatcher {
  let m = actionMatchers.get(pattern);
  if (m !== undefined) return m;
  if (pattern.includes(',')) m = NEVER;
  else if (isAllStars(pattern)) m = ALWAYS;
  else if (!pattern.includes('*') && !pattern.includes('?')) {
    const lower = pattern.toLowerCase();
    m = (a) => a === lower;
  } else {
    const re = compileActionGlob(escapeRaw(pattern));
    m = (a) => re.test(a);
  }
  actionMatchers.set(pattern, m);
  return m;
}

/**
 * Whether every resource the request names is matched by the ARN pattern (an escaped glob). The
 * request resource may hold `*` meaning "any string" (`...:log-stream:*`, or `*` for "all
 * resources"): only a `*` of the pattern can stand for it, so `...log-stream:abc*` does not cover it.
 */
export function arnCovers(patternEglob: string, resource: string): boolean {
  return isAllStars(patternEglob) || compileArnGlob(patternEglob).test(resource);
}

// Whether two globs overlap depends on the two strings alone: safe across warm invocations.
const overlapCache = new BoundedCache<string, boolean>('ARN overlaps', 20_000);

/** Segment overlap, skipping the automaton when neither side has a wildcard. */
function segmentOverlaps(patternEglob: string, segment: string): boolean {
  if (!hasWildcard(patternEglob) && !segment.includes('*') && !segment.includes('?')) {
    return unescapeGlob(patternEglob).toLowerCase() === segment.toLowerCase();
  }
  return globsOverlap(patternEglob, segment);
}

/**
 * Whether some resource the request may name is matched by the pattern. Equal to `arnCovers` for a
 * concrete resource and for the bare `*`; for a request resource with `*` an over-approximation (see `globsOverlap`),
 * segment by segment when both split into ARN segments, over the whole string otherwise. Cached:
 * the same Deny meets the same log-group request for every role that has it.
 */
export function arnOverlaps(patternEglob: string, resource: string): boolean {
  if (arnCovers(patternEglob, resource)) return true;
  // The bare request resource `*` is what IAM sees for actions without resource-level permissions
  // (ecr:GetAuthorizationToken): IAM compares it literally, so a Deny on one repository misses it.
  if (resource === '*' || (!resource.includes('*') && !resource.includes('?'))) return false;
  const key = `${patternEglob}\u0000${resource}`;
  let hit = overlapCache.get(key);
  if (hit === undefined) {
    const p = splitColons(patternEglob, 6);
    const r = resource.split(':');
    if (r.length < p.length) {
      hit = globsOverlap(patternEglob, resource);
    } else {
      const last = p.length - 1;
      hit = segmentOverlaps(p[last] as string, r.slice(last).join(':'));
      for (let i = 0; hit && i < last; i++) hit = segmentOverlaps(p[i] as string, r[i] as string);
    }
    overlapCache.set(key, hit);
  }
  return hit;
}

/**
 * Whether an ARN pattern as written in a policy (`arn:aws:logs:*:*:log-group:/aws/batch/job:*`, `*`)
 * matches the resource: segment by segment, the resource part as one glob, `*` in the resource
 * standing for any string (see `arnCovers`).
 */
export function matchesArnPattern(pattern: string, arn: string): boolean {
  return arnCovers(escapeRaw(pattern), arn);
}

/** A principal of a request: its type (`Service`, `AWS`, ...) and identifier. */
export interface PrincipalRef {
  readonly type: 'AWS' | 'Service' | 'Federated' | 'CanonicalUser';
  readonly id: string;
}

/**
 * Whether a `Principal` block names the principal: `"*"` and `{"AWS": "*"}` name everyone (IAM treats
 * them alike); service principals compare case-insensitively, others exactly.
 */
export function matchesPrincipal(block: PrincipalBlock, principal: PrincipalRef): boolean {
  if (block === '*') return true;
  if (block['AWS']?.includes('*')) return true;
  const ids = block[principal.type];
  if (!ids) return false;
  if (principal.type === 'Service') {
    const want = principal.id.toLowerCase();
    return ids.some((id) => id === '*' || id.toLowerCase() === want);
  }
  return ids.includes(principal.id) || ids.includes('*');
}
