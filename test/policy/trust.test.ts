import { evaluateTrust, parsePolicyDocument, type Decision, type TrustResult } from '../../lib/policy';
import { ACCOUNT, type Json } from './support';

const ECS = 'ecs-tasks.amazonaws.com';
const ECS_PRINCIPAL = { Service: ECS };

function trust(...statements: Json[]): TrustResult {
  const document = parsePolicyDocument(
    { Version: '2012-10-17', Statement: statements },
    { kind: 'resource' },
  );
  return evaluateTrust(document, { service: ECS, accountId: ACCOUNT, partition: 'aws' });
}

function allowAssume(extra: Json = {}): Json {
  return { Effect: 'Allow', Principal: ECS_PRINCIPAL, Action: 'sts:AssumeRole', ...extra };
}

describe('evaluateTrust: principals and actions', () => {
  it.each<[string, Json[], Decision]>([
    ['the documented ECS trust policy', [allowAssume()], 'allowed'],
    [
      'the service in a list',
      [allowAssume({ Principal: { Service: ['ec2.amazonaws.com', ECS] } })],
      'allowed',
    ],
    [
      'EC2 principal (the Batch wizard mistake)',
      [allowAssume({ Principal: { Service: 'ec2.amazonaws.com' } })],
      'implicitDeny',
    ],
    [
      'ecs.amazonaws.com is not ecs-tasks',
      [allowAssume({ Principal: { Service: 'ecs.amazonaws.com' } })],
      'implicitDeny',
    ],
    ['Principal "*"', [allowAssume({ Principal: '*' })], 'allowed'],
    ['Principal {"AWS": "*"}', [allowAssume({ Principal: { AWS: '*' } })], 'allowed'],
    [
      'an account principal only',
      [allowAssume({ Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } })],
      'implicitDeny',
    ],
    ['sts:* action', [allowAssume({ Action: 'sts:*' })], 'allowed'],
    ['* action', [allowAssume({ Action: '*' })], 'allowed'],
    ['action case does not matter', [allowAssume({ Action: 'STS:assumerole' })], 'allowed'],
    ['another STS action only', [allowAssume({ Action: 'sts:AssumeRoleWithWebIdentity' })], 'implicitDeny'],
    [
      'AssumeRole with TagSession in a list',
      [allowAssume({ Action: ['sts:TagSession', 'sts:AssumeRole'] })],
      'allowed',
    ],
    [
      'NotAction excluding something else',
      [{ Effect: 'Allow', Principal: ECS_PRINCIPAL, NotAction: 'sts:TagSession' }],
      'allowed',
    ],
    [
      'NotAction excluding AssumeRole',
      [{ Effect: 'Allow', Principal: ECS_PRINCIPAL, NotAction: 'sts:Assume*' }],
      'implicitDeny',
    ],
    [
      'Allow with NotPrincipal not naming ECS',
      [{ Effect: 'Allow', NotPrincipal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      'allowed',
    ],
    [
      'a Deny for the service',
      [allowAssume(), { Effect: 'Deny', Principal: ECS_PRINCIPAL, Action: 'sts:AssumeRole' }],
      'explicitDeny',
    ],
    [
      'a Deny for everyone',
      [allowAssume(), { Effect: 'Deny', Principal: '*', Action: 'sts:*' }],
      'explicitDeny',
    ],
    [
      'a Deny for another principal',
      [allowAssume(), { Effect: 'Deny', Principal: { Service: 'ec2.amazonaws.com' }, Action: '*' }],
      'allowed',
    ],
    [
      'a Deny with NotPrincipal naming ECS spares it',
      [allowAssume(), { Effect: 'Deny', NotPrincipal: ECS_PRINCIPAL, Action: '*' }],
      'allowed',
    ],
    [
      'a Deny of another action',
      [allowAssume(), { Effect: 'Deny', Principal: '*', Action: 'sts:TagSession' }],
      'allowed',
    ],
  ])('%s', (_label, statements, expected) => {
    const result = trust(...statements);
    expect(result.decision).toBe(expected);
    expect(result.conditional).toBe(false);
  });

  it('names the deciding Deny', () => {
    const result = trust(allowAssume(), {
      Sid: 'NoEcs',
      Effect: 'Deny',
      Principal: ECS_PRINCIPAL,
      Action: 'sts:*',
    });
    expect(result.matchedStatements).toEqual([
      { policyKind: 'trust', policyName: 'trust', statementIndex: 1, sid: 'NoEcs', effect: 'Deny' },
    ]);
  });
});

describe('evaluateTrust: conditions', () => {
  const cond = (condition: Json): Json => allowAssume({ Condition: condition });

  it.each<[string, Json, Decision, boolean, boolean]>([
    [
      'SourceAccount equal to the role account',
      { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      'allowed',
      false,
      true,
    ],
    [
      'SourceAccount via a StringLike pattern: allowed, but not limited to the account',
      { StringLike: { 'aws:SourceAccount': '1234*' } },
      'allowed',
      false,
      false,
    ],
    [
      'SourceAccount among several accounts: another account may assume it',
      { StringEquals: { 'aws:SourceAccount': ['999999999999', ACCOUNT] } },
      'allowed',
      false,
      false,
    ],
    [
      'SourceAccount of another account',
      { StringEquals: { 'aws:SourceAccount': '999999999999' } },
      'implicitDeny',
      false,
      false,
    ],
    [
      'SourceAccount key in another case',
      { StringEquals: { 'AWS:SOURCEACCOUNT': ACCOUNT } },
      'allowed',
      false,
      true,
    ],
    [
      'SourceArn ArnLike on ECS ARNs of the account',
      { ArnLike: { 'aws:SourceArn': `arn:aws:ecs:*:${ACCOUNT}:*` } },
      'allowed',
      false,
      true,
    ],
    [
      'SourceArn ArnLike in one region',
      { ArnLike: { 'aws:SourceArn': `arn:aws:ecs:us-east-1:${ACCOUNT}:*` } },
      'allowed',
      false,
      true,
    ],
    [
      'SourceArn ArnEquals with a wildcard',
      { ArnEquals: { 'aws:SourceArn': `arn:aws:ecs:eu-west-1:${ACCOUNT}:*` } },
      'allowed',
      false,
      true,
    ],
    [
      'SourceArn StringLike',
      { StringLike: { 'aws:SourceArn': `arn:aws:ecs:*:${ACCOUNT}:*` } },
      'allowed',
      false,
      true,
    ],
    [
      'SourceArn of another account',
      { ArnLike: { 'aws:SourceArn': 'arn:aws:ecs:*:999999999999:*' } },
      'implicitDeny',
      false,
      false,
    ],
    [
      'SourceArn of another service',
      { ArnLike: { 'aws:SourceArn': `arn:aws:batch:*:${ACCOUNT}:*` } },
      'implicitDeny',
      false,
      false,
    ],
    [
      'SourceArn of another partition',
      { ArnLike: { 'aws:SourceArn': `arn:aws-cn:ecs:*:${ACCOUNT}:*` } },
      'implicitDeny',
      false,
      false,
    ],
    [
      'SourceArn narrowed to one cluster: unknowable',
      { ArnLike: { 'aws:SourceArn': `arn:aws:ecs:*:${ACCOUNT}:cluster/prod` } },
      'implicitDeny',
      true,
      false,
    ],
    [
      'SourceArn with StringEquals (no wildcards): unknowable',
      { StringEquals: { 'aws:SourceArn': `arn:aws:ecs:us-east-1:${ACCOUNT}:*` } },
      'implicitDeny',
      true,
      false,
    ],
    [
      'both keys satisfied',
      {
        StringEquals: { 'aws:SourceAccount': ACCOUNT },
        ArnLike: { 'aws:SourceArn': `arn:aws:ecs:*:${ACCOUNT}:*` },
      },
      'allowed',
      false,
      true,
    ],
    [
      'SourceAccount with IfExists: a request without the key passes, so not hardened',
      { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } },
      'allowed',
      false,
      false,
    ],
    [
      'SourceAccount StringLike "*" restricts nothing',
      { StringLike: { 'aws:SourceAccount': '*' } },
      'allowed',
      false,
      false,
    ],
    [
      'SourceAccount StringNotEquals another account restricts nothing',
      { StringNotEquals: { 'aws:SourceAccount': '999999999999' } },
      'allowed',
      false,
      false,
    ],
    [
      'SourceArn ArnLike "*" restricts nothing',
      { ArnLike: { 'aws:SourceArn': '*' } },
      'allowed',
      false,
      false,
    ],
    [
      'SourceAccount StringLike the exact account is hardened',
      { StringLike: { 'aws:SourceAccount': ACCOUNT } },
      'allowed',
      false,
      true,
    ],
    [
      'another key: conditional',
      { StringEquals: { 'aws:PrincipalOrgID': 'o-123' } },
      'implicitDeny',
      true,
      false,
    ],
    [
      'a satisfied key beside an unknown one: conditional',
      { StringEquals: { 'aws:SourceAccount': ACCOUNT, 'sts:ExternalId': 'x' } },
      'implicitDeny',
      true,
      false,
    ],
    [
      'a failing key beside an unknown one: settled',
      { StringEquals: { 'aws:SourceAccount': '999999999999', 'sts:ExternalId': 'x' } },
      'implicitDeny',
      false,
      false,
    ],
    [
      'an unknown operator on SourceAccount: conditional',
      { NumericEquals: { 'aws:SourceAccount': ACCOUNT } },
      'implicitDeny',
      true,
      false,
    ],
    [
      'a set operator on SourceAccount: conditional',
      { 'ForAnyValue:StringEquals': { 'aws:SourceAccount': ACCOUNT } },
      'implicitDeny',
      true,
      false,
    ],
  ])('%s', (_label, condition, decision, conditional, hardened) => {
    const result = trust(cond(condition));
    expect(result.decision).toBe(decision);
    expect(result.conditional).toBe(conditional);
    expect(result.hasConfusedDeputyCondition).toBe(hardened);
  });

  it('lists the conditions it could not decide', () => {
    const result = trust(cond({ StringEquals: { 'sts:ExternalId': 'x' } }));
    expect(result.unresolvedConditions).toEqual([
      expect.objectContaining({
        operator: 'StringEquals',
        key: 'sts:ExternalId',
        values: ['x'],
        statementIndex: 0,
      }),
    ]);
  });

  it('is not hardened when a bare Allow sits beside the conditioned one', () => {
    const result = trust(cond({ StringEquals: { 'aws:SourceAccount': ACCOUNT } }), allowAssume());
    expect(result).toMatchObject({ decision: 'allowed', hasConfusedDeputyCondition: false });
  });

  it.each<[string, Json, Decision, boolean]>([
    [
      'Deny unless SourceAccount is ours: does not apply',
      { StringNotEquals: { 'aws:SourceAccount': ACCOUNT } },
      'allowed',
      false,
    ],
    [
      'Deny when SourceAccount is ours: applies',
      { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
      'explicitDeny',
      false,
    ],
    [
      'Deny unless SourceArn is ours: does not apply',
      { ArnNotLike: { 'aws:SourceArn': `arn:aws:ecs:*:${ACCOUNT}:*` } },
      'allowed',
      false,
    ],
    [
      'Deny on another key: the Allow stands, conditionally',
      { Bool: { 'aws:SecureTransport': 'false' } },
      'allowed',
      true,
    ],
  ])('%s', (_label, condition, decision, conditional) => {
    const result = trust(allowAssume(), {
      Effect: 'Deny',
      Principal: '*',
      Action: 'sts:AssumeRole',
      Condition: condition,
    });
    expect(result.decision).toBe(decision);
    expect(result.conditional).toBe(conditional);
  });

  it('uses the partition of the query (aws-cn)', () => {
    const document = parsePolicyDocument({
      Statement: [
        allowAssume({ Condition: { ArnLike: { 'aws:SourceArn': `arn:aws-cn:ecs:*:${ACCOUNT}:*` } } }),
      ],
    });
    expect(evaluateTrust(document, { service: ECS, accountId: ACCOUNT, partition: 'aws-cn' }).decision).toBe(
      'allowed',
    );
    expect(evaluateTrust(document, { service: ECS, accountId: ACCOUNT }).decision).toBe('implicitDeny');
  });

  it('an Allow carrying a Resource element (invalid in trust policies) grants nothing', () => {
    const document = parsePolicyDocument({ Statement: [allowAssume({ Resource: '*' })] });
    expect(evaluateTrust(document, { service: ECS, accountId: ACCOUNT }).decision).toBe('implicitDeny');
  });
});
