/** The audit as users meet it: the built bundle (npm test builds dist first) and --live against moto_server. */
import { DeleteResourcePolicyCommand, PutResourcePolicyCommand } from '@aws-sdk/client-secrets-manager';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { AuditDependencies } from '../../cli/audit';
import type { AuditRoleJson } from '../../cli/audit-report';
import { awsEnv, clientsFor, MOTO_ACCOUNT_ID, startMoto, type MotoServer } from '../support/moto';
import { allow, EXECUTION_ROLE_POLICY_ARN, seedJobDefinition, seedRole, seedSecret } from '../support/seed';
import { startRecordingProxy } from '../support/recording-proxy';
import { audit, ids, KEYS, ROOT, SAMPLE_FILES, tableVerdicts } from './audit-support';

describe('the built CLI bundle (npm test builds dist first)', () => {
  const bin = join(ROOT, 'dist', 'cli', 'index.js');
  const isolatedEnv = (extra: Record<string, string> = {}) => ({
    PATH: process.env['PATH'] ?? '',
    AWS_CONFIG_FILE: join(ROOT, 'no-such-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(ROOT, 'no-such-aws-credentials'),
    ...extra,
  });

  it('audit with no arguments (npm start) prints the sample table and exits 0', () => {
    // Act
    const result = spawnSync(process.execPath, [bin, 'audit'], {
      encoding: 'utf8',
      cwd: ROOT,
      env: isolatedEnv(),
    });

    // Assert
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Sample account 111122223333/);
    expect(tableVerdicts(result.stdout).get('batch-ingest-execution-role')).toBe('NON_COMPLIANT');
  });

  it('audit --input ... --output json prints JSON and exits 1', () => {
    // Act
    const result = spawnSync(process.execPath, [bin, 'audit', ...SAMPLE_FILES, '--output', 'json'], {
      encoding: 'utf8',
      env: isolatedEnv(),
    });

    // Assert
    expect(result.status).toBe(1);
    const roles = JSON.parse(result.stdout) as AuditRoleJson[];
    expect(roles.find((role) => role.roleName === 'ml-training-execution')?.compliance).toBe('NON_COMPLIANT');
  });

  it('a file that is not authorization details: one line, exit 2', () => {
    // Act
    const result = spawnSync(process.execPath, [bin, 'audit', '--input', KEYS, '--no-job-definitions'], {
      encoding: 'utf8',
      env: isolatedEnv(),
    });

    // Assert
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `execution-role-check audit: --input ${KEYS}: RoleDetailList: expected an array, got nothing (is this the output of aws iam get-account-authorization-details?)\n`,
    );
  });
});

describe('audit --live against moto_server', () => {
  let moto: MotoServer;
  let secretArn: string;
  beforeAll(async () => {
    moto = await startMoto();
    const clients = clientsFor(moto.endpoint);
    await seedRole(clients.iam, {
      name: 'ecsTaskExecutionRole',
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
    });
    const etl = await seedRole(clients.iam, {
      name: 'etl-execution',
      path: '/batch/',
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
    });
    await seedRole(clients.iam, {
      name: 'wrong-trust',
      trust: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      inline: { exec: allow(['ecr:*', 'logs:*']) },
      tags: { 'execution-role': 'yes' },
    });
    await seedRole(clients.iam, { name: 'unrelated', inline: { s3: allow('s3:GetObject') } });
    secretArn = await seedSecret(clients.secretsManager, { name: 'prod/etl/db' });
    await seedJobDefinition(clients.batch, {
      name: 'etl',
      executionRoleArn: etl.arn,
      secrets: [{ name: 'DB_PASSWORD', valueFrom: secretArn }],
    });
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('the built bundle reads the account through AWS_ENDPOINT_URL and judges it like the rule; exit 1', async () => {
    // Act
    const result = await runBundle(
      ['audit', '--live', '--role-tag-key', 'execution-role', '--output', 'json', '--all'],
      awsEnv(moto.endpoint),
    );

    // Assert
    expect(result.code).toBe(1);
    const byName = new Map(
      (JSON.parse(result.stdout) as AuditRoleJson[]).map((role) => [role.roleName, role]),
    );
    expect(byName.get('ecsTaskExecutionRole')?.compliance).toBe('COMPLIANT');
    expect(byName.get('etl-execution')).toMatchObject({
      compliance: 'NON_COMPLIANT',
      arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/batch/etl-execution`,
      findings: [{ id: 'SECRETS_MANAGER', resource: secretArn, neededBy: [{ name: 'etl:1' }] }],
    });
    expect(ids(byName.get('wrong-trust'))).toEqual(['TRUST_ECS_TASKS']);
    expect(byName.get('unrelated')?.compliance).toBe('NOT_APPLICABLE');
  });

  it("the built bundle reads the secret's own policy live: a DenyOthers statement is named; exit 1", async () => {
    // Arrange
    const secrets = clientsFor(moto.endpoint).secretsManager;
    await secrets.send(
      new PutResourcePolicyCommand({
        SecretId: secretArn,
        ResourcePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'DenyOthers',
              Effect: 'Deny',
              Principal: '*',
              Action: 'secretsmanager:GetSecretValue',
              Resource: '*',
              Condition: {
                StringNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/app` },
              },
            },
          ],
        }),
      }),
    );

    // Act
    const result = await runBundle(['audit', '--live', '--output', 'json'], awsEnv(moto.endpoint)).finally(
      () => secrets.send(new DeleteResourcePolicyCommand({ SecretId: secretArn })),
    );

    // Assert
    expect(result.code).toBe(1);
    const etl = (JSON.parse(result.stdout) as AuditRoleJson[]).find(
      (role) => role.roleName === 'etl-execution',
    );
    expect(etl?.findings.map((finding) => finding.message)).toEqual([
      `secretsmanager:GetSecretValue on ${secretArn} is not granted: the secret policy of ${secretArn} denies it ` +
        '(statement DenyOthers) (needed by job definition etl:1)',
    ]);
  });

  it('in-process with --progress: roles read so far on stderr, table on stdout; --profile set before clients', async () => {
    // Arrange
    const order: string[] = [];
    const liveDeps: Partial<AuditDependencies> = {
      useProfile: (profile) => void order.push(`profile ${profile}`),
      clients: (region) => {
        order.push(`clients ${region}`);
        return clientsFor(moto.endpoint);
      },
    };

    // Act
    const { code, stdout, stderr } = await audit(
      ['--live', '--progress', '--profile', 'dev', '--region', 'us-east-1'],
      {
        deps: liveDeps,
      },
    );

    // Assert
    expect(order).toEqual(['profile dev', 'clients us-east-1']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Reading IAM roles: 4 read$/m);
    expect(stderr).toMatch(/reading job definitions, KMS key metadata and bucket encryption/);
    expect(tableVerdicts(stdout)).toEqual(
      new Map([
        ['etl-execution', 'NON_COMPLIANT'],
        ['ecsTaskExecutionRole', 'COMPLIANT'],
      ]),
    );
  });

  it('on a terminal, progress rewrites one line and ends it before the table', async () => {
    // Act
    const { stderr } = await audit(['--live'], {
      deps: { stderrIsTty: () => true, clients: () => clientsFor(moto.endpoint) },
    });

    // Assert
    expect(stderr).toContain('\r\u001b[KReading IAM roles: 4 read');
    expect(stderr.split('\n')).toHaveLength(2);
    expect(stderr.endsWith('\n')).toBe(true);
  });

  it.each([
    ['iam:GetAccountAuthorizationDetails'],
    ['batch:DescribeJobDefinitions'],
    ['secretsmanager:DescribeSecret'],
  ])('AccessDenied on %s: one line naming the permission, exit 2, no verdicts', async (operation) => {
    // Arrange
    const proxy = await startRecordingProxy(moto.endpoint);
    proxy.deny(operation);

    // Act
    const result = await audit(['--live'], { deps: { clients: () => clientsFor(proxy.endpoint) } }).finally(
      () => proxy.stop(),
    );

    // Assert
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`^execution-role-check audit: your credentials are missing ${operation}: [^\\n]+\\n$`, 'i'),
    );
  });

  it('progress is off when stderr is not a terminal and --progress is not given', async () => {
    // Act
    const { stderr } = await audit(['--live'], { deps: { clients: () => clientsFor(moto.endpoint) } });

    // Assert
    expect(stderr).toBe('');
  });
});

/** Runs the built CLI asynchronously (moto answers in this process's event loop's time). */
function runBundle(
  argv: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const bin = join(ROOT, 'dist', 'cli', 'index.js');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], {
      env: {
        PATH: process.env['PATH'] ?? '',
        AWS_CONFIG_FILE: join(ROOT, 'no-such-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(ROOT, 'no-such-aws-credentials'),
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('audit --live against moto_server: the ECR needs of issue 13', () => {
  let moto: MotoServer;
  const OTHER = '444455556666';
  const CACHE_REPO = `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/docker-hub/library/python`;
  beforeAll(async () => {
    moto = await startMoto();
    const clients = clientsFor(moto.endpoint);
    // Pulls from its own account's repositories only: misses the cache actions, another account and GuardDuty.
    const scoped = await seedRole(clients.iam, {
      name: 'scoped-execution',
      inline: {
        exec: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
            {
              Effect: 'Allow',
              Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
              Resource: `arn:aws:ecr:*:${MOTO_ACCOUNT_ID}:repository/*`,
            },
            { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
          ],
        },
      },
    });
    await seedJobDefinition(clients.batch, {
      name: 'backfill',
      executionRoleArn: scoped.arn,
      image: `${MOTO_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/docker-hub/library/python:3.12`,
      platformCapabilities: ['FARGATE'],
    });
    await seedJobDefinition(clients.batch, {
      name: 'platform',
      executionRoleArn: scoped.arn,
      image: `${OTHER}.dkr.ecr.us-east-1.amazonaws.com/platform/base:2`,
    });
    moto.setPullThroughCacheRules('us-east-1', [
      { ecrRepositoryPrefix: 'docker-hub', upstreamRegistryUrl: 'registry-1.docker.io' },
    ]);
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('the built bundle reads the cache rules and names each need with its definition; exit 1', async () => {
    // Act
    const result = await runBundle(
      ['audit', '--live', '--guardduty-runtime-monitoring', '--output', 'json'],
      awsEnv(moto.endpoint),
    );

    // Assert
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const role = (JSON.parse(result.stdout) as AuditRoleJson[]).find(
      (r) => r.roleName === 'scoped-execution',
    );
    const found = (role?.findings ?? []).map(
      (f) => `${f.id} ${f.action} ${f.resource} ${f.neededBy[0]?.name}`,
    );
    expect(found).toEqual([
      `PULL_THROUGH_CACHE ecr:BatchImportUpstreamImage ${CACHE_REPO} backfill:1`,
      `PULL_THROUGH_CACHE ecr:CreateRepository ${CACHE_REPO} backfill:1`,
      ...['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'].map(
        (action) =>
          `CROSS_ACCOUNT_IMAGE ${action} arn:aws:ecr:us-east-1:${OTHER}:repository/platform/base platform:1`,
      ),
      ...['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'].map(
        (action) =>
          `GUARDDUTY_AGENT_IMAGE ${action} arn:aws:ecr:us-east-1:593207742271:repository/aws-guardduty-agent-fargate backfill:1`,
      ),
      // The cache repository does not exist before its first pull, which gives it the policy of a creation
      // template the rule does not read (unproven: UnreadableLayers=fail), and the other account's repository
      // policy cannot be read from this account.
      `LAYER_UNREADABLE null ${CACHE_REPO} backfill:1`,
      `LAYER_UNREADABLE null arn:aws:ecr:us-east-1:${OTHER}:repository/platform/base platform:1`,
    ]);
    expect(JSON.stringify(role?.findings)).toContain(
      'it does not exist yet: the first pull through the cache creates it',
    );
    expect(moto.pullThroughCacheReads().get('us-east-1')).toBe(1);
  });
});
