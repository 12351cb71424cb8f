import type { RequestContext } from '../../lib/policy';
import { allow, decide, deny } from './support';

type Case = [
  label: string,
  operator: string,
  policyValues: string[],
  requestValues: string[] | undefined,
  holds: boolean,
];

const K = 'test:Key';

/** Each case: the condition `{operator: {test:Key: policyValues}}` against the request value(s); undefined = key absent. */
const CASES: Case[] = [
  ['StringEquals: equal', 'StringEquals', ['prod'], ['prod'], true],
  ['StringEquals: values are case-sensitive', 'StringEquals', ['prod'], ['Prod'], false],
  ['StringEquals: several policy values are OR', 'StringEquals', ['dev', 'prod'], ['prod'], true],
  ['StringEquals: absent key', 'StringEquals', ['prod'], undefined, false],
  ['StringNotEquals: different', 'StringNotEquals', ['prod'], ['dev'], true],
  ['StringNotEquals: equal', 'StringNotEquals', ['prod'], ['prod'], false],
  ['StringNotEquals: equal to one of several', 'StringNotEquals', ['dev', 'prod'], ['prod'], false],
  ['StringNotEquals: absent key holds', 'StringNotEquals', ['prod'], undefined, true],
  ['StringEqualsIgnoreCase: other case', 'StringEqualsIgnoreCase', ['Prod'], ['PROD'], true],
  ['StringEqualsIgnoreCase: other value', 'StringEqualsIgnoreCase', ['Prod'], ['dev'], false],
  ['StringEqualsIgnoreCase: absent key', 'StringEqualsIgnoreCase', ['Prod'], undefined, false],
  ['StringNotEqualsIgnoreCase: other case is equal', 'StringNotEqualsIgnoreCase', ['Prod'], ['pROD'], false],
  ['StringNotEqualsIgnoreCase: other value', 'StringNotEqualsIgnoreCase', ['Prod'], ['dev'], true],
  ['StringNotEqualsIgnoreCase: absent key holds', 'StringNotEqualsIgnoreCase', ['Prod'], undefined, true],
  ['StringLike: * glob', 'StringLike', ['prod-*'], ['prod-db/1'], true],
  ['StringLike: no match', 'StringLike', ['prod-*'], ['dev-db'], false],
  ['StringLike: ? is one character', 'StringLike', ['a?c'], ['abc'], true],
  ['StringLike: ? is not zero characters', 'StringLike', ['a?c'], ['ac'], false],
  ['StringLike: case-sensitive', 'StringLike', ['Prod*'], ['prod'], false],
  ['StringLike: anchored', 'StringLike', ['prod'], ['prod-1'], false],
  ['StringNotLike: no match holds', 'StringNotLike', ['prod-*'], ['dev'], true],
  ['StringNotLike: match fails', 'StringNotLike', ['prod-*'], ['prod-1'], false],
  ['StringNotLike: absent key holds', 'StringNotLike', ['prod-*'], undefined, true],
  [
    'ArnLike: account-wide ECS pattern',
    'ArnLike',
    ['arn:aws:ecs:*:1:*'],
    ['arn:aws:ecs:us-east-1:1:cluster/a'],
    true,
  ],
  ['ArnLike: other account', 'ArnLike', ['arn:aws:ecs:*:1:*'], ['arn:aws:ecs:us-east-1:2:cluster/a'], false],
  [
    'ArnLike: * stays inside a middle segment',
    'ArnLike',
    ['arn:aws:ecs:*:cluster/a'],
    ['arn:aws:ecs:us-east-1:1:cluster/a'],
    false,
  ],
  ['ArnLike: not an ARN', 'ArnLike', ['arn:aws:ecs:*:1:*'], ['cluster/a'], false],
  ['ArnEquals: same ARN', 'ArnEquals', ['arn:aws:sns:us-east-1:1:t'], ['arn:aws:sns:us-east-1:1:t'], true],
  ['ArnEquals: other ARN', 'ArnEquals', ['arn:aws:sns:us-east-1:1:t'], ['arn:aws:sns:us-east-1:1:u'], false],
  [
    'ArnEquals: wildcards work as in ArnLike',
    'ArnEquals',
    ['arn:aws:sns:*:1:t'],
    ['arn:aws:sns:eu-west-1:1:t'],
    true,
  ],
  [
    'ArnNotEquals: other ARN holds',
    'ArnNotEquals',
    ['arn:aws:sns:us-east-1:1:t'],
    ['arn:aws:sns:us-east-1:1:u'],
    true,
  ],
  [
    'ArnNotEquals: same ARN fails',
    'ArnNotEquals',
    ['arn:aws:sns:us-east-1:1:t'],
    ['arn:aws:sns:us-east-1:1:t'],
    false,
  ],
  ['ArnNotLike: match fails', 'ArnNotLike', ['arn:aws:ecs:*:1:*'], ['arn:aws:ecs:us-east-1:1:task/x'], false],
  ['ArnNotLike: absent key holds', 'ArnNotLike', ['arn:aws:ecs:*:1:*'], undefined, true],
  ['Bool: true', 'Bool', ['true'], ['true'], true],
  ['Bool: false is not true', 'Bool', ['true'], ['false'], false],
  ['Bool: case-insensitive', 'Bool', ['true'], ['TRUE'], true],
  ['Bool: not a boolean', 'Bool', ['true'], ['yes'], false],
  ['Bool: absent key', 'Bool', ['false'], undefined, false],
  ['Null true: absent key', 'Null', ['true'], undefined, true],
  ['Null true: present key', 'Null', ['true'], ['x'], false],
  ['Null false: present key', 'Null', ['false'], ['x'], true],
  ['Null false: absent key', 'Null', ['false'], undefined, false],
  ['NumericEquals: equal', 'NumericEquals', ['10'], ['10'], true],
  ['NumericEquals: 10.0 equals 10', 'NumericEquals', ['10'], ['10.0'], true],
  ['NumericEquals: different', 'NumericEquals', ['10'], ['11'], false],
  ['NumericEquals: not a number', 'NumericEquals', ['10'], ['ten'], false],
  ['NumericNotEquals: different', 'NumericNotEquals', ['10'], ['11'], true],
  ['NumericNotEquals: equal', 'NumericNotEquals', ['10'], ['10'], false],
  ['NumericNotEquals: absent key holds', 'NumericNotEquals', ['10'], undefined, true],
  ['NumericLessThan: less', 'NumericLessThan', ['10'], ['9'], true],
  ['NumericLessThan: equal is not less', 'NumericLessThan', ['10'], ['10'], false],
  ['NumericLessThan: negative numbers', 'NumericLessThan', ['-1'], ['-2'], true],
  ['NumericLessThanEquals: equal', 'NumericLessThanEquals', ['10'], ['10'], true],
  ['NumericLessThanEquals: greater', 'NumericLessThanEquals', ['10'], ['10.5'], false],
  ['NumericGreaterThan: greater', 'NumericGreaterThan', ['10'], ['11'], true],
  ['NumericGreaterThan: equal', 'NumericGreaterThan', ['10'], ['10'], false],
  ['NumericGreaterThanEquals: equal', 'NumericGreaterThanEquals', ['10'], ['10'], true],
  ['NumericGreaterThanEquals: less', 'NumericGreaterThanEquals', ['10'], ['9.99'], false],
  ['DateEquals: ISO equals epoch seconds', 'DateEquals', ['2020-01-01T00:00:00Z'], ['1577836800'], true],
  ['DateEquals: other instant', 'DateEquals', ['2020-01-01T00:00:00Z'], ['2020-01-01T00:00:01Z'], false],
  ['DateEquals: not a date', 'DateEquals', ['2020-01-01T00:00:00Z'], ['yesterday'], false],
  ['DateNotEquals: other instant', 'DateNotEquals', ['2020-01-01T00:00:00Z'], ['2021-01-01T00:00:00Z'], true],
  [
    'DateNotEquals: same instant, other zone',
    'DateNotEquals',
    ['2020-01-01T00:00:00Z'],
    ['2020-01-01T01:00:00+01:00'],
    false,
  ],
  ['DateLessThan: earlier', 'DateLessThan', ['2020-01-01T00:00:00Z'], ['2019-12-31T23:59:59Z'], true],
  ['DateLessThan: same instant', 'DateLessThan', ['2020-01-01T00:00:00Z'], ['2020-01-01T00:00:00Z'], false],
  [
    'DateLessThanEquals: same instant',
    'DateLessThanEquals',
    ['2020-01-01T00:00:00Z'],
    ['2020-01-01T00:00:00Z'],
    true,
  ],
  [
    'DateLessThanEquals: later',
    'DateLessThanEquals',
    ['2020-01-01T00:00:00Z'],
    ['2020-06-01T00:00:00Z'],
    false,
  ],
  [
    'DateGreaterThan: later (the AWS CLI example)',
    'DateGreaterThan',
    ['2018-08-16T12:00:00Z'],
    ['2019-04-25T11:00:00Z'],
    true,
  ],
  ['DateGreaterThan: earlier', 'DateGreaterThan', ['2018-08-16T12:00:00Z'], ['2014-04-25T11:00:00Z'], false],
  [
    'DateGreaterThanEquals: epoch policy value',
    'DateGreaterThanEquals',
    ['1577836800'],
    ['2020-01-01T00:00:00Z'],
    true,
  ],
  [
    'DateGreaterThanEquals: earlier',
    'DateGreaterThanEquals',
    ['1577836800'],
    ['2019-01-01T00:00:00Z'],
    false,
  ],
  ['IpAddress: inside an IPv4 CIDR', 'IpAddress', ['203.0.113.0/24'], ['203.0.113.9'], true],
  ['IpAddress: outside it', 'IpAddress', ['203.0.113.0/24'], ['203.0.114.9'], false],
  ['IpAddress: a bare address is /32', 'IpAddress', ['203.0.113.9'], ['203.0.113.9'], true],
  ['IpAddress: /0 covers all IPv4', 'IpAddress', ['0.0.0.0/0'], ['198.51.100.1'], true],
  ['IpAddress: inside an IPv6 CIDR', 'IpAddress', ['2001:db8::/32'], ['2001:db8:1::5'], true],
  ['IpAddress: outside the IPv6 CIDR', 'IpAddress', ['2001:db8::/32'], ['2001:db9::1'], false],
  ['IpAddress: IPv4 request vs IPv6 range', 'IpAddress', ['2001:db8::/32'], ['203.0.113.9'], false],
  ['IpAddress: one of several ranges', 'IpAddress', ['10.0.0.0/8', '203.0.113.0/24'], ['203.0.113.1'], true],
  ['IpAddress: not an address', 'IpAddress', ['10.0.0.0/8'], ['localhost'], false],
  ['NotIpAddress: outside holds', 'NotIpAddress', ['10.0.0.0/8'], ['203.0.113.1'], true],
  ['NotIpAddress: inside fails', 'NotIpAddress', ['10.0.0.0/8'], ['10.1.2.3'], false],
  ['NotIpAddress: absent key holds', 'NotIpAddress', ['10.0.0.0/8'], undefined, true],
  ['BinaryEquals: equal', 'BinaryEquals', ['QmluYXJ5VmFsdWU='], ['QmluYXJ5VmFsdWU='], true],
  ['BinaryEquals: different', 'BinaryEquals', ['QmluYXJ5VmFsdWU='], ['T3RoZXI='], false],
  ['BinaryEquals: absent key', 'BinaryEquals', ['QmluYXJ5VmFsdWU='], undefined, false],
  ['StringEqualsIfExists: absent key holds', 'StringEqualsIfExists', ['prod'], undefined, true],
  ['StringEqualsIfExists: present and equal', 'StringEqualsIfExists', ['prod'], ['prod'], true],
  ['StringEqualsIfExists: present and different', 'StringEqualsIfExists', ['prod'], ['dev'], false],
  ['ArnLikeIfExists: absent key holds', 'ArnLikeIfExists', ['arn:aws:ecs:*:1:*'], undefined, true],
  ['NumericLessThanIfExists: present and greater', 'NumericLessThanIfExists', ['10'], ['11'], false],
  ['BoolIfExists: absent key holds', 'BoolIfExists', ['true'], undefined, true],
  ['IpAddressIfExists: present and outside', 'IpAddressIfExists', ['10.0.0.0/8'], ['11.0.0.1'], false],
  [
    'ForAllValues:StringEquals: every request value listed',
    'ForAllValues:StringEquals',
    ['a', 'b'],
    ['b', 'a'],
    true,
  ],
  [
    'ForAllValues:StringEquals: one value not listed',
    'ForAllValues:StringEquals',
    ['a', 'b'],
    ['a', 'c'],
    false,
  ],
  [
    'ForAllValues:StringEquals: absent key holds (empty set)',
    'ForAllValues:StringEquals',
    ['a'],
    undefined,
    true,
  ],
  ['ForAllValues:StringEquals: empty request list holds', 'ForAllValues:StringEquals', ['a'], [], true],
  [
    'ForAllValues:StringLike: all match a glob',
    'ForAllValues:StringLike',
    ['team-*'],
    ['team-a', 'team-b'],
    true,
  ],
  ['ForAllValues:StringNotEquals: none listed', 'ForAllValues:StringNotEquals', ['admin'], ['a', 'b'], true],
  [
    'ForAllValues:StringNotEquals: one listed',
    'ForAllValues:StringNotEquals',
    ['admin'],
    ['a', 'admin'],
    false,
  ],
  ['ForAnyValue:StringEquals: one listed', 'ForAnyValue:StringEquals', ['a', 'b'], ['c', 'b'], true],
  ['ForAnyValue:StringEquals: none listed', 'ForAnyValue:StringEquals', ['a'], ['c', 'd'], false],
  ['ForAnyValue:StringEquals: absent key fails', 'ForAnyValue:StringEquals', ['a'], undefined, false],
  ['ForAnyValue:StringEquals: empty request list fails', 'ForAnyValue:StringEquals', ['a'], [], false],
  ['ForAnyValue:StringNotEquals: one not listed', 'ForAnyValue:StringNotEquals', ['a'], ['a', 'z'], true],
  ['ForAnyValue:StringNotEquals: all listed', 'ForAnyValue:StringNotEquals', ['a'], ['a', 'a'], false],
  [
    'ForAnyValue:StringEqualsIfExists: absent key holds',
    'ForAnyValue:StringEqualsIfExists',
    ['a'],
    undefined,
    true,
  ],
  ['single-valued operator on a multivalued key: any value', 'StringEquals', ['b'], ['a', 'b'], true],
];

function context(values: string[] | undefined): RequestContext {
  return values === undefined ? {} : { [K]: values };
}

describe.each(CASES)('%s', (_label, operator, policyValues, requestValues, holds) => {
  const condition = { Condition: { [operator]: { [K]: policyValues } } };
  const ctx = context(requestValues);

  it(`in an Allow: ${holds ? 'allowed' : 'implicitDeny'}`, () => {
    const result = decide([allow('s3:GetObject', '*', condition)], 's3:GetObject', '*', {
      context: ctx,
      missingKeys: 'absent',
    });
    expect(result.decision).toBe(holds ? 'allowed' : 'implicitDeny');
    expect(result.conditional).toBe(false);
  });

  it(`in a Deny beside Allow *: ${holds ? 'explicitDeny' : 'allowed'}`, () => {
    const result = decide([allow('*'), deny('s3:GetObject', '*', condition)], 's3:GetObject', '*', {
      context: ctx,
      missingKeys: 'absent',
    });
    expect(result.decision).toBe(holds ? 'explicitDeny' : 'allowed');
  });
});

describe('condition keys, operators and values', () => {
  it.each([
    [
      'keys are case-insensitive',
      { StringEquals: { 'AWS:PrincipalTag/Team': 'data' } },
      { 'aws:principaltag/team': ['data'] },
      'allowed',
    ],
    [
      'two keys in one operator are AND (one fails)',
      { StringEquals: { 'k:a': '1', 'k:b': '2' } },
      { 'k:a': ['1'], 'k:b': ['3'] },
      'implicitDeny',
    ],
    [
      'two keys in one operator are AND (both hold)',
      { StringEquals: { 'k:a': '1', 'k:b': '2' } },
      { 'k:a': ['1'], 'k:b': ['2'] },
      'allowed',
    ],
    [
      'two operators are AND',
      { StringEquals: { 'k:a': '1' }, NumericLessThan: { 'k:n': '5' } },
      { 'k:a': ['1'], 'k:n': ['7'] },
      'implicitDeny',
    ],
    [
      'operator names are read case-insensitively',
      { stringequals: { 'k:a': '1' } },
      { 'k:a': ['1'] },
      'allowed',
    ],
    [
      'a numeric policy value given as a JSON number',
      { NumericEquals: { 'k:n': 3 } },
      { 'k:n': ['3'] },
      'allowed',
    ],
    [
      'a boolean policy value given as JSON true',
      { Bool: { 'aws:SecureTransport': true } },
      { 'aws:SecureTransport': ['true'] },
      'allowed',
    ],
  ] as const)('%s', (_label, condition, ctx, expected) => {
    const result = decide([allow('s3:GetObject', '*', { Condition: condition })], 's3:GetObject', '*', {
      context: ctx,
      missingKeys: 'absent',
    });
    expect(result.decision).toBe(expected);
  });

  it.each([
    ['an unrecognised operator', { StringSortOfEquals: { 'k:a': 'x' } }],
    ['Null with IfExists (not an IAM operator)', { NullIfExists: { 'k:a': 'true' } }],
    ['a numeric operator with a non-numeric policy value', { NumericEquals: { 'k:a': 'ten' } }],
    ['a date operator with a non-date policy value', { DateLessThan: { 'k:a': 'soon' } }],
    ['an IP operator with a bad CIDR', { IpAddress: { 'k:a': '300.1.1.1/8' } }],
    ['Bool with a non-boolean policy value', { Bool: { 'k:a': 'yes' } }],
  ])('%s leaves an Allow unresolved: implicitDeny, conditional, never guessed', (_label, condition) => {
    // Arrange: the key is present, so only the operator or its value can be the problem.
    const ctx = { 'k:a': ['x'] };
    // Act
    const result = decide([allow('s3:GetObject', '*', { Condition: condition })], 's3:GetObject', '*', {
      context: ctx,
    });
    // Assert
    expect(result.decision).toBe('implicitDeny');
    expect(result.conditional).toBe(true);
    expect(result.unresolvedConditions).toEqual([
      expect.objectContaining({
        operator: Object.keys(condition)[0],
        key: 'k:a',
        effect: 'Allow',
        statementIndex: 0,
      }),
    ]);
  });

  it('an unrecognised operator in a Deny makes an allowed result conditional', () => {
    const result = decide(
      [allow('*'), deny('*', '*', { Condition: { StringFuzzy: { 'k:a': 'x' } } })],
      's3:GetObject',
    );
    expect(result.decision).toBe('allowed');
    expect(result.conditional).toBe(true);
  });

  it('a false condition settles a statement even beside an unresolved one', () => {
    const condition = { StringEquals: { 'k:known': 'yes' }, StringLike: { 'k:unknown': 'x*' } };
    const result = decide([allow('s3:GetObject', '*', { Condition: condition })], 's3:GetObject', '*', {
      context: { 'k:known': ['no'] },
    });
    expect(result).toMatchObject({ decision: 'implicitDeny', conditional: false });
    expect(result.missingContextKeys).toEqual(['k:unknown']);
  });
});

describe('missing context keys', () => {
  const allowIfTagged = allow('s3:GetObject', '*', {
    Condition: { StringEquals: { 'aws:ResourceTag/env': 'prod' } },
  });
  const denyUnlessTls = deny('*', '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } });

  it.each([
    [
      'unknown (default): an Allow on a missing key is conditional',
      [allowIfTagged],
      undefined,
      'implicitDeny',
      true,
    ],
    ['absent: an Allow on a missing key fails', [allowIfTagged], 'absent', 'implicitDeny', false],
    [
      'unknown: a Deny on a missing key makes an allowed result conditional',
      [allow('*'), denyUnlessTls],
      undefined,
      'allowed',
      true,
    ],
    [
      'absent: a Deny on a missing key does not apply',
      [allow('*'), denyUnlessTls],
      'absent',
      'allowed',
      false,
    ],
  ] as const)('%s', (_label, statements, missingKeys, decision, conditional) => {
    const result = decide([...statements], 's3:GetObject', '*', missingKeys ? { missingKeys } : {});
    expect(result.decision).toBe(decision);
    expect(result.conditional).toBe(conditional);
    expect(result.missingContextKeys.length).toBe(1);
  });

  it('lists the unresolved conditions of the Allow that could grant', () => {
    const result = decide([allowIfTagged], 's3:GetObject');
    expect(result.unresolvedConditions).toEqual([
      {
        policyKind: 'inline',
        policyName: 'test',
        statementIndex: 0,
        effect: 'Allow',
        operator: 'StringEquals',
        key: 'aws:ResourceTag/env',
        values: ['prod'],
      },
    ]);
    expect(result.missingContextKeys).toEqual(['aws:ResourceTag/env']);
  });

  it('reports missing keys once, spelled as the first policy wrote them', () => {
    const result = decide(
      [
        allow('s3:GetObject', '*', { Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } }),
        allow('s3:GetObject', '*', { Condition: { StringEquals: { 'AWS:SOURCEVPC': 'vpc-2' } } }),
      ],
      's3:GetObject',
      '*',
      { missingKeys: 'absent' },
    );
    expect(result.missingContextKeys).toEqual(['aws:SourceVpc']);
  });

  it('does not report keys of statements whose action does not match', () => {
    const result = decide(
      [allow('ec2:*', '*', { Condition: { StringEquals: { 'ec2:Region': 'x' } } }), allow('s3:GetObject')],
      's3:GetObject',
    );
    expect(result.missingContextKeys).toEqual([]);
  });
});

describe('an operator IAM does not define, in a document read from AWS: never proves a grant', () => {
  const typo = { Condition: { StringEqualz: { 'aws:SourceVpc': 'vpc-1' } } };
  it.each([
    ['an Allow under it grants nothing for sure', [allow('s3:GetObject', '*', typo)], 'implicitDeny'],
    ['a Deny under it leaves the Allow unproven', [allow('*'), deny('s3:GetObject', '*', typo)], 'allowed'],
  ] as const)('%s', (_label, statements, decision) => {
    // Act: even with the context key present, the condition stays unknown.
    const result = decide([...statements], 's3:GetObject', '*', {
      context: { 'aws:SourceVpc': ['vpc-1'] },
    });

    // Assert
    expect(result.decision).toBe(decision);
    expect(result.conditional).toBe(true);
    expect(result.unresolvedConditions.map((u) => u.operator)).toEqual(['StringEqualz']);
  });
});
