/**
 * Documents compiled once for evaluation: action matchers, resource patterns as escaped globs (or
 * templates when they hold policy variables), conditions with their values already read.
 */
import { IdentityCache } from '../core/cache';
import { compileConditions, type CompiledCondition } from './conditions';
import { escapeRaw } from './glob';
import { actionMatcher, type ActionMatcher } from './match';
import type { PolicyDocument, Statement } from './types';
import { parseTemplate, type Template } from './variables';

/** A Resource/NotResource entry: a fixed escaped glob, or a template substituted per request. */
export interface CompiledPattern {
  readonly raw: string;
  readonly eglob: string | undefined;
  readonly template: Template | undefined;
}

export interface CompiledStatement {
  readonly statement: Statement;
  readonly deny: boolean;
  readonly actions: readonly ActionMatcher[];
  readonly notAction: boolean;
  /** Undefined when the statement has neither Resource nor NotResource. */
  readonly resources: readonly CompiledPattern[] | undefined;
  readonly notResource: boolean;
  readonly conditions: readonly CompiledCondition[];
}

/** IAM substitutes policy variables only under this version; under 2008-10-17 or none they are text. */
export const VARIABLES_VERSION = '2012-10-17';

function compilePattern(raw: string, variables: boolean): CompiledPattern {
  const template = variables ? parseTemplate(raw) : undefined;
  return { raw, eglob: template ? undefined : escapeRaw(raw), template };
}

function compileStatement(statement: Statement, variables: boolean): CompiledStatement {
  const resourceList = statement.resource ?? statement.notResource;
  return {
    statement,
    deny: statement.effect === 'Deny',
    actions: (statement.action ?? statement.notAction ?? []).map(actionMatcher),
    notAction: statement.action === undefined,
    resources: resourceList?.map((r) => compilePattern(r, variables)),
    notResource: statement.resource === undefined && statement.notResource !== undefined,
    conditions: compileConditions(statement.condition, variables),
  };
}

// Keyed by the frozen parsed document; an entry dies with it: safe across warm invocations.
const compiled = new IdentityCache<PolicyDocument, readonly CompiledStatement[]>('compiled documents');

/** The compiled statements of a parsed document, built on first use and kept as long as the document. */
export function compileDocument(doc: PolicyDocument): readonly CompiledStatement[] {
  let out = compiled.get(doc);
  if (out === undefined) {
    const variables = doc.version === VARIABLES_VERSION;
    out = doc.statements.map((s) => compileStatement(s, variables));
    compiled.set(doc, out);
  }
  return out;
}
