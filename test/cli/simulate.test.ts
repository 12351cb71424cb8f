import { runCli } from '../../cli/main';
import { context, DYNAMO_POLICY, fakeIo, run } from './simulate-support';

const EXEC_POLICY = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
    { Sid: 'NoDebug', Effect: 'Deny', Action: 'logs:*', Resource: 'arn:aws:logs:*:*:log-group:/debug/*' },
  ],
});

const STREAM = 'arn:aws:logs:eu-west-1:123456789012:log-group:/aws/batch/job:log-stream:x';

describe('simulate: the AWS CLI examples', () => {
  it('example 1: allowed, with the statement position AWS reports', async () => {
    // Act
    const { code, stdout } = await run([
      '--policy-input-list',
      DYNAMO_POLICY,
      '--action-names',
      'dynamodb:CreateBackup',
      '--context-entries',
      context('2019-04-25T11:00:00Z'),
    ]);
    // Assert
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      EvaluationResults: [
        {
          EvalActionName: 'dynamodb:CreateBackup',
          EvalResourceName: '*',
          EvalDecision: 'allowed',
          MatchedStatements: [
            {
              SourcePolicyId: 'PolicyInputList.1',
              SourcePolicyType: 'IAM Policy',
              StartPosition: { Line: 1, Column: 38 },
              EndPosition: { Line: 1, Column: 167 },
            },
          ],
          MissingContextValues: [],
        },
      ],
    });
  });

  it('example 2: a date before the condition gives implicitDeny with no matched statements', async () => {
    const { code, results } = await run([
      '--policy-input-list',
      DYNAMO_POLICY,
      '--action-names',
      'dynamodb:CreateBackup',
      '--context-entries',
      context('2014-04-25T11:00:00Z'),
    ]);
    expect(code).toBe(0);
    expect(results).toEqual([
      {
        EvalActionName: 'dynamodb:CreateBackup',
        EvalResourceName: '*',
        EvalDecision: 'implicitDeny',
        MatchedStatements: [],
        MissingContextValues: [],
      },
    ]);
  });

  it('without the context key: the key is treated as absent and reported missing', async () => {
    const { results } = await run([
      '--policy-input-list',
      DYNAMO_POLICY,
      '--action-names',
      'dynamodb:CreateBackup',
    ]);
    expect(results[0]).toMatchObject({
      EvalDecision: 'implicitDeny',
      MissingContextValues: ['aws:CurrentTime'],
    });
  });
});

describe('simulate: decisions', () => {
  const GROUP = 'arn:aws:logs:eu-west-1:123456789012:log-group';

  it('with --resource-arns: one result per action, the most restrictive decision on top, each resource nested', async () => {
    // Act
    const { code, results } = await run([
      '--policy-input-list',
      EXEC_POLICY,
      '--action-names',
      'logs:PutLogEvents',
      'ecr:BatchGetImage',
      '--resource-arns',
      `${GROUP}:/aws/batch/job:log-stream:x`,
      `${GROUP}:/debug/app:log-stream:x`,
    ]);

    // Assert
    expect(code).toBe(0);
    expect(
      results.map((r) => [
        r.EvalActionName,
        r.EvalDecision,
        r.ResourceSpecificResults?.map((rs) => [rs.EvalResourceName.split(':')[6], rs.EvalResourceDecision]),
      ]),
    ).toEqual([
      [
        'logs:PutLogEvents',
        'explicitDeny',
        [
          ['/aws/batch/job', 'allowed'],
          ['/debug/app', 'explicitDeny'],
        ],
      ],
      [
        'ecr:BatchGetImage',
        'implicitDeny',
        [
          ['/aws/batch/job', 'implicitDeny'],
          ['/debug/app', 'implicitDeny'],
        ],
      ],
    ]);
    // Same account with resource ARNs: EvalDecisionDetails is present but empty; no single resource on top.
    expect(results[0]).toMatchObject({ EvalDecisionDetails: {}, MissingContextValues: [] });
    expect(results[0]).not.toHaveProperty('EvalResourceName');
    // The explicit deny lists only the Deny statement (the second one), on top and for its resource.
    const deny = [
      expect.objectContaining({
        SourcePolicyId: 'PolicyInputList.1',
        StartPosition: { Line: 1, Column: EXEC_POLICY.indexOf('{"Sid":"NoDebug"') + 2 },
      }),
    ];
    expect(results[0]?.MatchedStatements).toEqual(deny);
    expect(results[0]?.ResourceSpecificResults?.[1]?.MatchedStatements).toEqual(deny);
    expect(results[0]?.ResourceSpecificResults?.[0]?.MatchedStatements).toEqual([
      expect.objectContaining({
        StartPosition: { Line: 1, Column: EXEC_POLICY.indexOf('{"Sid":"Logs"') + 2 },
      }),
    ]);
  });

  it('nests missing context values per resource and gathers them on top', async () => {
    // Arrange: one resource needs aws:SourceVpc, the other aws:CurrentTime.
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::a/*',
          Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } },
        },
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::b/*',
          Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
        },
      ],
    });

    // Act
    const { code, results } = await run([
      '--policy-input-list',
      policy,
      '--action-names',
      's3:GetObject',
      '--resource-arns',
      'arn:aws:s3:::a/k',
      'arn:aws:s3:::b/k',
    ]);

    // Assert
    expect(code).toBe(0);
    expect(results[0]?.MissingContextValues).toEqual(['aws:SourceVpc', 'aws:CurrentTime']);
    expect(results[0]?.ResourceSpecificResults?.map((r) => r.MissingContextValues)).toEqual([
      ['aws:SourceVpc'],
      ['aws:CurrentTime'],
    ]);
  });

  it('names the one resource on top when only one is listed', async () => {
    const { results } = await run([
      '--policy-input-list',
      EXEC_POLICY,
      '--action-names',
      'logs:PutLogEvents',
      '--resource-arns',
      STREAM,
    ]);
    expect(results[0]).toMatchObject({
      EvalResourceName: STREAM,
      EvalDecision: 'allowed',
      ResourceSpecificResults: [
        expect.objectContaining({ EvalResourceName: STREAM, EvalResourceDecision: 'allowed' }),
      ],
    });
  });

  it('names policies PolicyInputList.N in input order and reads URL-encoded and file:// inputs', async () => {
    const other = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] });
    const { code, results } = await run(
      [
        '--policy-input-list',
        encodeURIComponent(EXEC_POLICY),
        'file://other.json',
        '--action-names',
        'ecr:BatchGetImage',
      ],
      { 'other.json': other },
    );
    expect(code).toBe(0);
    expect(results[0]?.MatchedStatements.map((m) => m.SourcePolicyId)).toEqual(['PolicyInputList.2']);
  });

  it('reports line and column of statements in a pretty-printed policy file', async () => {
    const pretty = JSON.stringify(JSON.parse(EXEC_POLICY), null, 4);
    const { results } = await run(
      [
        '--policy-input-list',
        'file://p.json',
        '--action-names',
        'logs:PutLogEvents',
        '--resource-arns',
        STREAM,
      ],
      {
        'p.json': pretty,
      },
    );
    expect(results[0]?.MatchedStatements[0]).toMatchObject({
      StartPosition: { Line: 4, Column: 10 },
      EndPosition: { Line: 12, Column: 10 },
    });
  });

  it('applies the permissions boundary and says whether it allowed', async () => {
    const boundary = JSON.stringify({
      Statement: [{ Effect: 'Allow', Action: 'logs:CreateLogStream', Resource: '*' }],
    });
    const { results } = await run([
      '--policy-input-list',
      EXEC_POLICY,
      '--permissions-boundary-policy-input-list',
      boundary,
      '--action-names',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      '--resource-arns',
      STREAM,
    ]);
    expect(results.map((r) => [r.EvalDecision, r.PermissionsBoundaryDecisionDetail])).toEqual([
      ['allowed', { AllowedByPermissionsBoundary: true }],
      ['implicitDeny', { AllowedByPermissionsBoundary: false }],
    ]);
    expect(results[0]?.MatchedStatements.map((m) => m.SourcePolicyId)).toEqual([
      'PolicyInputList.1',
      'PermissionsBoundaryPolicyInputList.1',
    ]);
  });

  it.each([
    [
      'a JSON array',
      ['[{"ContextKeyName":"aws:SourceVpc","ContextKeyValues":["vpc-1"],"ContextKeyType":"string"}]'],
      'allowed',
    ],
    [
      'a JSON object',
      ['{"ContextKeyName":"aws:SourceVpc","ContextKeyValues":["vpc-1"],"ContextKeyType":"string"}'],
      'allowed',
    ],
    ['shorthand', ['ContextKeyName=aws:SourceVpc,ContextKeyValues=vpc-1,ContextKeyType=string'], 'allowed'],
    [
      'shorthand with a list',
      ['ContextKeyName=aws:SourceVpc,ContextKeyValues=vpc-9,vpc-1,ContextKeyType=stringList'],
      'allowed',
    ],
    [
      'shorthand with another value',
      ['ContextKeyName="aws:SourceVpc",ContextKeyValues="vpc-2",ContextKeyType=string'],
      'implicitDeny',
    ],
    [
      'two shorthand entries',
      ['ContextKeyName=aws:SourceVpc,ContextKeyValues=vpc-1', 'ContextKeyName=k:x,ContextKeyValues=1'],
      'allowed',
    ],
  ])('reads context entries given as %s', async (_label, entries, decision) => {
    const policy = JSON.stringify({
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:*',
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } },
        },
      ],
    });
    const { code, results } = await run([
      '--policy-input-list',
      policy,
      '--action-names',
      's3:GetObject',
      '--context-entries',
      ...entries,
    ]);
    expect(code).toBe(0);
    expect(results[0]?.EvalDecision).toBe(decision);
    expect(results[0]?.MissingContextValues).toEqual([]);
  });

  it('accepts --flag=value', async () => {
    const { code, results } = await run([
      `--policy-input-list=${EXEC_POLICY}`,
      '--action-names=logs:PutLogEvents',
      `--resource-arns=${STREAM}`,
    ]);
    expect(code).toBe(0);
    expect(results[0]?.EvalDecision).toBe('allowed');
  });

  it('takes the values after --flag=first up to the next flag, as a list', async () => {
    const { code, results } = await run([
      `--policy-input-list=${EXEC_POLICY}`,
      '--action-names=logs:PutLogEvents',
      'logs:CreateLogStream',
      's3:GetObject',
      `--resource-arns=${STREAM}`,
    ]);
    expect(code).toBe(0);
    expect(results.map((r) => [r.EvalActionName, r.EvalDecision])).toEqual([
      ['logs:PutLogEvents', 'allowed'],
      ['logs:CreateLogStream', 'allowed'],
      ['s3:GetObject', 'implicitDeny'],
    ]);
  });

  it('compares the default resource * literally, as AWS does: a Deny on one log group does not hit it', async () => {
    const { results } = await run([
      '--policy-input-list',
      EXEC_POLICY,
      '--action-names',
      'logs:PutLogEvents',
    ]);
    expect(results[0]).toMatchObject({ EvalResourceName: '*', EvalDecision: 'allowed' });
  });

  it('prints usage for --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/--policy-input-list/);
  });
});

describe('simulate: bad flags and documents exit 2 with one line naming the problem', () => {
  const P = ['--policy-input-list', EXEC_POLICY];
  const A = ['--action-names', 'logs:PutLogEvents'];
  it.each<[string, string[], RegExp]>([
    ['no arguments', [], /--policy-input-list is required/],
    ['no actions', [...P], /--action-names is required/],
    ['an unknown flag', [...P, ...A, '--region', 'eu-west-1'], /unknown flag --region/],
    ['a flag without values', [...P, '--action-names'], /--action-names needs at least one value/],
    [
      'a flag twice',
      [...P, ...A, ...A],
      /--action-names given twice; list all its values after one --action-names/,
    ],
    [
      'a flag twice, once spelled with =',
      [...P, ...A, '--action-names=s3:GetObject'],
      /--action-names given twice/,
    ],
    ['an unknown short flag', [...P, ...A, '-r', STREAM], /unknown flag -r \(see --help\)/],
    [
      'a list flag with an empty inline value',
      [...P, '--action-names='],
      /--action-names needs at least one value/,
    ],
    [
      'an argument before any flag',
      ['logs:PutLogEvents', ...P, ...A],
      /unexpected argument "logs:PutLogEvents"/,
    ],
    [
      'a policy that is not JSON',
      ['--policy-input-list', '{"Version":', ...A],
      /--policy-input-list 1: not valid JSON/,
    ],
    [
      'an invalid second policy',
      [
        '--policy-input-list',
        EXEC_POLICY,
        '{"Statement":[{"Effect":"Permit","Action":"*","Resource":"*"}]}',
        ...A,
      ],
      /--policy-input-list 2: Statement\[0\]\.Effect: expected "Allow" or "Deny"/,
    ],
    [
      'a resource-based policy',
      [
        '--policy-input-list',
        '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}',
        ...A,
      ],
      /Statement\[0\]\.Principal: not allowed in an identity-based policy/,
    ],
    [
      'a statement without Resource',
      ['--policy-input-list', '{"Statement":[{"Effect":"Allow","Action":"*"}]}', ...A],
      /"Resource" or "NotResource"/,
    ],
    [
      'an unreadable file',
      ['--policy-input-list', 'file://missing.json', ...A],
      /--policy-input-list 1: cannot read file:\/\/missing.json: ENOENT/,
    ],
    [
      'two boundaries',
      [...P, ...A, '--permissions-boundary-policy-input-list', EXEC_POLICY, EXEC_POLICY],
      /takes one policy/,
    ],
    [
      'an invalid boundary',
      [...P, ...A, '--permissions-boundary-policy-input-list', '{}'],
      /--permissions-boundary-policy-input-list 1: Statement: missing/,
    ],
    [
      'context JSON that does not parse',
      [...P, ...A, '--context-entries', '[{"ContextKeyName":'],
      /--context-entries 1: not valid JSON/,
    ],
    [
      'a context entry without a name',
      [...P, ...A, '--context-entries', '[{"ContextKeyValues":["x"]}]'],
      /--context-entries 1\[0\]\.ContextKeyName: expected a string/,
    ],
    [
      'a shorthand context entry without ContextKeyValues',
      [...P, ...A, '--context-entries', 'ContextKeyName=a'],
      /^simulate: --context-entries 1: ContextKeyValues is missing \(ContextKeyName=k,ContextKeyValues=v,ContextKeyType=t\)$/m,
    ],
    [
      'a context entry with an unknown field',
      [...P, ...A, '--context-entries', '{"ContextKeyName":"a","ContextKeyValue":["x"]}'],
      /ContextKeyValue: unknown field/,
    ],
    [
      'an unknown context type',
      [...P, ...A, '--context-entries', 'ContextKeyName=a,ContextKeyValues=1,ContextKeyType=integer'],
      /ContextKeyType "integer" is not one of/,
    ],
    [
      'a numeric value that is not a number',
      [...P, ...A, '--context-entries', 'ContextKeyName=a,ContextKeyValues=ten,ContextKeyType=numeric'],
      /"ten" is not a valid numeric value/,
    ],
    [
      'a date that is not a date',
      [...P, ...A, '--context-entries', 'ContextKeyName=a,ContextKeyValues=soon,ContextKeyType=date'],
      /"soon" is not a valid date value/,
    ],
    [
      'two values for a single-valued type',
      [...P, ...A, '--context-entries', 'ContextKeyName=a,ContextKeyValues=x,y,ContextKeyType=string'],
      /takes exactly one value/,
    ],
    [
      'shorthand that is not shorthand',
      [...P, ...A, '--context-entries', 'aws:SourceVpc=vpc-1'],
      /expected ContextKeyName=/,
    ],
    [
      'a context key twice',
      [
        ...P,
        ...A,
        '--context-entries',
        'ContextKeyName=a,ContextKeyValues=1',
        'ContextKeyName=A,ContextKeyValues=2',
      ],
      /context key A given twice/,
    ],
  ])('%s', async (_label, argv, message) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(message);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('keeps the error on one line even when a policy key holds a newline', async () => {
    const { code, stderr } = await run(['--policy-input-list', '{"Statement":[],"Bad\\nKey":1}', ...A]);
    expect(code).toBe(2);
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
  });
});

describe('simulate: what IAM would reject exits 2 naming the path, never a decision', () => {
  const statement = (extra: Record<string, unknown>) =>
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:*', Resource: '*' },
        { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', ...extra },
      ],
    });
  const A = ['--action-names', 's3:GetObject'];
  it.each<[string, string[], string]>([
    [
      'a Deny with an operator IAM does not define (it used to decide "allowed")',
      ['--policy-input-list', statement({ Condition: { StringEqualz: { 'aws:SourceVpc': 'vpc-1' } } }), ...A],
      '--policy-input-list 1: Statement[1].Condition.StringEqualz: StringEqualz is not an IAM condition operator (did you mean StringEquals?)',
    ],
    [
      'a misspelt operator with a set prefix and IfExists',
      [
        '--policy-input-list',
        statement({ Condition: { 'ForAnyValue:StringLikeIfExist': { 'aws:TagKeys': 'a*' } } }),
        ...A,
      ],
      '--policy-input-list 1: Statement[1].Condition.ForAnyValue:StringLikeIfExist: ForAnyValue:StringLikeIfExist is not an IAM condition operator (did you mean ForAnyValue:StringLikeIfExists?)',
    ],
    [
      'Null with IfExists',
      ['--policy-input-list', statement({ Condition: { NullIfExists: { 'aws:TagKeys': 'true' } } }), ...A],
      '--policy-input-list 1: Statement[1].Condition.NullIfExists: NullIfExists is not an IAM condition operator (Null takes neither IfExists nor a ForAllValues/ForAnyValue prefix)',
    ],
    [
      'an operator nothing like one',
      ['--policy-input-list', statement({ Condition: { Whenever: { 'aws:TagKeys': 'x' } } }), ...A],
      '--policy-input-list 1: Statement[1].Condition.Whenever: Whenever is not an IAM condition operator',
    ],
    [
      'a number condition that is not a number',
      [
        '--policy-input-list',
        statement({ Condition: { NumericLessThan: { 's3:max-keys': ['10', 'ten'] } } }),
        ...A,
      ],
      '--policy-input-list 1: Statement[1].Condition.NumericLessThan.s3:max-keys[1]: "ten" is not a number for NumericLessThan',
    ],
    [
      'a Bool condition that is not a boolean',
      ['--policy-input-list', statement({ Condition: { Bool: { 'aws:SecureTransport': 'yes' } } }), ...A],
      '--policy-input-list 1: Statement[1].Condition.Bool.aws:SecureTransport: "yes" is not "true" or "false" for Bool',
    ],
    [
      'an action without its service',
      ['--policy-input-list', statement({ Action: 's3' }), ...A],
      '--policy-input-list 1: Statement[1].Action: "s3" is not an action: expected "service:Action" (such as "s3:GetObject") or "*"',
    ],
    [
      'an action in a list without its service',
      ['--policy-input-list', statement({ Action: undefined, NotAction: ['s3:Get*', 'GetObject'] }), ...A],
      '--policy-input-list 1: Statement[1].NotAction[1]: "GetObject" is not an action: expected "service:Action" (such as "s3:GetObject") or "*"',
    ],
    [
      'a resource that is not an ARN',
      ['--policy-input-list', statement({ Resource: 'my-bucket' }), ...A],
      '--policy-input-list 1: Statement[1].Resource: "my-bucket" is not an ARN or "*"',
    ],
    [
      'the same in the permissions boundary',
      [
        '--policy-input-list',
        EXEC_POLICY,
        '--permissions-boundary-policy-input-list',
        statement({ Condition: { DateGreaterThan: { 'aws:CurrentTime': 'tomorrow' } } }),
        ...A,
      ],
      '--permissions-boundary-policy-input-list 1: Statement[1].Condition.DateGreaterThan.aws:CurrentTime: "tomorrow" is not a date (ISO 8601 or epoch seconds) for DateGreaterThan',
    ],
    [
      'an action name without its service',
      ['--policy-input-list', EXEC_POLICY, '--action-names', 'logs:PutLogEvents', 's3GetObject'],
      '--action-names 2: "s3GetObject" is not an action name: expected service:Action, such as s3:GetObject (no wildcards)',
    ],
    [
      'an action name with a wildcard',
      ['--policy-input-list', EXEC_POLICY, '--action-names', 's3:Get*'],
      '--action-names 1: "s3:Get*" is not an action name: expected service:Action, such as s3:GetObject (no wildcards)',
    ],
    [
      'a resource that is not an ARN',
      ['--policy-input-list', EXEC_POLICY, ...A, '--resource-arns', 'my-bucket'],
      '--resource-arns 1: "my-bucket" is not an ARN (arn:partition:service:region:account:resource) or "*"',
    ],
  ])('%s', async (_label, argv, message) => {
    // Act
    const { code, stdout, stderr } = await run(argv);

    // Assert
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`simulate: ${message}\n`);
  });

  it('a Deny it cannot evaluate (a variable that is not a number in a Numeric condition) decides nothing', async () => {
    // Arrange
    const policy = statement({
      Condition: { NumericLessThan: { 's3:max-keys': '${aws:PrincipalTag/limit}' } },
    });

    // Act
    const { code, stdout, stderr } = await run([
      '--policy-input-list',
      policy,
      ...A,
      '--context-entries',
      'ContextKeyName=aws:PrincipalTag/limit,ContextKeyValues=many,ContextKeyType=string',
      'ContextKeyName=s3:max-keys,ContextKeyValues=5,ContextKeyType=numeric',
    ]);

    // Assert
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      'simulate: s3:GetObject on * cannot be decided: it depends on PolicyInputList.1 Statement[1] NumericLessThan s3:max-keys, which this simulator cannot evaluate\n',
    );
  });

  it('accepts every operator of the IAM reference, with set prefixes, IfExists and variables', async () => {
    // Arrange
    const condition = {
      StringEqualsIgnoreCase: { 'aws:PrincipalTag/team': 'Data' },
      'ForAllValues:StringLike': { 'aws:TagKeys': ['team', 'env*'] },
      ArnLikeIfExists: { 'aws:SourceArn': 'arn:aws:ecs:*:*:task/*' },
      NumericLessThanEquals: { 's3:max-keys': 10 },
      Bool: { 'aws:SecureTransport': true },
      IpAddress: { 'aws:SourceIp': '10.0.0.0/8' },
      Null: { 'aws:TokenIssueTime': 'false' },
      StringEquals: { 'aws:username': '${aws:username}' },
    };
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', Condition: condition },
      ],
    });

    // Act
    const { code, results } = await run(['--policy-input-list', policy, ...A]);

    // Assert: parsed and decided (the keys are missing, so not allowed), not refused.
    expect(code).toBe(0);
    expect(results[0]?.EvalDecision).toBe('implicitDeny');
  });
});

describe('runCli dispatch', () => {
  it.each<[string, string[], number, RegExp, 'stdout' | 'stderr']>([
    ['no command', [], 2, /usage: execution-role-check <command>/, 'stderr'],
    ['help', ['--help'], 0, /commands: .*simulate/, 'stdout'],
    ['an unknown command', ['simulat'], 2, /unknown command "simulat"/, 'stderr'],
    ['help, short', ['-h'], 0, /commands: audit, simulate/, 'stdout'],
    ['help as a word', ['help'], 0, /commands: audit, simulate/, 'stdout'],
    [
      'an unknown flag before the command',
      ['--verbose', 'audit'],
      2,
      /^execution-role-check: unknown flag --verbose \(see --help\)\nusage:/,
      'stderr',
    ],
    ["a command's help", ['simulate', '--help'], 0, /^usage: execution-role-check simulate/, 'stdout'],
    [
      'simulate',
      [
        'simulate',
        '--policy-input-list',
        EXEC_POLICY,
        '--action-names',
        'logs:PutLogEvents',
        '--resource-arns',
        STREAM,
      ],
      0,
      /"EvalDecision": "allowed"/,
      'stdout',
    ],
  ])('%s', async (_label, argv, code, text, stream) => {
    const fake = fakeIo();
    expect(await runCli(argv, fake.io)).toBe(code);
    expect(stream === 'stdout' ? fake.stdout() : fake.stderr()).toMatch(text);
  });
});

describe('simulate --help', () => {
  it('states the exit codes, as the README does', async () => {
    // Act
    const { code, stdout } = await run(['--help']);

    // Assert
    expect(code).toBe(0);
    expect(stdout).toContain('Exit codes: 0 with the results, whatever the decisions; 2 for bad flags');
  });
});
