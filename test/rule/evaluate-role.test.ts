import { evaluateRole } from '../../lib/rule/evaluate-role';
import type { Finding, PermissionRequirement, Requirement, RoleSnapshot } from '../../lib/core/model';
import { DEFAULT_RULE_PARAMETERS, type RuleParameters } from '../../lib/parameters';
import { requirementsFor } from '../../lib/requirements/derive';
import { extractUsage, type BatchJobDefinition, type KeyMetadata } from '../../lib/usage';
import {
  ACCOUNT,
  aJobDefinition,
  allow,
  aRole,
  awslogs,
  deny,
  ECR_REPOSITORY_ARN,
  EXECUTION_ROLE_ACTIONS,
  executionRolePolicy,
  LOCATION,
  OTHER_ACCOUNT,
  policy,
  REGION,
  ROLE_ARN,
  trustFor,
  type RoleOptions,
} from '../builders';

const SM = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret`;
const SSM = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const LOGS = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group`;

/** `ID action reason-kind detail`: one readable line per finding. */
function summarise(finding: Finding): string {
  const reason = finding.reason;
  const detail =
    reason.kind === 'explicitDeny'
      ? ` ${reason.policyName}#${reason.statement}`
      : reason.kind === 'boundary' || reason.kind === 'unreadable'
        ? ` ${reason.policyName}`
        : '';
  return `${finding.id}${finding.action ? ` ${finding.action}` : ''} ${reason.kind}${detail}`;
}

/** Findings for a role against the requirements of the given jobs (none: the six actions on `*`). */
function findingsOf(
  role: RoleSnapshot,
  options: {
    jobs?: readonly BatchJobDefinition[];
    params?: Partial<RuleParameters>;
    keys?: KeyMetadata;
    region?: string;
  } = {},
): string[] {
  const usage = extractUsage(options.jobs ?? [], [], LOCATION).get(role.arn);
  const params = { ...DEFAULT_RULE_PARAMETERS, ...options.params };
  const requirements = requirementsFor(role, usage, options.keys ?? new Map(), params, LOCATION);
  const evaluation = evaluateRole(role, requirements, { region: options.region ?? REGION });
  expect(evaluation.compliance).toBe(evaluation.findings.length === 0 ? 'COMPLIANT' : 'NON_COMPLIANT');
  return evaluation.findings.map(summarise);
}

/** A role whose only identity policy is one inline policy `grants`. */
const withOnly = (document: unknown, extra: RoleOptions = {}) =>
  aRole({ managed: [], inline: { grants: document }, ...extra });

const sixActions = (reason: string) =>
  EXECUTION_ROLE_ACTIONS.map((action) => `EXEC_PERMISSIONS ${action} ${reason}`);

describe('evaluateRole', () => {
  describe('trust (TRUST_ECS_TASKS, TRUST_CONFUSED_DEPUTY)', () => {
    it.each<[string, unknown, string[], Partial<RuleParameters>?]>([
      ['the documented trust policy', trustFor(), []],
      ['the trust as a URL-encoded string', encodeURIComponent(JSON.stringify(trustFor())), []],
      ['ecs-tasks among other services', trustFor(['ec2.amazonaws.com', 'ecs-tasks.amazonaws.com']), []],
      ['the EC2 trust the Batch wizard suggests', trustFor('ec2.amazonaws.com'), ['TRUST_ECS_TASKS noAllow']],
      ['ecs.amazonaws.com instead of ecs-tasks', trustFor('ecs.amazonaws.com'), ['TRUST_ECS_TASKS noAllow']],
      [
        'a Deny for ecs-tasks',
        policy(
          { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
          { Effect: 'Deny', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:*' },
        ),
        ['TRUST_ECS_TASKS explicitDeny trust#1'],
      ],
      [
        'aws:SourceAccount of the role’s account',
        trustFor(undefined, { StringEquals: { 'aws:SourceAccount': ACCOUNT } }),
        [],
      ],
      [
        'aws:SourceAccount of another account',
        trustFor(undefined, { StringEquals: { 'aws:SourceAccount': OTHER_ACCOUNT } }),
        ['TRUST_ECS_TASKS noAllow'],
      ],
      [
        'a condition on a key unknown at assume time',
        trustFor(undefined, { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } }),
        ['TRUST_ECS_TASKS conditional'],
      ],
      ['a trust policy that is not JSON', '{"Statement":', ['TRUST_ECS_TASKS unreadable trust']],
      [
        'no aws:SourceAccount when strict',
        trustFor(),
        ['TRUST_CONFUSED_DEPUTY noConfusedDeputyCondition'],
        { requireConfusedDeputyCondition: true },
      ],
      [
        'aws:SourceAccount when strict',
        trustFor(undefined, { StringEquals: { 'aws:SourceAccount': ACCOUNT } }),
        [],
        { requireConfusedDeputyCondition: true },
      ],
      [
        'aws:SourceArn on the account’s ECS ARNs when strict',
        trustFor(undefined, { ArnLike: { 'aws:SourceArn': `arn:aws:ecs:${REGION}:${ACCOUNT}:*` } }),
        [],
        { requireConfusedDeputyCondition: true },
      ],
    ])('%s', (_label, trust, expected, params = {}) => {
      expect(findingsOf(aRole({ trust }), { params })).toEqual(expected);
    });
  });

  describe('execution permissions without consumers (EXEC_PERMISSIONS on *)', () => {
    it.each<[string, RoleOptions, string[]]>([
      ['AmazonECSTaskExecutionRolePolicy attached', {}, []],
      ['no policies at all', { managed: [] }, sixActions('noAllow')],
      [
        'an inline copy with wildcards',
        { managed: [], inline: { x: policy(allow(['ecr:*', 'logs:Put*', 'logs:Create*'])) } },
        [],
      ],
      ['Action "*"', { managed: [], inline: { admin: policy(allow('*')) } }, []],
      [
        'a Deny on some repositories (jobs pulling from them would fail)',
        { inline: { d: policy(deny('ecr:*', 'arn:aws:ecr:*:*:repository/restricted-*')) } },
        sixActions('explicitDeny inline:d#0').slice(1, 4),
      ],
      [
        'a Deny on some log groups',
        { inline: { d: policy(deny('logs:*', 'arn:aws:logs:*:*:log-group:/secret/*')) } },
        sixActions('explicitDeny inline:d#0').slice(4),
      ],
      [
        'a Deny on another service leaves the baseline alone',
        { inline: { d: policy(deny('s3:*', 'arn:aws:s3:::bucket/*')) } },
        [],
      ],
      [
        'ECR actions on every repository: only GetAuthorizationToken (which takes only *) is missing',
        {
          managed: [],
          inline: { x: policy(allow('ecr:*', 'arn:aws:ecr:*:*:repository/*'), allow('logs:*')) },
        },
        sixActions('noAllow').slice(0, 1),
      ],
      [
        "ECR actions on one account's repositories (images may come from any account)",
        {
          managed: [],
          inline: { x: policy(allow('ecr:*', `arn:aws:ecr:*:${ACCOUNT}:repository/*`), allow('logs:*')) },
        },
        sixActions('noAllow').slice(0, 4),
      ],
      [
        'logs scoped to one log group (every log group is needed)',
        { managed: [], inline: { x: policy(allow('ecr:*'), allow('logs:*', `${LOGS}:/etl:*`)) } },
        sixActions('noAllow').slice(4),
      ],
      [
        'an inline Deny beside the managed policy',
        { inline: { 'deny-logs': policy(deny('logs:PutLogEvents')) } },
        ['EXEC_PERMISSIONS logs:PutLogEvents explicitDeny inline:deny-logs#0'],
      ],
      [
        'a Deny named by its Sid',
        { inline: { 'deny-logs': policy(allow('s3:GetObject'), deny('logs:*', '*', { Sid: 'NoLogs' })) } },
        [
          'EXEC_PERMISSIONS logs:CreateLogStream explicitDeny inline:deny-logs#NoLogs',
          'EXEC_PERMISSIONS logs:PutLogEvents explicitDeny inline:deny-logs#NoLogs',
        ],
      ],
      [
        'a Deny with NotAction that spares ECR only',
        { inline: { guard: policy({ Effect: 'Deny', NotAction: 'ecr:*', Resource: '*' }) } },
        [
          'EXEC_PERMISSIONS logs:CreateLogStream explicitDeny inline:guard#0',
          'EXEC_PERMISSIONS logs:PutLogEvents explicitDeny inline:guard#0',
        ],
      ],
      [
        'a boundary that allows only ECR',
        { boundary: { name: 'ecr-only', document: policy(allow('ecr:*')) } },
        [
          'EXEC_PERMISSIONS logs:CreateLogStream boundary boundary:ecr-only',
          'EXEC_PERMISSIONS logs:PutLogEvents boundary boundary:ecr-only',
        ],
      ],
      [
        'a boundary that denies logs',
        { boundary: { name: 'guard', document: policy(allow('*'), deny('logs:PutLogEvents')) } },
        ['EXEC_PERMISSIONS logs:PutLogEvents explicitDeny boundary:guard#1'],
      ],
      ['a boundary that allows everything', { boundary: { document: policy(allow('*')) } }, []],
    ])('%s', (_label, options, expected) => {
      expect(findingsOf(aRole(options))).toEqual(expected);
    });
  });

  describe('conditions: known runtime context counts, the unknown fails closed', () => {
    type Case = { condition: Record<string, Record<string, string>>; tags?: Record<string, string> };
    it.each<[string, Case, string[], string?]>([
      [
        'aws:SourceVpce (network, unknown)',
        { condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } } },
        sixActions('conditional'),
      ],
      ['aws:PrincipalArn of the role', { condition: { ArnEquals: { 'aws:PrincipalArn': ROLE_ARN } } }, []],
      [
        'aws:PrincipalArn of another role',
        { condition: { ArnEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/other` } } },
        sixActions('noAllow'),
      ],
      ['aws:PrincipalAccount', { condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } } }, []],
      ['aws:PrincipalType', { condition: { StringEquals: { 'aws:PrincipalType': 'AssumedRole' } } }, []],
      ['aws:SecureTransport', { condition: { Bool: { 'aws:SecureTransport': 'true' } } }, []],
      [
        'aws:PrincipalTag from the role’s tags',
        { condition: { StringEquals: { 'aws:PrincipalTag/team': 'data' } }, tags: { team: 'data' } },
        [],
      ],
      [
        'aws:PrincipalTag with another value',
        { condition: { StringEquals: { 'aws:PrincipalTag/team': 'web' } }, tags: { team: 'data' } },
        sixActions('noAllow'),
      ],
      [
        'aws:RequestedRegion of the rule',
        { condition: { StringEquals: { 'aws:RequestedRegion': REGION } } },
        [],
      ],
      [
        'aws:RequestedRegion without a known region',
        { condition: { StringEquals: { 'aws:RequestedRegion': REGION } } },
        sixActions('conditional'),
        '',
      ],
      [
        'aws:username (absent for roles, but unknown here)',
        { condition: { StringLike: { 'aws:username': '*' } } },
        sixActions('conditional'),
      ],
    ])('%s', (_label, { condition, tags }, expected, region = REGION) => {
      // Arrange
      const role = withOnly(policy(allow([...EXECUTION_ROLE_ACTIONS], '*', { Condition: condition })), {
        tags: tags ?? {},
      });

      // Act
      const usage = undefined;
      const location = region === '' ? { ...LOCATION, region: '' } : LOCATION;
      const requirements = requirementsFor(role, usage, new Map(), DEFAULT_RULE_PARAMETERS, location);
      const evaluation = evaluateRole(role, requirements, region === '' ? {} : { region: REGION });

      // Assert
      expect(evaluation.findings.map(summarise)).toEqual(expected);
    });

    it('lists the unresolved conditions in the finding', () => {
      // Arrange
      const role = withOnly(
        policy(
          allow('logs:*', '*', { Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } } }),
          allow('ecr:*'),
        ),
      );

      // Act
      const [finding] = evaluateRole(
        role,
        requirementsFor(role, undefined, new Map(), DEFAULT_RULE_PARAMETERS, LOCATION),
      ).findings;

      // Assert
      expect(finding?.reason).toEqual({
        kind: 'conditional',
        conditions: ['StringEquals aws:SourceVpce ["vpce-1"] (inline policy grants statement 0)'],
      });
      expect(finding?.message).toContain('aws:SourceVpce');
    });

    it('treats a Deny whose condition is unknown as not granted', () => {
      // Arrange
      const role = aRole({
        inline: {
          guard: policy(deny('*', '*', { Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } } })),
        },
      });

      // Act
      const findings = findingsOf(role);

      // Assert
      expect(findings).toEqual(sixActions('conditional'));
    });

    it.each<[string, RoleOptions, boolean | undefined, RegExp]>([
      [
        'a Deny under an unknown condition: denied under conditions, not proven allowed',
        {
          inline: {
            guard: policy(deny('*', '*', { Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1' } } })),
          },
        },
        true,
        /is not granted: denied under conditions the rule cannot verify, so not proven allowed: StringNotEquals aws:SourceVpce/,
      ],
      [
        'an Allow under an unknown condition: allowed only under conditions',
        {
          inline: {
            grants: policy(
              allow([...EXECUTION_ROLE_ACTIONS], '*', {
                Condition: { StringEquals: { 'aws:SourceVpce': 'v' } },
              }),
            ),
          },
          managed: [],
        },
        undefined,
        /is not granted: allowed only under conditions the rule cannot verify: StringEquals aws:SourceVpce/,
      ],
      [
        'a Deny with an operator IAM does not define: the hint names the one meant',
        {
          inline: {
            guard: policy(deny('*', '*', { Condition: { StringEqualz: { 'aws:SourceVpce': 'vpce-1' } } })),
          },
        },
        true,
        /StringEqualz aws:SourceVpce \["vpce-1"\] \(inline policy guard statement 0\); StringEqualz is not an IAM condition operator \(did you mean StringEquals\?\)/,
      ],
    ])('%s', (_label, options, deny, message) => {
      // Act
      const role = aRole(options);
      const [finding] = evaluateRole(
        role,
        requirementsFor(role, undefined, new Map(), DEFAULT_RULE_PARAMETERS, LOCATION),
      ).findings;

      // Assert
      expect(finding?.reason).toMatchObject({ kind: 'conditional' });
      expect(finding?.reason.kind === 'conditional' && finding.reason.deny).toBe(deny);
      expect(finding?.message).toMatch(message);
    });
  });

  describe('unreadable policies (POLICY_UNREADABLE)', () => {
    it.each<[string, RoleOptions, string[]]>([
      [
        'an inline policy that is not JSON',
        { inline: { broken: '{"Version":' } },
        ['POLICY_UNREADABLE unreadable inline:broken'],
      ],
      [
        'an inline policy with a bad Effect',
        { inline: { odd: { Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] } } },
        ['POLICY_UNREADABLE unreadable inline:odd'],
      ],
      [
        'an unreadable managed policy, the only grant',
        { managed: [{ name: 'mine', document: 'nope' }] },
        ['POLICY_UNREADABLE unreadable managed:mine', ...sixActions('noAllow')],
      ],
      [
        'an unreadable boundary',
        { boundary: { name: 'b', document: { Statement: 'x' } } },
        ['POLICY_UNREADABLE unreadable boundary:b'],
      ],
    ])('%s is NON_COMPLIANT', (_label, options, expected) => {
      expect(findingsOf(aRole(options))).toEqual(expected);
    });

    it('names the offending element in the message', () => {
      // Arrange
      const role = aRole({
        inline: { odd: { Statement: [{ Effect: 'Maybe', Action: '*', Resource: '*' }] } },
      });

      // Act
      const [finding] = evaluateRole(role, []).findings;

      // Assert
      expect(finding?.message).toMatch(/inline policy odd.*Statement\[0\]\.Effect/);
    });
  });

  describe('managed policy attachment (MANAGED_POLICY_ATTACHED, strict)', () => {
    it.each<[string, RoleOptions, string[]]>([
      ['attached', {}, []],
      [
        'a customer copy instead',
        { managed: [{ name: 'AmazonECSTaskExecutionRolePolicy', document: executionRolePolicy().document }] },
        ['MANAGED_POLICY_ATTACHED notAttached'],
      ],
      ['attached in the China partition', { partition: 'aws-cn' }, []],
    ])('%s', (_label, options, expected) => {
      expect(findingsOf(aRole(options), { params: { requireManagedPolicy: true } })).toEqual(expected);
    });
  });

  describe('grants narrowed by usage', () => {
    const job = aJobDefinition({ logConfiguration: awslogs('/etl') });
    it.each<[string, unknown, string[]]>([
      [
        'grants on the job’s repository and log group',
        policy(
          allow('ecr:GetAuthorizationToken'),
          allow('ecr:BatchGetImage', ECR_REPOSITORY_ARN),
          allow(['ecr:Get*', 'ecr:BatchCheck*'], ECR_REPOSITORY_ARN),
          allow('logs:*', `${LOGS}:/etl:*`),
        ),
        [],
      ],
      [
        'logs granted on another log group',
        policy(allow('ecr:*'), allow('logs:*', `${LOGS}:/other:*`)),
        ['EXEC_PERMISSIONS logs:CreateLogStream noAllow', 'EXEC_PERMISSIONS logs:PutLogEvents noAllow'],
      ],
      [
        'a log stream prefix (does not cover every stream)',
        policy(allow('ecr:*'), allow('logs:*', `${LOGS}:/etl:log-stream:etl/*`)),
        ['EXEC_PERMISSIONS logs:CreateLogStream noAllow', 'EXEC_PERMISSIONS logs:PutLogEvents noAllow'],
      ],
      [
        'ECR granted on another repository',
        policy(
          allow('ecr:GetAuthorizationToken'),
          allow('ecr:*', `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/web`),
          allow('logs:*'),
        ),
        [
          'EXEC_PERMISSIONS ecr:BatchCheckLayerAvailability noAllow',
          'EXEC_PERMISSIONS ecr:GetDownloadUrlForLayer noAllow',
          'EXEC_PERMISSIONS ecr:BatchGetImage noAllow',
        ],
      ],
    ])('%s', (_label, document, expected) => {
      expect(findingsOf(withOnly(document), { jobs: [job] })).toEqual(expected);
    });
  });

  describe('secrets (SECRETS_MANAGER, SECRETS_SSM, REGISTRY_CREDENTIALS, KMS_DECRYPT)', () => {
    const base = allow(['ecr:*', 'logs:*']);
    it.each<[string, Parameters<typeof aJobDefinition>[0], KeyMetadata, unknown[], string[]]>([
      [
        'GetSecretValue on the secret',
        { secrets: { DB: `${SM}:prod/db-AbCdEf:password::` } },
        new Map([[`${SM}:prod/db-AbCdEf`, null]]),
        [allow('secretsmanager:GetSecretValue', `${SM}:prod/db-AbCdEf`)],
        [],
      ],
      [
        'no grant for the secret',
        { secrets: { DB: `${SM}:prod/db-AbCdEf` } },
        new Map([[`${SM}:prod/db-AbCdEf`, null]]),
        [],
        ['SECRETS_MANAGER secretsmanager:GetSecretValue noAllow'],
      ],
      [
        'GetParameters on a path',
        { secrets: { DB: '/prod/db' } },
        new Map([[`${SSM}/prod/db`, null]]),
        [allow('ssm:GetParameters', `${SSM}/prod/*`)],
        [],
      ],
      [
        'GetParameter (singular) instead of GetParameters',
        { secrets: { DB: '/prod/db' } },
        new Map([[`${SSM}/prod/db`, null]]),
        [allow('ssm:GetParameter', `${SSM}/prod/db`)],
        ['SECRETS_SSM ssm:GetParameters noAllow'],
      ],
      [
        'a pass-through with only the SSM grant',
        { secrets: { DB: '/aws/reference/secretsmanager/prod/db' } },
        new Map([[`${SM}:prod/db`, null]]),
        [allow('ssm:GetParameters', `${SSM}/aws/reference/secretsmanager/*`)],
        ['SECRETS_MANAGER secretsmanager:GetSecretValue noAllow'],
      ],
      [
        'a pass-through with both grants, the secret by its suffix pattern',
        { secrets: { DB: '/aws/reference/secretsmanager/prod/db' } },
        new Map([[`${SM}:prod/db`, null]]),
        [
          allow('ssm:GetParameters', `${SSM}/aws/reference/secretsmanager/prod/db`),
          allow('secretsmanager:GetSecretValue', `${SM}:prod/db-??????`),
        ],
        [],
      ],
      [
        'registry credentials by name, granted on one exact suffix (cannot be proven)',
        { image: 'registry.example.com/app', credentialsParameter: 'dockerhub' },
        new Map([[`${SM}:dockerhub`, null]]),
        [allow('secretsmanager:GetSecretValue', `${SM}:dockerhub-AbCdEf`)],
        ['REGISTRY_CREDENTIALS secretsmanager:GetSecretValue noAllow'],
      ],
      [
        'registry credentials by name, granted on name-*',
        { image: 'registry.example.com/app', credentialsParameter: 'dockerhub' },
        new Map([[`${SM}:dockerhub`, null]]),
        [allow('secretsmanager:GetSecretValue', `${SM}:dockerhub-*`)],
        [],
      ],
      [
        'a customer managed key with kms:Decrypt',
        { secrets: { DB: '/prod/db' } },
        new Map([[`${SSM}/prod/db`, KEY]]),
        [allow('ssm:GetParameters', `${SSM}/prod/db`), allow('kms:Decrypt', KEY)],
        [],
      ],
      [
        'a customer managed key without kms:Decrypt',
        { secrets: { DB: '/prod/db' } },
        new Map([[`${SSM}/prod/db`, KEY]]),
        [allow('ssm:GetParameters', `${SSM}/prod/db`)],
        ['KMS_DECRYPT kms:Decrypt noAllow'],
      ],
      [
        'kms:Decrypt limited to Parameter Store by kms:ViaService',
        { secrets: { DB: '/prod/db' } },
        new Map([[`${SSM}/prod/db`, KEY]]),
        [
          allow('ssm:GetParameters', `${SSM}/prod/db`),
          allow('kms:Decrypt', KEY, {
            Condition: { StringEquals: { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` } },
          }),
        ],
        [],
      ],
      [
        'kms:Decrypt limited to Secrets Manager for a parameter',
        { secrets: { DB: '/prod/db' } },
        new Map([[`${SSM}/prod/db`, KEY]]),
        [
          allow('ssm:GetParameters', `${SSM}/prod/db`),
          allow('kms:Decrypt', KEY, {
            Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
          }),
        ],
        ['KMS_DECRYPT kms:Decrypt noAllow'],
      ],
      [
        'a key that could not be determined (fail closed)',
        { secrets: { DB: '/prod/db' } },
        new Map(),
        [allow('ssm:GetParameters', `${SSM}/prod/db`), allow('kms:Decrypt', '*')],
        ['KMS_DECRYPT kms:Decrypt unverifiable'],
      ],
      [
        'an unparseable reference, whatever the role grants',
        { secrets: { DB: 'arn:aws:s3:::bucket/key' } },
        new Map(),
        [allow('*')],
        ['SECRETS_SSM unverifiable'],
      ],
    ])('%s', (_label, job, keys, statements, expected) => {
      // Arrange
      const role = withOnly(policy(base, ...(statements as Parameters<typeof policy>)));

      // Act
      const findings = findingsOf(role, { jobs: [aJobDefinition(job)], keys });

      // Assert
      expect(findings).toEqual(expected);
    });
  });

  it('names the consumers that need a missing grant in the message', () => {
    // Arrange
    const role = aRole({ inline: { 'deny-logs': policy(deny('logs:PutLogEvents')) } });
    const jobs = [aJobDefinition(), aJobDefinition({ revision: 4 })];

    // Act
    const usage = extractUsage(jobs, [], LOCATION).get(role.arn);
    const { findings } = evaluateRole(
      role,
      requirementsFor(role, usage, new Map(), DEFAULT_RULE_PARAMETERS, LOCATION),
    );

    // Assert
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      id: 'EXEC_PERMISSIONS',
      action: 'logs:PutLogEvents',
      resource: `${LOGS}:/aws/batch/job:log-stream:*`,
      neededBy: [
        { kind: 'batch-job-definition', name: 'etl:3' },
        { kind: 'batch-job-definition', name: 'etl:4' },
      ],
    });
    expect(findings[0]?.message).toBe(
      `logs:PutLogEvents on ${LOGS}:/aws/batch/job:log-stream:* is not granted: denied by inline policy deny-logs ` +
        'statement 0 (needed by job definition etl:3, job definition etl:4)',
    );
  });

  it.each<[string, Parameters<typeof aJobDefinition>[0], string]>([
    [
      'an unknown KMS key',
      { secrets: { DB: '/prod/db' } },
      `kms:Decrypt for ${SSM}/prod/db cannot be checked: the KMS key protecting it could not be determined ` +
        '(needed by job definition etl:3)',
    ],
    [
      'an unparseable reference',
      { secrets: { DB: 'arn:aws:s3:::b' } },
      'containerProperties.secrets[DB] "arn:aws:s3:::b" names nothing the ECS agent can fetch (it is a s3 ARN, ' +
        'not a Secrets Manager secret or SSM parameter) (needed by job definition etl:3)',
    ],
  ])('explains what cannot be verified: %s', (_label, job, message) => {
    // Arrange
    const role = aRole({ inline: { all: policy(allow('*')) } });

    // Act
    const findings = evaluateRole(
      role,
      requirementsFor(
        role,
        extractUsage([aJobDefinition(job)], [], LOCATION).get(role.arn),
        new Map(),
        DEFAULT_RULE_PARAMETERS,
        LOCATION,
      ),
    ).findings;

    // Assert
    expect(findings.map((finding) => finding.message)).toEqual([message]);
  });

  it('is COMPLIANT with no requirements and readable policies', () => {
    expect(evaluateRole(aRole(), [])).toEqual({ compliance: 'COMPLIANT', findings: [] });
  });

  it('reads each policy document once however many requirements there are', () => {
    // Arrange: a document object whose Statement getter counts reads.
    let reads = 0;
    const document = {
      Version: '2012-10-17',
      get Statement() {
        reads += 1;
        return [allow('*')];
      },
    };
    const role = aRole({ managed: [], inline: { counted: document } });
    const requirements: PermissionRequirement[] = Array.from({ length: 50 }, (_, i) => ({
      kind: 'permission',
      id: 'SECRETS_SSM',
      action: 'ssm:GetParameters',
      resource: `${SSM}/p${i}`,
      neededBy: [],
    }));

    // Act
    const evaluation = evaluateRole(role, requirements as Requirement[]);

    // Assert
    expect(evaluation.compliance).toBe('COMPLIANT');
    expect(reads).toBeLessThanOrEqual(2);
  });
});
