/**
 * The arrange-and-act steps the requirement table tests share: build a row's role and job definitions, assess
 * the role against them and print its findings one line each; plan a role's remediation and check that the
 * repaired role is compliant with nothing left to do.
 */
import type { Finding, RoleSnapshot } from '../../lib/core/model';
import { indexUsage } from '../../lib/facts/gather';
import { DEFAULT_RULE_PARAMETERS, type RuleParameters } from '../../lib/parameters';
import { applyPlanToSnapshot, planRemediation } from '../../lib/remediation/plan';
import type { PlannedChange, RemediationPlan } from '../../lib/remediation/types';
import { assessRole } from '../../lib/rule/assess-role';
import { applyBucketEncryption, applyPullThroughCacheRules } from '../../lib/usage';
import type {
  BucketEncryptions,
  BatchJobDefinition,
  ContainerLike,
  EcsTaskDefinition,
  KeyMetadata,
  PullThroughCachePrefixes,
} from '../../lib/usage/types';
import {
  ACCOUNT,
  aJobDefinition,
  allow,
  LOCATION,
  policy,
  REGION,
  ROLE_ARN,
  type RoleOptions,
  type StatementJson,
} from '../builders';
import { assess, type Facts } from '../remediation/support';

/** The three actions that pull an image from an ECR repository. */
export const PULLS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

/** A role whose ECR grants name the team's own account only, plus `extra` statements. */
export function scopedRole(...extra: StatementJson[]): RoleOptions {
  return {
    managed: [],
    inline: {
      exec: policy(
        allow('ecr:GetAuthorizationToken'),
        allow(PULLS, `arn:aws:ecr:*:${ACCOUNT}:repository/*`),
        allow(['logs:CreateLogStream', 'logs:PutLogEvents'], `arn:aws:logs:*:${ACCOUNT}:log-group:*`),
        ...extra,
      ),
    },
  };
}

/** What a row of a table gives the rule besides the role. */
export interface Consumers {
  readonly jobs?: readonly BatchJobDefinition[];
  readonly tasks?: readonly EcsTaskDefinition[];
  readonly keys?: KeyMetadata;
  /** Applied to the usage for the role's own account when given. */
  readonly pullThroughCachePrefixes?: PullThroughCachePrefixes;
  /** The default encryption of the buckets of S3 files, applied to the usage when given. */
  readonly bucketEncryptions?: BucketEncryptions;
}

/** Job definition etl:3 as a multi-node job: one node range (`0:`) running `container`. */
export function multiNodeJob(container: ContainerLike): BatchJobDefinition {
  return {
    ...aJobDefinition(),
    type: 'multinode',
    containerProperties: undefined,
    nodeProperties: { nodeRangeProperties: [{ targetNodes: '0:', container }] },
  } as BatchJobDefinition;
}

/** Job definition etl:3 with ecsProperties: one task, the role as its execution role, running `container`. */
export function ecsPropertiesJob(container: ContainerLike): BatchJobDefinition {
  return {
    ...aJobDefinition(),
    containerProperties: undefined,
    ecsProperties: { taskProperties: [{ executionRoleArn: ROLE_ARN, containers: [container] }] },
  } as BatchJobDefinition;
}

/** One job or task definition as the consumers of a row. */
export function consumersOf(consumer: BatchJobDefinition | EcsTaskDefinition): Consumers {
  return 'family' in consumer ? { tasks: [consumer] } : { jobs: [consumer] };
}

/**
 * The findings of `role` against `consumers`, with the default rule parameters, ECS task definitions
 * discovered, and `params` on top. Fails the test when the role is not a candidate.
 */
export function findingsOf(
  role: RoleSnapshot,
  consumers: Consumers,
  params: Partial<RuleParameters> = {},
): readonly Finding[] {
  const indexed = indexUsage(
    { jobDefinitions: consumers.jobs ?? [], taskDefinitions: consumers.tasks ?? [] },
    LOCATION,
  );
  const cached =
    consumers.pullThroughCachePrefixes === undefined
      ? indexed
      : applyPullThroughCacheRules(indexed, consumers.pullThroughCachePrefixes, ACCOUNT);
  const usage =
    consumers.bucketEncryptions === undefined
      ? cached
      : applyBucketEncryption(cached, consumers.bucketEncryptions);
  const assessment = assessRole(
    role,
    usage,
    consumers.keys ?? new Map(),
    { ...DEFAULT_RULE_PARAMETERS, discoverEcsTaskDefinitions: true, ...params },
    LOCATION,
  );
  if (!assessment.applicable) throw new Error(assessment.reason);
  return assessment.evaluation.findings;
}

const FIELDS = {
  id: (finding: Finding) => finding.id,
  action: (finding: Finding) => finding.action ?? '',
  resource: (finding: Finding) => finding.resource ?? '',
  reason: (finding: Finding) => finding.reason.kind,
  consumers: (finding: Finding) => finding.neededBy.map((consumer) => consumer.name).join(','),
};
export type FindingField = keyof typeof FIELDS;

/** A finding as its `fields` joined by spaces, for readable tables: `ID action resource reason etl:3,web:12`. */
export function findingLine(
  finding: Finding,
  fields: readonly FindingField[] = ['id', 'action', 'resource', 'reason', 'consumers'],
): string {
  return fields.map((field) => FIELDS[field](finding)).join(' ');
}

/** The remediation's plan for `role` in REGION, assessed as the remediation assesses it. */
export function planFor(role: RoleSnapshot, facts: Facts): RemediationPlan {
  const { assessment, params } = assess(role, facts);
  return planRemediation(assessment, role, params, { region: REGION });
}

type OwnedPolicyChange = Extract<PlannedChange, { kind: 'putOwnedInlinePolicy' }>;

/** What `plan.changes` equals when the plan only writes the role's own inline policy, adding `added`. */
export function ownedPolicyAdding(added: unknown): unknown[] {
  return [expect.objectContaining({ kind: 'putOwnedInlinePolicy', added })];
}

/** Everything `plan` adds to the role's own inline policy. */
export function addedBy(plan: RemediationPlan): OwnedPolicyChange['added'][number][] {
  return plan.changes.flatMap((change) => (change.kind === 'putOwnedInlinePolicy' ? change.added : []));
}

/** Asserts that `role` with `plan` applied is COMPLIANT and that a second plan changes nothing. */
export function expectRepairedCompliant(role: RoleSnapshot, plan: RemediationPlan, facts: Facts): void {
  const repaired = applyPlanToSnapshot(role, plan.changes);
  const { assessment: after, params } = assess(repaired, facts);
  expect(after.applicable && after.evaluation.compliance).toBe('COMPLIANT');
  expect(planRemediation(after, repaired, params, { region: REGION }).changes).toEqual([]);
}
