/**
 * LOG_GROUP_CREATION: a container whose awslogs driver creates its log group (`awslogs-create-group: "true"`)
 * needs logs:CreateLogGroup, which AmazonECSTaskExecutionRolePolicy does not grant, on the resource AWS
 * evaluates: `arn:...:logs:REGION:ACCOUNT:log-group:NAME:log-stream:`.
 */
import type { BatchJobDefinition, EcsTaskDefinition, LogConfiguration } from '../../lib/usage/types';
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
  type StatementJson,
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
} from './support';

const GROUP = '/batch/etl';
const ARN = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${GROUP}:log-stream:`;
const creating = (options: Record<string, string> = {}): LogConfiguration => ({
  logDriver: 'awslogs',
  options: { 'awslogs-group': GROUP, 'awslogs-create-group': 'true', ...options },
});

/** The LOG_GROUP_CREATION findings of the default role with `grants` against the consumers given. */
function findings(consumers: Consumers, ...grants: StatementJson[]): string[] {
  const role = aRole(grants.length > 0 ? { inline: { logs: policy(...grants) } } : {});
  return findingsOf(role, consumers)
    .filter((finding) => finding.id === 'LOG_GROUP_CREATION')
    .map((finding) => findingLine(finding, ['resource', 'reason', 'consumers']));
}

const job = (logConfiguration?: LogConfiguration): BatchJobDefinition =>
  aJobDefinition(logConfiguration ? { logConfiguration } : {});

describe('which consumers need logs:CreateLogGroup', () => {
  it.each<[string, LogConfiguration | undefined, string[]]>([
    ['awslogs-create-group "true"', creating(), [`${ARN} noAllow etl:3`]],
    ['"TRUE", as written by hand', creating({ 'awslogs-create-group': 'TRUE' }), [`${ARN} noAllow etl:3`]],
    ['"false"', creating({ 'awslogs-create-group': 'false' }), []],
    ['the option absent', { logDriver: 'awslogs', options: { 'awslogs-group': GROUP } }, []],
    ['no logConfiguration (Batch logs to /aws/batch/job, which it does not create)', undefined, []],
    ['another log driver', { logDriver: 'splunk', options: { 'awslogs-create-group': 'true' } }, []],
    [
      'awslogs-region elsewhere: the group of that region',
      creating({ 'awslogs-region': 'us-west-2' }),
      [`arn:aws:logs:us-west-2:${ACCOUNT}:log-group:${GROUP}:log-stream: noAllow etl:3`],
    ],
  ])('a Batch container with %s', (_case, logConfiguration, expected) => {
    expect(findings({ jobs: [job(logConfiguration)] })).toEqual(expected);
  });

  it.each<[string, BatchJobDefinition | EcsTaskDefinition]>([
    [
      'a multi-node job definition',
      multiNodeJob(aContainer({ executionRoleArn: ROLE_ARN, logConfiguration: creating() })),
    ],
    [
      'an ecsProperties job definition',
      ecsPropertiesJob(aContainer({ name: 'app', logConfiguration: creating() })),
    ],
    [
      'an ECS task definition',
      aTaskDefinition({ containers: [{ name: 'app', logConfiguration: creating() }] }),
    ],
  ])('%s needs it too', (_case, consumer) => {
    const consumers = consumersOf(consumer);
    const result = findings(consumers);
    expect(result).toHaveLength(1);
    expect(result[0]).toMatch(new RegExp(`^${ARN.replace(/[/]/g, '\\/')} noAllow `));
  });
});

describe('what grants it', () => {
  it.each<[string, StatementJson[], string[]]>([
    [
      'log-group:NAME:* (the documented form)',
      [allow('logs:CreateLogGroup', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${GROUP}:*`)],
      [],
    ],
    ['the exact request ARN', [allow('logs:CreateLogGroup', ARN)], []],
    [
      'logs:* on every log group of the region',
      [allow('logs:*', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:*`)],
      [],
    ],
    [
      'the bare log-group:NAME (AWS evaluates the :log-stream: form)',
      [allow('logs:CreateLogGroup', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${GROUP}`)],
      [`${ARN} noAllow etl:3`],
    ],
    [
      'a grant in another region',
      [allow('logs:CreateLogGroup', `arn:aws:logs:us-west-2:${ACCOUNT}:log-group:${GROUP}:*`)],
      [`${ARN} noAllow etl:3`],
    ],
    [
      'a grant in another account',
      [allow('logs:CreateLogGroup', `arn:aws:logs:${REGION}:${OTHER_ACCOUNT}:log-group:${GROUP}:*`)],
      [`${ARN} noAllow etl:3`],
    ],
    [
      'a wildcard grant with a Deny on the group',
      [
        allow('logs:CreateLogGroup', '*'),
        deny('logs:CreateLogGroup', `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${GROUP}*`),
      ],
      [`${ARN} explicitDeny etl:3`],
    ],
  ])('%s', (_case, grants, expected) => {
    expect(findings({ jobs: [job(creating())] }, ...grants)).toEqual(expected);
  });
});

describe('remediation', () => {
  it('grants logs:CreateLogGroup on the exact request ARN, and the role is then compliant', () => {
    // Arrange
    const role = aRole();
    const facts = { jobs: [job(creating())] };

    // Act
    const plan = planFor(role, facts);

    // Assert
    expect(plan.refusals).toEqual([]);
    expect(plan.changes).toEqual(ownedPolicyAdding([{ action: 'logs:CreateLogGroup', resource: ARN }]));
    expectRepairedCompliant(role, plan, facts);
  });

  it('refuses when a Deny blocks it, writing nothing', () => {
    const role = aRole({ inline: { 'no-groups': policy(deny('logs:CreateLogGroup')) } });
    const plan = planFor(role, { jobs: [job(creating())] });
    expect(plan.changes).toEqual([]);
    expect(plan.refusals).toEqual([expect.objectContaining({ findingId: 'LOG_GROUP_CREATION' })]);
  });
});
