/**
 * `simulate`: `aws iam simulate-custom-policy`, offline. Same flags, same output shape, decided by our
 * engine with missing context keys treated as absent (as the IAM simulator does).
 */
import { ExecutionRoleCheckError } from '../lib/core/errors';
import {
  evaluateRequest,
  parsePolicyDocument,
  PolicyParseError,
  statementSpans,
  type EvaluationResult,
  type NamedPolicy,
  type RequestContext,
  type StatementRef,
  type StatementSpan,
} from '../lib/policy';
import { parseDate, parseIpRange, parseNumber } from '../lib/policy/values';
import { parseFlags, type FlagTable } from './flags';
import type { CommandIo } from './main';

/** Bad flags or documents: reported on one line, exit code 2. */
export class SimulateInputError extends ExecutionRoleCheckError {
  override readonly name = 'SimulateInputError';
  readonly code = 'SIMULATE_INPUT';
  constructor(problem: string, options?: { cause?: unknown }) {
    super(problem, problem, options);
  }
}

/** The flags of `aws iam simulate-custom-policy` this command takes; each takes a list, as the AWS CLI does. */
const SIMULATE_FLAGS = {
  '--policy-input-list': { kind: 'list' },
  '--permissions-boundary-policy-input-list': { kind: 'list' },
  '--action-names': { kind: 'list' },
  '--resource-arns': { kind: 'list' },
  '--context-entries': { kind: 'list' },
} as const satisfies FlagTable;

export const SIMULATE_USAGE = `usage: execution-role-check simulate --policy-input-list <json|file://path>... --action-names <action>...
       [--permissions-boundary-policy-input-list <json|file://path>] [--resource-arns <arn>...]
       [--context-entries <json array | ContextKeyName=k,ContextKeyValues=v,ContextKeyType=t ...>]
Evaluates the policies like "aws iam simulate-custom-policy", offline, and prints its JSON output.
`;

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] as string;
}

/** The text of a policy argument: inline JSON, or `file://path` read through `io`. */
async function policyText(value: string, io: CommandIo, flag: string, position: number): Promise<string> {
  if (!value.startsWith('file://')) return value;
  const path = value.slice('file://'.length);
  try {
    return await io.readFile(path);
  } catch (error) {
    throw new SimulateInputError(`${flag} ${position}: cannot read ${value}: ${firstLine(error)}`);
  }
}

/** Statement spans of a policy text, decoding URL-encoded text as the parser does. */
function spansOf(text: string): StatementSpan[] | undefined {
  const spans = statementSpans(text);
  if (spans || !text.includes('%')) return spans;
  try {
    return statementSpans(decodeURIComponent(text));
  } catch {
    return undefined;
  }
}

interface LoadedPolicy {
  readonly policy: NamedPolicy;
  readonly spans: StatementSpan[] | undefined;
}

async function loadPolicies(
  values: readonly string[],
  io: CommandIo,
  flag: string,
  idPrefix: string,
  kind: NamedPolicy['kind'],
): Promise<LoadedPolicy[]> {
  const out: LoadedPolicy[] = [];
  for (let i = 0; i < values.length; i++) {
    const text = await policyText(values[i] as string, io, flag, i + 1);
    let document;
    try {
      document = parsePolicyDocument(text, { kind: 'identity' });
    } catch (error) {
      if (error instanceof PolicyParseError)
        throw new SimulateInputError(`${flag} ${i + 1}: ${error.message}`);
      throw error;
    }
    // AWS names inputs by list and 1-based position: PolicyInputList.1, PermissionsBoundaryPolicyInputList.1.
    out.push({ policy: { kind, name: `${idPrefix}.${i + 1}`, document }, spans: spansOf(text) });
  }
  return out;
}

const CONTEXT_TYPES = new Set([
  'string',
  'stringList',
  'numeric',
  'numericList',
  'boolean',
  'booleanList',
  'ip',
  'ipList',
  'binary',
  'binaryList',
  'date',
  'dateList',
]);

interface ContextEntry {
  readonly name: string;
  readonly values: readonly string[];
  readonly type: string | undefined;
}

function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

/** Splits on commas outside single or double quotes. */
function splitCommas(text: string): string[] {
  const out: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === ',') {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/** The AWS CLI shorthand `ContextKeyName=k,ContextKeyValues=v1,v2,ContextKeyType=stringList`. */
function parseShorthand(text: string, where: string): ContextEntry {
  const fields: Record<string, string[]> = {};
  let current: string | undefined;
  for (const token of splitCommas(text)) {
    const m = /^\s*(ContextKeyName|ContextKeyValues|ContextKeyType)\s*=(.*)$/s.exec(token);
    if (m) {
      current = m[1] as string;
      if (fields[current]) throw new SimulateInputError(`${where}: ${current} given twice`);
      fields[current] = [m[2] as string];
    } else if (current === 'ContextKeyValues') {
      (fields[current] as string[]).push(token);
    } else {
      throw new SimulateInputError(
        `${where}: expected ContextKeyName=...,ContextKeyValues=...,ContextKeyType=..., got ${JSON.stringify(token)}`,
      );
    }
  }
  const values = (fields['ContextKeyValues'] ?? []).map((v, i, all) => {
    let s = v.trim();
    if (i === 0 && s.startsWith('[')) s = s.slice(1);
    if (i === all.length - 1 && s.endsWith(']')) s = s.slice(0, -1);
    return unquote(s);
  });
  const name = fields['ContextKeyName'];
  if (!name) throw new SimulateInputError(`${where}: ContextKeyName is missing`);
  const type = fields['ContextKeyType'];
  return { name: unquote(name[0] as string), values, type: type ? unquote(type[0] as string) : undefined };
}

function entryFromJson(value: unknown, where: string): ContextEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SimulateInputError(
      `${where}: expected an object {"ContextKeyName","ContextKeyValues","ContextKeyType"}`,
    );
  }
  const entry = value as Record<string, unknown>;
  for (const key of Object.keys(entry)) {
    if (!['ContextKeyName', 'ContextKeyValues', 'ContextKeyType'].includes(key)) {
      throw new SimulateInputError(`${where}.${key}: unknown field`);
    }
  }
  const name = entry['ContextKeyName'];
  if (typeof name !== 'string' || name === '')
    throw new SimulateInputError(`${where}.ContextKeyName: expected a string`);
  const rawValues = entry['ContextKeyValues'];
  if (!Array.isArray(rawValues)) throw new SimulateInputError(`${where}.ContextKeyValues: expected an array`);
  const values = rawValues.map((v: unknown, i) => {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new SimulateInputError(`${where}.ContextKeyValues[${i}]: expected a string`);
  });
  const type = entry['ContextKeyType'];
  if (type !== undefined && typeof type !== 'string')
    throw new SimulateInputError(`${where}.ContextKeyType: expected a string`);
  return { name, values, type };
}

const TYPE_CHECKS: Readonly<Record<string, (value: string) => boolean>> = {
  numeric: (v) => parseNumber(v) !== undefined,
  boolean: (v) => /^(true|false)$/i.test(v),
  date: (v) => parseDate(v) !== undefined,
  ip: (v) => parseIpRange(v) !== undefined,
};

function checkEntry(entry: ContextEntry, where: string): void {
  const { type } = entry;
  if (type === undefined) return;
  if (!CONTEXT_TYPES.has(type)) {
    throw new SimulateInputError(
      `${where}: ContextKeyType ${JSON.stringify(type)} is not one of ${[...CONTEXT_TYPES].join(', ')}`,
    );
  }
  const scalar = !type.endsWith('List');
  if (scalar && entry.values.length !== 1) {
    throw new SimulateInputError(
      `${where}: ContextKeyType ${type} takes exactly one value (use ${type}List for several)`,
    );
  }
  const check = TYPE_CHECKS[scalar ? type : type.slice(0, -'List'.length)];
  const bad = check ? entry.values.find((v) => !check(v)) : undefined;
  if (bad !== undefined)
    throw new SimulateInputError(`${where}: ${JSON.stringify(bad)} is not a valid ${type} value`);
}

/** `--context-entries`: one JSON array (or object), or one or more shorthand entries. */
function parseContext(values: readonly string[]): RequestContext {
  const entries: { entry: ContextEntry; where: string }[] = [];
  values.forEach((value, i) => {
    const where = `--context-entries ${i + 1}`;
    const trimmed = value.trim();
    if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
      let json: unknown;
      try {
        json = JSON.parse(trimmed);
      } catch (error) {
        throw new SimulateInputError(`${where}: not valid JSON (${firstLine(error)})`);
      }
      if (Array.isArray(json))
        json.forEach((item: unknown, j) =>
          entries.push({ entry: entryFromJson(item, `${where}[${j}]`), where: `${where}[${j}]` }),
        );
      else entries.push({ entry: entryFromJson(json, where), where });
    } else {
      entries.push({ entry: parseShorthand(value, where), where });
    }
  });
  const context: Record<string, readonly string[]> = {};
  const seen = new Set<string>();
  for (const { entry, where } of entries) {
    checkEntry(entry, where);
    const lower = entry.name.toLowerCase();
    if (seen.has(lower)) throw new SimulateInputError(`${where}: context key ${entry.name} given twice`);
    seen.add(lower);
    Object.defineProperty(context, entry.name, { value: entry.values, enumerable: true });
  }
  return context;
}

interface MatchedStatementJson {
  readonly SourcePolicyId: string;
  readonly SourcePolicyType: string;
  readonly StartPosition?: { readonly Line: number; readonly Column: number };
  readonly EndPosition?: { readonly Line: number; readonly Column: number };
}

/** One entry of `EvaluationResults`, with AWS's field names. */
export interface EvaluationResultJson {
  readonly EvalActionName: string;
  readonly EvalResourceName: string;
  readonly EvalDecision: EvaluationResult['decision'];
  readonly MatchedStatements: readonly MatchedStatementJson[];
  readonly MissingContextValues: readonly string[];
  readonly PermissionsBoundaryDecisionDetail?: { readonly AllowedByPermissionsBoundary: boolean };
}

function matchedJson(
  ref: StatementRef,
  spans: ReadonlyMap<string, StatementSpan[] | undefined>,
): MatchedStatementJson {
  const span = spans.get(ref.policyName)?.[ref.statementIndex];
  return {
    SourcePolicyId: ref.policyName,
    // What the IAM simulator prints for policies passed as text.
    SourcePolicyType: 'IAM Policy',
    ...(span ? { StartPosition: span.start, EndPosition: span.end } : {}),
  };
}

/**
 * Runs `simulate` with the arguments after the command name. Prints the JSON result and returns 0; bad
 * flags or documents print one line on stderr and return 2.
 */
export async function simulate(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const flags = parseFlags(argv, SIMULATE_FLAGS, (message) => new SimulateInputError(message));
    if (flags === 'help') {
      io.stdout(SIMULATE_USAGE);
      return 0;
    }
    const policies = flags['--policy-input-list'];
    const actions = flags['--action-names'];
    const boundaries = flags['--permissions-boundary-policy-input-list'] ?? [];
    if (!policies) throw new SimulateInputError('--policy-input-list is required');
    if (!actions) throw new SimulateInputError('--action-names is required');
    // The API takes a list but accepts a single permissions boundary.
    if (boundaries.length > 1) {
      throw new SimulateInputError('--permissions-boundary-policy-input-list takes one policy');
    }
    const identity = await loadPolicies(policies, io, '--policy-input-list', 'PolicyInputList', 'custom');
    const boundary = await loadPolicies(
      boundaries,
      io,
      '--permissions-boundary-policy-input-list',
      'PermissionsBoundaryPolicyInputList',
      'boundary',
    );
    const context = flags['--context-entries'] ? parseContext(flags['--context-entries']) : {};
    const resources = flags['--resource-arns'] ?? ['*'];
    const spans = new Map([...identity, ...boundary].map((p) => [p.policy.name, p.spans]));
    const policySet = {
      identity: identity.map((p) => p.policy),
      ...(boundary[0] ? { boundary: boundary[0].policy } : {}),
    };

    const results: EvaluationResultJson[] = [];
    for (const action of actions) {
      for (const resource of resources) {
        const result = evaluateRequest({ action, resource, context, missingKeys: 'absent' }, policySet);
        if (result.conditional) {
          const what = result.unresolvedConditions.map((u) => `${u.operator} ${u.key}`).join('; ');
          io.stderr(
            `simulate: warning: ${action} on ${resource} also depends on conditions this simulator cannot evaluate: ${what}\n`,
          );
        }
        results.push({
          EvalActionName: action,
          EvalResourceName: resource,
          EvalDecision: result.decision,
          MatchedStatements: result.matchedStatements.map((ref) => matchedJson(ref, spans)),
          MissingContextValues: result.missingContextKeys,
          ...(result.allowedByBoundary !== undefined
            ? {
                PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: result.allowedByBoundary },
              }
            : {}),
        });
      }
    }
    io.stdout(`${JSON.stringify({ EvaluationResults: results }, null, 4)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof SimulateInputError) {
      // One line, whatever the input held (a policy key may contain a newline).
      io.stderr(`simulate: ${error.message.replace(/\s*[\r\n]+\s*/g, ' ')}\n`);
      return 2;
    }
    throw error;
  }
}
