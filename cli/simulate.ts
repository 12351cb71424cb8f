/**
 * `simulate`: `aws iam simulate-custom-policy`, offline. Same flags, same output shape, decided by our
 * engine with missing context keys treated as absent (as the IAM simulator does).
 */
import {
  parsePolicyDocument,
  PolicyParseError,
  statementSpans,
  type NamedPolicy,
  type RequestContext,
  type StatementSpan,
} from '../lib/policy';
import { parseDate, parseIpRange, parseNumber } from '../lib/policy/values';
import { parseFlags, type FlagTable } from './flags';
import type { CommandIo } from './main';
import { toEvaluationResult } from './simulate-results';
import { decideResource, RESOURCE_POLICY_ID, SimulateInputError, type Simulation } from './simulate-verdict';

export type { EvaluationResultJson } from './simulate-results';
export { SimulateInputError } from './simulate-verdict';

/** The flags of `aws iam simulate-custom-policy` this command takes; lists as the AWS CLI takes them. */
const SIMULATE_FLAGS = {
  '--policy-input-list': { kind: 'list' },
  '--permissions-boundary-policy-input-list': { kind: 'list' },
  '--action-names': { kind: 'list' },
  '--resource-arns': { kind: 'list' },
  '--context-entries': { kind: 'list' },
  '--resource-policy': { kind: 'value' },
  '--resource-owner': { kind: 'value' },
  '--caller-arn': { kind: 'value' },
} as const satisfies FlagTable;

export const SIMULATE_USAGE = `usage: execution-role-check simulate --policy-input-list <json|file://path>... --action-names <action>...
       [--permissions-boundary-policy-input-list <json|file://path>] [--resource-arns <arn>...]
       [--context-entries <json array | ContextKeyName=k,ContextKeyValues=v,ContextKeyType=t ...>]
       [--resource-policy <json|file://path> --caller-arn <role or user ARN> [--resource-owner arn:aws:iam::ACCOUNT:root]]
Evaluates the policies like "aws iam simulate-custom-policy", offline, and prints its JSON output.
A resource policy is the KMS key policy, Secrets Manager secret policy or ECR repository policy of each
resource (from its ARN, or for "*" the action's service), weighed as the rule weighs it.
Exit codes: 0 with the results, whatever the decisions; 2 for bad flags, documents IAM would refuse
or a request the inputs cannot decide (one line on stderr naming where).
`;

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] as string;
}

/** The text of a policy argument: inline JSON, or `file://path` read through `io`. */
async function policyText(value: string, io: CommandIo, where: string): Promise<string> {
  if (!value.startsWith('file://')) return value;
  const path = value.slice('file://'.length);
  try {
    return await io.readFile(path);
  } catch (error) {
    throw new SimulateInputError(`${where}: cannot read ${value}: ${firstLine(error)}`);
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

/** One policy argument, read and parsed strictly; `where` names it in errors (`--policy-input-list 2`). */
async function loadPolicy(
  value: string,
  io: CommandIo,
  where: string,
  policy: Omit<NamedPolicy, 'document'>,
  documentKind: 'identity' | 'resource',
): Promise<LoadedPolicy> {
  const text = await policyText(value, io, where);
  try {
    const document = parsePolicyDocument(text, { kind: documentKind, strict: true });
    return { policy: { ...policy, document }, spans: spansOf(text) };
  } catch (error) {
    if (error instanceof PolicyParseError) throw new SimulateInputError(`${where}: ${error.message}`);
    throw error;
  }
}

/** A list flag's policies, named as AWS names them: by list and 1-based position (PolicyInputList.1). */
function loadPolicies(
  values: readonly string[],
  io: CommandIo,
  flag: string,
  idPrefix: string,
  kind: NamedPolicy['kind'],
): Promise<LoadedPolicy[]> {
  return Promise.all(
    values.map((value, i) =>
      loadPolicy(value, io, `${flag} ${i + 1}`, { kind, name: `${idPrefix}.${i + 1}` }, 'identity'),
    ),
  );
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
  // An entry without values gives its key nothing to compare: a mistake, not an empty context (the JSON
  // form requires the array too).
  if (fields['ContextKeyValues'] === undefined) {
    throw new SimulateInputError(
      `${where}: ContextKeyValues is missing (ContextKeyName=k,ContextKeyValues=v,ContextKeyType=t)`,
    );
  }
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

// SimulateCustomPolicy's ActionNames: "Each operation must include the service identifier, such as
// iam:CreateUser. This operation does not support using wildcards (*) in an action name."
const ACTION_NAME = /^[A-Za-z0-9-]+:[A-Za-z0-9_-]+$/;
const ARN = /^arn:[a-z-]+:[A-Za-z0-9-]+:[^:]*:[^:]*:.+$/;

function checkedActions(actions: readonly string[]): readonly string[] {
  actions.forEach((action, i) => {
    if (!ACTION_NAME.test(action)) {
      throw new SimulateInputError(
        `--action-names ${i + 1}: ${JSON.stringify(action)} is not an action name: expected service:Action, such as s3:GetObject (no wildcards)`,
      );
    }
  });
  return actions;
}

function checkedResources(resources: readonly string[]): readonly string[] {
  resources.forEach((resource, i) => {
    if (resource !== '*' && !ARN.test(resource)) {
      throw new SimulateInputError(
        `--resource-arns ${i + 1}: ${JSON.stringify(resource)} is not an ARN (arn:partition:service:region:account:resource) or "*"`,
      );
    }
  });
  return resources;
}

// CallerArn: an IAM user ARN for AWS; a role too here, as execution roles are roles. ResourceOwner: "The ARN
// for an account uses the following syntax: arn:aws:iam::AWS-account-ID:root" (SimulateCustomPolicy).
const CALLER_ARN = /^arn:[a-z-]+:iam::(\d{12}):(?:role|user)\/.+$/;
const ACCOUNT_ARN = /^arn:[a-z-]+:iam::(\d{12}):root$/;

function accountOf(value: string, pattern: RegExp, flag: string, expected: string): string {
  const match = pattern.exec(value);
  if (!match) throw new SimulateInputError(`${flag}: ${JSON.stringify(value)} is not ${expected}`);
  return match[1] as string;
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
    const boundaries = flags['--permissions-boundary-policy-input-list'] ?? [];
    if (!policies) throw new SimulateInputError('--policy-input-list is required');
    if (!flags['--action-names']) throw new SimulateInputError('--action-names is required');
    // The API takes a list but accepts a single permissions boundary.
    if (boundaries.length > 1) {
      throw new SimulateInputError('--permissions-boundary-policy-input-list takes one policy');
    }
    const actions = checkedActions(flags['--action-names']);
    const resources = checkedResources(flags['--resource-arns'] ?? ['*']);
    // Listed resources are nested under ResourceSpecificResults; "*" alone is the default, not a list.
    const listed = !(resources.length === 1 && resources[0] === '*');
    const callerArn = flags['--caller-arn'];
    const owner = flags['--resource-owner'];
    const resourcePolicyText = flags['--resource-policy'];
    for (const [flag, given] of [
      ['--resource-policy', resourcePolicyText],
      ['--resource-owner', owner],
    ] as const) {
      if (given !== undefined && callerArn === undefined) {
        throw new SimulateInputError(
          `${flag} needs --caller-arn (the principal a resource policy names, and whose account is the caller's)`,
        );
      }
    }
    const caller =
      callerArn === undefined
        ? undefined
        : {
            arn: callerArn,
            accountId: accountOf(
              callerArn,
              CALLER_ARN,
              '--caller-arn',
              'an IAM role or user ARN (arn:aws:iam::111122223333:role/NAME)',
            ),
          };
    const resourceOwner =
      owner === undefined
        ? undefined
        : accountOf(
            owner,
            ACCOUNT_ARN,
            '--resource-owner',
            'an account ARN (arn:aws:iam::111122223333:root)',
          );
    const identity = await loadPolicies(policies, io, '--policy-input-list', 'PolicyInputList', 'custom');
    const boundary = await loadPolicies(
      boundaries,
      io,
      '--permissions-boundary-policy-input-list',
      'PermissionsBoundaryPolicyInputList',
      'boundary',
    );
    const resourcePolicy =
      resourcePolicyText === undefined
        ? undefined
        : await loadPolicy(
            resourcePolicyText,
            io,
            '--resource-policy',
            { kind: 'custom', name: RESOURCE_POLICY_ID },
            'resource',
          );
    const simulation: Simulation = {
      policies: {
        identity: identity.map((p) => p.policy),
        ...(boundary[0] ? { boundary: boundary[0].policy } : {}),
      },
      context: flags['--context-entries'] ? parseContext(flags['--context-entries']) : {},
      spans: new Map(
        [...identity, ...boundary, ...(resourcePolicy ? [resourcePolicy] : [])].map((p) => [
          p.policy.name,
          p.spans,
        ]),
      ),
      ...(caller && { caller }),
      ...(resourcePolicy && { resourcePolicy: resourcePolicy.policy }),
      ...(resourceOwner !== undefined && { resourceOwner }),
    };
    const results = actions.map((action) =>
      toEvaluationResult(
        action,
        resources.map((resource) => decideResource(action, resource, simulation)),
        listed,
      ),
    );
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
