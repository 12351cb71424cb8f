/**
 * TRUST_SOURCE_ARN: ECS does not support an aws:SourceArn condition naming a specific cluster in the trust
 * policy of a task or execution role; AWS documents `arn:aws:ecs:REGION:ACCOUNT:*` instead.
 */
import type { FindingId } from '../../lib/core/model';
import { planRemediation } from '../../lib/remediation/plan';
import { ACCOUNT, aRole, OTHER_ACCOUNT, policy, REGION, trustFor, type StatementJson } from '../builders';
import { assess } from '../remediation/support';

const CLUSTER = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod`;
const EVERY_ECS_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:*`;
const ECS_TASKS = { Service: 'ecs-tasks.amazonaws.com' };

const trusting = (
  condition: Record<string, Record<string, string | string[]>>,
  sid?: string,
): StatementJson => ({
  ...(sid ? { Sid: sid } : {}),
  Effect: 'Allow',
  Principal: ECS_TASKS,
  Action: 'sts:AssumeRole',
  Condition: condition,
});

/** The trust findings of a role with `statements` as its trust policy: `ID reason`. */
function trustFindings(statements: StatementJson[], params: Record<string, string> = {}): string[] {
  const { assessment } = assess(aRole({ trust: policy(...statements) }), { params });
  const ids: FindingId[] = ['TRUST_ECS_TASKS', 'TRUST_CONFUSED_DEPUTY', 'TRUST_SOURCE_ARN'];
  return assessment.evaluation.findings
    .filter((finding) => ids.includes(finding.id))
    .map((finding) => `${finding.id} ${finding.reason.kind}`);
}

describe('aws:SourceArn conditions in the trust policy', () => {
  it.each<[string, StatementJson[], string[]]>([
    [
      'ArnEquals on one cluster',
      [trusting({ ArnEquals: { 'aws:SourceArn': CLUSTER } })],
      ['TRUST_SOURCE_ARN unsupportedSourceArn'],
    ],
    [
      'ArnLike on every cluster (cluster/*): still not the documented form',
      [trusting({ ArnLike: { 'aws:SourceArn': `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/*` } })],
      ['TRUST_SOURCE_ARN unsupportedSourceArn'],
    ],
    [
      'StringEquals on one cluster, beside aws:SourceAccount',
      [
        trusting({
          StringEquals: { 'aws:SourceArn': CLUSTER, 'aws:SourceAccount': ACCOUNT },
        }),
      ],
      ['TRUST_SOURCE_ARN unsupportedSourceArn'],
    ],
    [
      'ArnLike on every ECS ARN of the region (documented)',
      [trusting({ ArnLike: { 'aws:SourceArn': EVERY_ECS_ARN } })],
      [],
    ],
    [
      'ArnLike on every ECS ARN of every region',
      [trusting({ ArnLike: { 'aws:SourceArn': `arn:aws:ecs:*:${ACCOUNT}:*` } })],
      [],
    ],
    [
      'a cluster beside the documented value in one condition (the condition still matches)',
      [trusting({ ArnLike: { 'aws:SourceArn': [CLUSTER, EVERY_ECS_ARN] } })],
      [],
    ],
    [
      'a cluster-limited statement beside a plain one (the plain one trusts: tasks start, nothing to report)',
      [trusting({ ArnEquals: { 'aws:SourceArn': CLUSTER } }), ...trustFor().Statement],
      [],
    ],
    [
      'a cluster of another account (nothing of this account matches either)',
      [trusting({ ArnEquals: { 'aws:SourceArn': CLUSTER.replace(ACCOUNT, OTHER_ACCOUNT) } })],
      ['TRUST_SOURCE_ARN unsupportedSourceArn', 'TRUST_ECS_TASKS noAllow'],
    ],
    [
      'a cluster and an unknown condition: both are reported',
      [trusting({ ArnEquals: { 'aws:SourceArn': CLUSTER }, StringEquals: { 'aws:SourceVpc': 'vpc-1' } })],
      ['TRUST_SOURCE_ARN unsupportedSourceArn', 'TRUST_ECS_TASKS conditional'],
    ],
    [
      'ArnNotEquals on a cluster (excludes, does not limit)',
      [trusting({ ArnNotEquals: { 'aws:SourceArn': CLUSTER } })],
      ['TRUST_ECS_TASKS conditional'],
    ],
    [
      'a Deny naming a cluster (only allowing statements are judged)',
      [
        ...trustFor().Statement,
        {
          Effect: 'Deny',
          Principal: ECS_TASKS,
          Action: 'sts:AssumeRole',
          Condition: { ArnEquals: { 'aws:SourceArn': CLUSTER } },
        },
      ],
      ['TRUST_ECS_TASKS conditional'],
    ],
    [
      'a statement for another service',
      [
        ...trustFor().Statement,
        {
          Effect: 'Allow',
          Principal: { Service: 'batch.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { ArnEquals: { 'aws:SourceArn': CLUSTER } },
        },
      ],
      [],
    ],
  ])('%s', (_case, statements, expected) => {
    expect(trustFindings(statements)).toEqual(expected);
  });

  it('with RequireConfusedDeputyCondition, a cluster-limited trust reports the cluster, not a missing condition', () => {
    expect(
      trustFindings([trusting({ ArnEquals: { 'aws:SourceArn': CLUSTER } })], {
        RequireConfusedDeputyCondition: 'true',
      }),
    ).toEqual(['TRUST_SOURCE_ARN unsupportedSourceArn']);
  });

  it('names the statement, the values and the replacement in the finding and the annotation', () => {
    // Arrange
    const role = aRole({ trust: policy(trusting({ ArnEquals: { 'aws:SourceArn': CLUSTER } }, 'OnlyProd')) });

    // Act
    const { assessment } = assess(role);

    // Assert
    const [finding] = assessment.evaluation.findings;
    expect(assessment.evaluation.compliance).toBe('NON_COMPLIANT');
    expect(finding?.message).toBe(
      `The trust policy's condition for ecs-tasks.amazonaws.com cannot work: statement OnlyProd limits ` +
        `aws:SourceArn to ${CLUSTER}, which ECS does not support; use ${EVERY_ECS_ARN}`,
    );
    expect(assessment.annotation).toBe(
      `Trust aws:SourceArn ${CLUSTER} names one cluster (unsupported; use ${EVERY_ECS_ARN})`,
    );
  });
});

describe('remediation', () => {
  it('refuses with the exact change and never adds a trust statement', () => {
    // Arrange
    const role = aRole({ trust: policy(trusting({ ArnEquals: { 'aws:SourceArn': CLUSTER } })) });
    const { assessment, params } = assess(role);

    // Act
    const plan = planRemediation(assessment, role, params, { region: REGION });

    // Assert
    expect(plan.changes).toEqual([]);
    expect(plan.refusals).toEqual([
      {
        findingId: 'TRUST_SOURCE_ARN',
        message: expect.stringContaining(`Replace those values with "${EVERY_ECS_ARN}"`),
      },
    ]);
  });
});
