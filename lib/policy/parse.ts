/**
 * Parsing and normalising IAM policy documents. Everything the evaluator reads has passed through here,
 * so the evaluator can trust shapes: lists are arrays, conditions are strings, keys are known.
 */
import { BoundedCache } from '../core/cache';
import { invalidConditionValue, parseOperator, unknownOperatorHint } from './conditions';
import { PolicyParseError } from './errors';
import type { ConditionBlock, Effect, PolicyDocument, PrincipalBlock, Statement } from './types';

/** Which kind of document is expected; only the required and forbidden elements differ. */
export interface ParseOptions {
  /**
   * `identity`: every statement needs `Resource` or `NotResource` and may not name a principal.
   * `resource` (trust and other resource-based policies): every statement needs `Principal` or
   * `NotPrincipal`. Omitted: both are optional, and the evaluator treats a missing element fail-closed.
   */
  readonly kind?: 'identity' | 'resource';
  /**
   * Also reject what IAM refuses to store (IAM User Guide, "IAM JSON policy element reference" and "Grammar
   * of the IAM JSON policy language"): an action without its service prefix (`"s3"`), a Resource that is
   * neither an ARN nor `*`, a condition operator IAM does not define (`StringEqualz`), a condition value its
   * operator cannot read. For documents a user writes (simulate). Documents read from AWS are parsed without
   * it, so that an operator AWS adds later still parses: the evaluator then treats it as unknown, and a grant
   * that depends on it is not proven.
   */
  readonly strict?: boolean;
}

const VERSIONS = ['2012-10-17', '2008-10-17'];
const TOP_KEYS = new Set(['Version', 'Id', 'Statement']);
const STATEMENT_KEYS = new Set([
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
]);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets a property without ever touching the prototype (a key may be `__proto__`). */
function define<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: false, configurable: false });
}

function describe(value: Json): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}

/** Decodes the text forms AWS hands over: plain JSON, or URL-encoded JSON (Config and IAM deliver that). */
function decodeText(text: string): Json {
  // IAM and Config hand documents over URL-encoded (`%7B...`): decode those first rather than paying
  // for a thrown JSON.parse on every one of them.
  if (text.startsWith('%7B') || text.startsWith('%7b')) {
    try {
      return JSON.parse(decodeURIComponent(text)) as Json;
    } catch {
      // Not URL-encoded JSON after all: fall through to the general path and its precise error.
    }
  }
  try {
    return JSON.parse(text) as Json;
  } catch (jsonError) {
    if (!text.includes('%')) {
      throw new PolicyParseError('', `not valid JSON (${(jsonError as Error).message})`, {
        cause: jsonError,
      });
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(text);
    } catch (uriError) {
      throw new PolicyParseError('', 'neither JSON nor URL-encoded JSON (bad % escape)', { cause: uriError });
    }
    try {
      return JSON.parse(decoded) as Json;
    } catch (decodedError) {
      throw new PolicyParseError(
        '',
        `URL-decoded text is not valid JSON (${(decodedError as Error).message})`,
        {
          cause: decodedError,
        },
      );
    }
  }
}

function stringList(value: Json, path: string, what: string): readonly string[] {
  if (typeof value === 'string') return Object.freeze([value]);
  if (!Array.isArray(value)) throw new PolicyParseError(path, `expected a string or an array of strings`);
  if (value.length === 0) throw new PolicyParseError(path, `expected at least one ${what}`);
  value.forEach((item: Json, i) => {
    if (typeof item !== 'string')
      throw new PolicyParseError(`${path}[${i}]`, `expected a string, got ${describe(item)}`);
  });
  return Object.freeze([...(value as string[])]);
}

function parsePrincipal(value: Json, path: string): PrincipalBlock {
  if (value === '*') return '*';
  if (!isObject(value))
    throw new PolicyParseError(path, 'expected "*" or an object such as {"Service": "..."}');
  const out: Record<string, readonly string[]> = {};
  for (const type of Object.keys(value)) {
    if (!PRINCIPAL_TYPES.has(type)) {
      throw new PolicyParseError(
        `${path}.${type}`,
        'unknown principal type (expected AWS, Service, Federated or CanonicalUser)',
      );
    }
    define(out, type, stringList(value[type], `${path}.${type}`, 'principal'));
  }
  return Object.freeze(out);
}

function conditionValue(value: Json, path: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value)))
    return String(value);
  throw new PolicyParseError(path, `expected a string, number or boolean, got ${describe(value)}`);
}

function parseCondition(value: Json, path: string): ConditionBlock {
  if (!isObject(value)) throw new PolicyParseError(path, `expected an object, got ${describe(value)}`);
  const out: Record<string, Readonly<Record<string, readonly string[]>>> = {};
  for (const operator of Object.keys(value)) {
    const opPath = `${path}.${operator}`;
    const block = value[operator];
    if (!isObject(block))
      throw new PolicyParseError(opPath, `expected an object of condition keys, got ${describe(block)}`);
    const keys: Record<string, readonly string[]> = {};
    for (const key of Object.keys(block)) {
      const keyPath = `${opPath}.${key}`;
      const raw = block[key];
      let values: string[];
      if (Array.isArray(raw)) {
        if (raw.length === 0) throw new PolicyParseError(keyPath, 'expected at least one value');
        values = raw.map((item: Json, i) => conditionValue(item, `${keyPath}[${i}]`));
      } else {
        values = [conditionValue(raw, keyPath)];
      }
      define(keys, key, Object.freeze(values));
    }
    define(out, operator, Object.freeze(keys));
  }
  return Object.freeze(out);
}

/** Each string of a policy element with its path: `Action` for one string, `Action[1]` in a list. */
function eachString(value: Json, path: string): [string, string][] {
  if (typeof value === 'string') return [[value, path]];
  return (value as string[]).map((item, i) => [item, `${path}[${i}]`]);
}

// An action is `service:action` (wildcards allowed) or `*`; IAM refuses others ("Actions/Conditions must
// be prefaced by a vendor"). A Resource is an ARN or `*` ("Resource ... must be in ARN format or "*"").
const ACTION = /^(?:\*|[A-Za-z0-9-]+:[^\s:]+)$/;
const RESOURCE = /^(?:\*|arn:.+)$/;

/** The strict checks of an already well-shaped statement (see `ParseOptions.strict`). */
function checkGrammar(value: Record<string, Json>, path: string): void {
  for (const key of ['Action', 'NotAction'] as const) {
    for (const [action, at] of key in value ? eachString(value[key], `${path}.${key}`) : []) {
      if (!ACTION.test(action)) {
        throw new PolicyParseError(
          at,
          `${JSON.stringify(action)} is not an action: expected "service:Action" (such as "s3:GetObject") or "*"`,
        );
      }
    }
  }
  for (const key of ['Resource', 'NotResource'] as const) {
    for (const [resource, at] of key in value ? eachString(value[key], `${path}.${key}`) : []) {
      if (!RESOURCE.test(resource)) {
        throw new PolicyParseError(at, `${JSON.stringify(resource)} is not an ARN or "*"`);
      }
    }
  }
  const condition = value['Condition'] as Record<string, Record<string, Json>> | undefined;
  for (const operator of Object.keys(condition ?? {})) {
    const at = `${path}.Condition.${operator}`;
    if (parseOperator(operator).spec === undefined)
      throw new PolicyParseError(at, unknownOperatorHint(operator));
    const block = (condition as Record<string, Record<string, Json>>)[operator] as Record<string, Json>;
    for (const key of Object.keys(block)) {
      for (const [item, itemAt] of eachString(
        Array.isArray(block[key]) ? (block[key] as Json[]).map(String) : String(block[key]),
        `${at}.${key}`,
      )) {
        const problem = invalidConditionValue(operator, item);
        if (problem !== undefined) throw new PolicyParseError(itemAt, problem);
      }
    }
  }
}

function parseStatement(value: Json, index: number, path: string, options: ParseOptions): Statement {
  if (!isObject(value))
    throw new PolicyParseError(path, `expected a statement object, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (!STATEMENT_KEYS.has(key)) throw new PolicyParseError(`${path}.${key}`, 'unknown statement element');
  }
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

  const sid = value['Sid'];
  if (has('Sid') && typeof sid !== 'string') throw new PolicyParseError(`${path}.Sid`, 'expected a string');
  const effect = value['Effect'];
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new PolicyParseError(`${path}.Effect`, 'expected "Allow" or "Deny"');
  }

  if (has('Action') === has('NotAction')) {
    throw new PolicyParseError(path, 'expected exactly one of "Action" or "NotAction"');
  }
  if (has('Resource') && has('NotResource')) {
    throw new PolicyParseError(path, 'expected at most one of "Resource" or "NotResource"');
  }
  if (has('Principal') && has('NotPrincipal')) {
    throw new PolicyParseError(path, 'expected at most one of "Principal" or "NotPrincipal"');
  }
  if (options.kind === 'identity') {
    if (!has('Resource') && !has('NotResource')) {
      throw new PolicyParseError(path, 'expected exactly one of "Resource" or "NotResource"');
    }
    const principalKey = has('Principal') ? 'Principal' : has('NotPrincipal') ? 'NotPrincipal' : undefined;
    if (principalKey) {
      throw new PolicyParseError(`${path}.${principalKey}`, 'not allowed in an identity-based policy');
    }
  }
  if (options.kind === 'resource' && !has('Principal') && !has('NotPrincipal')) {
    throw new PolicyParseError(path, 'expected exactly one of "Principal" or "NotPrincipal"');
  }

  const statement: {
    -readonly [K in keyof Statement]: Statement[K];
  } = { index, effect: effect as Effect, condition: Object.freeze({}) };
  if (typeof sid === 'string') statement.sid = sid;
  if (has('Principal')) statement.principal = parsePrincipal(value['Principal'], `${path}.Principal`);
  if (has('NotPrincipal'))
    statement.notPrincipal = parsePrincipal(value['NotPrincipal'], `${path}.NotPrincipal`);
  if (has('Action')) statement.action = stringList(value['Action'], `${path}.Action`, 'action');
  if (has('NotAction')) statement.notAction = stringList(value['NotAction'], `${path}.NotAction`, 'action');
  if (has('Resource')) statement.resource = stringList(value['Resource'], `${path}.Resource`, 'resource');
  if (has('NotResource'))
    statement.notResource = stringList(value['NotResource'], `${path}.NotResource`, 'resource');
  if (has('Condition')) statement.condition = parseCondition(value['Condition'], `${path}.Condition`);
  if (options.strict) checkGrammar(value, path);
  return Object.freeze(statement);
}

function parseDocument(value: Json, options: ParseOptions): PolicyDocument {
  if (!isObject(value))
    throw new PolicyParseError('', `expected a policy document object, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (!TOP_KEYS.has(key)) throw new PolicyParseError(key, 'unknown policy element');
  }
  const has = (key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);
  const version = value['Version'];
  if (has('Version') && !(typeof version === 'string' && VERSIONS.includes(version))) {
    throw new PolicyParseError('Version', 'expected "2012-10-17" or "2008-10-17"');
  }
  const id = value['Id'];
  if (has('Id') && typeof id !== 'string') throw new PolicyParseError('Id', 'expected a string');
  if (!has('Statement')) throw new PolicyParseError('Statement', 'missing');
  const raw = value['Statement'];
  let statements: Statement[];
  if (Array.isArray(raw)) {
    statements = raw.map((item: Json, i) => parseStatement(item, i, `Statement[${i}]`, options));
  } else if (isObject(raw)) {
    statements = [parseStatement(raw, 0, 'Statement', options)];
  } else {
    throw new PolicyParseError(
      'Statement',
      `expected an object or an array of objects, got ${describe(raw)}`,
    );
  }
  const doc: { -readonly [K in keyof PolicyDocument]: PolicyDocument[K] } = {
    statements: Object.freeze(statements),
  };
  if (typeof version === 'string') doc.version = version;
  if (typeof id === 'string') doc.id = id;
  return Object.freeze(doc);
}

// The same managed policy arrives once per role that attaches it: parse each text once. Documents are
// frozen, so sharing them is safe. One map per kind, keyed by the text itself: a lookup hashes the
// string once (V8 keeps the hash on it) instead of building a kind-prefixed copy of the whole text.
// Bounded (entries and text size: IAM caps a managed policy at 6,144 characters, URL-encoding triples
// that at most) so a Lambda's memory stays small.
// The three share one bound. A document is a function of its text and kind: safe across warm invocations.
const MAX_TEXT_CACHE = 500;
const MAX_CACHED_TEXT = 20_000;
const textPool: BoundedCache<unknown, unknown>[] = [];
const textCaches = {
  identity: new BoundedCache<string, PolicyDocument>('identity policy texts', MAX_TEXT_CACHE, textPool),
  resource: new BoundedCache<string, PolicyDocument>('resource policy texts', MAX_TEXT_CACHE, textPool),
  any: new BoundedCache<string, PolicyDocument>('policy texts', MAX_TEXT_CACHE, textPool),
} as const;

/**
 * Parses and normalises a policy given as an object, a JSON string or a URL-encoded JSON string.
 * Throws `PolicyParseError` (and nothing else) naming the offending element, e.g. `Statement[2].Effect`.
 */
export function parsePolicyDocument(input: unknown, options: ParseOptions = {}): PolicyDocument {
  // Strict parses are for documents a user typed: few, and never cached with the tolerant ones.
  if (typeof input !== 'string' || options.strict) {
    return parseDocument(typeof input === 'string' ? decodeText(input) : input, options);
  }
  const kind = options.kind;
  const cache =
    kind === 'identity' ? textCaches.identity : kind === 'resource' ? textCaches.resource : textCaches.any;
  const hit = cache.get(input);
  if (hit) return hit;
  const doc = parseDocument(decodeText(input), options);
  if (input.length <= MAX_CACHED_TEXT) cache.set(input, doc);
  return doc;
}
