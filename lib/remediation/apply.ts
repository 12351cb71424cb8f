/**
 * Remediates one role end to end: validate the payload, resolve the role, re-evaluate it exactly as the
 * rule does, plan, and apply through the IamWriter port with a re-read before every write. Any refusal
 * stops everything before the first write: an operator fixes the Deny (or boundary, ...) first, and a
 * role is never left half-repaired by choice.
 */
import { assessRole } from '../rule/assess-role';
import { RoleNotFoundError } from '../core/errors';
import type { RawPolicyDocument, RoleSnapshot } from '../core/model';
import { parseRuleParameters, type RuleParameters } from '../parameters';
import type { IamReader, UsageReader } from '../facts/ports';
import { gatherLayers, gatherUsage, type LayerReaders } from '../facts/gather';
import { layerTargetsForRole } from '../rule/assess-role';
import type { RuleLocation } from '../usage/types';
import {
  ConcurrentChangeError,
  NotACandidateError,
  RemediationIncompleteError,
  RemediationRefusedError,
} from './errors';
import { assertSafeChanges } from './guard';
import { describeChange, planRemediation } from './plan';
import { parseRemediationRequest, type RoleReference } from './request';
import {
  OWNED_POLICY_NAME,
  type ChangeStatus,
  type IamWriter,
  type PlannedChange,
  type RemediationOutcome,
  type RemediationPlan,
  type RemediationReport,
  type RoleDocuments,
} from './types';

/** The ports and settings `remediate` runs with; the handler builds them once per container. */
export interface RemediationDependencies {
  readonly iam: IamReader;
  readonly usage: UsageReader;
  readonly writer: IamWriter;
  /**
   * Readers of the policies beyond the role for this call (see RuleDependencies.layers). The remediation
   * reads them to judge as the rule does, and never writes them.
   */
  readonly layers?: (params: RuleParameters) => LayerReaders;
  /** Where the function runs: only roles of this account are remediated; names resolve in this region. */
  readonly location: RuleLocation;
  /** The rule's InputParameters (a JSON string, as the Config rule has them); absent means defaults. */
  readonly ruleParameters: string | undefined;
  /** Receives the report as one JSON line (default: console.log, which Lambda sends to CloudWatch Logs). */
  readonly log?: (line: string) => void;
  /** AmazonECSTaskExecutionRolePolicy's document for the simulation; defaults to the published one. */
  readonly executionPolicyDocument?: RawPolicyDocument;
}

/** Service-linked roles belong to AWS services and cannot be edited. */
const SERVICE_LINKED_PATH = '/aws-service-role/';

function matchesReference(role: RoleSnapshot, reference: RoleReference, accountId: string): boolean {
  if (role.accountId !== accountId) return false;
  switch (reference.kind) {
    case 'roleId':
      // A role may also be *named* like a RoleId; the reader then finds it by name.
      return role.roleId === reference.value || role.roleName === reference.value;
    case 'name':
      // IAM role names are unique case-insensitively, and GetRole finds them that way.
      return role.roleName.toLowerCase() === reference.value.toLowerCase();
    case 'arn':
      return role.arn === reference.value;
  }
}

async function readDocuments(writer: IamWriter, roleName: string): Promise<RoleDocuments> {
  const [trustPolicy, owned, attached] = await Promise.all([
    writer.getTrustPolicy(roleName),
    writer.getRolePolicy(roleName, OWNED_POLICY_NAME),
    writer.listAttachedPolicyArns(roleName),
  ]);
  return { trustPolicy, ownedInlinePolicy: owned ?? null, attachedPolicyArns: [...attached].sort() };
}

function sameArns(a: readonly string[], b: readonly string[]): boolean {
  return JSON.stringify([...a].sort()) === JSON.stringify([...b].sort());
}

/** The documents as they would be after `changes` (dry run) or after the ones applied so far. */
function documentsAfter(before: RoleDocuments, changes: readonly PlannedChange[]): RoleDocuments {
  let after = before;
  for (const change of changes) {
    if (change.kind === 'addTrustStatement') after = { ...after, trustPolicy: change.document };
    if (change.kind === 'putOwnedInlinePolicy') after = { ...after, ownedInlinePolicy: change.document };
    if (change.kind === 'attachManagedPolicy' && !after.attachedPolicyArns.includes(change.policyArn)) {
      after = { ...after, attachedPolicyArns: [...after.attachedPolicyArns, change.policyArn].sort() };
    }
  }
  return after;
}

function buildReport(
  role: RoleSnapshot,
  dryRun: boolean,
  outcome: RemediationOutcome,
  plan: RemediationPlan,
  statuses: readonly ChangeStatus[],
  before: RoleDocuments,
  after: RoleDocuments,
): RemediationReport {
  return {
    roleName: role.roleName,
    roleId: role.roleId,
    roleArn: role.arn,
    dryRun,
    outcome,
    changes: plan.changes.map((change, index) => ({
      kind: change.kind,
      status: statuses[index] ?? 'skipped',
      detail: describeChange(change),
    })),
    refusals: plan.refusals,
    before,
    after,
  };
}

/** The role as IAM holds it now, with the three documents the plan will write taken from `documents`. */
function withDocuments(role: RoleSnapshot, documents: RoleDocuments): RoleSnapshot {
  const others = role.inlinePolicies.filter((policy) => policy.name !== OWNED_POLICY_NAME);
  return {
    ...role,
    trustPolicy: documents.trustPolicy,
    inlinePolicies:
      documents.ownedInlinePolicy === null
        ? others
        : [...others, { name: OWNED_POLICY_NAME, document: documents.ownedInlinePolicy }],
  };
}

/**
 * Validates `request`, re-evaluates the role it names with the rule's parameters and repairs what is
 * missing (or only plans, with DryRun). Returns and logs the report; throws a named error otherwise.
 */
export async function remediate(request: unknown, deps: RemediationDependencies): Promise<RemediationReport> {
  const log = deps.log ?? ((line: string) => console.log(line));
  const { location } = deps;
  const { resourceId, reference, dryRun } = parseRemediationRequest(request, location);
  const params = parseRuleParameters(deps.ruleParameters);

  const found = await deps.iam.findRole(resourceId);
  // Never trust the lookup alone: the role acted on must be exactly the one named, in this account.
  if (found === undefined || !matchesReference(found, reference, location.accountId)) {
    throw new RoleNotFoundError(resourceId);
  }
  if (found.path.startsWith(SERVICE_LINKED_PATH)) {
    throw new NotACandidateError(found.roleName, 'service-linked role, managed by AWS');
  }

  // Plan on the exact text IAM holds for what may be written, so the re-reads can compare like with like.
  const before = await readDocuments(deps.writer, found.roleName);
  const emptyPlan: RemediationPlan = { changes: [], refusals: [] };
  const foundArns = found.managedPolicies.map((policy) => policy.arn);
  const foundOwned = found.inlinePolicies.some((policy) => policy.name === OWNED_POLICY_NAME);
  if (!sameArns(foundArns, before.attachedPolicyArns) || foundOwned !== (before.ownedInlinePolicy !== null)) {
    const report = buildReport(found, dryRun, 'stopped', emptyPlan, [], before, before);
    log(JSON.stringify(report));
    throw new ConcurrentChangeError('The attached policies or the owned inline policy', [], report);
  }
  const role = withDocuments(found, before);

  const { index, keys } = await gatherUsage(deps.usage, params, location);
  const layers = deps.layers
    ? await gatherLayers(
        deps.layers(params),
        layerTargetsForRole(role, index, keys, params, location).values(),
        location.accountId,
        params,
      )
    : undefined;
  const assessment = assessRole(role, index, keys, params, location, layers);
  if (!assessment.applicable) throw new NotACandidateError(role.roleName, assessment.reason);

  const plan = planRemediation(assessment, role, params, {
    region: location.region,
    ...(deps.executionPolicyDocument === undefined
      ? {}
      : { executionPolicyDocument: deps.executionPolicyDocument }),
  });
  const finish = (outcome: RemediationOutcome, statuses: readonly ChangeStatus[], after: RoleDocuments) => {
    const report = buildReport(role, dryRun, outcome, plan, statuses, before, after);
    log(JSON.stringify(report));
    return report;
  };

  if (plan.changes.length === 0 && plan.refusals.length === 0) return finish('compliant', [], before);
  if (plan.refusals.length > 0) {
    const report = finish('refused', [], before);
    // A dry run reports what it would refuse; a real run fails the automation step with the reasons.
    if (dryRun) return report;
    throw new RemediationRefusedError(plan.refusals, report);
  }
  assertSafeChanges(plan.changes, before, role.partition);
  if (dryRun) {
    return finish(
      'planned',
      plan.changes.map(() => 'planned'),
      documentsAfter(before, plan.changes),
    );
  }

  const statuses: ChangeStatus[] = [];
  const applied: string[] = [];
  for (const change of plan.changes) {
    let drifted: string | undefined;
    try {
      drifted = await driftBefore(change, deps.writer, role.roleName, before);
      if (drifted === undefined) {
        await write(change, deps.writer, role.roleName);
        statuses.push('applied');
        applied.push(describeChange(change));
      }
    } catch (cause) {
      const report = finish(
        'stopped',
        statuses,
        documentsAfter(before, plan.changes.slice(0, statuses.length)),
      );
      throw new RemediationIncompleteError(applied, report, { cause });
    }
    if (drifted !== undefined) {
      const report = finish(
        'stopped',
        statuses,
        documentsAfter(before, plan.changes.slice(0, statuses.length)),
      );
      throw new ConcurrentChangeError(drifted, applied, report);
    }
  }
  const after = await readDocuments(deps.writer, role.roleName);
  return finish('applied', statuses, after);
}

/** Re-reads what `change` writes; names it when it no longer matches what the plan was based on. */
async function driftBefore(
  change: PlannedChange,
  writer: IamWriter,
  roleName: string,
  before: RoleDocuments,
): Promise<string | undefined> {
  switch (change.kind) {
    case 'addTrustStatement':
      return (await writer.getTrustPolicy(roleName)) === before.trustPolicy ? undefined : 'The trust policy';
    case 'attachManagedPolicy':
      return sameArns(await writer.listAttachedPolicyArns(roleName), before.attachedPolicyArns)
        ? undefined
        : 'The attached managed policies';
    case 'putOwnedInlinePolicy':
      return ((await writer.getRolePolicy(roleName, change.policyName)) ?? null) === before.ownedInlinePolicy
        ? undefined
        : `The inline policy ${change.policyName}`;
  }
}

async function write(change: PlannedChange, writer: IamWriter, roleName: string): Promise<void> {
  switch (change.kind) {
    case 'addTrustStatement':
      return writer.updateAssumeRolePolicy(roleName, change.document);
    case 'attachManagedPolicy':
      return writer.attachRolePolicy(roleName, change.policyArn);
    case 'putOwnedInlinePolicy':
      return writer.putRolePolicy(roleName, change.policyName, change.document);
  }
}
