/**
 * runRule over in-memory ports: every message type, applicability rule, rule parameter and valueFrom form,
 * the periodic sweep (stale results, time budget) and failures that must put nothing.
 */
import { InvalidEventError, InvalidRuleParametersError, MissingPermissionError } from '../../lib/core/errors';
import type { RoleSnapshot } from '../../lib/core/model';
import type { ConfigEvaluation } from '../../lib/config/ports';
import {
  runRule,
  SWEEP_SAFETY_MARGIN_MS,
  SweepTimeoutError,
  type RuleOutcome,
} from '../../lib/config/runner';
import type { BatchJobDefinition, ContainerLike } from '../../lib/usage/types';
import {
  ACCOUNT,
  aContainer,
  aJobDefinition,
  allow,
  aRole,
  aTaskDefinition,
  awslogs,
  deny,
  ECR_REPOSITORY_ARN,
  EXECUTION_ROLE_ACTIONS,
  policy,
  REGION,
  ROLE_ARN,
  trustFor,
  type ContainerOptions,
} from '../builders';
import {
  CAPTURE_TIME,
  changeEvent,
  configurationItem,
  FakeAccount,
  NOTIFICATION_TIME,
  oversizedEvent,
  ruleEvent,
  scheduledEvent,
  type ItemOptions,
  type ItemStatus,
  type PortCall,
} from '../support/fakes';

const SM = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret`;
const SSM = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const DB_SECRET = `${SM}:prod/db-AbCdEf`;
const LOG_STREAMS = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/batch/job:log-stream:*`;
const MISSING_LOGS = 'Missing logs:CreateLogStream, PutLogEvents';

/** A candidate that lacks the two logs actions (no managed policy; ECR only). */
const withoutLogs = (options: Parameters<typeof aRole>[0] = {}): RoleSnapshot =>
  aRole({ managed: [], inline: { ecr: policy(allow(EXECUTION_ROLE_ACTIONS.slice(0, 4))) }, ...options });

/** A role whose identity policies are the managed execution policy plus one inline `grants` statement. */
const granting = (actions: string[], resources: string[], options: Parameters<typeof aRole>[0] = {}) =>
  aRole({ inline: { grants: policy(allow(actions, resources)) }, ...options });

function accountWith(...roles: RoleSnapshot[]): FakeAccount {
  const account = new FakeAccount();
  account.roles = roles;
  return account;
}

/** Runs the event and returns the single evaluation it put (failing when it put anything else). */
async function verdictOf(account: FakeAccount, event: unknown): Promise<ConfigEvaluation> {
  const outcome = await runRule(event, account.deps());
  expect(account.puts).toHaveLength(1);
  expect(outcome.evaluations).toEqual(account.evaluationsPut());
  expect(outcome.evaluations).toHaveLength(1);
  return outcome.evaluations[0] as ConfigEvaluation;
}

/** The evaluation a role gets: `roleId` of the role, ordered by the item's capture time. */
function expected(
  role: RoleSnapshot,
  complianceType: ConfigEvaluation['complianceType'],
  annotation?: string,
  orderingTimestamp: Date = CAPTURE_TIME,
): ConfigEvaluation {
  return {
    complianceResourceType: 'AWS::IAM::Role',
    complianceResourceId: role.roleId,
    complianceType,
    orderingTimestamp,
    ...(annotation !== undefined && { annotation }),
  };
}

/** Runs `act`, expecting it to reject; returns the error. */
async function rejectionOf(act: () => Promise<unknown>): Promise<unknown> {
  try {
    await act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('runRule: message types', () => {
  it('evaluates the role in a change notification and puts one verdict ordered by its capture time', async () => {
    // Arrange
    const role = aRole();
    const account = accountWith(role);

    // Act
    const outcome = await runRule(changeEvent(role), account.deps());

    // Assert
    expect(outcome).toEqual({
      messageType: 'ConfigurationItemChangeNotification',
      evaluations: [expected(role, 'COMPLIANT')],
      complete: true,
    });
    expect(account.puts).toEqual([
      { evaluations: [expected(role, 'COMPLIANT')], resultToken: 'token-abc', testMode: false },
    ]);
  });

  it('puts NON_COMPLIANT with the annotation naming what is missing', async () => {
    const role = withoutLogs();
    expect(await verdictOf(accountWith(role), changeEvent(role))).toEqual(
      expected(role, 'NON_COMPLIANT', MISSING_LOGS),
    );
  });

  it('reads inline policies and the trust from the item, and only managed documents from IAM', async () => {
    // Arrange: IAM knows the managed policy, not the Deny that only the configuration item carries.
    const inItem = aRole({ inline: { 'no-logs': policy(deny('logs:*')) } });
    const account = accountWith(aRole());

    // Act
    const evaluation = await verdictOf(account, changeEvent(inItem));

    // Assert
    expect(evaluation).toEqual(
      expected(inItem, 'NON_COMPLIANT', `${MISSING_LOGS} (denied by inline policy no-logs)`),
    );
    expect(account.calls).toContain('iam.completeRole');
    expect(account.calls).not.toContain('iam.findRole');
  });

  it('fetches the permissions boundary document and applies it', async () => {
    const role = aRole({ boundary: { name: 'ecr-only', document: policy(allow('ecr:*')) } });
    expect(await verdictOf(accountWith(role), changeEvent(role))).toEqual(
      expected(role, 'NON_COMPLIANT', `${MISSING_LOGS} (not allowed by permissions boundary ecr-only)`),
    );
  });

  it('evaluates an oversized notification from GetResourceConfigHistory, ordered by that item', async () => {
    // Arrange: the history holds a newer capture of the role than the notification.
    const role = withoutLogs();
    const account = accountWith(role);
    const captured = new Date('2026-11-28T10:00:00.000Z');
    account.history.set(role.roleId, configurationItem(role, { captureTime: captured }));

    // Act
    const outcome = await runRule(oversizedEvent(role), account.deps());

    // Assert
    expect(outcome.messageType).toBe('OversizedConfigurationItemChangeNotification');
    expect(outcome.evaluations).toEqual([expected(role, 'NON_COMPLIANT', MISSING_LOGS, captured)]);
    expect(account.calls).toContain('config.getConfigurationItem');
  });

  it('puts NOT_APPLICABLE when the history shows the role deleted since the notification', async () => {
    const role = aRole();
    const account = accountWith(role);
    account.history.set(role.roleId, configurationItem(role, { status: 'ResourceDeleted' }));
    expect(await verdictOf(account, oversizedEvent(role))).toEqual(expected(role, 'NOT_APPLICABLE'));
    expect(account.calls).not.toContain('iam.completeRole');
  });

  it('fails an oversized notification whose item the history does not have, putting nothing', async () => {
    const role = aRole();
    const account = accountWith(role);
    const error = await rejectionOf(() => runRule(oversizedEvent(role), account.deps()));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).field).toBe('invokingEvent.configurationItemSummary.resourceId');
    expect(account.puts).toEqual([]);
  });

  it('sweeps the account on a scheduled notification, ordered by notificationCreationTime', async () => {
    const good = aRole();
    const bad = withoutLogs({ name: 'batch-exec', roleId: 'AROAEXAMPLEROLEID0002' });
    const account = accountWith(good, bad);
    account.jobDefinitions = [aJobDefinition({ executionRoleArn: bad.arn, image: 'busybox' })];

    const outcome = await runRule(scheduledEvent(), account.deps());

    expect(outcome).toEqual({
      messageType: 'ScheduledNotification',
      evaluations: [
        expected(good, 'COMPLIANT', undefined, NOTIFICATION_TIME),
        expected(
          bad,
          'NON_COMPLIANT',
          'Missing logs:CreateLogStream, PutLogEvents on ...:log-group:/aws/batch/job for job definition etl:3',
          NOTIFICATION_TIME,
        ),
      ],
      complete: true,
    });
  });

  it('ignores snapshot deliveries without reading or putting anything', async () => {
    const account = accountWith(aRole());
    const event = ruleEvent({
      configSnapshotId: 'abc',
      s3ObjectKey: 'key',
      s3Bucket: 'bucket',
      notificationCreationTime: NOTIFICATION_TIME.toISOString(),
      messageType: 'ConfigurationSnapshotDeliveryCompleted',
      recordVersion: '1.1',
    });
    expect(await runRule(event, account.deps())).toEqual({
      messageType: 'ConfigurationSnapshotDeliveryCompleted',
      evaluations: [],
      complete: true,
    });
    expect(account.calls).toEqual([]);
  });
});

describe('runRule: applicability of a change', () => {
  const slr = aRole({ path: '/aws-service-role/ecs.amazonaws.com/' });
  const plain = aRole({ name: 'app-role' });
  const deletedStatuses: ItemStatus[] = [
    'ResourceNotRecorded',
    'ResourceDeleted',
    'ResourceDeletedNotRecorded',
  ];

  it.each<[string, RoleSnapshot, ItemOptions]>([
    ['the event left the rule scope', aRole(), { eventLeftScope: true }],
    ...deletedStatuses.map((status): [string, RoleSnapshot, ItemOptions] => [
      `the item status is ${status}`,
      aRole(),
      { status },
    ]),
    ['the resource is not an IAM role', aRole(), { resourceType: 'AWS::IAM::User' }],
    ['the role is service-linked (even when its name matches)', slr, {}],
    ['the role is not a candidate', plain, {}],
    [
      'the role is excluded by ExcludeRoleNamePattern',
      aRole(),
      { ruleParameters: { ExcludeRoleNamePattern: 'ecsTask*' } },
    ],
  ])('NOT_APPLICABLE when %s, without reading the role', async (_case, role, options) => {
    for (const event of [changeEvent(role, options), oversizedEvent(role, options)]) {
      const account = accountWith(role);
      account.history.set(role.roleId, configurationItem(role, options));
      expect(await verdictOf(account, event)).toEqual(expected(role, 'NOT_APPLICABLE'));
      expect(account.calls).not.toContain('iam.completeRole');
      expect(account.calls).not.toContain('usage.describeKeys');
    }
  });

  it.each<ItemStatus>(['OK', 'ResourceDiscovered'])('evaluates an item with status %s', async (status) => {
    const role = withoutLogs();
    for (const event of [changeEvent(role, { status }), oversizedEvent(role, { status })]) {
      const account = accountWith(role);
      account.history.set(role.roleId, configurationItem(role, { status }));
      expect(await verdictOf(account, event)).toEqual(expected(role, 'NON_COMPLIANT', MISSING_LOGS));
    }
  });

  it('does not fetch the history when the summary already rules the item out', async () => {
    const role = aRole();
    const account = accountWith(role);
    await runRule(oversizedEvent(role, { status: 'ResourceDeleted' }), account.deps());
    await runRule(oversizedEvent(role, { eventLeftScope: true }), account.deps());
    expect(account.calls).toEqual(['config.putEvaluations', 'config.putEvaluations']);
  });

  it('lists no job definitions for an excluded role, even with discovery on', async () => {
    const role = aRole({ name: 'legacy-exec' });
    const account = accountWith(role);
    account.jobDefinitions = [aJobDefinition({ executionRoleArn: role.arn })];
    const event = changeEvent(role, { ruleParameters: { ExcludeRoleNamePattern: 'legacy-*' } });
    expect(await verdictOf(account, event)).toEqual(expected(role, 'NOT_APPLICABLE'));
    expect(account.calls).toEqual(['config.putEvaluations']);
  });
});

describe('runRule: rule parameters', () => {
  const appRole = withoutLogs({ name: 'app-role' });
  const usedByJob = (role: RoleSnapshot): BatchJobDefinition[] => [
    aJobDefinition({ executionRoleArn: role.arn, image: 'busybox' }),
  ];
  const JOB_LOGS =
    'Missing logs:CreateLogStream, PutLogEvents on ...:log-group:/aws/batch/job for job definition etl:3';

  interface ParameterCase {
    readonly role: RoleSnapshot;
    readonly parameters: Record<string, string>;
    readonly jobs?: BatchJobDefinition[];
    readonly tasks?: boolean;
    readonly keys?: Record<string, string | null>;
    readonly compliance: ConfigEvaluation['complianceType'];
    readonly annotation?: string;
  }

  it.each<[string, ParameterCase]>([
    [
      'RoleNamePattern defaults to ecsTaskExecutionRole',
      { role: withoutLogs(), parameters: {}, compliance: 'NON_COMPLIANT', annotation: MISSING_LOGS },
    ],
    [
      'RoleNamePattern globs select other names',
      {
        role: withoutLogs({ name: 'etl-7' }),
        parameters: { RoleNamePattern: 'batch-*, etl-?' },
        compliance: 'NON_COMPLIANT',
        annotation: MISSING_LOGS,
      },
    ],
    [
      'RoleNamePattern replaces the default name',
      { role: withoutLogs(), parameters: { RoleNamePattern: 'batch-*' }, compliance: 'NOT_APPLICABLE' },
    ],
    [
      'ExcludeRoleNamePattern wins over a name match',
      { role: withoutLogs(), parameters: { ExcludeRoleNamePattern: 'ecs*' }, compliance: 'NOT_APPLICABLE' },
    ],
    [
      'ExcludeRoleNamePattern wins over use by a job',
      {
        role: appRole,
        parameters: { ExcludeRoleNamePattern: 'app-*' },
        jobs: usedByJob(appRole),
        compliance: 'NOT_APPLICABLE',
      },
    ],
    [
      'RoleTagKey key selects any value',
      {
        role: withoutLogs({ name: 'app-role', tags: { team: 'ml' } }),
        parameters: { RoleTagKey: 'team' },
        compliance: 'NON_COMPLIANT',
        annotation: MISSING_LOGS,
      },
    ],
    [
      'RoleTagKey key=value selects that value',
      {
        role: withoutLogs({ name: 'app-role', tags: { team: 'data' } }),
        parameters: { RoleTagKey: 'team=data' },
        compliance: 'NON_COMPLIANT',
        annotation: MISSING_LOGS,
      },
    ],
    [
      'RoleTagKey key=value ignores other values',
      {
        role: withoutLogs({ name: 'app-role', tags: { team: 'ml' } }),
        parameters: { RoleTagKey: 'team=data' },
        compliance: 'NOT_APPLICABLE',
      },
    ],
    [
      'RoleTagKey unset ignores tags',
      {
        role: withoutLogs({ name: 'app-role', tags: { team: 'data' } }),
        parameters: {},
        compliance: 'NOT_APPLICABLE',
      },
    ],
    [
      'DiscoverBatchJobDefinitions (default on) selects a role a job uses',
      {
        role: appRole,
        parameters: {},
        jobs: usedByJob(appRole),
        compliance: 'NON_COMPLIANT',
        annotation: JOB_LOGS,
      },
    ],
    [
      'DiscoverBatchJobDefinitions=false ignores jobs',
      {
        role: appRole,
        parameters: { DiscoverBatchJobDefinitions: 'false' },
        jobs: usedByJob(appRole),
        compliance: 'NOT_APPLICABLE',
      },
    ],
    [
      'DiscoverBatchJobDefinitions=false keeps name candidates on the baseline',
      {
        role: withoutLogs(),
        parameters: { DiscoverBatchJobDefinitions: 'false' },
        jobs: usedByJob(withoutLogs()),
        compliance: 'NON_COMPLIANT',
        annotation: MISSING_LOGS,
      },
    ],
    [
      'DiscoverEcsTaskDefinitions (default off) ignores task definitions',
      { role: appRole, parameters: {}, tasks: true, compliance: 'NOT_APPLICABLE' },
    ],
    [
      'DiscoverEcsTaskDefinitions=true selects a role a task definition uses',
      {
        role: appRole,
        parameters: { DiscoverEcsTaskDefinitions: 'true' },
        tasks: true,
        compliance: 'COMPLIANT',
      },
    ],
    [
      'RequireManagedPolicy (default off) accepts inline grants',
      {
        role: aRole({ managed: [], inline: { all: policy(allow([...EXECUTION_ROLE_ACTIONS])) } }),
        parameters: {},
        compliance: 'COMPLIANT',
      },
    ],
    [
      'RequireManagedPolicy=true demands the attachment',
      {
        role: aRole({ managed: [], inline: { all: policy(allow([...EXECUTION_ROLE_ACTIONS])) } }),
        parameters: { RequireManagedPolicy: 'true' },
        compliance: 'NON_COMPLIANT',
        annotation: 'AmazonECSTaskExecutionRolePolicy not attached',
      },
    ],
    [
      'RequireConfusedDeputyCondition (default off) accepts a plain trust',
      { role: aRole(), parameters: {}, compliance: 'COMPLIANT' },
    ],
    [
      'RequireConfusedDeputyCondition=true rejects a plain trust',
      {
        role: aRole(),
        parameters: { RequireConfusedDeputyCondition: 'true' },
        compliance: 'NON_COMPLIANT',
        annotation: 'Trust lacks aws:SourceAccount or aws:SourceArn',
      },
    ],
    [
      'RequireConfusedDeputyCondition=true accepts aws:SourceAccount',
      {
        role: aRole({
          trust: trustFor('ecs-tasks.amazonaws.com', { StringEquals: { 'aws:SourceAccount': ACCOUNT } }),
        }),
        parameters: { RequireConfusedDeputyCondition: 'true' },
        compliance: 'COMPLIANT',
      },
    ],
    [
      'SecretArns demands GetSecretValue',
      {
        role: aRole(),
        parameters: { SecretArns: DB_SECRET },
        keys: { [DB_SECRET]: null },
        compliance: 'NON_COMPLIANT',
        annotation:
          'Missing secretsmanager:GetSecretValue on ...:secret:prod/db-AbCdEf for rule parameter SecretArns',
      },
    ],
    [
      'SecretArns demands kms:Decrypt on a customer managed key',
      {
        role: granting(['secretsmanager:GetSecretValue'], [DB_SECRET]),
        parameters: { SecretArns: DB_SECRET },
        keys: { [DB_SECRET]: KEY },
        compliance: 'NON_COMPLIANT',
        annotation:
          'Missing kms:Decrypt on ...:key/1234abcd-12ab-34cd-56ef-1234567890ab for rule parameter SecretArns',
      },
    ],
    [
      'SecretArns met',
      {
        role: granting(['secretsmanager:GetSecretValue'], [DB_SECRET]),
        parameters: { SecretArns: DB_SECRET },
        keys: { [DB_SECRET]: null },
        compliance: 'COMPLIANT',
      },
    ],
    [
      'ParameterArns demands GetParameters',
      {
        role: aRole(),
        parameters: { ParameterArns: `${SSM}/prod/token` },
        keys: { [`${SSM}/prod/token`]: null },
        compliance: 'NON_COMPLIANT',
        annotation: 'Missing ssm:GetParameters on ...:parameter/prod/token for rule parameter ParameterArns',
      },
    ],
    [
      'ParameterArns met',
      {
        role: granting(['ssm:GetParameters'], [`${SSM}/prod/*`]),
        parameters: { ParameterArns: `${SSM}/prod/token` },
        keys: { [`${SSM}/prod/token`]: null },
        compliance: 'COMPLIANT',
      },
    ],
    [
      'KmsKeyArns demands kms:Decrypt',
      {
        role: aRole(),
        parameters: { KmsKeyArns: KEY },
        compliance: 'NON_COMPLIANT',
        annotation:
          'Missing kms:Decrypt on ...:key/1234abcd-12ab-34cd-56ef-1234567890ab for rule parameter KmsKeyArns',
      },
    ],
    [
      'KmsKeyArns met',
      { role: granting(['kms:Decrypt'], [KEY]), parameters: { KmsKeyArns: KEY }, compliance: 'COMPLIANT' },
    ],
  ])('%s', async (_case, { role, parameters, jobs, tasks, keys, compliance, annotation }) => {
    // Arrange
    const arranged = (): FakeAccount => {
      const account = accountWith(role);
      account.jobDefinitions = jobs ?? [];
      account.taskDefinitions = tasks ? [aTaskDefinition({ executionRoleArn: role.arn })] : [];
      for (const [arn, key] of Object.entries(keys ?? {})) account.keys.set(arn, key);
      return account;
    };

    // Act
    const change = await verdictOf(arranged(), changeEvent(role, { ruleParameters: parameters }));
    const sweep = await runRule(scheduledEvent({ ruleParameters: parameters }), arranged().deps());

    // Assert: a change and a sweep agree (a sweep reports a non-candidate only to clear a verdict)
    expect(change).toEqual(expected(role, compliance, annotation));
    expect(sweep.evaluations).toEqual(
      compliance === 'NOT_APPLICABLE' ? [] : [expected(role, compliance, annotation, NOTIFICATION_TIME)],
    );
  });

  it.each<[string, Record<string, string>, PortCall[]]>([
    ['defaults list job definitions only', {}, ['usage.listActiveJobDefinitions']],
    ['DiscoverBatchJobDefinitions=false lists nothing', { DiscoverBatchJobDefinitions: 'false' }, []],
    [
      'DiscoverEcsTaskDefinitions=true lists both',
      { DiscoverEcsTaskDefinitions: 'true' },
      ['usage.listActiveJobDefinitions', 'usage.listLatestTaskDefinitions'],
    ],
  ])('%s', async (_case, parameters, listings) => {
    for (const event of [
      changeEvent(aRole(), { ruleParameters: parameters }),
      scheduledEvent({ ruleParameters: parameters }),
    ]) {
      const account = accountWith(aRole());
      await runRule(event, account.deps());
      expect(account.calls.filter((call) => call.startsWith('usage.list')).sort()).toEqual(listings);
    }
  });

  it('describes only the secrets of the changed role, plus those the parameters name', async () => {
    // Arrange: another role's job uses another secret; a change to this role must not describe it.
    const other = aRole({ name: 'other-exec', roleId: 'AROAEXAMPLEROLEID0009' });
    const account = accountWith(aRole(), other);
    account.jobDefinitions = [
      aJobDefinition({ secrets: { DB: DB_SECRET } }),
      aJobDefinition({
        jobDefinitionName: 'other',
        executionRoleArn: other.arn,
        secrets: { X: `${SM}:other-QwErTy` },
      }),
    ];

    // Act
    await runRule(
      changeEvent(aRole(), { ruleParameters: { ParameterArns: `${SSM}/shared` } }),
      account.deps(),
    );

    // Assert
    expect(account.describeKeyRequests).toEqual([
      { secretArns: [DB_SECRET], parameterArns: [`${SSM}/shared`] },
    ]);
  });
});

describe('runRule: pull through cache rules', () => {
  const CACHE_IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/ecr-public/nginx/nginx:1.27`;

  it.each<[string, (role: RoleSnapshot) => unknown]>([
    ['a change notification', (role) => changeEvent(role)],
    ['a periodic sweep', () => scheduledEvent()],
  ])(
    'on %s, reads the rules of the regions the role pulls from once and names the cache repository',
    async (_case, event) => {
      // Arrange: another role pulls from us-west-2; a change to this role must not read that region.
      const role = aRole();
      const other = aRole({ name: 'other-exec', roleId: 'AROAEXAMPLEROLEID0009' });
      const account = accountWith(role, other);
      account.jobDefinitions = [
        aJobDefinition({ image: CACHE_IMAGE }),
        aJobDefinition({
          jobDefinitionName: 'other',
          executionRoleArn: other.arn,
          image: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/app:1`,
        }),
      ];
      account.pullThroughCachePrefixes.set(REGION, ['ecr-public']);

      // Act
      const outcome = await runRule(event(role), account.deps());

      // Assert
      const verdict = outcome.evaluations.find((e) => e.complianceResourceId === role.roleId);
      expect(verdict?.complianceType).toBe('NON_COMPLIANT');
      expect(verdict?.annotation).toBe(
        'Missing ecr:BatchImportUpstreamImage, CreateRepository on ...:repository/ecr-public/nginx/nginx for job definition etl:3',
      );
      const reads = account.calls.filter((call) => call === 'usage.pullThroughCachePrefixes').length;
      expect(reads).toBe(outcome.messageType === 'ScheduledNotification' ? 2 : 1);
    },
  );

  it('fails the invocation naming ecr:DescribePullThroughCacheRules when the read is denied, putting nothing', async () => {
    const account = accountWith(aRole());
    account.jobDefinitions = [aJobDefinition({ image: CACHE_IMAGE })];
    account.failures.set(
      'usage.pullThroughCachePrefixes',
      new MissingPermissionError('ecr:DescribePullThroughCacheRules', 'denied'),
    );
    const error = await rejectionOf(() => runRule(changeEvent(aRole()), account.deps()));
    expect(error).toBeInstanceOf(MissingPermissionError);
    expect(String(error)).toContain('ecr:DescribePullThroughCacheRules');
    expect(account.puts).toEqual([]);
  });
});

describe('runRule: what a job definition adds', () => {
  /** A role granting the execution policy plus `actions` on `resources`; COMPLIANT for the case's job. */
  interface FormCase {
    readonly container: ContainerOptions;
    readonly annotation: string;
    readonly grant: { readonly actions: string[]; readonly resources: string[] };
    readonly keys?: Record<string, string | null>;
    /** What DescribeSecret answers for a secret named without its suffix: partial ARN -> full ARN. */
    readonly fullSecretArns?: Record<string, string>;
  }

  const keyed = (arn: string, key: string | null = null) => ({ [arn]: key });
  const secretGrant = { actions: ['secretsmanager:GetSecretValue'], resources: [DB_SECRET] };

  it.each<[string, FormCase]>([
    [
      'a Secrets Manager ARN',
      {
        container: { secrets: { DB: DB_SECRET } },
        keys: keyed(DB_SECRET),
        grant: secretGrant,
        annotation:
          'Missing secretsmanager:GetSecretValue on ...:secret:prod/db-AbCdEf for job definition etl:3',
      },
    ],
    [
      'a Secrets Manager ARN with :json-key::',
      {
        container: { secrets: { DB: `${DB_SECRET}:password::` } },
        keys: keyed(DB_SECRET),
        grant: secretGrant,
        annotation:
          'Missing secretsmanager:GetSecretValue on ...:secret:prod/db-AbCdEf for job definition etl:3',
      },
    ],
    [
      'a Secrets Manager ARN with :json-key:version-stage:',
      {
        container: { secrets: { DB: `${DB_SECRET}:password:AWSPREVIOUS:` } },
        keys: keyed(DB_SECRET),
        grant: secretGrant,
        annotation:
          'Missing secretsmanager:GetSecretValue on ...:secret:prod/db-AbCdEf for job definition etl:3',
      },
    ],
    [
      'a Secrets Manager ARN with :::version-id',
      {
        container: { secrets: { DB: `${DB_SECRET}:::a1b2c3d4-5678-90ab-cdef-EXAMPLE11111` } },
        keys: keyed(DB_SECRET),
        grant: secretGrant,
        annotation:
          'Missing secretsmanager:GetSecretValue on ...:secret:prod/db-AbCdEf for job definition etl:3',
      },
    ],
    [
      'an SSM parameter name, resolved in the rule region',
      {
        container: { secrets: { PW: 'db-password' } },
        keys: keyed(`${SSM}/db-password`),
        grant: { actions: ['ssm:GetParameters'], resources: [`${SSM}/db-password`] },
        annotation: 'Missing ssm:GetParameters on ...:parameter/db-password for job definition etl:3',
      },
    ],
    [
      'a hierarchical SSM parameter name',
      {
        container: { secrets: { PW: '/prod/db/password' } },
        keys: keyed(`${SSM}/prod/db/password`),
        grant: { actions: ['ssm:GetParameters'], resources: [`${SSM}/prod/db/*`] },
        annotation: 'Missing ssm:GetParameters on ...:parameter/prod/db/password for job definition etl:3',
      },
    ],
    [
      'an SSM parameter ARN',
      {
        container: { secrets: { PW: `${SSM}/prod/db/password` } },
        keys: keyed(`${SSM}/prod/db/password`),
        grant: { actions: ['ssm:GetParameters'], resources: [`${SSM}/prod/db/password`] },
        annotation: 'Missing ssm:GetParameters on ...:parameter/prod/db/password for job definition etl:3',
      },
    ],
    [
      'a /aws/reference/secretsmanager/ pass-through (both actions)',
      {
        container: { secrets: { DB: '/aws/reference/secretsmanager/prod/db' } },
        keys: keyed(`${SM}:prod/db`),
        grant: {
          actions: ['ssm:GetParameters', 'secretsmanager:GetSecretValue'],
          resources: [`${SSM}/aws/reference/secretsmanager/prod/db`, `${SM}:prod/db-*`],
        },
        annotation:
          'Missing ssm:GetParameters on ...:parameter/aws/reference/secretsmanager/prod/db, secretsmanager:GetSecretValue on ...:secret:prod/db-?????? for job definition etl:3',
      },
    ],
    [
      'logConfiguration.secretOptions',
      {
        container: {
          logConfiguration: {
            logDriver: 'splunk',
            secretOptions: [{ name: 'splunk-token', valueFrom: `${SSM}/splunk` }],
          },
        },
        keys: keyed(`${SSM}/splunk`),
        grant: { actions: ['ssm:GetParameters'], resources: [`${SSM}/splunk`] },
        annotation: 'Missing ssm:GetParameters on ...:parameter/splunk for job definition etl:3',
      },
    ],
    [
      'repositoryCredentials by ARN',
      {
        container: { credentialsParameter: `${SM}:dockerhub-XyZ123` },
        keys: keyed(`${SM}:dockerhub-XyZ123`),
        grant: { actions: ['secretsmanager:GetSecretValue'], resources: [`${SM}:dockerhub-XyZ123`] },
        annotation:
          'Missing secretsmanager:GetSecretValue on ...:secret:dockerhub-XyZ123 for job definition etl:3',
      },
    ],
    [
      'repositoryCredentials by name',
      {
        container: { credentialsParameter: 'dockerhub' },
        keys: keyed(`${SM}:dockerhub`),
        grant: { actions: ['secretsmanager:GetSecretValue'], resources: [`${SM}:dockerhub-*`] },
        annotation:
          'Missing secretsmanager:GetSecretValue on ...:secret:dockerhub-?????? for job definition etl:3',
      },
    ],
    [
      'repositoryCredentials by name, resolved by DescribeSecret (the exact full ARN complies)',
      {
        container: { credentialsParameter: 'dockerhub' },
        keys: keyed(`${SM}:dockerhub`),
        fullSecretArns: { [`${SM}:dockerhub`]: `${SM}:dockerhub-XyZ123` },
        grant: { actions: ['secretsmanager:GetSecretValue'], resources: [`${SM}:dockerhub-XyZ123`] },
        annotation:
          'Missing secretsmanager:GetSecretValue on ...:secret:dockerhub-XyZ123 for job definition etl:3',
      },
    ],
    [
      'a pass-through resolved by DescribeSecret, under a customer managed key',
      {
        container: { secrets: { DB: '/aws/reference/secretsmanager/prod/db' } },
        keys: keyed(`${SM}:prod/db`, KEY),
        fullSecretArns: { [`${SM}:prod/db`]: DB_SECRET },
        grant: {
          actions: ['ssm:GetParameters', 'secretsmanager:GetSecretValue', 'kms:Decrypt'],
          resources: [`${SSM}/aws/reference/secretsmanager/prod/db`, DB_SECRET, KEY],
        },
        annotation:
          'Missing ssm:GetParameters on ...:parameter/aws/reference/secretsmanager/prod/db, secretsmanager:GetSecretValue on ...:secret:prod/db-AbCdEf, kms:Decrypt on ...:key/1234abcd-12ab-34cd-56ef-1234567890ab for job definition etl:3',
      },
    ],
    [
      'a secret under a customer managed key',
      {
        container: { secrets: { DB: DB_SECRET } },
        keys: keyed(DB_SECRET, KEY),
        grant: { actions: ['secretsmanager:GetSecretValue', 'kms:Decrypt'], resources: [DB_SECRET, KEY] },
        annotation:
          'Missing secretsmanager:GetSecretValue on ...:secret:prod/db-AbCdEf, kms:Decrypt on ...:key/1234abcd-12ab-34cd-56ef-1234567890ab for job definition etl:3',
      },
    ],
    [
      'a SecureString parameter under a customer managed key',
      {
        container: { secrets: { PW: 'db-password' } },
        keys: keyed(`${SSM}/db-password`, KEY),
        grant: { actions: ['ssm:GetParameters', 'kms:Decrypt'], resources: [`${SSM}/db-password`, KEY] },
        annotation:
          'Missing ssm:GetParameters on ...:parameter/db-password, kms:Decrypt on ...:key/1234abcd-12ab-34cd-56ef-1234567890ab for job definition etl:3',
      },
    ],
  ])(
    '%s: the annotation names the grant and the job; granting it complies',
    async (_case, { container, keys, fullSecretArns, grant, annotation }) => {
      // Arrange
      const job = aJobDefinition({ image: 'busybox', ...container });
      const bare = aRole();
      const granted = granting(grant.actions, grant.resources);

      // Act
      const verdicts: ConfigEvaluation[] = [];
      for (const role of [bare, granted]) {
        const account = accountWith(role);
        account.jobDefinitions = [job];
        for (const [arn, key] of Object.entries(keys ?? {})) account.keys.set(arn, key);
        for (const [arn, full] of Object.entries(fullSecretArns ?? {})) account.fullSecretArns.set(arn, full);
        verdicts.push(await verdictOf(account, changeEvent(role)));
      }

      // Assert
      expect(verdicts).toEqual([expected(bare, 'NON_COMPLIANT', annotation), expected(granted, 'COMPLIANT')]);
    },
  );

  describe('a registry secret named without its suffix, granted on its exact full ARN', () => {
    const FULL = `${SM}:dockerhub-XyZ123`;
    const job = aJobDefinition({ image: 'registry.example.com/etl:1', credentialsParameter: 'dockerhub' });
    const exact = granting(['secretsmanager:GetSecretValue'], [FULL]);
    const accountFor = (role: RoleSnapshot, resolved: boolean): FakeAccount => {
      const account = accountWith(role);
      account.jobDefinitions = [job];
      account.keys.set(`${SM}:dockerhub`, null);
      if (resolved) account.fullSecretArns.set(`${SM}:dockerhub`, FULL);
      return account;
    };
    const unresolved =
      'Missing secretsmanager:GetSecretValue on ...:secret:dockerhub-?????? for job definition etl:3';

    it.each<[string, boolean, ConfigEvaluation['complianceType'], string | undefined]>([
      ['COMPLIANT when DescribeSecret resolves the name', true, 'COMPLIANT', undefined],
      [
        'NON_COMPLIANT when it cannot (only NAME-?????? is known: fail closed)',
        false,
        'NON_COMPLIANT',
        unresolved,
      ],
    ])('change: %s', async (_case, resolved, compliance, annotation) => {
      // Arrange
      const account = accountFor(exact, resolved);

      // Act
      const verdict = await verdictOf(account, changeEvent(exact));

      // Assert
      expect(verdict).toEqual(expected(exact, compliance, annotation));
      // One describe per invocation: the resolution comes with the KMS key, not from another call.
      expect(account.calls.filter((call) => call === 'usage.describeKeys')).toHaveLength(1);
      expect(account.describeKeyRequests).toEqual([{ secretArns: [`${SM}:dockerhub`], parameterArns: [] }]);
    });

    it('sweep: COMPLIANT when DescribeSecret resolves the name', async () => {
      const account = accountFor(exact, true);
      const outcome = await runRule(scheduledEvent(), account.deps());
      expect(outcome.evaluations).toEqual([expected(exact, 'COMPLIANT', undefined, NOTIFICATION_TIME)]);
    });
  });

  it.each<[string, ContainerOptions, string]>([
    [
      'a secret whose KMS key cannot be described',
      { secrets: { DB: DB_SECRET } },
      'Cannot verify kms:Decrypt for ...:secret:prod/db-AbCdEf (KMS key unknown) for job definition etl:3',
    ],
    [
      'a valueFrom that names nothing fetchable',
      { secrets: { DB: 'arn:aws:s3:::bucket/key' } },
      'Unusable secret reference containerProperties.secrets[DB] "arn:aws:s3:::bucket/key" for job definition etl:3',
    ],
  ])('fails closed on %s, whatever the role grants', async (_case, container, annotation) => {
    const role = granting(['secretsmanager:*', 'ssm:*', 'kms:*'], ['*']);
    const account = accountWith(role);
    account.jobDefinitions = [aJobDefinition({ image: 'busybox', ...container })];
    expect(await verdictOf(account, changeEvent(role))).toEqual(expected(role, 'NON_COMPLIANT', annotation));
  });

  const withSecret = (options: { name?: string; image?: string } = {}): ContainerLike =>
    aContainer({ name: 'main', image: 'busybox', secrets: { DB: DB_SECRET }, ...options });

  it.each<[string, BatchJobDefinition]>([
    [
      'containerProperties',
      aJobDefinition({
        jobDefinitionName: 'single',
        revision: 1,
        image: 'busybox',
        secrets: { DB: DB_SECRET },
      }),
    ],
    [
      'ecsProperties.taskProperties[]',
      {
        jobDefinitionName: 'ecs-job',
        revision: 2,
        status: 'ACTIVE',
        type: 'container',
        ecsProperties: { taskProperties: [{ executionRoleArn: ROLE_ARN, containers: [withSecret()] }] },
      },
    ],
    [
      'nodeProperties container',
      {
        jobDefinitionName: 'mnp',
        revision: 4,
        status: 'ACTIVE',
        type: 'multinode',
        nodeProperties: {
          nodeRangeProperties: [
            { targetNodes: '0:', container: { ...withSecret(), executionRoleArn: ROLE_ARN } },
          ],
        },
      },
    ],
    [
      'nodeProperties ecsProperties',
      {
        jobDefinitionName: 'mnp-ecs',
        revision: 5,
        status: 'ACTIVE',
        type: 'multinode',
        nodeProperties: {
          nodeRangeProperties: [
            {
              targetNodes: '0:',
              ecsProperties: { taskProperties: [{ executionRoleArn: ROLE_ARN, containers: [withSecret()] }] },
            },
          ],
        },
      },
    ],
  ])('finds the execution role in %s and names that job', async (_case, job) => {
    const role = aRole();
    const account = accountWith(role);
    account.jobDefinitions = [job];
    account.keys.set(DB_SECRET, null);
    expect(await verdictOf(account, changeEvent(role))).toEqual(
      expected(
        role,
        'NON_COMPLIANT',
        `Missing secretsmanager:GetSecretValue on ...:secret:prod/db-AbCdEf for job definition ${job.jobDefinitionName}:${job.revision}`,
      ),
    );
  });

  it('resolves a parameter name in the region the rule runs in', async () => {
    // Arrange: the grant names the parameter in eu-west-1; the rule runs in us-west-2.
    const role = granting(['ssm:GetParameters'], [`${SSM}/db-password`]);
    const account = accountWith(role);
    account.jobDefinitions = [aJobDefinition({ image: 'busybox', secrets: { PW: 'db-password' } })];
    const there = `arn:aws:ssm:us-west-2:${ACCOUNT}:parameter/db-password`;
    account.keys.set(there, null);

    // Act
    const outcome = await runRule(changeEvent(role), account.deps({ region: 'us-west-2' }));

    // Assert
    expect(account.describeKeyRequests).toEqual([{ secretArns: [], parameterArns: [there] }]);
    expect(outcome.evaluations).toEqual([
      expected(
        role,
        'NON_COMPLIANT',
        'Missing ssm:GetParameters on ...:parameter/db-password for job definition etl:3',
      ),
    ]);
  });

  it('ignores INACTIVE job definitions', async () => {
    const role = aRole({ name: 'app-role' });
    const account = accountWith(role);
    account.jobDefinitions = [{ ...aJobDefinition({ executionRoleArn: role.arn }), status: 'INACTIVE' }];
    expect(await verdictOf(account, changeEvent(role))).toEqual(expected(role, 'NOT_APPLICABLE'));
  });

  it.each<[string, ContainerOptions, ConfigEvaluation['complianceType'], string | undefined]>([
    ['its ECR repository and the default Batch log group', {}, 'COMPLIANT', undefined],
    [
      'a log group of its own',
      { logConfiguration: awslogs('/custom/etl') },
      'NON_COMPLIANT',
      'Missing logs:CreateLogStream, PutLogEvents on ...:log-group:/custom/etl for job definition etl:3',
    ],
    [
      'an image from another ECR repository',
      { image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/other:1` },
      'NON_COMPLIANT',
      'Missing ecr:BatchCheckLayerAvailability, GetDownloadUrlForLayer, BatchGetImage on ...:repository/other for job definition etl:3',
    ],
  ])(
    'grants scoped to the job are enough: a job with %s',
    async (_case, container, compliance, annotation) => {
      const role = aRole({
        managed: [],
        inline: {
          scoped: policy(
            allow('ecr:GetAuthorizationToken'),
            allow(EXECUTION_ROLE_ACTIONS.slice(1, 4), ECR_REPOSITORY_ARN),
            allow(['logs:CreateLogStream', 'logs:PutLogEvents'], LOG_STREAMS),
          ),
        },
      });
      const account = accountWith(role);
      account.jobDefinitions = [aJobDefinition(container)];
      expect(await verdictOf(account, changeEvent(role))).toEqual(expected(role, compliance, annotation));
    },
  );
});

describe('runRule: bad input fails the invocation and puts nothing', () => {
  it.each<[string, Record<string, string> | string, string]>([
    ['invalid JSON', '{"RoleNamePattern":', 'ruleParameters'],
    ['a JSON array', '["x"]', 'ruleParameters'],
    ['an unknown parameter', { RoleNamePatern: 'x' }, 'RoleNamePatern'],
    ['a bad glob', { RoleNamePattern: 'a b' }, 'RoleNamePattern'],
    ['a bad exclusion', { ExcludeRoleNamePattern: 'x,,y' }, 'ExcludeRoleNamePattern'],
    ['an empty tag key', { RoleTagKey: '=data' }, 'RoleTagKey'],
    ['a non-boolean discovery flag', { DiscoverBatchJobDefinitions: 'yes' }, 'DiscoverBatchJobDefinitions'],
    ['a non-boolean ECS flag', { DiscoverEcsTaskDefinitions: '1' }, 'DiscoverEcsTaskDefinitions'],
    ['a non-boolean RequireManagedPolicy', { RequireManagedPolicy: 'on' }, 'RequireManagedPolicy'],
    [
      'a non-boolean RequireConfusedDeputyCondition',
      { RequireConfusedDeputyCondition: 'TRUE!' },
      'RequireConfusedDeputyCondition',
    ],
    ['a secret that is not an ARN', { SecretArns: 'prod/db' }, 'SecretArns'],
    ['a parameter that is not an ARN', { ParameterArns: '/prod/db' }, 'ParameterArns'],
    ['a KMS alias for a key', { KmsKeyArns: `arn:aws:kms:${REGION}:${ACCOUNT}:alias/app` }, 'KmsKeyArns'],
  ])('rule parameters with %s', async (_case, ruleParameters, parameter) => {
    for (const event of [changeEvent(aRole(), { ruleParameters }), scheduledEvent({ ruleParameters })]) {
      const account = accountWith(aRole());
      const error = await rejectionOf(() => runRule(event, account.deps()));
      expect(error).toBeInstanceOf(InvalidRuleParametersError);
      expect((error as InvalidRuleParametersError).parameter).toBe(parameter);
      expect((error as Error).message).toContain(parameter);
      expect(account.calls).toEqual([]);
    }
  });

  const change = changeEvent(aRole());
  const mutated = (mutate: (invoking: Record<string, unknown>) => void): Record<string, unknown> => {
    const invoking = JSON.parse(change['invokingEvent'] as string) as Record<string, unknown>;
    mutate(invoking);
    return { ...change, invokingEvent: JSON.stringify(invoking) };
  };
  const item = (invoking: Record<string, unknown>) =>
    invoking['configurationItem'] as Record<string, unknown>;
  const configuration = (invoking: Record<string, unknown>) =>
    item(invoking)['configuration'] as Record<string, unknown>;

  it.each<[string, unknown, string]>([
    ['a missing event', undefined, 'event'],
    ['invokingEvent that is not JSON', { ...change, invokingEvent: '{' }, 'invokingEvent'],
    ['no resultToken', { ...change, resultToken: undefined }, 'resultToken'],
    ['a bad accountId', { ...change, accountId: 'abc' }, 'accountId'],
    ['an unknown message type', mutated((i) => (i['messageType'] = 'Other')), 'invokingEvent.messageType'],
    [
      'an item without capture time',
      mutated((i) => delete item(i)['configurationItemCaptureTime']),
      'invokingEvent.configurationItem.configurationItemCaptureTime',
    ],
    [
      'a live item without configuration',
      mutated((i) => (item(i)['configuration'] = null)),
      'invokingEvent.configurationItem.configuration',
    ],
    [
      'a role without roleName',
      mutated((i) => delete configuration(i)['roleName']),
      'invokingEvent.configurationItem.configuration.roleName',
    ],
    [
      'a role without rolePolicyList',
      mutated((i) => delete configuration(i)['rolePolicyList']),
      'invokingEvent.configurationItem.configuration.rolePolicyList',
    ],
    [
      'a role ARN that is not one',
      mutated((i) => (configuration(i)['arn'] = 'role/x')),
      'invokingEvent.configurationItem.configuration.arn',
    ],
  ])('an event with %s', async (_case, event, field) => {
    const account = accountWith(aRole());
    const error = await rejectionOf(() => runRule(event, account.deps()));
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).field).toBe(field);
    expect((error as Error).message).toContain(field);
    expect(account.calls).toEqual([]);
  });

  it('names the history field when GetResourceConfigHistory returns a broken item', async () => {
    const role = aRole();
    const account = accountWith(role);
    const broken = configurationItem(role);
    delete (broken['configuration'] as Record<string, unknown>)['attachedManagedPolicies'];
    account.history.set(role.roleId, broken);
    const error = await rejectionOf(() => runRule(oversizedEvent(role), account.deps()));
    expect((error as InvalidEventError).field).toBe(
      'GetResourceConfigHistory.configurationItems[0].configuration.attachedManagedPolicies',
    );
    expect(account.puts).toEqual([]);
  });
});

describe('runRule: a failed read fails the invocation and puts nothing', () => {
  const role = aRole({ name: 'app-role' });
  const everything = { DiscoverEcsTaskDefinitions: 'true', SecretArns: DB_SECRET };

  it.each<[PortCall, string, () => Record<string, unknown>]>([
    ['iam.loadAllRoles', 'sweep', () => scheduledEvent({ ruleParameters: everything })],
    ['usage.listActiveJobDefinitions', 'sweep', () => scheduledEvent({ ruleParameters: everything })],
    ['usage.listLatestTaskDefinitions', 'sweep', () => scheduledEvent({ ruleParameters: everything })],
    ['usage.describeKeys', 'sweep', () => scheduledEvent({ ruleParameters: everything })],
    ['config.listResults', 'sweep', () => scheduledEvent({ ruleParameters: everything })],
    ['usage.listActiveJobDefinitions', 'change', () => changeEvent(role, { ruleParameters: everything })],
    ['usage.listLatestTaskDefinitions', 'change', () => changeEvent(role, { ruleParameters: everything })],
    ['usage.describeKeys', 'change', () => changeEvent(role, { ruleParameters: everything })],
    ['iam.completeRole', 'change', () => changeEvent(role, { ruleParameters: everything })],
    ['config.getConfigurationItem', 'oversized', () => oversizedEvent(role, { ruleParameters: everything })],
    ['iam.completeRole', 'oversized', () => oversizedEvent(role, { ruleParameters: everything })],
  ])('%s denied during a %s', async (call, _kind, event) => {
    // Arrange: the role is used by a job and a task definition, so every read is needed.
    const account = accountWith(role);
    account.jobDefinitions = [aJobDefinition({ executionRoleArn: role.arn })];
    account.taskDefinitions = [aTaskDefinition({ executionRoleArn: role.arn })];
    account.history.set(role.roleId, configurationItem(role));
    const denied = new MissingPermissionError('some:Action', 'denied');
    account.failures.set(call, denied);

    // Act
    const error = await rejectionOf(() => runRule(event(), account.deps()));

    // Assert
    expect(error).toBe(denied);
    expect(account.calls).toContain(call);
    expect(account.puts).toEqual([]);
  });

  it('fails when the evaluations cannot be put', async () => {
    const account = accountWith(aRole());
    const failure = new Error('PutEvaluations rejected evaluations for: AROAEXAMPLEROLEID0001');
    account.failures.set('config.putEvaluations', failure);
    expect(await rejectionOf(() => runRule(changeEvent(aRole()), account.deps()))).toBe(failure);
  });
});

describe('runRule: periodic sweep', () => {
  const id = (n: number) => `AROAEXAMPLEROLEID${String(n).padStart(4, '0')}`;
  const good = aRole({ roleId: id(1) });
  const usedBad = withoutLogs({ name: 'batch-exec', roleId: id(2) });
  const newcomer = aRole({ name: 'app-new', roleId: id(3) });
  const formerCandidate = aRole({ name: 'app-was-compliant', roleId: id(4) });
  const alreadyCleared = aRole({ name: 'app-cleared', roleId: id(5) });
  const serviceLinked = aRole({
    name: 'AWSServiceRoleForECS',
    path: '/aws-service-role/ecs.amazonaws.com/',
    roleId: id(6),
  });

  function sweepAccount(): FakeAccount {
    const account = accountWith(good, usedBad, newcomer, formerCandidate, alreadyCleared, serviceLinked);
    account.jobDefinitions = [aJobDefinition({ executionRoleArn: usedBad.arn, image: 'busybox' })];
    account.results = [
      { resourceType: 'AWS::IAM::Role', resourceId: good.roleId, complianceType: 'NON_COMPLIANT' },
      { resourceType: 'AWS::IAM::Role', resourceId: formerCandidate.roleId, complianceType: 'COMPLIANT' },
      { resourceType: 'AWS::IAM::Role', resourceId: alreadyCleared.roleId, complianceType: 'NOT_APPLICABLE' },
      { resourceType: 'AWS::IAM::Role', resourceId: serviceLinked.roleId, complianceType: 'NON_COMPLIANT' },
      {
        resourceType: 'AWS::IAM::Role',
        resourceId: 'AROADELETEDROLE000001',
        complianceType: 'NON_COMPLIANT',
      },
      {
        resourceType: 'AWS::IAM::Role',
        resourceId: 'AROADELETEDROLE000002',
        complianceType: 'NOT_APPLICABLE',
      },
      { resourceType: 'AWS::IAM::User', resourceId: 'AIDAOLDSCOPEUSER00001', complianceType: 'COMPLIANT' },
    ];
    return account;
  }

  const retired = (resourceType: string, resourceId: string): ConfigEvaluation => ({
    complianceResourceType: resourceType,
    complianceResourceId: resourceId,
    complianceType: 'NOT_APPLICABLE',
    orderingTimestamp: NOTIFICATION_TIME,
  });
  const at = NOTIFICATION_TIME;
  const CANDIDATE_VERDICTS = [
    expected(good, 'COMPLIANT', undefined, at),
    expected(
      usedBad,
      'NON_COMPLIANT',
      'Missing logs:CreateLogStream, PutLogEvents on ...:log-group:/aws/batch/job for job definition etl:3',
      at,
    ),
  ];

  it('evaluates candidates, clears earlier verdicts of non-candidates and retires results of deleted roles', async () => {
    // Arrange
    const account = sweepAccount();

    // Act
    const outcome = await runRule(scheduledEvent(), account.deps({ remainingTimeMs: () => 900_000 }));

    // Assert
    expect(outcome.complete).toBe(true);
    expect(outcome.evaluations).toEqual([
      ...CANDIDATE_VERDICTS,
      expected(formerCandidate, 'NOT_APPLICABLE', undefined, at),
      expected(serviceLinked, 'NOT_APPLICABLE', undefined, at),
      retired('AWS::IAM::Role', 'AROADELETEDROLE000001'),
      retired('AWS::IAM::User', 'AIDAOLDSCOPEUSER00001'),
    ]);
    expect(account.puts).toEqual([
      { evaluations: outcome.evaluations, resultToken: 'token-abc', testMode: false },
    ]);
  });

  it('puts nothing for non-candidates that never had a verdict', async () => {
    const account = accountWith(
      aRole({ name: 'app-a', roleId: id(1) }),
      aRole({ name: 'app-b', roleId: id(2) }),
    );
    const outcome = await runRule(scheduledEvent(), account.deps());
    expect(outcome.evaluations).toEqual([]);
    expect(outcome.complete).toBe(true);
  });

  it('stops when the time left falls under the margin: puts what it has and retires nothing', async () => {
    // Arrange: time for the reads (the account, then the layers) and two roles, then under the margin.
    const account = sweepAccount();
    const readings = [900_000, 900_000, 900_000, 400_000, SWEEP_SAFETY_MARGIN_MS - 1];
    const remainingTimeMs = () => readings.shift() ?? 0;

    // Act
    const outcome = await runRule(scheduledEvent(), account.deps({ remainingTimeMs }));

    // Assert
    expect(outcome).toEqual<RuleOutcome>({
      messageType: 'ScheduledNotification',
      evaluations: CANDIDATE_VERDICTS,
      complete: false,
    });
    expect(account.evaluationsPut()).toEqual(CANDIDATE_VERDICTS);
    expect(account.logs).toEqual([
      'Sweep stopped before the function timeout; roles not reached keep their previous verdicts',
    ]);
  });

  describe('when reading the account outlasts the time left', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it('fails loudly before the function times out, putting nothing', async () => {
      // Arrange: IAM never answers.
      const account = sweepAccount();
      account.iam.loadAllRoles = () => new Promise(() => undefined);

      // Act
      const run = rejectionOf(() =>
        runRule(scheduledEvent(), account.deps({ remainingTimeMs: () => SWEEP_SAFETY_MARGIN_MS + 5_000 })),
      );
      await jest.advanceTimersByTimeAsync(5_000);

      // Assert
      const error = await run;
      expect(error).toBeInstanceOf(SweepTimeoutError);
      expect((error as Error).message).toContain('no evaluations were put');
      expect(account.puts).toEqual([]);
    });
  });

  it('asks for the results of the rule named in the event', async () => {
    const account = sweepAccount();
    const event = { ...scheduledEvent(), configRuleName: 'another-rule' };
    await expect(runRule(event, account.deps())).rejects.toThrow('no rule');
    expect(account.puts).toEqual([]);
  });

  it.each<[string, ConfigEvaluation['complianceType'] | undefined]>([
    ['COMPLIANT', 'NOT_APPLICABLE'],
    ['NON_COMPLIANT', 'NOT_APPLICABLE'],
    ['NOT_APPLICABLE', undefined],
  ])('a role that stopped being a candidate with an earlier %s verdict', async (previous, put) => {
    const role = aRole({ name: 'renamed', roleId: id(7) });
    const account = accountWith(role);
    account.results = [{ resourceType: 'AWS::IAM::Role', resourceId: role.roleId, complianceType: previous }];
    const outcome = await runRule(scheduledEvent(), account.deps());
    expect(outcome.evaluations).toEqual(put ? [expected(role, put, undefined, at)] : []);
  });
});

describe('runRule: result token and ordering', () => {
  it.each<[string, boolean]>([
    ['TESTMODE', true],
    ['eyJyZXN1bHRUb2tlbiI6Ii4uLiJ9', false],
  ])('resultToken %s puts with TestMode %s', async (resultToken, testMode) => {
    const role = aRole();
    for (const event of [changeEvent(role, { resultToken }), scheduledEvent({ resultToken })]) {
      const account = accountWith(role);
      await runRule(event, account.deps());
      expect(account.puts.map((call) => [call.resultToken, call.testMode])).toEqual([
        [resultToken, testMode],
      ]);
    }
  });

  it.each<[string, () => Record<string, unknown>, Date]>([
    [
      'a change: the capture time',
      () => changeEvent(aRole(), { captureTime: new Date('2026-01-02T03:04:05.678Z') }),
      new Date('2026-01-02T03:04:05.678Z'),
    ],
    [
      'a NOT_APPLICABLE change: the capture time',
      () =>
        changeEvent(aRole(), { status: 'ResourceDeleted', captureTime: new Date('2026-01-02T03:04:05Z') }),
      new Date('2026-01-02T03:04:05Z'),
    ],
    [
      'a periodic sweep: notificationCreationTime',
      () => scheduledEvent({ time: new Date('2026-02-03T00:00:00Z') }),
      new Date('2026-02-03T00:00:00Z'),
    ],
  ])('OrderingTimestamp of %s', async (_case, event, time) => {
    const account = accountWith(aRole());
    account.results = [
      { resourceType: 'AWS::IAM::Role', resourceId: 'AROAGONE', complianceType: 'COMPLIANT' },
    ];
    await runRule(event(), account.deps());
    const timestamps = account.evaluationsPut().map((evaluation) => evaluation.orderingTimestamp);
    expect(timestamps.length).toBeGreaterThan(0);
    expect(new Set(timestamps.map((timestamp) => timestamp.toISOString()))).toEqual(
      new Set([time.toISOString()]),
    );
  });
});
