/** Builders for policy-engine tests: documents, named policies and requests in one line each. */
import {
  evaluateRequest,
  parsePolicyDocument,
  type EvaluationResult,
  type NamedPolicy,
  type PolicyKind,
  type Request,
} from '../../lib/policy';

export const ACCOUNT = '123456789012';

export type Json = Record<string, unknown>;

/** A statement: Effect plus whatever elements the test needs. */
export function st(effect: 'Allow' | 'Deny', body: Json): Json {
  return { Effect: effect, ...body };
}

/** An Allow of `action` on `resource` (default `*`) with optional extra elements. */
export function allow(action: string | string[], resource: string | string[] = '*', extra: Json = {}): Json {
  return { Effect: 'Allow', Action: action, Resource: resource, ...extra };
}

/** A Deny of `action` on `resource` (default `*`) with optional extra elements. */
export function deny(action: string | string[], resource: string | string[] = '*', extra: Json = {}): Json {
  return { Effect: 'Deny', Action: action, Resource: resource, ...extra };
}

/** A document of Version 2012-10-17 (pass `version` to change or `null` to omit it). */
export function doc(statements: Json[], version: string | null = '2012-10-17'): Json {
  return version === null ? { Statement: statements } : { Version: version, Statement: statements };
}

/** A parsed, named policy. */
export function named(kind: PolicyKind, name: string, ...statements: Json[]): NamedPolicy {
  return { kind, name, document: parsePolicyDocument(doc(statements)) };
}

/** Evaluates `action` on `resource` against one inline policy made of the statements. */
export function decide(
  statements: Json[],
  action: string,
  resource = '*',
  options: Partial<Pick<Request, 'context' | 'missingKeys'>> & { version?: string | null } = {},
): EvaluationResult {
  const { version, ...request } = options;
  const policy: NamedPolicy = {
    kind: 'inline',
    name: 'test',
    document: parsePolicyDocument(doc(statements, version === undefined ? '2012-10-17' : version)),
  };
  return evaluateRequest({ action, resource, ...request }, { identity: [policy] });
}
