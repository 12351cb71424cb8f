/**
 * GUARDDUTY_AGENT_IMAGE: with GuardDutyRuntimeMonitoring, each Fargate consumer pulls the GuardDuty agent
 * sidecar with its execution role from `aws-guardduty-agent-fargate` of the GuardDuty account of its region.
 */
import { indexUsage } from '../../lib/facts/gather';
import { DEFAULT_RULE_PARAMETERS } from '../../lib/parameters';
import {
  GUARDDUTY_AGENT_ACCOUNTS,
  guardDutyAgentRepositoryArn,
} from '../../lib/requirements/guardduty-agent-accounts';
import { assessRole } from '../../lib/rule/assess-role';
import type { BatchJobDefinition, EcsTaskDefinition } from '../../lib/usage/types';
import {
  ACCOUNT,
  aJobDefinition,
  allow,
  aRole,
  aTaskDefinition,
  deny,
  LOCATION,
  policy,
  REGION,
  ROLE_ARN,
  type RoleOptions,
} from '../builders';
import {
  type Consumers,
  expectRepairedCompliant,
  findingLine,
  findingsOf,
  ownedPolicyAdding,
  planFor,
  PULLS,
  scopedRole,
} from './support';

// eu-west-1 (REGION) hosts the agent in 694911143906 (ecs-runtime-agent-ecr-image-uri.html).
const AGENT = `arn:aws:ecr:${REGION}:694911143906:repository/aws-guardduty-agent-fargate`;

const fargateJob = (extra: Partial<BatchJobDefinition> = {}): BatchJobDefinition => ({
  ...aJobDefinition(),
  platformCapabilities: ['FARGATE'],
  ...extra,
});
const fargateTask = (compatibilities: string[] = ['FARGATE']): EcsTaskDefinition => ({
  ...aTaskDefinition(),
  requiresCompatibilities: compatibilities,
});

function findings(
  consumers: Consumers,
  role: RoleOptions = scopedRole(),
  guardDutyRuntimeMonitoring = true,
): string[] {
  return findingsOf(aRole(role), consumers, { guardDutyRuntimeMonitoring }).map((finding) =>
    findingLine(finding),
  );
}

const missing = (repo = AGENT, consumer = 'etl:3', kind = 'noAllow'): string[] =>
  PULLS.map((action) => `GUARDDUTY_AGENT_IMAGE ${action} ${repo} ${kind} ${consumer}`);

describe('the per-region table', () => {
  it('holds twelve-digit accounts for well-formed region names, and the repository ARN follows it', () => {
    for (const [region, account] of Object.entries(GUARDDUTY_AGENT_ACCOUNTS)) {
      expect(region).toMatch(/^[a-z]{2}(-[a-z]+)+-\d$/);
      expect(account).toMatch(/^\d{12}$/);
    }
    expect(guardDutyAgentRepositoryArn('aws', 'us-east-1')).toBe(
      'arn:aws:ecr:us-east-1:593207742271:repository/aws-guardduty-agent-fargate',
    );
    // Rows added from the same page, and GovCloud's from its own page, in their partition.
    expect(guardDutyAgentRepositoryArn('aws', 'ap-northeast-1')).toBe(
      'arn:aws:ecr:ap-northeast-1:533107202818:repository/aws-guardduty-agent-fargate',
    );
    expect(guardDutyAgentRepositoryArn('aws-us-gov', 'us-gov-west-1')).toBe(
      'arn:aws-us-gov:ecr:us-gov-west-1:383110348953:repository/aws-guardduty-agent-fargate',
    );
    // Neither page lists the China regions.
    expect(guardDutyAgentRepositoryArn('aws-cn', 'cn-north-1')).toBeUndefined();
    expect(guardDutyAgentRepositoryArn('aws', 'constructor')).toBeUndefined();
  });
});

describe('which consumers pull the sidecar', () => {
  it.each<[string, { jobs?: BatchJobDefinition[]; tasks?: EcsTaskDefinition[] }, boolean, string[]]>([
    ['a Fargate Batch job', { jobs: [fargateJob()] }, true, missing()],
    ['a Fargate Batch job with the parameter off', { jobs: [fargateJob()] }, false, []],
    ['an EC2 Batch job', { jobs: [fargateJob({ platformCapabilities: ['EC2'] })] }, true, []],
    ['a Batch job without platformCapabilities', { jobs: [aJobDefinition()] }, true, []],
    [
      'a Fargate ecsProperties job',
      {
        jobs: [
          fargateJob({
            containerProperties: undefined,
            ecsProperties: { taskProperties: [{ executionRoleArn: ROLE_ARN, containers: [{ name: 'a' }] }] },
          }),
        ],
      },
      true,
      missing(),
    ],
    ['a Fargate ECS task definition', { tasks: [fargateTask()] }, true, missing(AGENT, 'web:12')],
    [
      'an ECS task definition for EC2 and Fargate',
      { tasks: [fargateTask(['EC2', 'FARGATE'])] },
      true,
      missing(AGENT, 'web:12'),
    ],
    ['an EC2-only ECS task definition', { tasks: [fargateTask(['EC2'])] }, true, []],
    [
      "a Fargate job defined in another region: that region's agent",
      {
        jobs: [fargateJob({ jobDefinitionArn: `arn:aws:batch:us-east-1:${ACCOUNT}:job-definition/etl:3` })],
      },
      true,
      missing('arn:aws:ecr:us-east-1:593207742271:repository/aws-guardduty-agent-fargate'),
    ],
    [
      'a Fargate job in a region the table lacks: unverifiable',
      {
        jobs: [
          fargateJob({ jobDefinitionArn: `arn:aws-cn:batch:cn-north-1:${ACCOUNT}:job-definition/etl:3` }),
        ],
      },
      true,
      ['GUARDDUTY_AGENT_IMAGE   unverifiable etl:3'],
    ],
  ])('%s', (_case, consumers, on, expected) => {
    expect(findings(consumers, scopedRole(), on)).toEqual(expected);
  });
});

it('names the agent repository in the partition of the role (AWS GovCloud (US))', () => {
  const gov = { region: 'us-gov-west-1', accountId: ACCOUNT, partition: 'aws-us-gov' };
  const role = aRole({ ...scopedRole(), partition: 'aws-us-gov' });
  const job: BatchJobDefinition = {
    ...aJobDefinition({ executionRoleArn: role.arn }),
    jobDefinitionArn: `arn:aws-us-gov:batch:us-gov-west-1:${ACCOUNT}:job-definition/etl:3`,
    platformCapabilities: ['FARGATE'],
  };
  const usage = indexUsage({ jobDefinitions: [job], taskDefinitions: [] }, gov);
  const params = { ...DEFAULT_RULE_PARAMETERS, guardDutyRuntimeMonitoring: true };
  const assessment = assessRole(role, usage, new Map(), params, gov);
  if (!assessment.applicable) throw new Error(assessment.reason);
  expect(
    assessment.evaluation.findings.filter((f) => f.id === 'GUARDDUTY_AGENT_IMAGE').map((f) => f.resource),
  ).toEqual(
    PULLS.map(() => 'arn:aws-us-gov:ecr:us-gov-west-1:383110348953:repository/aws-guardduty-agent-fargate'),
  );
});

it('words the unverifiable region in the annotation, naming it and the definition', () => {
  const job = fargateJob({ jobDefinitionArn: `arn:aws-cn:batch:cn-north-1:${ACCOUNT}:job-definition/etl:3` });
  const usage = indexUsage({ jobDefinitions: [job], taskDefinitions: [] }, LOCATION);
  const params = { ...DEFAULT_RULE_PARAMETERS, guardDutyRuntimeMonitoring: true };
  const assessment = assessRole(aRole(scopedRole()), usage, new Map(), params, LOCATION);
  if (!assessment.applicable) throw new Error(assessment.reason);
  expect(assessment.annotation).toBe(
    'Cannot verify the GuardDuty agent pull in cn-north-1 for job definition etl:3',
  );
  expect(assessment.evaluation.findings[0]?.message).toContain('ecs-runtime-agent-ecr-image-uri.html');
});

describe('what grants it', () => {
  it.each<[string, RoleOptions, string[]]>([
    ['the exact agent repository', scopedRole(allow(PULLS, AGENT)), []],
    ['AmazonECSTaskExecutionRolePolicy (Resource *)', {}, []],
    [
      "every repository of the GuardDuty account's region",
      scopedRole(allow(PULLS, `arn:aws:ecr:${REGION}:694911143906:repository/*`)),
      [],
    ],
    [
      'the agent repository of another region',
      scopedRole(allow(PULLS, 'arn:aws:ecr:us-east-1:593207742271:repository/aws-guardduty-agent-fargate')),
      missing(),
    ],
    [
      'the same repository name in the own account',
      scopedRole(allow(PULLS, `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/aws-guardduty-agent-fargate`)),
      missing(),
    ],
    [
      'a Deny on repositories outside the own account',
      { inline: { own: policy(deny('ecr:*', `arn:aws:ecr:*:694911143906:*`)) } },
      missing(AGENT, 'etl:3', 'explicitDeny'),
    ],
  ])('%s', (_case, role, expected) => {
    expect(findings({ jobs: [fargateJob()] }, role)).toEqual(expected);
  });

  it('a job whose images come from Docker Hub still needs the registry token for the sidecar', () => {
    const role: RoleOptions = {
      managed: [],
      inline: { p: policy(allow(PULLS, AGENT), allow(['logs:CreateLogStream', 'logs:PutLogEvents'])) },
    };
    const job = fargateJob({ containerProperties: { executionRoleArn: ROLE_ARN, image: 'python:3.12' } });
    expect(findings({ jobs: [job] }, role)).toEqual([
      'EXEC_PERMISSIONS ecr:GetAuthorizationToken * noAllow AmazonECSTaskExecutionRolePolicy,etl:3',
    ]);
  });
});

describe('remediation', () => {
  const facts = { jobs: [fargateJob()], params: { GuardDutyRuntimeMonitoring: 'true' } };

  it('grants the three pulls on the exact agent repository, and the role is then compliant', () => {
    const role = aRole(scopedRole());
    const plan = planFor(role, facts);
    expect(plan.refusals).toEqual([]);
    expect(plan.changes).toEqual(ownedPolicyAdding(PULLS.map((action) => ({ action, resource: AGENT }))));
    expectRepairedCompliant(role, plan, facts);
  });

  it('refuses an unverifiable region, writing nothing', () => {
    const role = aRole(scopedRole());
    const job = fargateJob({
      jobDefinitionArn: `arn:aws-cn:batch:cn-north-1:${ACCOUNT}:job-definition/etl:3`,
    });
    const plan = planFor(role, { ...facts, jobs: [job] });
    expect(plan.changes).toEqual([]);
    expect(plan.refusals).toEqual([expect.objectContaining({ findingId: 'GUARDDUTY_AGENT_IMAGE' })]);
  });
});
