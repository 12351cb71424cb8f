/**
 * Glob patterns of the IAM policy language (`*` and `?`), compiled once to RegExp and cached.
 *
 * Internally a pattern is an *escaped glob*: `\` makes the next character literal. IAM itself has no
 * escapes, so a pattern read from a document is escaped with `escapeRaw` first; values substituted for
 * policy variables (and `${*}`, `${?}`) are escaped with `escapeLiteral` so they stay literal.
 */
import { BoundedCache } from '../core/cache';

/** Turns a pattern as written in a policy into an escaped glob (backslashes become literal). */
export function escapeRaw(pattern: string): string {
  return pattern.indexOf('\\') === -1 ? pattern : pattern.replace(/\\/g, '\\\\');
}

/** Escapes a literal value so that none of its characters acts as a wildcard. */
export function escapeLiteral(value: string): string {
  return value.replace(/[\\*?]/g, '\\$&');
}

/** Whether an escaped glob contains an unescaped `*` or `?`. */
export function hasWildcard(eglob: string): boolean {
  for (let i = 0; i < eglob.length; i++) {
    const c = eglob.charCodeAt(i);
    if (c === 92 /* \ */) i++;
    else if (c === 42 /* * */ || c === 63 /* ? */) return true;
  }
  return false;
}

/** Removes the escapes of an escaped glob that has no wildcard, giving the literal string. */
export function unescapeGlob(eglob: string): string {
  return eglob.indexOf('\\') === -1 ? eglob : eglob.replace(/\\(.)/gs, '$1');
}

const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/-]/;

function regexLiteral(ch: string): string {
  return REGEX_SPECIAL.test(ch) ? `\\${ch}` : ch;
}

/** Each letter as a two-case class, so part of a pattern can be case-insensitive inside one RegExp. */
function caseless(ch: string): string {
  const lo = ch.toLowerCase();
  const up = ch.toUpperCase();
  return lo === up ? regexLiteral(ch) : `[${lo}${up}]`;
}

/**
 * The regex source of one glob segment: `star` and `any` are what `*` and `?` become. In ARN mode a `*`
 * in the subject (a request resource meaning "any string") can be consumed only by a pattern `*`,
 * never by `?` (`[^*]`) or a literal.
 */
function segmentSource(eglob: string, star: string, any: string, ignoreCase: boolean, arn = false): string {
  let out = '';
  let afterStar = false;
  for (let i = 0; i < eglob.length; i++) {
    let ch = eglob[i] as string;
    if (ch === '*') {
      // Collapse runs of stars: `a**b` is `a*b`, and adjacent quantifiers would backtrack badly.
      if (!afterStar) out += star;
      afterStar = true;
      continue;
    }
    afterStar = false;
    if (ch === '?') {
      out += any;
      continue;
    }
    if (ch === '\\' && i + 1 < eglob.length) {
      ch = eglob[++i] as string;
      // A literal star (`${*}`) names one resource; it must not stand for a request's "any string" `*`.
      if (arn && ch === '*') {
        out += '(?!)';
        continue;
      }
    }
    out += ignoreCase ? caseless(ch) : regexLiteral(ch);
  }
  return out;
}

/** Splits an escaped glob at its first `limit - 1` unescaped colons. */
export function splitColons(eglob: string, limit: number): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < eglob.length && parts.length < limit - 1; i++) {
    const c = eglob.charCodeAt(i);
    if (c === 92) i++;
    else if (c === 58 /* : */) {
      parts.push(eglob.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(eglob.slice(start));
  return parts;
}

// Bounded so that patterns built from per-request variable values cannot grow memory without limit.
const MAX_CACHE = 20_000;

function cached(
  cache: BoundedCache<string, RegExp>,
  key: string,
  build: () => string,
  flags: string,
): RegExp {
  let re = cache.get(key);
  if (re === undefined) {
    re = new RegExp(`^(?:${build()})$`, flags);
    cache.set(key, re);
  }
  return re;
}

// A compiled glob depends on the escaped glob alone and keeps no state (no g or y flag): safe across
// warm invocations and roles.
const plainCache = new BoundedCache<string, RegExp>('plain globs', MAX_CACHE);
const arnCache = new BoundedCache<string, RegExp>('ARN globs', MAX_CACHE);
const actionCache = new BoundedCache<string, RegExp>('action globs', MAX_CACHE);

/** A case-sensitive glob over the whole string (StringLike): `*` is any run, `?` one character. */
export function compilePlainGlob(eglob: string): RegExp {
  return cached(plainCache, eglob, () => segmentSource(eglob, '.*', '.', false), 's');
}

/** A case-insensitive action glob; callers match it against the lowercased action. */
export function compileActionGlob(eglob: string): RegExp {
  return cached(actionCache, eglob, () => segmentSource(eglob.toLowerCase(), '.*', '.', false), 's');
}

/**
 * An ARN glob: the pattern's first five colons split `arn:partition:service:region:account:resource`,
 * each segment matched on its own (`*` stays inside it), the last segment matched as one glob where
 * `*` crosses colons and slashes. Partition and service are case-insensitive, the rest case-sensitive.
 */
export function compileArnGlob(eglob: string): RegExp {
  return cached(
    arnCache,
    eglob,
    () => {
      const parts = splitColons(eglob, 6);
      const last = parts.length - 1;
      return parts
        .map((part, i) =>
          i === last
            ? segmentSource(part, '.*', '[^*]', i <= 2, true)
            : segmentSource(part, '[^:]*', '[^:*]', i <= 2, true),
        )
        .join(':');
    },
    's',
  );
}

/** Whether an escaped glob is made of stars only (`*`, `**`): it matches every string, wildcards included. */
export function isAllStars(eglob: string): boolean {
  if (eglob.length === 0) return false;
  for (let i = 0; i < eglob.length; i++) if (eglob.charCodeAt(i) !== 42) return false;
  return true;
}

const STAR = -1;
const ANY = -2;

/**
 * Tokens of an escaped glob: char codes for literals, STAR, ANY. Lowercased: overlap is case-blind. In a
 * subject (a request resource) `?` is "any one character", as in `NAME-??????` for a secret named without
 * its suffix.
 */
function tokens(eglob: string, subject: boolean): number[] {
  const out: number[] = [];
  const s = eglob.toLowerCase();
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!subject && c === 92 && i + 1 < s.length) out.push(s.charCodeAt(++i));
    else if (c === 42) out.push(STAR);
    else if (c === 63) out.push(ANY);
    else out.push(c);
  }
  return out;
}

/**
 * Whether some string matches both the pattern (an escaped glob) and the subject (a request resource
 * in which `*` means "any string" and `?` "any one character"). An over-approximation on purpose: it ignores case and ARN
 * segments, so it may say "overlaps" where AWS would not match, never the reverse. Used only where
 * saying "overlaps" is the fail-closed answer (a Deny applies, an Allow with NotResource does not).
 */
export function globsOverlap(patternEglob: string, subject: string): boolean {
  const p = tokens(patternEglob, false);
  const s = tokens(subject, true);
  const m = p.length;
  const n = s.length;
  const width = n + 1;
  const seen = new Uint8Array((m + 1) * width);
  const stack: number[] = [0];
  seen[0] = 1;
  const visit = (i: number, j: number): void => {
    const k = i * width + j;
    if (seen[k] === 0) {
      seen[k] = 1;
      stack.push(k);
    }
  };
  while (stack.length > 0) {
    const k = stack.pop() as number;
    const i = Math.floor(k / width);
    const j = k % width;
    if (i === m && j === n) return true;
    const pt = i < m ? (p[i] as number) : undefined;
    const st = j < n ? (s[j] as number) : undefined;
    // A star may match the empty string: skip it on either side.
    if (pt === STAR) visit(i + 1, j);
    if (st === STAR) visit(i, j + 1);
    if (pt === undefined || st === undefined) continue;
    // Both sides read one common character; a star reads it and stays where it is.
    const compatible = pt === STAR || pt === ANY || st === STAR || st === ANY || pt === st;
    if (!compatible) continue;
    visit(pt === STAR ? i : i + 1, st === STAR ? j : j + 1);
  }
  return false;
}
