import fc from 'fast-check';
import { parsePolicyDocument, PolicyParseError } from '../../lib/policy';

const ECS_TRUST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};

/** The error a function throws; fails the test when it does not throw. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error, none was thrown');
}

describe('parsePolicyDocument: accepted forms', () => {
  const base = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
  };
  const text = JSON.stringify(base);

  it.each([
    ['an object', base],
    ['a JSON string', text],
    ['a URL-encoded JSON string (AWS Config, IAM)', encodeURIComponent(text)],
    ['a pretty-printed, URL-encoded string', encodeURIComponent(JSON.stringify(base, null, 2))],
  ])('reads %s', (_label, input) => {
    // Act
    const parsed = parsePolicyDocument(input);
    // Assert
    expect(parsed).toEqual({
      version: '2012-10-17',
      statements: [{ index: 0, effect: 'Allow', action: ['s3:GetObject'], resource: ['*'], condition: {} }],
    });
  });

  it('keeps a literal % when the text is already valid JSON', () => {
    const parsed = parsePolicyDocument(
      JSON.stringify({
        Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/100%' },
      }),
    );
    expect(parsed.statements[0]?.resource).toEqual(['arn:aws:s3:::b/100%']);
  });

  it.each([
    [
      'a single Statement object becomes a list with index 0',
      { Statement: { Effect: 'Deny', Action: '*', Resource: '*' } },
      'statements',
      [{ index: 0, effect: 'Deny', action: ['*'], resource: ['*'], condition: {} }],
    ],
    [
      'Action as an array stays in order',
      { Statement: [{ Effect: 'Allow', Action: ['b:B', 'a:A'], Resource: '*' }] },
      'action',
      ['b:B', 'a:A'],
    ],
    [
      'NotAction and NotResource as strings become lists',
      { Statement: [{ Effect: 'Allow', NotAction: 'iam:*', NotResource: 'arn:aws:s3:::x' }] },
      'notAction',
      ['iam:*'],
    ],
    [
      'condition numbers and booleans become strings',
      {
        Statement: [
          {
            Effect: 'Allow',
            Action: '*',
            Resource: '*',
            Condition: {
              Bool: { 'aws:SecureTransport': true },
              NumericLessThan: { 's3:max-keys': [10, 20] },
            },
          },
        ],
      },
      'condition',
      { Bool: { 'aws:SecureTransport': ['true'] }, NumericLessThan: { 's3:max-keys': ['10', '20'] } },
    ],
    ['a principal string becomes a list', ECS_TRUST, 'principal', { Service: ['ecs-tasks.amazonaws.com'] }],
    [
      'a "*" principal stays "*"',
      { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole' }] },
      'principal',
      '*',
    ],
    [
      'Sid is kept',
      { Statement: [{ Sid: 'Logs', Effect: 'Allow', Action: '*', Resource: '*' }] },
      'sid',
      'Logs',
    ],
  ])('%s', (_label, input, field, expected) => {
    const parsed = parsePolicyDocument(input);
    const value =
      field === 'statements'
        ? parsed.statements
        : (parsed.statements[0] as unknown as Record<string, unknown>)[field];
    expect(value).toEqual(expected);
  });

  it('returns frozen documents, so a cached document cannot be altered by a caller', () => {
    const parsed = parsePolicyDocument(JSON.stringify(ECS_TRUST));
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(Object.isFrozen(parsed.statements[0])).toBe(true);
    expect(Object.isFrozen(parsed.statements[0]?.action)).toBe(true);
  });

  it('keeps "Version" out when absent and keeps "Id"', () => {
    const parsed = parsePolicyDocument({ Id: 'p1', Statement: [] });
    expect(parsed).toEqual({ id: 'p1', statements: [] });
  });
});

describe('parsePolicyDocument: invalid documents name the element', () => {
  const ok = { Effect: 'Allow', Action: 's3:GetObject', Resource: '*' };
  const withStatements = (...statements: unknown[]): unknown => ({
    Version: '2012-10-17',
    Statement: statements,
  });

  it.each([
    ['not JSON', '{"Statement": [', '', /not valid JSON/],
    ['URL-encoded garbage', '%7B%22Statement%', '', /URL-encoded|JSON/],
    ['a bad % escape', 'abc %zz', '', /bad % escape/],
    ['an array', [], '', /expected a policy document object, got an array/],
    ['null', null, '', /got null/],
    ['a number', 42, '', /got number/],
    ['a JSON string holding a string', '"hello"', '', /got string/],
    ['no Statement', { Version: '2012-10-17' }, 'Statement', /missing/],
    ['Statement a string', { Statement: 'Allow all' }, 'Statement', /expected an object or an array/],
    ['an unknown top-level key', { Statement: [ok], Statment: [] }, 'Statment', /unknown policy element/],
    [
      'an unknown Version',
      { Version: '2020-01-01', Statement: [ok] },
      'Version',
      /"2012-10-17" or "2008-10-17"/,
    ],
    ['Id not a string', { Id: 3, Statement: [ok] }, 'Id', /expected a string/],
    [
      'Statement[2] not an object',
      withStatements(ok, ok, 'x'),
      'Statement[2]',
      /expected a statement object/,
    ],
    [
      'a misspelled Effect',
      withStatements(ok, ok, { ...ok, Effect: 'allow' }),
      'Statement[2].Effect',
      /expected "Allow" or "Deny"/,
    ],
    [
      'a missing Effect',
      withStatements({ Action: '*', Resource: '*' }),
      'Statement[0].Effect',
      /expected "Allow" or "Deny"/,
    ],
    [
      'an unknown statement key',
      withStatements({ ...ok, Resources: '*' }),
      'Statement[0].Resources',
      /unknown statement element/,
    ],
    [
      'both Action and NotAction',
      withStatements({ ...ok, NotAction: 'x' }),
      'Statement[0]',
      /exactly one of "Action" or "NotAction"/,
    ],
    [
      'neither Action nor NotAction',
      withStatements({ Effect: 'Allow', Resource: '*' }),
      'Statement[0]',
      /exactly one of "Action" or "NotAction"/,
    ],
    [
      'both Resource and NotResource',
      withStatements({ ...ok, NotResource: 'x' }),
      'Statement[0]',
      /at most one of "Resource" or "NotResource"/,
    ],
    [
      'both Principal and NotPrincipal',
      withStatements({ ...ok, Principal: '*', NotPrincipal: '*' }),
      'Statement[0]',
      /Principal/,
    ],
    [
      'Action a number',
      withStatements({ ...ok, Action: 5 }),
      'Statement[0].Action',
      /string or an array of strings/,
    ],
    [
      'Action an empty list',
      withStatements({ ...ok, Action: [] }),
      'Statement[0].Action',
      /at least one action/,
    ],
    [
      'a non-string in Resource',
      withStatements({ ...ok, Resource: ['*', 7] }),
      'Statement[0].Resource[1]',
      /expected a string, got number/,
    ],
    ['Sid not a string', withStatements({ ...ok, Sid: 1 }), 'Statement[0].Sid', /expected a string/],
    [
      'Principal a list',
      withStatements({ ...ok, Principal: ['*'] }),
      'Statement[0].Principal',
      /expected "\*" or an object/,
    ],
    [
      'an unknown principal type',
      withStatements({ ...ok, Principal: { Services: 'x' } }),
      'Statement[0].Principal.Services',
      /unknown principal type/,
    ],
    [
      'a principal value object',
      withStatements({ ...ok, Principal: { Service: { a: 1 } } }),
      'Statement[0].Principal.Service',
      /string or an array/,
    ],
    [
      'Condition a list',
      withStatements({ ...ok, Condition: [] }),
      'Statement[0].Condition',
      /expected an object/,
    ],
    [
      'an operator block a string',
      withStatements({ ...ok, Condition: { StringEquals: 'x' } }),
      'Statement[0].Condition.StringEquals',
      /condition keys/,
    ],
    [
      'a condition value object',
      withStatements({ ...ok, Condition: { StringEquals: { 'aws:x': { a: 1 } } } }),
      'Statement[0].Condition.StringEquals.aws:x',
      /string, number or boolean/,
    ],
    [
      'a null inside condition values',
      withStatements({ ...ok, Condition: { StringEquals: { 'aws:x': ['a', null] } } }),
      'Statement[0].Condition.StringEquals.aws:x[1]',
      /got null/,
    ],
    [
      'an empty condition value list',
      withStatements({ ...ok, Condition: { StringEquals: { 'aws:x': [] } } }),
      'Statement[0].Condition.StringEquals.aws:x',
      /at least one value/,
    ],
  ])('rejects %s, naming the element', (_label, input, path, problem) => {
    // Act
    const error = thrown(() => parsePolicyDocument(input));
    // Assert
    expect(error).toBeInstanceOf(PolicyParseError);
    expect((error as PolicyParseError).path).toBe(path);
    expect((error as PolicyParseError).message).toMatch(problem);
    expect((error as PolicyParseError).message.startsWith(path ? `${path}: ` : '')).toBe(true);
  });

  it('names the offending statement in the message: Statement[2].Effect', () => {
    expect(() => parsePolicyDocument(withStatements(ok, ok, { ...ok, Effect: 'Permit' }))).toThrow(
      'Statement[2].Effect: expected "Allow" or "Deny"',
    );
  });

  it.each([
    [
      'identity',
      { Statement: [{ Effect: 'Allow', Action: '*' }] },
      'Statement[0]',
      /"Resource" or "NotResource"/,
    ],
    ['identity', { Statement: [{ ...ok, Principal: '*' }] }, 'Statement[0].Principal', /identity-based/],
    [
      'resource',
      { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] },
      'Statement[0]',
      /"Principal" or "NotPrincipal"/,
    ],
  ] as const)('kind %s: rejects %j', (kind, input, path, problem) => {
    expect(() => parsePolicyDocument(input, { kind })).toThrow(problem);
    expect(() => parsePolicyDocument(input, { kind })).toThrow(expect.objectContaining({ path }));
  });

  it('accepts a trust policy as kind resource and an execution policy as kind identity', () => {
    expect(parsePolicyDocument(ECS_TRUST, { kind: 'resource' }).statements).toHaveLength(1);
    expect(parsePolicyDocument({ Statement: [ok] }, { kind: 'identity' }).statements).toHaveLength(1);
  });

  it('never sets a prototype from a "__proto__" condition key', () => {
    const input = JSON.parse(
      '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"__proto__":{"__proto__":"x"}}}]}',
    ) as unknown;
    const parsed = parsePolicyDocument(input);
    const condition = parsed.statements[0]?.condition as Record<string, unknown>;
    expect(Object.keys(condition)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(condition)).toBe(Object.prototype);
  });
});

describe('parsePolicyDocument: arbitrary input', () => {
  it('returns a document or throws PolicyParseError, nothing else, for any JSON value', () => {
    const statementish = fc.record(
      {
        Sid: fc.oneof(fc.string(), fc.integer()),
        Effect: fc.constantFrom('Allow', 'Deny', 'allow', 1),
        Action: fc.oneof(fc.string(), fc.array(fc.jsonValue())),
        NotAction: fc.jsonValue(),
        Resource: fc.oneof(fc.string(), fc.array(fc.string()), fc.jsonValue()),
        Principal: fc.oneof(
          fc.constant('*'),
          fc.dictionary(fc.constantFrom('AWS', 'Service', 'X'), fc.jsonValue()),
        ),
        Condition: fc.oneof(
          fc.jsonValue(),
          fc.dictionary(fc.string(), fc.dictionary(fc.string(), fc.jsonValue())),
        ),
      },
      { requiredKeys: [] },
    );
    const documentish = fc.oneof(
      fc.jsonValue(),
      fc.record(
        { Version: fc.jsonValue(), Statement: fc.oneof(statementish, fc.array(statementish)) },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(documentish, fc.boolean(), (value, asText) => {
        try {
          const input = asText ? JSON.stringify(value) : value;
          const parsed = parsePolicyDocument(input);
          expect(Array.isArray(parsed.statements)).toBe(true);
        } catch (error) {
          expect(error).toBeInstanceOf(PolicyParseError);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('parsePolicyDocument strict: what IAM refuses to store, named by path', () => {
  const withStatement = (statement: Record<string, unknown>) => ({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', ...statement }],
  });
  it.each<[string, Record<string, unknown>, string, string]>([
    [
      'an unknown operator, with the one meant',
      { Condition: { StringEqualz: { 'aws:SourceVpc': 'vpc-1' } } },
      'Statement[0].Condition.StringEqualz',
      'StringEqualz is not an IAM condition operator (did you mean StringEquals?)',
    ],
    [
      'an unknown operator with a set prefix',
      { Condition: { 'ForAllValues:StringEqual': { 'aws:TagKeys': 'a' } } },
      'Statement[0].Condition.ForAllValues:StringEqual',
      'ForAllValues:StringEqual is not an IAM condition operator (did you mean ForAllValues:StringEquals?)',
    ],
    [
      'Null with a set prefix',
      { Condition: { 'ForAnyValue:Null': { 'aws:TagKeys': 'true' } } },
      'Statement[0].Condition.ForAnyValue:Null',
      'ForAnyValue:Null is not an IAM condition operator (Null takes neither IfExists nor a ForAllValues/ForAnyValue prefix)',
    ],
    [
      'an IP range that is not one',
      { Condition: { NotIpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '10.300.0.0/16'] } } },
      'Statement[0].Condition.NotIpAddress.aws:SourceIp[1]',
      '"10.300.0.0/16" is not an IP address or CIDR range for NotIpAddress',
    ],
    [
      'a Null value that is not a boolean',
      { Condition: { Null: { 'aws:TagKeys': 'maybe' } } },
      'Statement[0].Condition.Null.aws:TagKeys',
      '"maybe" is not "true" or "false" for Null',
    ],
    [
      'an action without a service',
      { Action: ['s3:GetObject', 'GetObject'] },
      'Statement[0].Action[1]',
      '"GetObject" is not an action: expected "service:Action" (such as "s3:GetObject") or "*"',
    ],
    [
      'an action with a space',
      { Action: 's3:Get Object' },
      'Statement[0].Action',
      '"s3:Get Object" is not an action: expected "service:Action" (such as "s3:GetObject") or "*"',
    ],
    [
      'a NotResource that is not an ARN',
      { Resource: undefined, NotResource: 'bucket/*' },
      'Statement[0].NotResource',
      '"bucket/*" is not an ARN or "*"',
    ],
  ])('%s', (_label, statement, path, problem) => {
    // Arrange
    const document = withStatement(statement);

    // Act
    const strict = thrown(() => parsePolicyDocument(JSON.stringify(document), { strict: true }));

    // Assert: refused when strict, naming the path; parsed as before otherwise (documents read from AWS).
    expect(strict).toBeInstanceOf(PolicyParseError);
    expect(strict).toMatchObject({ path, message: `${path}: ${problem}` });
    expect(parsePolicyDocument(JSON.stringify(document)).statements).toHaveLength(1);
  });

  it.each<[string, Record<string, unknown>]>([
    ['every form of action', { Action: ['*', 's3:*', 'execute-api:Invoke', 's3:Get*Object?'] }],
    ['ARNs with wildcards and variables', { Resource: ['arn:aws:s3:::b/${aws:username}/*', 'arn:*'] }],
    [
      'IfExists and set prefixes in any case',
      { Condition: { 'forallvalues:stringlikeifexists': { k: 'a*' } } },
    ],
    ['numbers and booleans as JSON values', { Condition: { NumericEquals: { k: 5 }, Bool: { b: false } } }],
    [
      'a value with a policy variable',
      { Condition: { DateLessThan: { 'aws:CurrentTime': '${aws:EpochTime}' } } },
    ],
  ])('accepts %s', (_label, statement) => {
    expect(parsePolicyDocument(withStatement(statement), { strict: true }).statements).toHaveLength(1);
  });
});
