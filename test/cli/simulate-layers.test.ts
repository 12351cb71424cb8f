/**
 * simulate --resource-policy / --resource-owner / --caller-arn: layered verdicts by hand, decided by
 * lib/policy/layers.ts as the rule decides them. Each row cites the rule it relies on.
 */
import type { Decision } from '../../lib/policy';
import { run } from './simulate-support';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const CALLER = `arn:aws:iam::${ACCOUNT}:role/batch/exec`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const OTHER_KEY = `arn:aws:kms:us-east-1:${OTHER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:prod/db-AbCdEf`;
const OTHER_SECRET = `arn:aws:secretsmanager:us-east-1:${OTHER}:secret:shared/api-AbCdEf`;
const REPO = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/app`;

const policy = (...statements: Record<string, unknown>[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
const ALLOWS = policy({
  Effect: 'Allow',
  Action: ['kms:Decrypt', 'secretsmanager:GetSecretValue', 'ecr:BatchGetImage', 's3:GetObject'],
  Resource: '*',
});
const ALLOWS_NOTHING_HERE = policy({ Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: '*' });
const grant = (principal: string, action: string, extra: Record<string, unknown> = { Resource: '*' }) => ({
  Effect: 'Allow',
  Principal: { AWS: principal },
  Action: action,
  ...extra,
});
const ROOT = (account: string) => `arn:aws:iam::${account}:root`;

type Row = [
  label: string,
  identity: string,
  resourcePolicy: string | undefined,
  action: string,
  resource: string,
  extra: string[],
  decision: Decision,
  details: Record<string, Decision> | undefined,
];

describe('simulate: a resource policy weighed as the rule weighs it', () => {
  it.each<Row>([
    // KMS Developer Guide, "Key policies in AWS KMS": the key policy must allow, by naming the principal
    // or by delegating to the account's IAM, which then needs the identity policies to allow too.
    [
      'KMS: key policy delegates to the account, identity allows',
      ALLOWS,
      policy(grant(ROOT(ACCOUNT), 'kms:*')),
      'kms:Decrypt',
      KEY,
      [],
      'allowed',
      undefined,
    ],
    [
      'KMS: key policy delegates to the account, identity does not allow',
      ALLOWS_NOTHING_HERE,
      policy(grant(ROOT(ACCOUNT), 'kms:*')),
      'kms:Decrypt',
      KEY,
      [],
      'implicitDeny',
      undefined,
    ],
    [
      'KMS: key policy names the role: allowed without an identity grant',
      ALLOWS_NOTHING_HERE,
      policy(grant(CALLER, 'kms:Decrypt')),
      'kms:Decrypt',
      KEY,
      [],
      'allowed',
      undefined,
    ],
    [
      'KMS: key policy for another account only: the identity grant alone is not enough',
      ALLOWS,
      policy(grant(ROOT('999999999999'), 'kms:*')),
      'kms:Decrypt',
      KEY,
      [],
      'implicitDeny',
      undefined,
    ],
    [
      'KMS: key policy denies the role',
      ALLOWS,
      policy(grant(ROOT(ACCOUNT), 'kms:*'), { ...grant(CALLER, 'kms:Decrypt'), Effect: 'Deny' }),
      'kms:Decrypt',
      KEY,
      [],
      'explicitDeny',
      undefined,
    ],
    [
      'KMS, resource "*": the kind comes from the action',
      ALLOWS,
      policy(grant(ROOT(ACCOUNT), 'kms:*')),
      'kms:Decrypt',
      '*',
      [],
      'allowed',
      undefined,
    ],
    [
      'KMS: a key of another account whose policy grants the caller account, identity allows',
      ALLOWS,
      policy(grant(ROOT(ACCOUNT), 'kms:Decrypt')),
      'kms:Decrypt',
      OTHER_KEY,
      [],
      'allowed',
      { 'IAM Policy': 'allowed', 'Resource Policy': 'allowed' },
    ],
    // IAM User Guide, "Policy evaluation logic": in one account, the identity side or a resource policy
    // naming the role suffices.
    [
      'secret, same account: the secret policy names the role, no identity grant',
      ALLOWS_NOTHING_HERE,
      policy(grant(CALLER, 'secretsmanager:GetSecretValue')),
      'secretsmanager:GetSecretValue',
      SECRET,
      [],
      'allowed',
      undefined,
    ],
    [
      'secret, same account: identity allows, the secret policy is about others',
      ALLOWS,
      policy(grant(ROOT('999999999999'), 'secretsmanager:*')),
      'secretsmanager:GetSecretValue',
      SECRET,
      [],
      'allowed',
      undefined,
    ],
    [
      'secret, same account: the secret policy denies everyone of the account',
      ALLOWS,
      policy({ ...grant(ROOT(ACCOUNT), 'secretsmanager:*'), Effect: 'Deny' }),
      'secretsmanager:GetSecretValue',
      SECRET,
      [],
      'explicitDeny',
      undefined,
    ],
    // "Cross-account policy evaluation logic": both the identity side and the resource policy must allow.
    [
      'secret, cross account: both allow',
      ALLOWS,
      policy(grant(CALLER, 'secretsmanager:GetSecretValue')),
      'secretsmanager:GetSecretValue',
      OTHER_SECRET,
      [],
      'allowed',
      { 'IAM Policy': 'allowed', 'Resource Policy': 'allowed' },
    ],
    [
      'secret, cross account: the secret policy does not grant',
      ALLOWS,
      policy(grant(ROOT('999999999999'), 'secretsmanager:*')),
      'secretsmanager:GetSecretValue',
      OTHER_SECRET,
      [],
      'implicitDeny',
      { 'IAM Policy': 'allowed', 'Resource Policy': 'implicitDeny' },
    ],
    [
      'secret, cross account: the secret policy grants, identity does not',
      ALLOWS_NOTHING_HERE,
      policy(grant(CALLER, 'secretsmanager:GetSecretValue')),
      'secretsmanager:GetSecretValue',
      OTHER_SECRET,
      [],
      'implicitDeny',
      { 'IAM Policy': 'implicitDeny', 'Resource Policy': 'allowed' },
    ],
    [
      'secret "*", --resource-owner another account: cross account',
      ALLOWS,
      policy(grant(ROOT(ACCOUNT), 'secretsmanager:GetSecretValue')),
      'secretsmanager:GetSecretValue',
      '*',
      ['--resource-owner', ROOT(OTHER)],
      'allowed',
      { 'IAM Policy': 'allowed', 'Resource Policy': 'allowed' },
    ],
    // ECR User Guide, "Private repository policies": no Resource element; a statement is about the repository.
    [
      'ECR: the repository policy names the role, no identity grant',
      ALLOWS_NOTHING_HERE,
      policy({ Effect: 'Allow', Principal: { AWS: CALLER }, Action: 'ecr:BatchGetImage' }),
      'ecr:BatchGetImage',
      REPO,
      [],
      'allowed',
      undefined,
    ],
    // Without a resource policy, a resource of another account has nothing to grant from its side.
    [
      'no resource policy, a secret of another account',
      ALLOWS,
      undefined,
      'secretsmanager:GetSecretValue',
      OTHER_SECRET,
      [],
      'implicitDeny',
      { 'IAM Policy': 'allowed', 'Resource Policy': 'implicitDeny' },
    ],
    [
      'no resource policy, an S3 object whose owner --resource-owner names',
      ALLOWS,
      undefined,
      's3:GetObject',
      'arn:aws:s3:::reports/2026/q1.csv',
      ['--resource-owner', ROOT(OTHER)],
      'implicitDeny',
      { 'IAM Policy': 'allowed', 'Resource Policy': 'implicitDeny' },
    ],
    [
      'no resource policy, same account: identity decides as without --caller-arn',
      ALLOWS,
      undefined,
      's3:GetObject',
      'arn:aws:s3:::reports/2026/q1.csv',
      [],
      'allowed',
      undefined,
    ],
  ])('%s', async (_label, identity, resourcePolicy, action, resource, extra, decision, details) => {
    // Act
    const { code, stderr, results } = await run([
      '--policy-input-list',
      identity,
      '--action-names',
      action,
      ...(resource === '*' ? [] : ['--resource-arns', resource]),
      ...(resourcePolicy === undefined ? [] : ['--resource-policy', resourcePolicy]),
      '--caller-arn',
      CALLER,
      ...extra,
    ]);

    // Assert
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const [result] = results;
    expect(result?.EvalDecision).toBe(decision);
    if (resource === '*') {
      expect(result?.EvalDecisionDetails).toEqual(details);
    } else {
      // Same account with a resource ARN: present but empty; cross account: each side, on top and per resource.
      expect(result?.EvalDecisionDetails).toEqual(details ?? {});
      expect(result?.ResourceSpecificResults?.[0]).toMatchObject({
        EvalResourceName: resource,
        EvalResourceDecision: decision,
      });
      expect(result?.ResourceSpecificResults?.[0]?.EvalDecisionDetails).toEqual(details);
    }
  });

  it('lists the resource policy statement that granted, with its position', async () => {
    // Arrange
    const keyPolicy = JSON.stringify(
      { Version: '2012-10-17', Statement: [grant(CALLER, 'kms:Decrypt')] },
      null,
      2,
    );

    // Act
    const { results } = await run(
      [
        '--policy-input-list',
        ALLOWS_NOTHING_HERE,
        '--action-names',
        'kms:Decrypt',
        '--resource-arns',
        KEY,
        '--resource-policy',
        'file://key-policy.json',
        '--caller-arn',
        CALLER,
      ],
      { 'key-policy.json': keyPolicy },
    );

    // Assert
    expect(results[0]?.MatchedStatements).toEqual([
      {
        SourcePolicyId: 'ResourcePolicy',
        SourcePolicyType: 'resource',
        StartPosition: { Line: 4, Column: 6 },
        EndPosition: { Line: 11, Column: 6 },
      },
    ]);
  });

  it('reports the context keys the resource policy needs, per resource', async () => {
    // Arrange
    const keyPolicy = policy(
      grant(CALLER, 'kms:Decrypt', {
        Resource: '*',
        Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
      }),
    );

    // Act
    const { results } = await run([
      '--policy-input-list',
      ALLOWS,
      '--action-names',
      'kms:Decrypt',
      '--resource-arns',
      KEY,
      '--resource-policy',
      keyPolicy,
      '--caller-arn',
      CALLER,
    ]);

    // Assert
    expect(results[0]?.EvalDecision).toBe('implicitDeny');
    expect(results[0]?.ResourceSpecificResults?.[0]?.MissingContextValues).toEqual(['kms:ViaService']);
  });
});

describe('simulate: bad layered input exits 2 naming the flag', () => {
  const BASE = ['--policy-input-list', ALLOWS, '--action-names', 'kms:Decrypt', '--resource-arns', KEY];
  const KEY_POLICY = policy(grant(ROOT(ACCOUNT), 'kms:*'));
  it.each<[string, string[], string]>([
    [
      '--resource-policy without --caller-arn',
      [...BASE, '--resource-policy', KEY_POLICY],
      "--resource-policy needs --caller-arn (the principal a resource policy names, and whose account is the caller's)",
    ],
    [
      '--resource-owner without --caller-arn',
      [...BASE, '--resource-owner', ROOT(OTHER)],
      "--resource-owner needs --caller-arn (the principal a resource policy names, and whose account is the caller's)",
    ],
    [
      'a caller that is an assumed-role session',
      [...BASE, '--caller-arn', `arn:aws:sts::${ACCOUNT}:assumed-role/exec/task`],
      `--caller-arn: "arn:aws:sts::${ACCOUNT}:assumed-role/exec/task" is not an IAM role or user ARN (arn:aws:iam::111122223333:role/NAME)`,
    ],
    [
      'an owner given as a bare account id',
      [...BASE, '--caller-arn', CALLER, '--resource-owner', OTHER],
      `--resource-owner: "${OTHER}" is not an account ARN (arn:aws:iam::111122223333:root)`,
    ],
    [
      'an owner that contradicts the resource ARN',
      [...BASE, '--caller-arn', CALLER, '--resource-owner', ROOT(OTHER), '--resource-policy', KEY_POLICY],
      `--resource-owner ${OTHER} contradicts ${KEY}, whose ARN names account ${ACCOUNT}`,
    ],
    [
      'a resource policy without Principal',
      [...BASE, '--caller-arn', CALLER, '--resource-policy', ALLOWS],
      '--resource-policy: Statement[0]: expected exactly one of "Principal" or "NotPrincipal"',
    ],
    [
      'a resource policy with an unknown operator',
      [
        ...BASE,
        '--caller-arn',
        CALLER,
        '--resource-policy',
        policy(
          grant(CALLER, 'kms:*', { Resource: '*', Condition: { StringEqualz: { 'kms:ViaService': 'x' } } }),
        ),
      ],
      '--resource-policy: Statement[0].Condition.StringEqualz: StringEqualz is not an IAM condition operator (did you mean StringEquals?)',
    ],
    [
      'a resource policy given twice',
      [...BASE, '--caller-arn', CALLER, '--resource-policy', KEY_POLICY, '--resource-policy', KEY_POLICY],
      '--resource-policy given twice',
    ],
    [
      'an unreadable resource policy file',
      [...BASE, '--caller-arn', CALLER, '--resource-policy', 'file://missing.json'],
      "--resource-policy: cannot read file://missing.json: ENOENT: no such file or directory, open 'missing.json'",
    ],
    [
      'a resource whose policy kind is not one the rule weighs',
      [
        '--policy-input-list',
        ALLOWS,
        '--action-names',
        's3:GetObject',
        '--resource-arns',
        'arn:aws:s3:::reports/q1.csv',
        '--caller-arn',
        CALLER,
        '--resource-policy',
        policy(grant(CALLER, 's3:GetObject')),
      ],
      '--resource-policy: cannot tell whose policy it is for s3:GetObject on arn:aws:s3:::reports/q1.csv: simulate weighs the resource policies an execution role meets, of KMS keys (key/...), Secrets Manager secrets (secret:...) and ECR repositories (repository/...)',
    ],
    [
      'a Deny naming a principal by unique id, which cannot be matched to an ARN',
      [
        ...BASE,
        '--caller-arn',
        CALLER,
        '--resource-policy',
        policy(grant(ROOT(ACCOUNT), 'kms:*'), {
          ...grant('AROAEXAMPLEID1234567', 'kms:Decrypt'),
          Effect: 'Deny',
        }),
      ],
      `kms:Decrypt on ${KEY} cannot be decided: it depends on ResourcePolicy Statement[1] Principal, which this simulator cannot evaluate`,
    ],
  ])('%s', async (_label, argv, message) => {
    // Act
    const { code, stdout, stderr } = await run(argv);

    // Assert
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`simulate: ${message}\n`);
  });
});
