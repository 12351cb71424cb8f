/**
 * CROSS_ACCOUNT_IMAGE: an image in another account's registry needs the three ECR pull actions on that exact
 * repository ARN (ecr:GetAuthorizationToken on `*` stays EXEC_PERMISSIONS), attributed to its definition.
 */
import type { BatchJobDefinition, EcsTaskDefinition } from '../../lib/usage/types';
import {
  ACCOUNT,
  aContainer,
  aJobDefinition,
  allow,
  aRole,
  aTaskDefinition,
  deny,
  OTHER_ACCOUNT,
  policy,
  REGION,
  ROLE_ARN,
  type RoleOptions,
} from '../builders';
import {
  type Consumers,
  consumersOf,
  ecsPropertiesJob,
  expectRepairedCompliant,
  findingLine,
  findingsOf,
  multiNodeJob,
  ownedPolicyAdding,
  planFor,
  PULLS,
  scopedRole,
} from './support';

const IMAGE = `${OTHER_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/platform/base:2`;
const REPO = `arn:aws:ecr:${REGION}:${OTHER_ACCOUNT}:repository/platform/base`;

/** Every finding of the role against the consumers, as `ID ACTION RESOURCE REASON CONSUMERS`. */
function findings(consumers: Consumers, role: RoleOptions): string[] {
  return findingsOf(aRole(role), consumers).map((finding) => findingLine(finding));
}

const missing = (repo = REPO, consumer = 'etl:3', kind = 'noAllow'): string[] =>
  PULLS.map((action) => `CROSS_ACCOUNT_IMAGE ${action} ${repo} ${kind} ${consumer}`);

describe('which images are cross-account', () => {
  it.each<[string, string, string[]]>([
    ["another account's repository", IMAGE, missing()],
    [
      "another account's repository in another region",
      `${OTHER_ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/platform/base:2`,
      missing(`arn:aws:ecr:us-west-2:${OTHER_ACCOUNT}:repository/platform/base`),
    ],
    [
      "the role's own account (EXEC_PERMISSIONS, granted here)",
      `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/etl:1`,
      [],
    ],
    ['Docker Hub (no ECR grant at all)', 'public.ecr.aws/docker/library/python:3.12', []],
    ['a malformed registry host', `${OTHER_ACCOUNT}.dkr.ecr.nowhere.amazonaws.com/platform/base:2`, []],
  ])('%s', (_case, image, expected) => {
    expect(findings({ jobs: [aJobDefinition({ image })] }, scopedRole())).toEqual(expected);
  });

  it.each<[string, BatchJobDefinition | EcsTaskDefinition, string]>([
    [
      'a multi-node job definition',
      multiNodeJob(aContainer({ executionRoleArn: ROLE_ARN, image: IMAGE })),
      'etl:3',
    ],
    ['an ecsProperties job definition', ecsPropertiesJob(aContainer({ name: 'a', image: IMAGE })), 'etl:3'],
    ['an ECS task definition', aTaskDefinition({ containers: [{ name: 'app', image: IMAGE }] }), 'web:12'],
  ])('%s is attributed the need', (_case, consumer, name) => {
    expect(findings(consumersOf(consumer), scopedRole())).toEqual(missing(REPO, name));
  });
});

describe('what grants it', () => {
  it.each<[string, RoleOptions, string[]]>([
    ['the exact repository ARN', scopedRole(allow(PULLS, REPO)), []],
    [
      "every repository of that account's region",
      scopedRole(allow(PULLS, `arn:aws:ecr:${REGION}:${OTHER_ACCOUNT}:repository/*`)),
      [],
    ],
    ['AmazonECSTaskExecutionRolePolicy (Resource *)', {}, []],
    [
      'a grant on the same name in the own account',
      scopedRole(allow(PULLS, `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/platform/base`)),
      missing(),
    ],
    [
      'a grant in another region',
      scopedRole(allow(PULLS, `arn:aws:ecr:us-west-2:${OTHER_ACCOUNT}:repository/platform/base`)),
      missing(),
    ],
    [
      'a Deny on the other account',
      { inline: { 'no-foreign': policy(deny('ecr:*', `arn:aws:ecr:*:${OTHER_ACCOUNT}:*`)) } },
      missing(REPO, 'etl:3', 'explicitDeny'),
    ],
  ])('%s', (_case, role, expected) => {
    expect(findings({ jobs: [aJobDefinition({ image: IMAGE })] }, role)).toEqual(expected);
  });

  it('still needs ecr:GetAuthorizationToken on * as EXEC_PERMISSIONS, for the definition', () => {
    const role: RoleOptions = {
      managed: [],
      inline: { pulls: policy(allow(PULLS, REPO), allow(['logs:CreateLogStream', 'logs:PutLogEvents'])) },
    };
    expect(findings({ jobs: [aJobDefinition({ image: IMAGE })] }, role)).toEqual([
      'EXEC_PERMISSIONS ecr:GetAuthorizationToken * noAllow etl:3',
    ]);
  });
});

describe('remediation', () => {
  const facts = { jobs: [aJobDefinition({ image: IMAGE })] };

  it('grants the three pulls on the exact repository ARN (no managed policy), and the role is then compliant', () => {
    // Arrange
    const role = aRole(scopedRole());

    // Act
    const plan = planFor(role, facts);

    // Assert
    expect(plan.refusals).toEqual([]);
    expect(plan.changes).toEqual(ownedPolicyAdding(PULLS.map((action) => ({ action, resource: REPO }))));
    expectRepairedCompliant(role, plan, facts);
  });

  it('refuses when a Deny blocks them, writing nothing', () => {
    const role = aRole({
      inline: { 'no-foreign': policy(deny('ecr:*', `arn:aws:ecr:*:${OTHER_ACCOUNT}:*`)) },
    });
    const plan = planFor(role, facts);
    expect(plan.changes).toEqual([]);
    expect(plan.refusals.map((refusal) => refusal.findingId)).toEqual([
      'CROSS_ACCOUNT_IMAGE',
      'CROSS_ACCOUNT_IMAGE',
      'CROSS_ACCOUNT_IMAGE',
    ]);
  });
});
