/**
 * The remediation's promises, checked on the final documents right before anything is written, apart from
 * the planner that produced them: only ecs-tasks.amazonaws.com is added as a principal, nothing existing is
 * removed or changed, only the one managed policy is attached, and no granted resource holds a wildcard.
 */
import { ExecutionRoleCheckError } from '../core/errors';
import { executionPolicyArn } from './plan';
import {
  ECS_TASKS_SERVICE,
  GRANT_SIDS,
  OWNED_POLICY_NAME,
  type PlannedChange,
  type RoleDocuments,
} from './types';

/** A plan broke one of the remediation's promises; nothing is written. This is a bug, never user error. */
export class UnsafePlanError extends ExecutionRoleCheckError {
  override readonly name = 'UnsafePlanError';
  readonly code = 'UNSAFE_PLAN';
  constructor(problem: string) {
    super(`Refusing to apply an unsafe plan: ${problem}`, problem);
  }
}

type Json = Record<string, unknown>;

function statements(text: string): Json[] {
  const parsed = JSON.parse(text) as Json;
  const value = parsed['Statement'];
  return (Array.isArray(value) ? value : [value]) as Json[];
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

function checkTrust(before: string, after: string): void {
  const old = statements(before);
  const next = statements(after);
  if (next.length !== old.length + 1 || !old.every((statement, index) => same(statement, next[index]))) {
    throw new UnsafePlanError('the new trust policy does not keep every existing statement unchanged');
  }
  const added = next[next.length - 1] as Json;
  const principal = added['Principal'] as Json | undefined;
  const condition = added['Condition'];
  const onlyKnownKeys = Object.keys(added).every((key) =>
    ['Sid', 'Effect', 'Principal', 'Action', 'Condition'].includes(key),
  );
  if (
    !onlyKnownKeys ||
    added['Effect'] !== 'Allow' ||
    added['Action'] !== 'sts:AssumeRole' ||
    principal === undefined ||
    !same(principal, { Service: ECS_TASKS_SERVICE }) ||
    (condition !== undefined && Object.keys(condition as Json).join() !== 'StringEquals')
  ) {
    throw new UnsafePlanError(
      `the added trust statement must only let ${ECS_TASKS_SERVICE} call sts:AssumeRole`,
    );
  }
}

function checkOwnedPolicy(before: string | null, after: string): void {
  const old = before === null ? [] : statements(before);
  const next = statements(after);
  const grantSids = Object.values(GRANT_SIDS) as string[];
  for (const statement of old) {
    const kept = next.find((candidate) => same(candidate, statement));
    const grown = next.find(
      (candidate) =>
        candidate['Sid'] === statement['Sid'] &&
        same({ ...candidate, Resource: null }, { ...statement, Resource: null }) &&
        list(statement['Resource']).every((resource) => list(candidate['Resource']).includes(resource)),
    );
    if (kept === undefined && grown === undefined) {
      throw new UnsafePlanError(
        `the owned policy would lose or change statement ${JSON.stringify(statement)}`,
      );
    }
  }
  for (const statement of next) {
    if (old.some((candidate) => same(candidate, statement))) continue;
    const previous = old.find((candidate) => candidate['Sid'] === statement['Sid']);
    const newResources = list(statement['Resource']).filter(
      (resource) => previous === undefined || !list(previous['Resource']).includes(resource),
    );
    // One action, as a string or a one-element list (a hand-written owned statement may use either).
    const actions = list(statement['Action']);
    const action = actions.length === 1 ? actions[0] : undefined;
    const sid = statement['Sid'];
    if (
      statement['Effect'] !== 'Allow' ||
      typeof sid !== 'string' ||
      !grantSids.includes(sid) ||
      typeof action !== 'string' ||
      GRANT_SIDS[action as keyof typeof GRANT_SIDS] !== sid ||
      !Object.keys(statement).every((key) => ['Sid', 'Effect', 'Action', 'Resource'].includes(key))
    ) {
      throw new UnsafePlanError(
        `the owned policy would gain an unexpected statement ${JSON.stringify(statement)}`,
      );
    }
    for (const resource of newResources) {
      if (typeof resource !== 'string' || !resource.startsWith('arn:') || /[*?]/.test(resource)) {
        throw new UnsafePlanError(
          `the owned policy would grant a non-exact resource ${JSON.stringify(resource)}`,
        );
      }
    }
  }
}

/** Throws UnsafePlanError unless every change keeps the remediation's promises against `before`. */
export function assertSafeChanges(
  changes: readonly PlannedChange[],
  before: RoleDocuments,
  partition: string,
): void {
  const kinds = changes.map((change) => change.kind);
  if (new Set(kinds).size !== kinds.length) throw new UnsafePlanError('a change appears twice');
  for (const change of changes) {
    switch (change.kind) {
      case 'addTrustStatement':
        checkTrust(before.trustPolicy, change.document);
        break;
      case 'attachManagedPolicy':
        if (change.policyArn !== executionPolicyArn(partition)) {
          throw new UnsafePlanError(`only ${executionPolicyArn(partition)} may be attached`);
        }
        break;
      case 'putOwnedInlinePolicy':
        if (change.policyName !== OWNED_POLICY_NAME) {
          throw new UnsafePlanError(`only the inline policy ${OWNED_POLICY_NAME} may be written`);
        }
        checkOwnedPolicy(before.ownedInlinePolicy, change.document);
        break;
    }
  }
}
