/**
 * Plans the smallest set of additions that makes a drifted execution role compliant, and refuses what it
 * cannot fix safely. Pure and synchronous: the plan is simulated with the rule's own evaluator before it
 * is returned, so a change that would not clear its finding is a refusal, never a write.
 */
import type { RoleAssessment } from '../rule/assess-role';
import { evaluateRole } from '../rule/evaluate-role';
import { matchesActionPattern, parsePolicyDocument } from '../policy';
import { EXECUTION_ROLE_ACTIONS } from '../requirements/derive';
import type { Finding, RawPolicyDocument, RoleSnapshot } from '../core/model';
import { FINDINGS } from '../findings/registry';
import { findingSubject, unfixableReasonText } from '../findings/render';
import type { RuleParameters } from '../parameters';
import { appendStatement, JsonTextError, policyText } from './json-text';
import {
  ECS_TASKS_SERVICE,
  GRANT_SIDS,
  OWNED_POLICY_NAME,
  TRUST_STATEMENT_SID,
  type GrantAction,
  type PlannedChange,
  type Refusal,
  type RemediationPlan,
  type StatementJson,
} from './types';

/** An assessment of a role the rule checks (non-candidates are never remediated). */
export type ApplicableAssessment = Extract<RoleAssessment, { applicable: true }>;

/** What the planner needs beyond the role: the rule's region, and optionally the managed policy's document. */
export interface PlanOptions {
  /** The region the rule runs in (the evaluator resolves regional context with it). */
  readonly region: string;
  /** The document used to simulate attaching AmazonECSTaskExecutionRolePolicy; defaults to the published one. */
  readonly executionPolicyDocument?: RawPolicyDocument;
}

/** The AWS managed policy's name, as findings and snapshots name it. */
export const EXECUTION_POLICY_NAME = 'AmazonECSTaskExecutionRolePolicy';

/** The AWS managed policy the AWS Batch page asks every execution role to have attached. */
export function executionPolicyArn(partition: string): string {
  return `arn:${partition}:iam::aws:policy/service-role/${EXECUTION_POLICY_NAME}`;
}

/** AmazonECSTaskExecutionRolePolicy as AWS publishes it (the spec quotes the same six actions). */
export const EXECUTION_POLICY_DOCUMENT = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: EXECUTION_ROLE_ACTIONS,
      Resource: '*',
    },
  ],
} as const;

/**
 * IAM quota: a role's inline policies together may hold 10,240 characters, white space not counted
 * (IAM User Guide, "IAM and AWS STS quotas", character limits).
 */
export const ROLE_INLINE_POLICY_LIMIT = 10_240;

/**
 * Actions that would let whoever can run a task with the role rewrite IAM: giving ecs-tasks.amazonaws.com
 * the right to assume a role holding them hands them to every task definition that names the role.
 */
const ESCALATION_PROBES = [
  'iam:PassRole',
  'iam:CreateRole',
  'iam:PutRolePolicy',
  'iam:AttachRolePolicy',
  'iam:UpdateAssumeRolePolicy',
  'iam:CreateAccessKey',
  'iam:CreatePolicyVersion',
  'iam:SetDefaultPolicyVersion',
  'iam:PutUserPolicy',
  'iam:AttachUserPolicy',
  'iam:PutGroupPolicy',
  'iam:AttachGroupPolicy',
  'iam:AddUserToGroup',
  'iam:CreateUser',
  'iam:CreateLoginProfile',
  'iam:UpdateLoginProfile',
  'iam:PutRolePermissionsBoundary',
  'iam:DeleteRolePermissionsBoundary',
  'sts:AssumeRole',
] as const;

const GRANT_ACTIONS = Object.keys(GRANT_SIDS) as GrantAction[];

type Fix =
  | { readonly kind: 'trust' }
  | { readonly kind: 'attach' }
  | { readonly kind: 'grant'; readonly action: GrantAction; readonly resource: string }
  | { readonly kind: 'refuse'; readonly message: string };

/** Findings are compared by requirement id, action and resource: the reason may change, the gap not. */
function findingKey(finding: Pick<Finding, 'id' | 'action' | 'resource'>): string {
  return `${finding.id}|${finding.action ?? ''}|${finding.resource ?? ''}`;
}

function isGrantAction(action: string | undefined): action is GrantAction {
  return action !== undefined && (GRANT_ACTIONS as string[]).includes(action);
}

function hasWildcard(value: string): boolean {
  return value.includes('*') || value.includes('?');
}

function fixFor(finding: Finding): Fix {
  const refusal = unfixableReasonText(finding);
  if (refusal !== undefined) return { kind: 'refuse', message: refusal };
  const { reason } = finding;
  // What can be done about each finding is declared once, in the registry.
  const ability = FINDINGS[finding.id].remediation;
  const applies = ability.fix !== 'none' && reason.kind === ability.when;
  if (applies && ability.fix === 'trust') return { kind: 'trust' };
  if (applies && ability.fix === 'attach') return { kind: 'attach' };
  if (applies && ability.fix === 'grant') {
    if (finding.resource === '*') {
      return {
        kind: 'refuse',
        message:
          `${findingSubject(finding)}: the rule can only prove this grant on Resource "*", and the remediation never ` +
          `grants a wildcard resource. Add a statement allowing ${finding.action} on "*" by hand.`,
      };
    }
    if (!isGrantAction(finding.action) || finding.resource === undefined) {
      return {
        kind: 'refuse',
        message: `${findingSubject(finding)} is not a grant the remediation knows how to add.`,
      };
    }
    if (hasWildcard(finding.resource) || !finding.resource.startsWith('arn:')) {
      return {
        kind: 'refuse',
        message:
          `${findingSubject(finding)}: the exact ARN is unknown (the reference is a partial name or pattern), and the ` +
          'remediation never grants a wildcard resource. Reference the full ARN in the job definition, or ' +
          'grant it by hand.',
      };
    }
    return { kind: 'grant', action: finding.action, resource: finding.resource };
  }
  return { kind: 'refuse', message: `${finding.message} (no safe automatic fix for ${reason.kind}).` };
}

/** The trust statement this tool adds: ecs-tasks only, with aws:SourceAccount when the rule requires it. */
export function trustStatementFor(accountId: string, requireConfusedDeputyCondition: boolean): StatementJson {
  return {
    Sid: TRUST_STATEMENT_SID,
    Effect: 'Allow',
    Principal: { Service: ECS_TASKS_SERVICE },
    Action: 'sts:AssumeRole',
    ...(requireConfusedDeputyCondition
      ? { Condition: { StringEquals: { 'aws:SourceAccount': accountId } } }
      : {}),
  };
}

function statementsOf(text: string): unknown[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const statement = (parsed as Record<string, unknown>)['Statement'];
    if (Array.isArray(statement)) return statement;
    return typeof statement === 'object' && statement !== null ? [statement] : undefined;
  } catch {
    return undefined;
  }
}

function sidOf(statement: unknown): unknown {
  return typeof statement === 'object' && statement !== null
    ? (statement as Record<string, unknown>)['Sid']
    : undefined;
}

/**
 * Actions among ESCALATION_PROBES that some Allow statement of the role names, on any resource and under
 * any condition: opening a role to ECS tasks must not hand out IAM writes, even ones scoped to some roles.
 * An unreadable policy counts as holding them all (fail closed).
 */
function escalationActionsHeld(role: RoleSnapshot): string[] {
  const documents = [...role.inlinePolicies, ...role.managedPolicies].map((policy) => policy.document);
  const held = new Set<string>();
  for (const raw of documents) {
    let statements;
    try {
      statements = parsePolicyDocument(raw, { kind: 'identity' }).statements;
    } catch {
      return [...ESCALATION_PROBES];
    }
    for (const statement of statements) {
      if (statement.effect !== 'Allow') continue;
      for (const action of ESCALATION_PROBES) {
        const named = statement.action
          ? statement.action.some((pattern) => matchesActionPattern(pattern, action))
          : !(statement.notAction ?? []).some((pattern) => matchesActionPattern(pattern, action));
        if (named) held.add(action);
      }
    }
  }
  return ESCALATION_PROBES.filter((action) => held.has(action));
}

function planTrust(
  role: RoleSnapshot,
  params: RuleParameters,
  targets: readonly Finding[],
): { change: PlannedChange } | { problem: string } {
  const text = policyText(role.trustPolicy);
  const existing = statementsOf(text);
  if (existing === undefined)
    return { problem: 'the trust policy cannot be read, so it cannot be extended.' };
  if (existing.some((statement) => sidOf(statement) === TRUST_STATEMENT_SID)) {
    return {
      problem:
        `the trust policy already holds a statement with Sid ${TRUST_STATEMENT_SID} that does not do its job ` +
        '(edited by hand?); review it by hand rather than adding a second one.',
    };
  }
  // A role that is not yet assumable by ECS tasks gains a new way in: never open one to an IAM-admin role.
  if (targets.some((finding) => finding.id === 'TRUST_ECS_TASKS')) {
    const held = escalationActionsHeld(role);
    if (held.length > 0) {
      return {
        problem:
          `the role can ${held.join(', ')}; letting ${ECS_TASKS_SERVICE} assume it would hand those ` +
          'permissions to every task that names it. Use a dedicated execution role instead.',
      };
    }
  }
  const statement = trustStatementFor(role.accountId, params.requireConfusedDeputyCondition);
  try {
    return { change: { kind: 'addTrustStatement', statement, document: appendStatement(text, statement) } };
  } catch (error) {
    if (error instanceof JsonTextError)
      return { problem: `the trust policy cannot be extended: ${error.message}.` };
    throw error;
  }
}

function asStringList(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
  return undefined;
}

const MERGEABLE_KEYS = new Set(['Sid', 'Effect', 'Action', 'Resource']);

/** Adds `resources` to the owned statement for `action`, or explains why that statement cannot take them. */
function mergeGrant(
  statements: unknown[],
  action: GrantAction,
  resources: readonly string[],
): { added: string[] } | { problem: string } {
  const sid = GRANT_SIDS[action];
  const positions = statements.flatMap((statement, index) => (sidOf(statement) === sid ? [index] : []));
  if (positions.length > 1) return { problem: `it holds more than one statement with Sid ${sid}` };
  const [position] = positions;
  if (position === undefined) {
    const sorted = [...new Set(resources)].sort();
    statements.push({ Sid: sid, Effect: 'Allow', Action: action, Resource: sorted });
    return { added: sorted };
  }
  const current = statements[position] as Record<string, unknown>;
  const actions = asStringList(current['Action']);
  const existing = asStringList(current['Resource']);
  const shapeIsOurs =
    Object.keys(current).every((key) => MERGEABLE_KEYS.has(key)) &&
    current['Effect'] === 'Allow' &&
    actions !== undefined &&
    actions.length === 1 &&
    actions[0]?.toLowerCase() === action.toLowerCase() &&
    existing !== undefined;
  if (!shapeIsOurs) {
    return {
      problem: `its statement ${sid} was changed by hand and no longer has the shape this tool writes`,
    };
  }
  const added = [...new Set(resources)].filter((resource) => !existing.includes(resource)).sort();
  statements[position] = { ...current, Resource: [...new Set([...existing, ...resources])].sort() };
  return { added };
}

/** Characters IAM counts against the role's inline policy quota: the compact JSON, white space excluded. */
function countedLength(text: string): number {
  try {
    return JSON.stringify(JSON.parse(text)).length;
  } catch {
    return text.replace(/\s/g, '').length;
  }
}

function planGrants(
  role: RoleSnapshot,
  grants: readonly { action: GrantAction; resource: string }[],
): { change: PlannedChange } | { problem: string } {
  const owned = role.inlinePolicies.find((policy) => policy.name === OWNED_POLICY_NAME);
  let base: Record<string, unknown> = { Version: '2012-10-17', Statement: [] };
  let statements: unknown[] = [];
  if (owned !== undefined) {
    const text = policyText(owned.document);
    const parsedStatements = statementsOf(text);
    if (parsedStatements === undefined) {
      return { problem: `the inline policy ${OWNED_POLICY_NAME} cannot be read; fix or remove it by hand.` };
    }
    base = JSON.parse(text) as Record<string, unknown>;
    statements = [...parsedStatements];
  }

  const added: { action: GrantAction; resource: string }[] = [];
  for (const action of GRANT_ACTIONS) {
    const resources = grants.filter((grant) => grant.action === action).map((grant) => grant.resource);
    if (resources.length === 0) continue;
    const merged = mergeGrant(statements, action, resources);
    if ('problem' in merged) {
      return { problem: `the inline policy ${OWNED_POLICY_NAME} cannot be extended: ${merged.problem}.` };
    }
    added.push(...merged.added.map((resource) => ({ action, resource })));
  }
  const document = JSON.stringify({ ...base, Statement: statements }, null, 2);

  const others = role.inlinePolicies
    .filter((policy) => policy.name !== OWNED_POLICY_NAME)
    .reduce((total, policy) => total + countedLength(policyText(policy.document)), 0);
  const total = others + countedLength(document);
  if (total > ROLE_INLINE_POLICY_LIMIT) {
    return {
      problem:
        `the role's inline policies would hold ${total} characters, over IAM's limit of ` +
        `${ROLE_INLINE_POLICY_LIMIT}; move grants into a customer managed policy by hand.`,
    };
  }
  return { change: { kind: 'putOwnedInlinePolicy', policyName: OWNED_POLICY_NAME, document, added } };
}

/** The role as it would be after `changes`: what the simulation evaluates, and what idempotence tests use. */
export function applyPlanToSnapshot(
  role: RoleSnapshot,
  changes: readonly PlannedChange[],
  options: Pick<PlanOptions, 'executionPolicyDocument'> = {},
): RoleSnapshot {
  let result: RoleSnapshot = role;
  for (const change of changes) {
    switch (change.kind) {
      case 'addTrustStatement':
        result = { ...result, trustPolicy: change.document };
        break;
      case 'attachManagedPolicy':
        if (result.managedPolicies.some((policy) => policy.arn === change.policyArn)) break;
        result = {
          ...result,
          managedPolicies: [
            ...result.managedPolicies,
            {
              arn: change.policyArn,
              name: EXECUTION_POLICY_NAME,
              document: options.executionPolicyDocument ?? EXECUTION_POLICY_DOCUMENT,
            },
          ],
        };
        break;
      case 'putOwnedInlinePolicy':
        result = {
          ...result,
          inlinePolicies: [
            ...result.inlinePolicies.filter((policy) => policy.name !== change.policyName),
            { name: change.policyName, document: change.document },
          ],
        };
        break;
    }
  }
  return result;
}

/**
 * The changes that fix `assessment`'s findings and the findings it refuses to fix. Every change is
 * simulated with the rule's evaluator; a compliant role plans nothing.
 */
export function planRemediation(
  assessment: ApplicableAssessment,
  role: RoleSnapshot,
  params: RuleParameters,
  options: PlanOptions,
): RemediationPlan {
  const findings = assessment.evaluation.findings;
  const refusals: Refusal[] = [];
  const refuse = (finding: Finding, message: string) => refusals.push({ findingId: finding.id, message });

  const trustTargets: Finding[] = [];
  const attachTargets: Finding[] = [];
  const grantTargets: { finding: Finding; action: GrantAction; resource: string }[] = [];
  for (const finding of findings) {
    const fix = fixFor(finding);
    if (fix.kind === 'trust') trustTargets.push(finding);
    else if (fix.kind === 'attach') attachTargets.push(finding);
    else if (fix.kind === 'grant') grantTargets.push({ finding, action: fix.action, resource: fix.resource });
    else refuse(finding, fix.message);
  }

  // Each change with the findings it is meant to clear; permissions first, so that a role is complete
  // by the time ECS tasks can assume it.
  const planned: { change: PlannedChange; targets: readonly Finding[] }[] = [];
  if (attachTargets.length > 0) {
    const policyArn = executionPolicyArn(role.partition);
    if (!role.managedPolicies.some((policy) => policy.arn === policyArn)) {
      planned.push({ change: { kind: 'attachManagedPolicy', policyArn }, targets: attachTargets });
    } else {
      for (const finding of attachTargets) {
        refuse(
          finding,
          `${findingSubject(finding)}: ${EXECUTION_POLICY_NAME} is attached but does not grant it; review by hand.`,
        );
      }
    }
  }
  if (grantTargets.length > 0) {
    const result = planGrants(role, grantTargets);
    if ('change' in result)
      planned.push({ change: result.change, targets: grantTargets.map((t) => t.finding) });
    else
      for (const { finding } of grantTargets)
        refuse(finding, `${findingSubject(finding)}: ${result.problem}`);
  }
  if (trustTargets.length > 0) {
    const result = planTrust(role, params, trustTargets);
    if ('change' in result) planned.push({ ...result, targets: trustTargets });
    else for (const finding of trustTargets) refuse(finding, `${finding.message}: ${result.problem}`);
  }

  // Simulate: the rule's own evaluation of the role as it would be after the changes.
  const simulated = applyPlanToSnapshot(
    role,
    planned.map((item) => item.change),
    options,
  );
  // The same layers as the assessment: a grant a key or secret policy still refuses clears nothing.
  const after = evaluateRole(simulated, assessment.requirements, {
    ...assessment.evaluationOptions,
    region: options.region,
  });
  const remaining = new Map(after.findings.map((finding) => [findingKey(finding), finding]));
  const before = new Set(findings.map(findingKey));

  const changes: PlannedChange[] = [];
  for (const { change, targets } of planned) {
    const unresolved = targets.filter((finding) => remaining.has(findingKey(finding)));
    for (const finding of unresolved) {
      refuse(finding, unresolvedMessage(finding, change, remaining.get(findingKey(finding)), role.accountId));
    }
    if (unresolved.length < targets.length) changes.push(change);
  }
  for (const finding of after.findings) {
    if (!before.has(findingKey(finding))) {
      refuse(finding, `the planned changes would raise a new finding: ${finding.message}`);
    }
  }
  return { changes, refusals };
}

function unresolvedMessage(
  finding: Finding,
  change: PlannedChange,
  still: Finding | undefined,
  accountId: string,
): string {
  if (finding.id === 'TRUST_CONFUSED_DEPUTY') {
    // One bare Allow beside a conditioned one still lets any caller through: only editing it helps.
    return (
      `${finding.message}: a statement already trusts ${ECS_TASKS_SERVICE} without aws:SourceAccount or ` +
      'aws:SourceArn, and the remediation never edits existing statements (adding a conditioned one ' +
      `would not restrict it). Add "Condition": {"StringEquals": {"aws:SourceAccount": "${accountId}"}} ` +
      'to that statement by hand.'
    );
  }
  return (
    `${findingSubject(finding)}: ${describeChange(change)} would not satisfy it` +
    (still ? ` (${still.message})` : '') +
    '; review the role by hand.'
  );
}

/** One human line per change, used in refusals and in the report. */
export function describeChange(change: PlannedChange): string {
  switch (change.kind) {
    case 'addTrustStatement': {
      const condition = change.statement['Condition'] === undefined ? '' : ' with aws:SourceAccount';
      return `adding trust statement ${TRUST_STATEMENT_SID} (${ECS_TASKS_SERVICE}, sts:AssumeRole${condition})`;
    }
    case 'attachManagedPolicy':
      return `attaching ${change.policyArn}`;
    case 'putOwnedInlinePolicy':
      return (
        `putting inline policy ${change.policyName} granting ` +
        (change.added.length === 0
          ? 'nothing new'
          : change.added.map((grant) => `${grant.action} on ${grant.resource}`).join(', '))
      );
  }
}
