/**
 * Policy variables (`${aws:username}`, `${aws:PrincipalTag/team}`, `${key, 'default'}`, `${*}`, `${?}`,
 * `${$}`). IAM substitutes them only in documents with `Version: 2012-10-17`; elsewhere they are text.
 */
import { escapeLiteral, escapeRaw } from './glob';

export type TemplatePart =
  /** Text as written in the policy: in glob positions its `*` and `?` are wildcards. */
  | { readonly kind: 'text'; readonly text: string }
  /** `${*}`, `${?}`, `${$}`: always the literal character. */
  | { readonly kind: 'literal'; readonly text: string }
  | {
      readonly kind: 'variable';
      readonly key: string;
      readonly keyLower: string;
      readonly fallback?: string;
    };

/** A value with variables; `keys` lists the variable keys as written. */
export interface Template {
  readonly parts: readonly TemplatePart[];
  readonly keys: readonly string[];
}

const VARIABLE = /\$\{([^}]*)\}/g;
const WITH_DEFAULT = /^\s*([^,\s]+)\s*,\s*'([^']*)'\s*$/;
const BARE_KEY = /^\s*([^,\s]+)\s*$/;

/**
 * Splits a value into text and variables, or returns undefined when it has no variable (the common
 * case, kept allocation-free at evaluation time). `${...}` that is not a well-formed variable stays text.
 */
export function parseTemplate(value: string): Template | undefined {
  if (value.indexOf('${') === -1) return undefined;
  const parts: TemplatePart[] = [];
  const keys: string[] = [];
  let last = 0;
  let found = false;
  for (const match of value.matchAll(VARIABLE)) {
    const inner = match[1] as string;
    const start = match.index;
    let part: TemplatePart | undefined;
    const trimmed = inner.trim();
    if (trimmed === '*' || trimmed === '?' || trimmed === '$') {
      part = { kind: 'literal', text: trimmed };
    } else {
      const m = WITH_DEFAULT.exec(inner) ?? BARE_KEY.exec(inner);
      if (m) {
        const key = m[1] as string;
        part =
          m[2] === undefined
            ? { kind: 'variable', key, keyLower: key.toLowerCase() }
            : { kind: 'variable', key, keyLower: key.toLowerCase(), fallback: m[2] };
        keys.push(key);
      }
    }
    if (!part) continue;
    found = true;
    if (start > last) parts.push({ kind: 'text', text: value.slice(last, start) });
    parts.push(part);
    last = start + match[0].length;
  }
  if (!found) return undefined;
  if (last < value.length) parts.push({ kind: 'text', text: value.slice(last) });
  return { parts, keys };
}

/** How the substituted value will be used: as a glob (escaped glob out) or as a plain string. */
export type SubstitutionMode = 'glob' | 'plain';

/** `unknown`: a key is not in the context and may be; `absent`: it is known to be missing. */
export type Substitution =
  | { readonly ok: true; readonly value: string }
  | { readonly ok: false; readonly missing: 'unknown' | 'absent' };

const UNKNOWN: Substitution = { ok: false, missing: 'unknown' };
const ABSENT: Substitution = { ok: false, missing: 'absent' };

/**
 * Substitutes the variables from the context (keys case-insensitive). A missing key uses the default
 * when given; otherwise the result is unknown (or absent when missing keys count as absent). A key
 * with several values cannot be substituted into one string: unknown, never a guess.
 */
export function substitute(
  template: Template,
  lookup: (keyLower: string) => readonly string[] | undefined,
  missingKeys: 'unknown' | 'absent',
  mode: SubstitutionMode,
): Substitution {
  let out = '';
  for (const part of template.parts) {
    if (part.kind === 'text') {
      out += mode === 'glob' ? escapeRaw(part.text) : part.text;
      continue;
    }
    let value: string;
    if (part.kind === 'literal') {
      value = part.text;
    } else {
      const values = lookup(part.keyLower);
      if (values === undefined || values.length === 0) {
        if (part.fallback === undefined) return missingKeys === 'absent' ? ABSENT : UNKNOWN;
        value = part.fallback;
      } else if (values.length === 1) {
        value = values[0] as string;
      } else {
        return UNKNOWN;
      }
    }
    out += mode === 'glob' ? escapeLiteral(value) : value;
  }
  return { ok: true, value: out };
}
