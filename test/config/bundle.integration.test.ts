/**
 * The BUILT evaluator against moto_server, behind the recording proxy that plays AWS Config where moto cannot
 * (MOTO-GAPS.md): real IAM roles, managed policies, Batch job definitions, secrets and parameters in; the
 * evaluations that reached Config out. `npm test` builds the bundle first (pretest).
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsClients } from '../../lib/aws/clients';
import { mapWithConcurrency } from '../../lib/aws/concurrency';
import {
  apiConfigurationItem,
  eventConfigurationItem,
  roleConfigurationFromIam,
  type ItemOptions,
} from '../support/configuration-items';
import {
  awsEnv,
  clientsFor,
  MOTO_ACCOUNT_ID,
  MOTO_REGION,
  startMoto,
  TEST_CREDENTIALS,
  type MotoServer,
} from '../support/moto';
import {
  startRecordingProxy,
  type RecordingProxy,
  type SentEvaluation,
  type StoredResult,
} from '../support/recording-proxy';
import {
  allow,
  EXECUTION_ROLE_POLICY_ARN,
  seedJobDefinition,
  seedManagedPolicy,
  seedParameter,
  seedRole,
  seedSecret,
  type SeededRole,
} from '../support/seed';
import { ruleEvent, RULE_NAME } from '../support/fakes';
import { invokeBundle, type BundleOutcome } from '../support/bundle';

// A customer managed key created in moto for each fresh account: the evaluator reads its key policy (moto's
// default one delegates to the account root, as AWS's default key policy does).
let KEY_ID = '';
let KEY_ARN = '';
const ROLE = 'AWS::IAM::Role';
const CAPTURED = new Date('2026-11-28T09:15:42.000Z');
const NOTIFIED = new Date('2026-11-29T00:00:00.000Z');
const EXEC_ACTIONS =
  'ecr:GetAuthorizationToken, BatchCheckLayerAvailability, GetDownloadUrlForLayer, BatchGetImage, logs:CreateLogStream, PutLogEvents';

let moto: MotoServer;
let proxy: RecordingProxy;
let clients: AwsClients;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint, { configRuleName: RULE_NAME });
  clients = clientsFor(moto.endpoint);
});

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

/** An empty account and a Config with no results. Suites seed once per describe: the evaluator only reads. */
async function freshAccount(): Promise<void> {
  await moto.reset();
  proxy.clear();
  const key = await new KMSClient({
    endpoint: moto.endpoint,
    region: MOTO_REGION,
    credentials: TEST_CREDENTIALS,
  }).send(new CreateKeyCommand({}));
  KEY_ID = key.KeyMetadata?.KeyId ?? '';
  KEY_ARN = key.KeyMetadata?.Arn ?? '';
}

const epoch = (date: Date): number => date.getTime() / 1000;

/** `...:secret:prod/db-AbCdEf`: how the annotation shortens an ARN. */
const short = (arn: string): string => `...:${arn.split(':').slice(5).join(':')}`;

function evaluation(
  resourceId: string,
  complianceType: string,
  annotation?: string,
  at: Date = CAPTURED,
  resourceType: string = ROLE,
): SentEvaluation {
  return {
    ComplianceResourceType: resourceType,
    ComplianceResourceId: resourceId,
    ComplianceType: complianceType,
    OrderingTimestamp: epoch(at),
    ...(annotation !== undefined && { Annotation: annotation }),
  };
}

const byId = (a: SentEvaluation, b: SentEvaluation): number =>
  a.ComplianceResourceId.localeCompare(b.ComplianceResourceId);

function invoke(event: unknown): Promise<BundleOutcome> {
  return invokeBundle('evaluate', event, awsEnv(proxy.endpoint));
}

/** Invokes and fails the test with the function's own error and logs when it threw. */
async function succeeded(event: unknown): Promise<unknown> {
  const outcome = await invoke(event);
  if (!outcome.ok) throw new Error(`${outcome.errorName}: ${outcome.errorMessage}\n${outcome.logs}`);
  return outcome.result;
}

interface EventSettings {
  readonly ruleParameters?: Record<string, string>;
  readonly resultToken?: string;
}

/** A change notification carrying the role's configuration item as AWS Config would record it now. */
async function changeEventFor(
  roleName: string,
  item: ItemOptions = {},
  settings: EventSettings = {},
): Promise<Record<string, unknown>> {
  const configuration = await roleConfigurationFromIam(clients.iam, roleName);
  return ruleEvent(
    {
      configurationItemDiff: { changedProperties: {}, changeType: 'UPDATE' },
      configurationItem: eventConfigurationItem(configuration, { captureTime: CAPTURED, ...item }),
      notificationCreationTime: NOTIFIED.toISOString(),
      messageType: 'ConfigurationItemChangeNotification',
      recordVersion: '1.3',
    },
    settings,
  );
}

/** An oversized notification for a role whose full item the proxy serves from GetResourceConfigHistory. */
async function oversizedEventFor(
  roleName: string,
  settings: EventSettings = {},
): Promise<Record<string, unknown>> {
  const item = apiConfigurationItem(await roleConfigurationFromIam(clients.iam, roleName), {
    captureTime: CAPTURED,
  });
  proxy.setConfigurationItem(item);
  return ruleEvent(
    {
      configurationItemSummary: {
        changeType: 'UPDATE',
        configurationItemVersion: '1.3',
        configurationItemCaptureTime: CAPTURED.toISOString(),
        configurationStateId: CAPTURED.getTime(),
        awsAccountId: MOTO_ACCOUNT_ID,
        configurationItemStatus: 'OK',
        resourceType: ROLE,
        resourceId: item.resourceId,
        resourceName: roleName,
        ARN: item['arn'],
        awsRegion: 'global',
        availabilityZone: 'Not Applicable',
        configurationStateMd5Hash: '',
        resourceCreationTime: CAPTURED.toISOString(),
      },
      s3DeliverySummary: { s3BucketLocation: 'bucket/key.json.gz', errorCode: null, errorMessage: null },
      notificationCreationTime: NOTIFIED.toISOString(),
      messageType: 'OversizedConfigurationItemChangeNotification',
      recordVersion: '1.0',
    },
    settings,
  );
}

function scheduledEvent(settings: EventSettings = {}): Record<string, unknown> {
  return ruleEvent(
    {
      awsAccountId: MOTO_ACCOUNT_ID,
      notificationCreationTime: NOTIFIED.toISOString(),
      messageType: 'ScheduledNotification',
      recordVersion: '1.0',
    },
    settings,
  );
}

/** Grants on exactly what job definition `name` reads: its secret, its parameter and their key. */
function grantsFor(name: string): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: 'secretsmanager:GetSecretValue',
        Resource: `arn:aws:secretsmanager:*:*:secret:prod/${name}/db-*`,
      },
      {
        Effect: 'Allow',
        Action: 'ssm:GetParameters',
        Resource: `arn:aws:ssm:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:parameter/prod/${name}/*`,
      },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY_ARN },
    ],
  };
}

/**
 * Role `name` with the execution policy (and `inline`), used by job definition `name`:1, which reads a
 * secret and a SecureString parameter, both under a customer managed key.
 */
async function seedJobRole(
  name: string,
  inline: Record<string, object> = {},
): Promise<{ role: SeededRole; secretArn: string; parameterArn: string }> {
  const role = await seedRole(clients.iam, {
    name,
    managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
    inline,
  });
  const secretArn = await seedSecret(clients.secretsManager, { name: `prod/${name}/db`, kmsKeyId: KEY_ID });
  const parameterArn = await seedParameter(clients.ssm, {
    name: `/prod/${name}/token`,
    type: 'SecureString',
    keyId: KEY_ID,
  });
  await seedJobDefinition(clients.batch, {
    name,
    executionRoleArn: role.arn,
    secrets: [
      { name: 'DB_PASSWORD', valueFrom: `${secretArn}:password::` },
      { name: 'TOKEN', valueFrom: `/prod/${name}/token` },
    ],
  });
  return { role, secretArn, parameterArn };
}

describe('the built evaluator on change and oversized notifications', () => {
  let lacking: { role: SeededRole; secretArn: string; parameterArn: string };
  let granted: SeededRole;
  let guarded: SeededRole;

  beforeAll(async () => {
    await freshAccount();
    lacking = await seedJobRole('etl');
    granted = (await seedJobRole('report', { 'report-secrets': grantsFor('report') })).role;
    // The team policy's first version allowed logs; its default (second) version denies them.
    const teamPolicy = await seedManagedPolicy(clients.iam, {
      name: 'team-guardrails',
      document: allow('logs:*'),
      laterVersions: [
        {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'logs:PutLogEvents', Resource: '*' }],
        },
      ],
    });
    guarded = await seedRole(clients.iam, {
      name: 'ecsTaskExecutionRole',
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN, teamPolicy],
    });
  });

  beforeEach(() => proxy.clear());

  it('puts NON_COMPLIANT for a role lacking what its job definition reads, naming grants and job', async () => {
    // Arrange
    const { role, secretArn, parameterArn } = lacking;
    const event = await changeEventFor(role.roleName, {}, { resultToken: 'token-change' });

    // Act
    await succeeded(event);

    // Assert
    expect(proxy.putEvaluationsCalls).toEqual([
      {
        ResultToken: 'token-change',
        Evaluations: [
          evaluation(
            role.roleId,
            'NON_COMPLIANT',
            `Missing secretsmanager:GetSecretValue on ${short(secretArn)}, ssm:GetParameters on ${short(parameterArn)}, kms:Decrypt on ${short(KEY_ARN)} for job definition etl:1`,
          ),
        ],
      },
    ]);
    expect(proxy.results()).toEqual<StoredResult[]>([
      {
        resourceType: ROLE,
        resourceId: role.roleId,
        complianceType: 'NON_COMPLIANT',
        annotation: expect.stringContaining('for job definition etl:1') as string,
        orderingTimestamp: epoch(CAPTURED),
      },
    ]);
  });

  it('puts COMPLIANT when the role grants exactly those, reading only managed policy documents from IAM', async () => {
    // Arrange
    const event = await changeEventFor(granted.roleName);
    proxy.clear();

    // Act
    await succeeded(event);

    // Assert
    expect(proxy.deliveredEvaluations()).toEqual([evaluation(granted.roleId, 'COMPLIANT')]);
    const iamCalls = proxy.operations().filter((operation) => operation.startsWith('iam:'));
    expect(new Set(iamCalls)).toEqual(new Set(['iam:GetPolicy', 'iam:GetPolicyVersion']));
  });

  it('puts NOT_APPLICABLE for a deleted role without reading anything', async () => {
    // Arrange
    const event = await changeEventFor(lacking.role.roleName, { status: 'ResourceDeleted' });
    proxy.clear();

    // Act
    await succeeded(event);

    // Assert
    expect(proxy.deliveredEvaluations()).toEqual([evaluation(lacking.role.roleId, 'NOT_APPLICABLE')]);
    expect(proxy.operations()).toEqual(['config:PutEvaluations']);
  });

  it('retries evaluations Config lists in FailedEvaluations', async () => {
    const event = await changeEventFor(granted.roleName);
    proxy.failEvaluations([granted.roleId], 1);

    await succeeded(event);

    expect(proxy.putEvaluationsCalls).toHaveLength(2);
    expect(proxy.deliveredEvaluations()).toEqual([evaluation(granted.roleId, 'COMPLIANT')]);
  });

  it('puts COMPLIANT for registry credentials named without their suffix when the role grants their exact full ARN', async () => {
    // Arrange: the job names the secret `dockerhub`; the role grants the ARN DescribeSecret reports for it.
    const secretArn = await seedSecret(clients.secretsManager, { name: 'dockerhub' });
    const role = await seedRole(clients.iam, {
      name: 'private-registry',
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
      inline: { registry: allow('secretsmanager:GetSecretValue', secretArn) },
    });
    await seedJobDefinition(clients.batch, {
      name: 'private-registry',
      executionRoleArn: role.arn,
      image: 'registry.example.com/team/app:1',
      repositoryCredentialsParameter: 'dockerhub',
    });
    const event = await changeEventFor(role.roleName);
    proxy.clear();

    // Act
    await succeeded(event);

    // Assert
    expect(secretArn).toMatch(/:secret:dockerhub-[A-Za-z0-9]{6}$/);
    expect(proxy.deliveredEvaluations()).toEqual([evaluation(role.roleId, 'COMPLIANT')]);
  });

  it('evaluates an oversized item from GetResourceConfigHistory, with the default version of each managed policy', async () => {
    // Arrange
    const event = await oversizedEventFor(guarded.roleName, { resultToken: 'TESTMODE' });

    // Act
    await succeeded(event);

    // Assert
    expect(proxy.putEvaluationsCalls).toEqual([
      {
        ResultToken: 'TESTMODE',
        TestMode: true,
        Evaluations: [
          evaluation(
            guarded.roleId,
            'NON_COMPLIANT',
            'Missing logs:PutLogEvents (denied by managed policy team-guardrails)',
          ),
        ],
      },
    ]);
    expect(proxy.operations()).toContain('config:GetResourceConfigHistory');
    // TestMode: Config keeps nothing.
    expect(proxy.results()).toEqual([]);
  });
});

describe('the built evaluator on a periodic sweep', () => {
  const TOTAL_ROLES = 130;
  const pad = (i: number): string => String(i).padStart(3, '0');

  it('evaluates 130 roles, a third used by job definitions, in batches of at most 100, and retires stale results', async () => {
    await freshAccount();
    // Arrange: batch-NNN used by job-NNN (even ones read a CMK secret they cannot), ecs-exec-NNN matched by
    // name (odd ones without any policy), app-NNN not candidates (even ones with an earlier verdict).
    const expected: SentEvaluation[] = [];
    const earlier: StoredResult[] = [];
    await mapWithConcurrency([...Array(TOTAL_ROLES).keys()], 8, async (i) => {
      if (i < 44) {
        const role = await seedRole(clients.iam, {
          name: `batch-${pad(i)}`,
          managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
        });
        const secretArn =
          i % 2 === 0
            ? await seedSecret(clients.secretsManager, { name: `jobs/${pad(i)}`, kmsKeyId: KEY_ID })
            : undefined;
        await seedJobDefinition(clients.batch, {
          name: `job-${pad(i)}`,
          executionRoleArn: role.arn,
          ...(secretArn !== undefined && { secrets: [{ name: 'SECRET', valueFrom: secretArn }] }),
        });
        expected.push(
          secretArn === undefined
            ? evaluation(role.roleId, 'COMPLIANT', undefined, NOTIFIED)
            : evaluation(
                role.roleId,
                'NON_COMPLIANT',
                `Missing secretsmanager:GetSecretValue on ${short(secretArn)}, kms:Decrypt on ${short(KEY_ARN)} for job definition job-${pad(i)}:1`,
                NOTIFIED,
              ),
        );
        if (i === 1)
          earlier.push({ resourceType: ROLE, resourceId: role.roleId, complianceType: 'NON_COMPLIANT' });
      } else if (i < 87) {
        const managed = i % 2 === 0 ? [EXECUTION_ROLE_POLICY_ARN] : [];
        const role = await seedRole(clients.iam, { name: `ecs-exec-${pad(i)}`, managedPolicyArns: managed });
        expected.push(
          managed.length > 0
            ? evaluation(role.roleId, 'COMPLIANT', undefined, NOTIFIED)
            : evaluation(role.roleId, 'NON_COMPLIANT', `Missing ${EXEC_ACTIONS}`, NOTIFIED),
        );
      } else {
        const role = await seedRole(clients.iam, {
          name: `app-${pad(i)}`,
          managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
        });
        if (i % 2 === 0) {
          earlier.push({ resourceType: ROLE, resourceId: role.roleId, complianceType: 'COMPLIANT' });
          expected.push(evaluation(role.roleId, 'NOT_APPLICABLE', undefined, NOTIFIED));
        }
      }
    });
    const stale: StoredResult[] = [
      { resourceType: ROLE, resourceId: 'AROADELETEDROLE000001', complianceType: 'COMPLIANT' },
      { resourceType: ROLE, resourceId: 'AROADELETEDROLE000002', complianceType: 'NON_COMPLIANT' },
      { resourceType: ROLE, resourceId: 'AROADELETEDROLE000003', complianceType: 'NOT_APPLICABLE' },
      {
        resourceType: 'AWS::IAM::User',
        resourceId: 'AIDAOLDSCOPEUSER00001',
        complianceType: 'NON_COMPLIANT',
      },
    ];
    proxy.seedResults([...earlier, ...stale]);
    expected.push(
      evaluation('AROADELETEDROLE000001', 'NOT_APPLICABLE', undefined, NOTIFIED),
      evaluation('AROADELETEDROLE000002', 'NOT_APPLICABLE', undefined, NOTIFIED),
      evaluation('AIDAOLDSCOPEUSER00001', 'NOT_APPLICABLE', undefined, NOTIFIED, 'AWS::IAM::User'),
    );
    expect(expected.length).toBeGreaterThan(100);

    // Act
    const result = await succeeded(
      scheduledEvent({ ruleParameters: { RoleNamePattern: 'ecs-exec-*' }, resultToken: 'token-sweep' }),
    );

    // Assert: the evaluations, in batches Config accepts.
    expect(result).toMatchObject({ messageType: 'ScheduledNotification', complete: true });
    const calls = proxy.putEvaluationsCalls;
    expect(calls.map((call) => call.Evaluations.length)).toEqual([100, expected.length - 100]);
    expect(calls.map((call) => [call.ResultToken, call.TestMode])).toEqual([
      ['token-sweep', undefined],
      ['token-sweep', undefined],
    ]);
    expect(proxy.deliveredEvaluations().sort(byId)).toEqual(expected.sort(byId));
    // Assert: Config's results now, stale ones retired under their old resource type.
    const results = new Map(
      proxy.results().map((r) => [`${r.resourceType} ${r.resourceId}`, r.complianceType]),
    );
    expect(results.get(`${ROLE} AROADELETEDROLE000001`)).toBe('NOT_APPLICABLE');
    expect(results.get('AWS::IAM::User AIDAOLDSCOPEUSER00001')).toBe('NOT_APPLICABLE');
    // Assert: not four calls per role: one authorization-details read, the AWS managed policy once.
    const counts = proxy.operationCounts();
    expect(counts.get('iam:GetAccountAuthorizationDetails')).toBe(1);
    expect(counts.get('iam:GetPolicyVersion')).toBe(1);
    expect(counts.get('iam:GetRole')).toBeUndefined();
  });
});

describe('the sample events in events/', () => {
  const eventsDir = join(__dirname, '..', '..', 'events');
  const SAMPLE_ROLE_ID = 'AROAEXAMPLEEXECROLE01';
  const SAMPLE_CAPTURE = new Date('2026-11-28T09:15:42.113Z');
  const SAMPLE_SWEEP = new Date('2026-11-28T00:00:00.000Z');

  /** What each sample must put; `seeded` stands for the RoleId moto gave the seeded role. */
  const EXPECTATIONS: Record<string, { readonly id: string; readonly type: string; readonly at: Date }> = {
    'change.json': { id: SAMPLE_ROLE_ID, type: 'COMPLIANT', at: SAMPLE_CAPTURE },
    'change-deleted.json': { id: SAMPLE_ROLE_ID, type: 'NOT_APPLICABLE', at: SAMPLE_CAPTURE },
    'oversized.json': { id: SAMPLE_ROLE_ID, type: 'COMPLIANT', at: SAMPLE_CAPTURE },
    'scheduled.json': { id: 'seeded', type: 'COMPLIANT', at: SAMPLE_SWEEP },
  };
  const samples = readdirSync(eventsDir).filter(
    (file) => file.endsWith('.json') && !file.startsWith('remediate-'),
  );

  it('has an expectation for every sample', () => {
    expect(samples.sort()).toEqual(Object.keys(EXPECTATIONS).sort());
  });

  let role: SeededRole;

  beforeAll(async () => {
    // ecsTaskExecutionRole as the samples describe it; the history serves it under the sample's RoleId.
    await freshAccount();
    role = await seedRole(clients.iam, {
      name: 'ecsTaskExecutionRole',
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
      tags: { team: 'data' },
    });
  });

  beforeEach(async () => {
    proxy.clear();
    const configuration = await roleConfigurationFromIam(clients.iam, role.roleName);
    proxy.setConfigurationItem(
      apiConfigurationItem({ ...configuration, roleId: SAMPLE_ROLE_ID }, { captureTime: SAMPLE_CAPTURE }),
    );
  });

  it.each(samples)('%s runs through the built handler in TestMode', async (file) => {
    // Arrange
    const event = JSON.parse(readFileSync(join(eventsDir, file), 'utf8')) as unknown;
    const want = EXPECTATIONS[file];
    if (want === undefined) throw new Error(`no expectation for events/${file}`);

    // Act
    await succeeded(event);

    // Assert
    expect(proxy.putEvaluationsCalls).toEqual([
      {
        ResultToken: 'TESTMODE',
        TestMode: true,
        Evaluations: [
          evaluation(want.id === 'seeded' ? role.roleId : want.id, want.type, undefined, want.at),
        ],
      },
    ]);
    expect(proxy.results()).toEqual([]);
  });
});

describe('the built evaluator without a permission it needs', () => {
  let role: SeededRole;

  beforeAll(async () => {
    // A role whose evaluation needs every read: a job definition with a CMK secret and parameter.
    await freshAccount();
    role = (await seedJobRole('etl')).role;
  });

  beforeEach(() => proxy.clear());

  it.each<[string, () => Promise<unknown>]>([
    ['iam:GetAccountAuthorizationDetails', async () => scheduledEvent()],
    ['config:GetComplianceDetailsByConfigRule', async () => scheduledEvent()],
    ['batch:DescribeJobDefinitions', () => changeEventFor(role.roleName)],
    ['secretsmanager:DescribeSecret', () => changeEventFor(role.roleName)],
    ['ssm:DescribeParameters', () => changeEventFor(role.roleName)],
    ['iam:GetPolicyVersion', () => changeEventFor(role.roleName)],
    ['config:GetResourceConfigHistory', () => oversizedEventFor(role.roleName)],
  ])('fails naming %s and puts no evaluation', async (permission, makeEvent) => {
    // Arrange
    const event = await makeEvent();
    proxy.deny(permission);

    // Act
    const outcome = await invoke(event);

    // Assert
    expect(outcome).toMatchObject({ ok: false, errorName: 'MissingPermissionError' });
    expect(outcome.ok === false && outcome.errorMessage).toContain(permission);
    expect(outcome.logs).toContain(permission);
    expect(proxy.putEvaluationsCalls).toEqual([]);
  });
});
