/**
 * Condition operators. Each `operator -> key -> values` entry of a statement compiles once into a
 * `CompiledCondition`; evaluating it gives true, false or unknown. Unknown is never rounded to true.
 */
import { compileArnGlob, compilePlainGlob, escapeRaw } from './glob';
import { ipInRange, parseDate, parseIpRange, parseNumber, type IpRange } from './values';
import { parseTemplate, substitute, type Template } from './variables';

export const FALSE = 0;
export const TRUE = 1;
export const UNKNOWN = 2;
/** Three-valued logic: a condition may hold, not hold, or be unknown for want of context. */
export type Tri = typeof FALSE | typeof TRUE | typeof UNKNOWN;

type Family =
  'string' | 'ignoreCase' | 'like' | 'arn' | 'bool' | 'null' | 'numeric' | 'date' | 'ip' | 'binary';
type Comparison = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

interface OperatorSpec {
  readonly family: Family;
  readonly cmp: Comparison;
  /** Negated operators (StringNotEquals, NotIpAddress, ...) are the negation of their positive twin. */
  readonly negated: boolean;
}

const spec = (family: Family, negated = false, cmp: Comparison = 'eq'): OperatorSpec => ({
  family,
  cmp,
  negated,
});

/** The operators of the IAM reference, by lowercased name without `IfExists` or a set prefix. */
const OPERATORS: ReadonlyMap<string, OperatorSpec> = new Map([
  ['stringequals', spec('string')],
  ['stringnotequals', spec('string', true)],
  ['stringequalsignorecase', spec('ignoreCase')],
  ['stringnotequalsignorecase', spec('ignoreCase', true)],
  ['stringlike', spec('like')],
  ['stringnotlike', spec('like', true)],
  ['arnequals', spec('arn')],
  ['arnlike', spec('arn')],
  ['arnnotequals', spec('arn', true)],
  ['arnnotlike', spec('arn', true)],
  ['bool', spec('bool')],
  ['null', spec('null')],
  ['numericequals', spec('numeric')],
  ['numericnotequals', spec('numeric', true)],
  ['numericlessthan', spec('numeric', false, 'lt')],
  ['numericlessthanequals', spec('numeric', false, 'lte')],
  ['numericgreaterthan', spec('numeric', false, 'gt')],
  ['numericgreaterthanequals', spec('numeric', false, 'gte')],
  ['dateequals', spec('date')],
  ['datenotequals', spec('date', true)],
  ['datelessthan', spec('date', false, 'lt')],
  ['datelessthanequals', spec('date', false, 'lte')],
  ['dategreaterthan', spec('date', false, 'gt')],
  ['dategreaterthanequals', spec('date', false, 'gte')],
  ['ipaddress', spec('ip')],
  ['notipaddress', spec('ip', true)],
  ['binaryequals', spec('binary')],
]);

/** An operator as written, taken apart: `ForAnyValue:StringLikeIfExists`. */
export interface ParsedOperator {
  readonly spec: OperatorSpec | undefined;
  readonly set: 'none' | 'any' | 'all';
  readonly ifExists: boolean;
  /** Lowercased base name (`stringlike`), for callers that special-case operators. */
  readonly base: string;
}

/** Reads an operator name (case-insensitive); `spec` is undefined for operators IAM does not define. */
export function parseOperator(operator: string): ParsedOperator {
  let rest = operator.toLowerCase();
  let set: ParsedOperator['set'] = 'none';
  if (rest.startsWith('forallvalues:')) {
    set = 'all';
    rest = rest.slice('forallvalues:'.length);
  } else if (rest.startsWith('foranyvalue:')) {
    set = 'any';
    rest = rest.slice('foranyvalue:'.length);
  }
  let ifExists = false;
  if (rest.endsWith('ifexists')) {
    ifExists = true;
    rest = rest.slice(0, -'ifexists'.length);
  }
  let found = OPERATORS.get(rest);
  // Null tests presence itself: IfExists or a set prefix on it is not an operator IAM knows.
  if (found?.family === 'null' && (ifExists || set !== 'none')) found = undefined;
  return { spec: found, set, ifExists, base: rest };
}

/** The operator names as the IAM reference spells them, for messages. */
const OPERATOR_NAMES: readonly string[] = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Bool',
  'Null',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'IpAddress',
  'NotIpAddress',
  'BinaryEquals',
];

/** Edit distance (insertions, deletions, substitutions), case-insensitive. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const substitution = (previous[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[y.length] as number;
}

/**
 * Why an operator IAM does not define is not one, with the nearest operator it may have meant:
 * `StringEqualz is not an IAM condition operator (did you mean StringEquals?)`.
 */
export function unknownOperatorHint(operator: string): string {
  const { set, ifExists, base } = parseOperator(operator);
  const prefix = set === 'all' ? 'ForAllValues:' : set === 'any' ? 'ForAnyValue:' : '';
  if (base === 'null' && (ifExists || set !== 'none')) {
    return `${operator} is not an IAM condition operator (Null takes neither IfExists nor a ForAllValues/ForAnyValue prefix)`;
  }
  const written = operator.slice(prefix.length);
  let best: string | undefined;
  let bestDistance = 3; // closer than this is a typo; farther would be a guess
  for (const name of OPERATOR_NAMES) {
    for (const candidate of name === 'Null' ? [name] : [name, `${name}IfExists`]) {
      const d = distance(written, candidate);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
  }
  const suggestion = best === undefined ? '' : ` (did you mean ${prefix}${best}?)`;
  return `${operator} is not an IAM condition operator${suggestion}`;
}

/** Why `value` is not a value `operator` can read, or undefined when it is (or holds a variable). */
export function invalidConditionValue(operator: string, value: string): string | undefined {
  const family = parseOperator(operator).spec?.family;
  if (family === undefined || (value.includes('${') && value.includes('}'))) return undefined;
  if (prepare(family, value, false) !== undefined) return undefined;
  const what: Partial<Record<Family, string>> = {
    bool: '"true" or "false"',
    null: '"true" or "false"',
    numeric: 'a number',
    date: 'a date (ISO 8601 or epoch seconds)',
    ip: 'an IP address or CIDR range',
  };
  return `${JSON.stringify(value)} is not ${what[family] ?? 'a valid value'} for ${operator}`;
}

type Prepared = string | number | RegExp | IpRange | boolean;

/** A policy value read for its operator family; undefined when it is not a valid value for it. */
function prepare(family: Family, value: string, alreadyEscaped: boolean): Prepared | undefined {
  switch (family) {
    case 'string':
    case 'binary':
      return value;
    case 'ignoreCase':
      return value.toLowerCase();
    case 'like':
      return compilePlainGlob(alreadyEscaped ? value : escapeRaw(value));
    case 'arn':
      return compileArnGlob(alreadyEscaped ? value : escapeRaw(value));
    case 'bool':
    case 'null': {
      const lower = value.toLowerCase();
      return lower === 'true' ? true : lower === 'false' ? false : undefined;
    }
    case 'numeric':
      return parseNumber(value);
    case 'date':
      return parseDate(value);
    case 'ip':
      return parseIpRange(value);
  }
}

function compare(cmp: Comparison, a: number, b: number): boolean {
  switch (cmp) {
    case 'eq':
      return a === b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
  }
}

/** Whether one request value matches any of the prepared policy values (the positive operator). */
function matchesAny(op: OperatorSpec, requestValue: string, prepared: readonly Prepared[]): boolean {
  switch (op.family) {
    case 'string':
    case 'binary':
      return prepared.includes(requestValue);
    case 'ignoreCase':
      return prepared.includes(requestValue.toLowerCase());
    case 'like':
    case 'arn':
      for (const p of prepared) if ((p as RegExp).test(requestValue)) return true;
      return false;
    case 'bool': {
      const lower = requestValue.toLowerCase();
      if (lower !== 'true' && lower !== 'false') return false;
      return prepared.includes(lower === 'true');
    }
    case 'numeric':
    case 'date': {
      const n = op.family === 'numeric' ? parseNumber(requestValue) : parseDate(requestValue);
      if (n === undefined) return false;
      for (const p of prepared) if (compare(op.cmp, n, p as number)) return true;
      return false;
    }
    case 'ip': {
      const address = parseIpRange(requestValue);
      if (!address) return false;
      for (const p of prepared) if (ipInRange(address, p as IpRange)) return true;
      return false;
    }
    case 'null':
      return false;
  }
}

/** One `operator: { key: values }` entry, compiled. */
export interface CompiledCondition {
  readonly operator: string;
  readonly key: string;
  readonly keyLower: string;
  readonly values: readonly string[];
  readonly parsed: ParsedOperator;
  /** Values without variables, read for the operator; undefined when one of them is invalid. */
  readonly prepared: readonly Prepared[] | undefined;
  /** Values with variables: substituted per request (documents of Version 2012-10-17 only). */
  readonly templates: readonly Template[];
}

/** Compiles a statement's condition block; `variables` is true for `Version: 2012-10-17` documents. */
export function compileConditions(
  block: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>,
  variables: boolean,
): CompiledCondition[] {
  const out: CompiledCondition[] = [];
  for (const operator of Object.keys(block)) {
    const parsed = parseOperator(operator);
    const keys = block[operator] ?? {};
    for (const key of Object.keys(keys)) {
      const values = keys[key] ?? [];
      const prepared: Prepared[] = [];
      const templates: Template[] = [];
      let valid = parsed.spec !== undefined;
      for (const value of values) {
        const template = variables ? parseTemplate(value) : undefined;
        if (template) {
          templates.push(template);
          continue;
        }
        const p = parsed.spec ? prepare(parsed.spec.family, value, false) : undefined;
        if (p === undefined) valid = false;
        else prepared.push(p);
      }
      out.push({
        operator,
        key,
        keyLower: key.toLowerCase(),
        values,
        parsed,
        prepared: valid ? prepared : undefined,
        templates,
      });
    }
  }
  return out;
}

export type Lookup = (keyLower: string) => readonly string[] | undefined;

/**
 * Evaluates one compiled condition. `requestValues` is the context's values for the key, or undefined
 * when the key is missing: unknown then, unless missing keys count as absent, where IAM's rules apply
 * (negated operators, `IfExists` and `ForAllValues` hold; `Null: true` holds; everything else fails).
 */
export function evaluateCondition(
  condition: CompiledCondition,
  requestValues: readonly string[] | undefined,
  lookup: Lookup,
  missingKeys: 'unknown' | 'absent',
): Tri {
  const { spec: op, set, ifExists } = condition.parsed;
  if (op === undefined || condition.prepared === undefined) return UNKNOWN;
  if (requestValues === undefined) {
    if (missingKeys === 'unknown') return UNKNOWN;
    if (op.family === 'null') return condition.prepared.includes(true) ? TRUE : FALSE;
    if (ifExists || set === 'all') return TRUE;
    if (set === 'any') return FALSE;
    return op.negated ? TRUE : FALSE;
  }
  if (op.family === 'null') return condition.prepared.includes(false) ? TRUE : FALSE;

  let prepared = condition.prepared;
  if (condition.templates.length > 0) {
    const glob = op.family === 'like' || op.family === 'arn';
    const resolved = prepared.slice();
    for (const template of condition.templates) {
      const s = substitute(template, lookup, missingKeys, glob ? 'glob' : 'plain');
      // A value whose variable is known to be missing matches nothing; one that may exist is unknown.
      if (!s.ok) {
        if (s.missing === 'unknown') return UNKNOWN;
        continue;
      }
      const p = prepare(op.family, s.value, true);
      if (p === undefined) return UNKNOWN;
      resolved.push(p);
    }
    prepared = resolved;
  }

  if (set === 'none') {
    let any = false;
    for (const value of requestValues) {
      if (matchesAny(op, value, prepared)) {
        any = true;
        break;
      }
    }
    return any !== op.negated ? TRUE : FALSE;
  }
  if (set === 'any') {
    for (const value of requestValues) if (matchesAny(op, value, prepared) !== op.negated) return TRUE;
    return FALSE;
  }
  for (const value of requestValues) if (matchesAny(op, value, prepared) === op.negated) return FALSE;
  return TRUE;
}
