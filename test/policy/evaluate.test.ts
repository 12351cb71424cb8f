import {
  evaluateRequest,
  parsePolicyDocument,
  statementLabel,
  type Decision,
  type NamedPolicy,
  type PolicySet,
  type StatementRef,
} from '../../lib/policy';
import { allow, decide, deny, doc, named, st, type Json } from './support';

const GROUP = 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/batch/job';
const STREAM = `${GROUP}:log-stream:job-1`;
const ANY_STREAM = `${GROUP}:log-stream:*`;

describe('actions and resources', () => {
  it.each<[string, Json[], string, string, Decision]>([
    ['no statement: implicit deny', [], 'logs:PutLogEvents', STREAM, 'implicitDeny'],
    ['a matching Allow', [allow('logs:PutLogEvents', `${GROUP}:*`)], 'logs:PutLogEvents', STREAM, 'allowed'],
    [
      'an Allow for another action',
      [allow('logs:CreateLogGroup', '*')],
      'logs:PutLogEvents',
      STREAM,
      'implicitDeny',
    ],
    [
      'an Allow for another resource',
      [allow('logs:*', 'arn:aws:logs:*:*:log-group:/ecs/*')],
      'logs:PutLogEvents',
      STREAM,
      'implicitDeny',
    ],
    [
      'action case does not matter',
      [allow('LOGS:putlogevents', '*')],
      'logs:PutLogEvents',
      STREAM,
      'allowed',
    ],
    [
      'one of several actions',
      [allow(['ecr:BatchGetImage', 'logs:PutLogEvents'], '*')],
      'logs:PutLogEvents',
      STREAM,
      'allowed',
    ],
    [
      'one of several resources',
      [allow('logs:*', ['arn:aws:logs:*:*:log-group:/x:*', `${GROUP}:*`])],
      'logs:PutLogEvents',
      STREAM,
      'allowed',
    ],
    [
      'GetAuthorizationToken on * needs Resource *',
      [allow('ecr:*', 'arn:aws:ecr:*:*:repository/*')],
      'ecr:GetAuthorizationToken',
      '*',
      'implicitDeny',
    ],
    [
      'GetAuthorizationToken on * with Resource *',
      [allow('ecr:GetAuthorizationToken', '*')],
      'ecr:GetAuthorizationToken',
      '*',
      'allowed',
    ],
    [
      'every stream: the group pattern covers it',
      [allow('logs:PutLogEvents', `${GROUP}:*`)],
      'logs:PutLogEvents',
      ANY_STREAM,
      'allowed',
    ],
    [
      'every stream: one stream prefix does not',
      [allow('logs:PutLogEvents', `${GROUP}:log-stream:job-*`)],
      'logs:PutLogEvents',
      ANY_STREAM,
      'implicitDeny',
    ],
  ])('%s', (_label, statements, action, resource, expected) => {
    expect(decide(statements, action, resource).decision).toBe(expected);
  });
});

describe('NotAction and NotResource, with both effects', () => {
  it.each<[string, Json[], string, string, Decision]>([
    [
      'Allow NotAction: an action outside the list is allowed',
      [st('Allow', { NotAction: 'iam:*', Resource: '*' })],
      'logs:PutLogEvents',
      STREAM,
      'allowed',
    ],
    [
      'Allow NotAction: a listed action is not',
      [st('Allow', { NotAction: 'iam:*', Resource: '*' })],
      'iam:PassRole',
      '*',
      'implicitDeny',
    ],
    [
      'Allow NotAction: case-insensitive',
      [st('Allow', { NotAction: 'IAM:*', Resource: '*' })],
      'iam:PassRole',
      '*',
      'implicitDeny',
    ],
    [
      'Deny NotAction: denies everything else',
      [allow('*'), st('Deny', { NotAction: 'logs:*', Resource: '*' })],
      'ecr:BatchGetImage',
      '*',
      'explicitDeny',
    ],
    [
      'Deny NotAction: spares the listed actions',
      [allow('*'), st('Deny', { NotAction: 'logs:*', Resource: '*' })],
      'logs:PutLogEvents',
      STREAM,
      'allowed',
    ],
    [
      'Allow NotResource: a resource outside is allowed',
      [st('Allow', { Action: 'logs:*', NotResource: 'arn:aws:logs:*:*:log-group:/secret:*' })],
      'logs:PutLogEvents',
      STREAM,
      'allowed',
    ],
    [
      'Allow NotResource: an excluded resource is not',
      [st('Allow', { Action: 'logs:*', NotResource: `${GROUP}:*` })],
      'logs:PutLogEvents',
      STREAM,
      'implicitDeny',
    ],
    [
      'Deny NotResource: denies resources outside',
      [allow('*'), st('Deny', { Action: 'logs:*', NotResource: 'arn:aws:logs:*:*:log-group:/ecs/*' })],
      'logs:PutLogEvents',
      STREAM,
      'explicitDeny',
    ],
    [
      'Deny NotResource: spares the excluded ones',
      [allow('*'), st('Deny', { Action: 'logs:*', NotResource: `${GROUP}:*` })],
      'logs:PutLogEvents',
      STREAM,
      'allowed',
    ],
    [
      'Allow NotAction + NotResource',
      [st('Allow', { NotAction: 'iam:*', NotResource: 'arn:aws:s3:::x' })],
      'logs:PutLogEvents',
      STREAM,
      'allowed',
    ],
  ])('%s', (_label, statements, action, resource, expected) => {
    expect(decide(statements, action, resource).decision).toBe(expected);
  });
});

describe('request resources with * (every stream of a group): fail closed on both sides', () => {
  it.each<[string, Json[], Decision]>([
    [
      'a Deny on one stream may hit the set: denied',
      [allow('logs:*', `${GROUP}:*`), deny('logs:PutLogEvents', STREAM)],
      'explicitDeny',
    ],
    [
      'a Deny on another group cannot: allowed',
      [allow('logs:*', `${GROUP}:*`), deny('logs:PutLogEvents', 'arn:aws:logs:*:*:log-group:/ecs/*')],
      'allowed',
    ],
    [
      'a Deny on a stream prefix may hit the set: denied',
      [allow('logs:*', `${GROUP}:*`), deny('logs:*', `${GROUP}:log-stream:tmp-*`)],
      'explicitDeny',
    ],
    [
      'Allow NotResource excluding one stream does not cover the set',
      [st('Allow', { Action: 'logs:*', NotResource: STREAM })],
      'implicitDeny',
    ],
    [
      'Allow NotResource excluding another group covers the set',
      [st('Allow', { Action: 'logs:*', NotResource: 'arn:aws:logs:*:*:log-group:/ecs/*' })],
      'allowed',
    ],
    [
      'Deny NotResource excluding the whole group spares the set',
      [allow('*'), st('Deny', { Action: 'logs:*', NotResource: `${GROUP}:*` })],
      'allowed',
    ],
    [
      'Deny NotResource excluding only some streams applies',
      [allow('*'), st('Deny', { Action: 'logs:*', NotResource: `${GROUP}:log-stream:job-*` })],
      'explicitDeny',
    ],
  ])('%s', (_label, statements, expected) => {
    expect(decide(statements, 'logs:PutLogEvents', ANY_STREAM).decision).toBe(expected);
  });

  it.each<[string, Json[], Decision]>([
    [
      'a Deny on one repository',
      [allow('*'), deny('ecr:*', 'arn:aws:ecr:eu-west-1:1:repository/x')],
      'allowed',
    ],
    ['a Deny on every resource', [allow('*'), deny('ecr:*', '*')], 'explicitDeny'],
    ['an Allow on every repository only', [allow('ecr:*', 'arn:aws:ecr:*:*:repository/*')], 'implicitDeny'],
  ])('the bare request resource * is compared literally, as IAM does: %s', (_label, statements, expected) => {
    expect(decide(statements, 'ecr:GetAuthorizationToken', '*').decision).toBe(expected);
  });
});

describe('explicit Deny wins', () => {
  it.each<[string, Json[], Decision]>([
    ['Deny after Allow', [allow('logs:*'), deny('logs:PutLogEvents')], 'explicitDeny'],
    ['Deny before Allow', [deny('logs:PutLogEvents'), allow('logs:*')], 'explicitDeny'],
    ['Deny with a wildcard action', [allow('logs:PutLogEvents'), deny('logs:*')], 'explicitDeny'],
    ['Deny of another action leaves the Allow', [allow('logs:*'), deny('logs:DeleteLogGroup')], 'allowed'],
    ['Deny alone', [deny('*')], 'explicitDeny'],
  ])('%s', (_label, statements, expected) => {
    expect(decide(statements, 'logs:PutLogEvents', STREAM).decision).toBe(expected);
  });

  it('names the Deny that decided, not the Allows', () => {
    const result = decide(
      [allow('logs:*'), deny('logs:PutLogEvents', '*', { Sid: 'NoLogs' })],
      'logs:PutLogEvents',
      STREAM,
    );
    expect(result.matchedStatements).toEqual([
      { policyKind: 'inline', policyName: 'test', statementIndex: 1, sid: 'NoLogs', effect: 'Deny' },
    ]);
    expect(result.deniedBy).toBe('identity');
  });

  it('a Deny in one policy overrides an Allow in another', () => {
    const policies: PolicySet = {
      identity: [
        named('managed', 'AmazonECSTaskExecutionRolePolicy', allow('logs:*')),
        named('inline', 'deny-logs', deny('logs:*')),
      ],
    };
    const result = evaluateRequest({ action: 'logs:PutLogEvents', resource: STREAM }, policies);
    expect(result.decision).toBe('explicitDeny');
    expect(result.matchedStatements.map(statementLabel)).toEqual(['inline policy deny-logs statement 0']);
  });

  it('lists every Allow that matched when allowed', () => {
    const policies: PolicySet = {
      identity: [
        named('managed', 'A', allow('logs:*')),
        named('inline', 'B', deny('iam:*'), allow('logs:PutLogEvents')),
      ],
    };
    const result = evaluateRequest({ action: 'logs:PutLogEvents', resource: STREAM }, policies);
    expect(result.matchedStatements.map((r) => `${r.policyName}#${r.statementIndex}`)).toEqual([
      'A#0',
      'B#1',
    ]);
  });
});

describe('permissions boundary', () => {
  const identity = [named('inline', 'exec', allow(['logs:*', 'ecr:*']))];
  const evaluate = (boundary: NamedPolicy | undefined, action = 'logs:PutLogEvents') =>
    evaluateRequest({ action, resource: STREAM }, boundary ? { identity, boundary } : { identity });

  it.each<[string, NamedPolicy | undefined, string, Decision, 'identity' | 'boundary' | undefined]>([
    ['no boundary: the identity policy decides', undefined, 'logs:PutLogEvents', 'allowed', undefined],
    [
      'a boundary allowing the action',
      named('boundary', 'pb', allow('logs:*')),
      'logs:PutLogEvents',
      'allowed',
      undefined,
    ],
    [
      'a boundary not allowing the action',
      named('boundary', 'pb', allow('logs:*')),
      'ecr:BatchGetImage',
      'implicitDeny',
      'boundary',
    ],
    [
      'a boundary allowing more than the identity grants',
      named('boundary', 'pb', allow('*')),
      'iam:PassRole',
      'implicitDeny',
      'identity',
    ],
    [
      'a Deny in the boundary',
      named('boundary', 'pb', allow('*'), deny('logs:PutLogEvents')),
      'logs:PutLogEvents',
      'explicitDeny',
      'boundary',
    ],
    [
      'a boundary with NotAction Allow',
      named('boundary', 'pb', st('Allow', { NotAction: 'ecr:*', Resource: '*' })),
      'ecr:BatchGetImage',
      'implicitDeny',
      'boundary',
    ],
  ])('%s', (_label, boundary, action, decision, deniedBy) => {
    const result = evaluate(boundary, action);
    expect(result.decision).toBe(decision);
    expect(result.deniedBy).toBe(deniedBy);
  });

  it("reports both layers' Allows when allowed, and whether the boundary allowed", () => {
    const result = evaluate(named('boundary', 'pb', allow('logs:*')));
    expect(result.matchedStatements.map((r) => r.policyKind)).toEqual(['inline', 'boundary']);
    expect(result.allowedByBoundary).toBe(true);
  });

  it('a boundary Allow under an unknown condition makes the implicit deny conditional', () => {
    const boundary = named(
      'boundary',
      'pb',
      allow('logs:*', '*', { Condition: { StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } } }),
    );
    const result = evaluate(boundary);
    expect(result).toMatchObject({ decision: 'implicitDeny', conditional: true, deniedBy: 'boundary' });
    expect(result.unresolvedConditions.map((u) => u.policyKind)).toEqual(['boundary']);
  });

  it('an unresolved identity Allow cannot help when the boundary allows nothing', () => {
    const conditional = [
      named('inline', 'exec', allow('logs:*', '*', { Condition: { StringEquals: { 'k:x': 'y' } } })),
    ];
    const result = evaluateRequest(
      { action: 'logs:PutLogEvents', resource: STREAM },
      { identity: conditional, boundary: named('boundary', 'pb', allow('s3:*')) },
    );
    expect(result).toMatchObject({ decision: 'implicitDeny', conditional: false });
  });
});

describe('policy variables', () => {
  const ctx = { 'aws:username': ['alice'], 'aws:PrincipalTag/team': ['data'] };
  const bucket = (key: string): string => `arn:aws:s3:::home/${key}`;

  it.each<[string, string | null, string, string, Decision]>([
    [
      '${aws:username} under 2012-10-17',
      '2012-10-17',
      'arn:aws:s3:::home/${aws:username}/*',
      bucket('alice/f'),
      'allowed',
    ],
    [
      "${aws:username}: another user's folder",
      '2012-10-17',
      'arn:aws:s3:::home/${aws:username}/*',
      bucket('bob/f'),
      'implicitDeny',
    ],
    [
      '${aws:username} under 2008-10-17 is literal text',
      '2008-10-17',
      'arn:aws:s3:::home/${aws:username}/*',
      bucket('alice/f'),
      'implicitDeny',
    ],
    [
      '... and matches only itself there',
      '2008-10-17',
      'arn:aws:s3:::home/${aws:username}/*',
      bucket('${aws:username}/f'),
      'allowed',
    ],
    [
      'no Version: literal text',
      null,
      'arn:aws:s3:::home/${aws:username}/*',
      bucket('alice/f'),
      'implicitDeny',
    ],
    [
      'a principal tag',
      '2012-10-17',
      'arn:aws:s3:::home/${aws:PrincipalTag/team}/*',
      bucket('data/f'),
      'allowed',
    ],
    [
      'variable keys are case-insensitive',
      '2012-10-17',
      'arn:aws:s3:::home/${AWS:UserName}/*',
      bucket('alice/f'),
      'allowed',
    ],
    [
      '${*} is a literal star, not a wildcard',
      '2012-10-17',
      'arn:aws:s3:::home/${*}',
      bucket('anything'),
      'implicitDeny',
    ],
    [
      '${*} (one key named *) does not cover a request for every key',
      '2012-10-17',
      'arn:aws:s3:::home/${*}',
      bucket('*'),
      'implicitDeny',
    ],
    [
      '${?} is a literal question mark',
      '2012-10-17',
      'arn:aws:s3:::home/a${?}',
      bucket('ab'),
      'implicitDeny',
    ],
    ['${?} matches a literal ?', '2012-10-17', 'arn:aws:s3:::home/a${?}', bucket('a?'), 'allowed'],
    ['${$} is a literal dollar', '2012-10-17', 'arn:aws:s3:::home/${$}x', bucket('$x'), 'allowed'],
    [
      'a default for a missing key',
      '2012-10-17',
      "arn:aws:s3:::home/${aws:PrincipalTag/dept, 'shared'}/*",
      bucket('shared/f'),
      'allowed',
    ],
    [
      'the default is not used when the key is present',
      '2012-10-17',
      "arn:aws:s3:::home/${aws:username, 'shared'}/*",
      bucket('shared/f'),
      'implicitDeny',
    ],
  ])('%s', (_label, version, resource, requested, expected) => {
    const result = decide([allow('s3:GetObject', resource)], 's3:GetObject', requested, {
      context: ctx,
      version,
    });
    expect(result.decision).toBe(expected);
  });

  it('an unknown variable key leaves an Allow unresolved: conditional, not guessed', () => {
    const result = decide(
      [allow('s3:GetObject', 'arn:aws:s3:::home/${aws:PrincipalTag/dept}/*')],
      's3:GetObject',
      bucket('x/f'),
      {
        context: ctx,
      },
    );
    expect(result).toMatchObject({ decision: 'implicitDeny', conditional: true });
    expect(result.unresolvedConditions[0]).toMatchObject({
      operator: 'Resource',
      key: 'aws:PrincipalTag/dept',
    });
    expect(result.missingContextKeys).toEqual(['aws:PrincipalTag/dept']);
  });

  it('an unknown variable key in a Deny makes an allowed result conditional', () => {
    const result = decide(
      [allow('s3:*'), deny('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/*')],
      's3:GetObject',
      bucket('x/f'),
    );
    expect(result).toMatchObject({ decision: 'allowed', conditional: true });
  });

  it('a known-absent variable key never widens an Allow', () => {
    const result = decide(
      [allow('s3:GetObject', 'arn:aws:s3:::home/${aws:username}*')],
      's3:GetObject',
      bucket('x'),
      {
        missingKeys: 'absent',
      },
    );
    expect(result).toMatchObject({ decision: 'implicitDeny', conditional: false });
  });

  it.each<[string, string | null, Decision]>([
    ['2012-10-17: substituted in condition values', '2012-10-17', 'allowed'],
    ['2008-10-17: literal in condition values', '2008-10-17', 'implicitDeny'],
  ])('%s', (_label, version, expected) => {
    const condition = { StringEquals: { 's3:prefix': '${aws:username}/' } };
    const result = decide([allow('s3:ListBucket', '*', { Condition: condition })], 's3:ListBucket', '*', {
      context: { ...ctx, 's3:prefix': ['alice/'] },
      version,
    });
    expect(result.decision).toBe(expected);
  });

  it('a variable in a StringLike value is literal inside the glob', () => {
    const condition = { StringLike: { 's3:prefix': '${aws:username}/*' } };
    const result = decide([allow('s3:ListBucket', '*', { Condition: condition })], 's3:ListBucket', '*', {
      context: { 'aws:username': ['a*'], 's3:prefix': ['abc/x'] },
    });
    expect(result.decision).toBe('implicitDeny');
  });
});

describe('statements without Resource in an identity policy (invalid in IAM) fail closed', () => {
  const loose = (effect: 'Allow' | 'Deny'): Json => st(effect, { Action: 's3:GetObject' });
  it.each<[string, Json[], Decision]>([
    ['an Allow without Resource grants nothing', [loose('Allow')], 'implicitDeny'],
    ['a Deny without Resource denies', [allow('*'), loose('Deny')], 'explicitDeny'],
  ])('%s', (_label, statements, expected) => {
    expect(decide(statements, 's3:GetObject', 'arn:aws:s3:::b/k').decision).toBe(expected);
  });
});

describe('statementLabel', () => {
  const ref = (extra: Partial<StatementRef>): StatementRef => ({
    policyKind: 'inline',
    policyName: 'deny-logs',
    statementIndex: 0,
    effect: 'Deny',
    ...extra,
  });
  it.each<[Partial<StatementRef>, string]>([
    [{}, 'inline policy deny-logs statement 0'],
    [{ sid: 'DenyLogs' }, 'inline policy deny-logs statement "DenyLogs"'],
    [{ sid: '' }, 'inline policy deny-logs statement 0'],
    [
      { policyKind: 'managed', policyName: 'AmazonECSTaskExecutionRolePolicy', statementIndex: 2 },
      'managed policy AmazonECSTaskExecutionRolePolicy statement 2',
    ],
    [{ policyKind: 'boundary', policyName: 'pb' }, 'permissions boundary pb statement 0'],
    [{ policyKind: 'trust', policyName: 'trust', statementIndex: 1 }, 'trust policy statement 1'],
    [{ policyKind: 'custom', policyName: 'PolicyInputList.1' }, 'policy PolicyInputList.1 statement 0'],
  ])('%j -> %s', (extra, expected) => {
    expect(statementLabel(ref(extra))).toBe(expected);
  });
});

describe('compiled documents are reused', () => {
  it('gives the same answers when the same document is evaluated many times with different contexts', () => {
    const document = parsePolicyDocument(doc([allow('s3:GetObject', 'arn:aws:s3:::home/${aws:username}/*')]));
    const identity: NamedPolicy[] = [{ kind: 'inline', name: 'p', document }];
    for (const user of ['a', 'b', 'c', 'a']) {
      const context = { 'aws:username': [user] };
      expect(
        evaluateRequest(
          { action: 's3:GetObject', resource: `arn:aws:s3:::home/${user}/k`, context },
          { identity },
        ).decision,
      ).toBe('allowed');
      expect(
        evaluateRequest({ action: 's3:GetObject', resource: 'arn:aws:s3:::home/z/k', context }, { identity })
          .decision,
      ).toBe('implicitDeny');
    }
  });
});
