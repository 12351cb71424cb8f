import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIT_USAGE, findSampleDir } from '../../cli/audit';
import { runCli } from '../../cli/main';
import type { Compliance, FindingId } from '../../lib/core/model';
import { AwsCallError } from '../../lib/core/errors';
import { EXECUTION_ROLE_POLICY_ARN } from '../builders';
import {
  AUTH,
  audit,
  auditJson,
  ids,
  JOBS,
  KEYS,
  ROOT,
  SAMPLE,
  SAMPLE_ACCOUNT,
  BUCKETS,
  CACHE_RULES,
  SAMPLE_FILES,
  tableVerdicts,
  TASKS,
  testIo,
} from './audit-support';

// What the sample account holds, and what the rule says about each role with default parameters.
const SAMPLE_VERDICTS: [string, Compliance, FindingId[]][] = [
  ['ecsTaskExecutionRole', 'COMPLIANT', []],
  ['batch-ingest-execution-role', 'NON_COMPLIANT', ['TRUST_ECS_TASKS']],
  ['payments-batch-execution', 'NON_COMPLIANT', ['SECRETS_MANAGER']],
  ['ml-training-execution', 'NON_COMPLIANT', ['KMS_DECRYPT']],
  ['partner-registry-execution', 'COMPLIANT', []],
  ['etl-execution-role', 'NON_COMPLIANT', ['EXEC_PERMISSIONS', 'EXEC_PERMISSIONS']],
  ['reports-execution-role', 'NON_COMPLIANT', ['SECRETS_SSM']],
  ['data-export-execution', 'COMPLIANT', []],
  ['web-frontend-execution', 'NON_COMPLIANT', ['ENVIRONMENT_FILES']],
  ['ledger-worker-execution', 'NON_COMPLIANT', ['TRUST_SOURCE_ARN']],
  ['python-jobs-execution', 'NON_COMPLIANT', ['PULL_THROUGH_CACHE', 'PULL_THROUGH_CACHE']],
  ['orders-api-role-7h2kq9x1', 'NOT_APPLICABLE', []],
  ['AWSServiceRoleForBatch', 'NOT_APPLICABLE', []],
];

describe('audit --input: the sample account', () => {
  it.each(SAMPLE_VERDICTS)('JSON: %s is %s with %j', async (roleName, compliance, findingIds) => {
    // Act
    const { code, byName } = await auditJson([...SAMPLE_FILES, '--all']);

    // Assert
    expect(code).toBe(1);
    expect(byName.get(roleName)?.compliance).toBe(compliance);
    expect(ids(byName.get(roleName))).toEqual(findingIds);
  });

  it('table: one row per checked role with its verdict, findings below, a summary; exit 1', async () => {
    // Act
    const { code, stdout, stderr } = await audit(SAMPLE_FILES);

    // Assert
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout.split('\n')[0]).toMatch(/^ROLE\s+VERDICT\s+WHAT IS MISSING$/);
    const expected = SAMPLE_VERDICTS.filter(([, compliance]) => compliance !== 'NOT_APPLICABLE');
    expect(tableVerdicts(stdout)).toEqual(new Map(expected.map(([name, compliance]) => [name, compliance])));
    expect(stdout).toContain(
      'SECRETS_MANAGER: secretsmanager:GetSecretValue on arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/payments/api-keys-Q1w2E3 is not granted: no statement allows it (needed by job definition payments-settlement:12)',
    );
    expect(stdout).toMatch(
      /reports-execution-role\s+NON_COMPLIANT\s+SECRETS_SSM: .*permissions boundary DeveloperBoundary/,
    );
    expect(stdout).toContain(
      'ENVIRONMENT_FILES: s3:GetBucketLocation on arn:aws:s3:::acme-app-config is not granted: no statement allows it (needed by task definition web-frontend:8)',
    );
    expect(stdout).toContain('13 roles: 3 compliant, 8 non-compliant, 2 not applicable (listed with --all).');
  });

  it('table with --all lists NOT_APPLICABLE roles with the reason', async () => {
    // Act
    const { stdout } = await audit([...SAMPLE_FILES, '--all']);

    // Assert
    expect(stdout).toMatch(/AWSServiceRoleForBatch\s+NOT_APPLICABLE\s+not checked: service-linked role/);
    expect(tableVerdicts(stdout).size).toBe(13);
  });

  it('JSON without --all leaves NOT_APPLICABLE out; each role has the documented fields', async () => {
    // Act
    const { roles, byName } = await auditJson(SAMPLE_FILES);

    // Assert
    expect(roles.map((role) => role.compliance)).not.toContain('NOT_APPLICABLE');
    expect(byName.get('payments-batch-execution')).toEqual({
      roleName: 'payments-batch-execution',
      roleId: 'AROAYV4JQ2MZH8M5QJ2VT',
      arn: 'arn:aws:iam::111122223333:role/batch/payments-batch-execution',
      compliance: 'NON_COMPLIANT',
      findings: [
        {
          id: 'SECRETS_MANAGER',
          action: 'secretsmanager:GetSecretValue',
          resource: 'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/payments/api-keys-Q1w2E3',
          message: expect.stringContaining('is not granted'),
          neededBy: [{ kind: 'batch-job-definition', name: 'payments-settlement:12' }],
        },
      ],
      reason: 'execution role of job definition payments-settlement:12',
    });
    expect(byName.get('batch-ingest-execution-role')?.findings[0]).toMatchObject({
      action: null,
      resource: null,
    });
  });

  it('a job definition revision that is not ACTIVE adds nothing (payments-settlement:11 is INACTIVE)', async () => {
    // Act
    const { byName } = await auditJson(SAMPLE_FILES);

    // Assert
    const consumers = byName.get('payments-batch-execution')?.findings.flatMap((finding) => finding.neededBy);
    expect(consumers?.map((consumer) => consumer.name)).not.toContain('payments-settlement:11');
  });
});

describe('audit: flags spelled --flag value or --flag=value, in any order, decide the same', () => {
  it.each<[string, string[], string[]]>([
    [
      '--flag=value',
      [
        `--input=${AUTH}`,
        `--job-definitions=${JOBS}`,
        `--task-definitions=${TASKS}`,
        `--keys=${KEYS}`,
        `--pull-through-cache-rules=${CACHE_RULES}`,
        `--bucket-encryption=${BUCKETS}`,
        '--output=json',
      ],
      [...SAMPLE_FILES, '--output', 'json'],
    ],
    [
      'a bare boolean parameter before other flags',
      ['--require-managed-policy', ...SAMPLE_FILES, '--output', 'json'],
      [...SAMPLE_FILES, '--output', 'json', '--require-managed-policy', 'true'],
    ],
  ])('%s', async (_label, argv, reference) => {
    // Arrange
    const expected = await audit(reference);

    // Act
    const actual = await audit(argv);

    // Assert
    expect(actual.code).toBe(1);
    expect(actual.stderr).toBe('');
    expect(actual.stdout).toBe(expected.stdout);
  });
});

describe('audit: rule parameters as flags', () => {
  it.each<[string, string[], string, Compliance, FindingId[]]>([
    [
      'GuardDuty Runtime Monitoring on: a Fargate job pulls the sidecar',
      ['--guardduty-runtime-monitoring'],
      'data-export-execution',
      'NON_COMPLIANT',
      ['GUARDDUTY_AGENT_IMAGE', 'GUARDDUTY_AGENT_IMAGE', 'GUARDDUTY_AGENT_IMAGE'],
    ],
    [
      'GuardDuty Runtime Monitoring on: an EC2 job does not',
      ['--guardduty-runtime-monitoring', 'true'],
      'ml-training-execution',
      'NON_COMPLIANT',
      ['KMS_DECRYPT'],
    ],
    [
      'GuardDuty Runtime Monitoring off',
      ['--guardduty-runtime-monitoring=false'],
      'data-export-execution',
      'COMPLIANT',
      [],
    ],
    [
      'strict trust',
      ['--require-confused-deputy-condition'],
      'ecsTaskExecutionRole',
      'NON_COMPLIANT',
      ['TRUST_CONFUSED_DEPUTY'],
    ],
    [
      'strict trust, hardened role',
      ['--require-confused-deputy-condition', 'true'],
      'partner-registry-execution',
      'COMPLIANT',
      [],
    ],
    [
      'strict trust switched off',
      ['--require-confused-deputy-condition=false'],
      'ecsTaskExecutionRole',
      'COMPLIANT',
      [],
    ],
    [
      'managed policy required',
      ['--require-managed-policy', 'true'],
      'data-export-execution',
      'NON_COMPLIANT',
      ['MANAGED_POLICY_ATTACHED'],
    ],
    [
      'managed policy required, attached',
      ['--require-managed-policy'],
      'ecsTaskExecutionRole',
      'COMPLIANT',
      [],
    ],
    [
      'excluded by name',
      ['--exclude-role-name-pattern', 'batch-ingest-*'],
      'batch-ingest-execution-role',
      'NOT_APPLICABLE',
      [],
    ],
    [
      'job definitions not discovered',
      ['--discover-batch-job-definitions', 'false'],
      'payments-batch-execution',
      'NOT_APPLICABLE',
      [],
    ],
    [
      'job definitions not discovered, name still selects',
      ['--discover-batch-job-definitions', 'false'],
      'ecsTaskExecutionRole',
      'COMPLIANT',
      [],
    ],
    [
      'selected by tag too',
      ['--role-tag-key', 'team=data-platform'],
      'data-export-execution',
      'COMPLIANT',
      [],
    ],
    [
      'selected by tag alone: no job definition narrows the grants to its repository and log group',
      ['--discover-batch-job-definitions', 'false', '--role-tag-key', 'team=data-platform'],
      'data-export-execution',
      'NON_COMPLIANT',
      Array<FindingId>(5).fill('EXEC_PERMISSIONS'),
    ],
    [
      'selected by name pattern',
      ['--discover-batch-job-definitions', 'false', '--role-name-pattern', 'orders-*'],
      'orders-api-role-7h2kq9x1',
      'NON_COMPLIANT',
      [
        'TRUST_ECS_TASKS',
        'POLICY_UNREADABLE',
        'EXEC_PERMISSIONS',
        'EXEC_PERMISSIONS',
        'EXEC_PERMISSIONS',
        'EXEC_PERMISSIONS',
        'EXEC_PERMISSIONS',
        'EXEC_PERMISSIONS',
      ],
    ],
    [
      'an extra secret for every candidate',
      ['--secret-arns', 'arn:aws:secretsmanager:us-east-1:111122223333:secret:shared/datadog-Ab12Cd'],
      'ecsTaskExecutionRole',
      'NON_COMPLIANT',
      ['SECRETS_MANAGER', 'KMS_DECRYPT'],
    ],
    [
      'an extra key for every candidate',
      ['--kms-key-arns', 'arn:aws:kms:us-east-1:111122223333:key/2f6b9c1e-8d4a-4b7e-9c3f-5a1d0e7b8c24'],
      'ecsTaskExecutionRole',
      'NON_COMPLIANT',
      ['KMS_DECRYPT'],
    ],
  ])('%s: %j -> %s %s', async (_label, flags, roleName, compliance, findingIds) => {
    // Act
    const { code, byName, stderr } = await auditJson([...SAMPLE_FILES, '--all', ...flags]);

    // Assert
    expect(stderr).toBe('');
    expect(code).toBe([...byName.values()].some((role) => role.compliance === 'NON_COMPLIANT') ? 1 : 0);
    expect(byName.get(roleName)?.compliance).toBe(compliance);
    expect(ids(byName.get(roleName)).sort()).toEqual([...findingIds].sort());
  });

  it('exit 0 when nothing is NON_COMPLIANT', async () => {
    // Act: only the compliant, hardened role is selected (no task definitions name execution roles).
    const { code, stdout } = await audit([
      ...['--input', AUTH, '--job-definitions', JOBS, '--keys', KEYS],
      '--discover-batch-job-definitions',
      'false',
      '--role-name-pattern',
      'partner-registry-execution',
      '--require-confused-deputy-condition',
    ]);

    // Assert
    expect(code).toBe(0);
    expect(tableVerdicts(stdout)).toEqual(new Map([['partner-registry-execution', 'COMPLIANT']]));
  });
});

describe('audit: facts the offline files do not carry', () => {
  it('without --keys, KMS needs are unverifiable (fail closed) and a note says how to supply them', async () => {
    // Act
    const { byName } = await auditJson(['--input', AUTH, '--job-definitions', JOBS]);
    const table = await audit(['--input', AUTH, '--job-definitions', JOBS]);

    // Assert
    const partner = byName.get('partner-registry-execution');
    expect(partner?.compliance).toBe('NON_COMPLIANT');
    expect(partner?.findings).toEqual([
      expect.objectContaining({
        id: 'KMS_DECRYPT',
        message: expect.stringContaining('the KMS key protecting it could not be determined'),
      }),
    ]);
    expect(table.stdout).toContain('KMS keys of 6 secrets or parameters are unknown offline');
  });

  it('--assume-aws-managed-keys takes undescribed secrets as AWS managed; --keys entries still count', async () => {
    // Act
    const assumed = await auditJson([
      '--input',
      AUTH,
      '--job-definitions',
      JOBS,
      '--assume-aws-managed-keys',
    ]);
    const partial = await auditJson(
      [
        '--input',
        AUTH,
        '--job-definitions',
        JOBS,
        '--keys',
        'partial-keys.json',
        '--assume-aws-managed-keys',
      ],
      {
        files: {
          'partial-keys.json': JSON.stringify({
            'arn:aws:ssm:us-east-1:111122223333:parameter/ml/prod/wandb-api-key':
              'arn:aws:kms:us-east-1:111122223333:key/2f6b9c1e-8d4a-4b7e-9c3f-5a1d0e7b8c24',
          }),
        },
      },
    );

    // Assert
    expect(assumed.byName.get('partner-registry-execution')?.compliance).toBe('COMPLIANT');
    expect(assumed.byName.get('ml-training-execution')?.compliance).toBe('COMPLIANT');
    expect(ids(partial.byName.get('ml-training-execution'))).toEqual(['KMS_DECRYPT']);
  });

  it('a role whose AWS managed policy is not in the file fails closed, and the finding says why', async () => {
    // Arrange: the sample file, with ecsTaskExecutionRole also holding an AWS managed policy the file lacks.
    const details = JSON.parse(await readFile(AUTH, 'utf8')) as {
      RoleDetailList: {
        RoleName: string;
        AttachedManagedPolicies: { PolicyName: string; PolicyArn: string }[];
      }[];
    };
    const role = details.RoleDetailList.find((entry) => entry.RoleName === 'ecsTaskExecutionRole');
    role?.AttachedManagedPolicies.push({
      PolicyName: 'CloudWatchAgentServerPolicy',
      PolicyArn: 'arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy',
    });

    // Act
    const files = { 'filtered.json': JSON.stringify(details) };
    const { code, byName } = await auditJson(
      ['--input', 'filtered.json', '--job-definitions', JOBS, '--keys', KEYS],
      { files },
    );
    const table = await audit(['--input', 'filtered.json', '--job-definitions', JOBS, '--keys', KEYS], {
      files,
    });

    // Assert
    expect(code).toBe(1);
    expect(byName.get('ecsTaskExecutionRole')?.findings).toEqual([
      expect.objectContaining({
        id: 'POLICY_UNREADABLE',
        message: expect.stringContaining(
          'The managed policy arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy is not in the input file',
        ),
      }),
    ]);
    expect(table.stdout).toContain(
      'Not in the input file: arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy.',
    );
    // AmazonECSTaskExecutionRolePolicy is not in the sample file either: its known document is used.
    expect(byName.get('batch-ingest-execution-role')?.findings.map((finding) => finding.id)).toEqual([
      'TRUST_ECS_TASKS',
    ]);
  });

  const jobsIn = (region: string) =>
    readFileSync(JOBS, 'utf8').replace(/arn:aws:batch:us-east-1:/g, `arn:aws:batch:${region}:`);
  const regionFiles = {
    'jobs-eu-west-1.json': jobsIn('eu-west-1'),
    'jobs-eu-west-2.json': jobsIn('eu-west-2'),
    'jobs-no-arn.json': readFileSync(JOBS, 'utf8').replace(/"jobDefinitionArn": "[^"]*",/g, ''),
    'jobs-two-regions.json': readFileSync(JOBS, 'utf8').replace(
      /arn:aws:batch:us-east-1:(\d+):job-definition\/ingest-events/,
      'arn:aws:batch:eu-west-1:$1:job-definition/ingest-events',
    ),
  };
  const withJobs = (file: string) => ['--input', AUTH, '--job-definitions', file, '--keys', KEYS];

  const withoutArns = ['--input', AUTH, '--job-definitions', 'jobs-no-arn.json', '--keys', KEYS];
  const NOTE_ENV_UNUSED = (variable: string, region: string, named: string) =>
    `Note: ${variable}=${region} is not used: the job and task definitions' ARNs name ${named} ` +
    '(pass --region to choose another).\n';

  it.each<[string, string[], Record<string, string>, string, string]>([
    [
      '--region, over the ARNs, with a note',
      [...SAMPLE_FILES, '--region', 'eu-west-1'],
      {},
      'eu-west-1',
      "Note: --region eu-west-1 is used, though the job and task definitions' ARNs name us-east-1.\n",
    ],
    [
      '--region, over the environment and the ARNs',
      [...withJobs('jobs-eu-west-2.json'), '--region', 'eu-west-1'],
      { AWS_REGION: 'ap-south-1' },
      'eu-west-1',
      "Note: --region eu-west-1 is used, though the job and task definitions' ARNs name eu-west-2.\n",
    ],
    [
      '--region agreeing with the ARNs: no note',
      [...SAMPLE_FILES, '--region', 'us-east-1'],
      {},
      'us-east-1',
      '',
    ],
    ["the job definitions' own ARNs", withJobs('jobs-eu-west-1.json'), {}, 'eu-west-1', ''],
    [
      'the ARNs over AWS_REGION, with a note',
      SAMPLE_FILES,
      { AWS_REGION: 'eu-west-1' },
      'us-east-1',
      NOTE_ENV_UNUSED('AWS_REGION', 'eu-west-1', 'us-east-1'),
    ],
    [
      'the ARNs over AWS_DEFAULT_REGION, with a note',
      withJobs('jobs-eu-west-2.json'),
      { AWS_DEFAULT_REGION: 'eu-west-1' },
      'eu-west-2',
      NOTE_ENV_UNUSED('AWS_DEFAULT_REGION', 'eu-west-1', 'eu-west-2'),
    ],
    [
      'the ARNs, the environment agreeing: no note',
      SAMPLE_FILES,
      { AWS_REGION: 'us-east-1' },
      'us-east-1',
      '',
    ],
    ['AWS_REGION when the ARNs name none', withoutArns, { AWS_REGION: 'eu-west-1' }, 'eu-west-1', ''],
    [
      'AWS_DEFAULT_REGION when the ARNs name none',
      withoutArns,
      { AWS_DEFAULT_REGION: 'eu-west-1' },
      'eu-west-1',
      '',
    ],
    [
      'AWS_REGION before AWS_DEFAULT_REGION',
      withoutArns,
      { AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'ap-south-1' },
      'eu-west-1',
      '',
    ],
    [
      'AWS_REGION when the ARNs name several regions, with a note',
      withJobs('jobs-two-regions.json'),
      { AWS_REGION: 'eu-west-1' },
      'eu-west-1',
      "Note: AWS_REGION=eu-west-1 is used, though the job and task definitions' ARNs name eu-west-1, us-east-1.\n",
    ],
  ])('parameter names resolve in the region from %s', async (_label, argv, env, region, note) => {
    // Act
    const { byName, code, stderr } = await auditJson(argv, { files: regionFiles, deps: { env } });

    // Assert: /ml/prod/... names parameters of that region; the role's grant covers only us-east-1's.
    expect(stderr).toBe(note);
    expect(code).toBe(1);
    const ssm = byName
      .get('ml-training-execution')
      ?.findings.filter((finding) => finding.id === 'SECRETS_SSM')
      .map((finding) => finding.resource);
    const parameter = `arn:aws:ssm:${region}:111122223333:parameter/ml/prod/wandb-api-key`;
    if (region === 'us-east-1') expect(ssm).toEqual([]);
    else expect(ssm).toContain(parameter);
  });

  it("the job definitions' own region (us-east-1 here) is used when none is given: no finding for it", async () => {
    // Act
    const { byName } = await auditJson(SAMPLE_FILES);

    // Assert
    expect(
      byName.get('ml-training-execution')?.findings.filter((finding) => finding.id === 'SECRETS_SSM'),
    ).toEqual([]);
  });
});

describe('audit --task-definitions', () => {
  const role = (name: string) => ({
    Path: '/',
    RoleName: name,
    RoleId: 'AROAEXAMPLEWEBROLE001',
    Arn: `arn:aws:iam::${SAMPLE_ACCOUNT}:role/${name}`,
    AssumeRolePolicyDocument: encodeURIComponent(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    ),
    RolePolicyList: [],
    AttachedManagedPolicies: [
      { PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: EXECUTION_ROLE_POLICY_ARN },
    ],
  });
  const secret = `arn:aws:secretsmanager:us-east-1:${SAMPLE_ACCOUNT}:secret:web/session-key-Zx81Qa`;
  const task = (revision: number, status: string, secrets: { name: string; valueFrom: string }[]) => ({
    family: 'web',
    revision,
    status,
    taskDefinitionArn: `arn:aws:ecs:us-east-1:${SAMPLE_ACCOUNT}:task-definition/web:${revision}`,
    executionRoleArn: `arn:aws:iam::${SAMPLE_ACCOUNT}:role/web-execution`,
    containerDefinitions: [{ name: 'app', image: 'public.ecr.aws/nginx/nginx:1.27', secrets }],
  });
  const files = (tasks: unknown) => ({
    'auth.json': JSON.stringify({ RoleDetailList: [role('web-execution')], Policies: [] }),
    'tasks.json': JSON.stringify(tasks),
    'keys.json': JSON.stringify({ [secret]: null }),
  });
  const argv = [
    '--input',
    'auth.json',
    '--no-job-definitions',
    '--task-definitions',
    'tasks.json',
    '--keys',
    'keys.json',
  ];

  it.each<[string, unknown, Compliance, FindingId[]]>([
    [
      'latest ACTIVE revision needs the secret',
      { taskDefinitions: [task(1, 'ACTIVE', []), task(2, 'ACTIVE', [{ name: 'KEY', valueFrom: secret }])] },
      'NON_COMPLIANT',
      ['SECRETS_MANAGER'],
    ],
    [
      'an older revision needed it: only the latest counts',
      [task(1, 'ACTIVE', [{ name: 'KEY', valueFrom: secret }]), task(2, 'ACTIVE', [])],
      'COMPLIANT',
      [],
    ],
    [
      'the newest revision is INACTIVE: the latest ACTIVE one counts',
      [task(1, 'ACTIVE', [{ name: 'KEY', valueFrom: secret }]), task(2, 'INACTIVE', [])],
      'NON_COMPLIANT',
      ['SECRETS_MANAGER'],
    ],
    [
      'one describe-task-definition answer',
      { taskDefinition: task(5, 'ACTIVE', [{ name: 'KEY', valueFrom: secret }]) },
      'NON_COMPLIANT',
      ['SECRETS_MANAGER'],
    ],
  ])('%s', async (_label, tasks, compliance, findingIds) => {
    // Act: the file implies DiscoverEcsTaskDefinitions, which is off by default.
    const { byName } = await auditJson(argv, { files: files(tasks) });

    // Assert
    expect(byName.get('web-execution')?.compliance).toBe(compliance);
    expect(ids(byName.get('web-execution'))).toEqual(findingIds);
  });
});

describe('audit --keys: secrets a job names without their suffix', () => {
  const SM = `arn:aws:secretsmanager:us-east-1:${SAMPLE_ACCOUNT}:secret`;
  const FULL = `${SM}:dockerhub-Xy12Ab`;
  const KEY = `arn:aws:kms:us-east-1:${SAMPLE_ACCOUNT}:key/7c0e4a9d-3b2f-4e61-8a57-d1c9b6e2f083`;
  const ROLE_NAME = 'registry-execution';
  const encoded = (document: object) => encodeURIComponent(JSON.stringify(document));
  const files = (keys: object, grants: object[]) => ({
    'auth.json': JSON.stringify({
      RoleDetailList: [
        {
          Path: '/',
          RoleName: ROLE_NAME,
          RoleId: 'AROAEXAMPLEREGISTRY01',
          Arn: `arn:aws:iam::${SAMPLE_ACCOUNT}:role/${ROLE_NAME}`,
          AssumeRolePolicyDocument: encoded({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'ecs-tasks.amazonaws.com' },
                Action: 'sts:AssumeRole',
              },
            ],
          }),
          RolePolicyList: [
            { PolicyName: 'registry', PolicyDocument: encoded({ Version: '2012-10-17', Statement: grants }) },
          ],
          AttachedManagedPolicies: [
            { PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: EXECUTION_ROLE_POLICY_ARN },
          ],
        },
      ],
      Policies: [],
    }),
    'jobs.json': JSON.stringify({
      jobDefinitions: [
        {
          jobDefinitionArn: `arn:aws:batch:us-east-1:${SAMPLE_ACCOUNT}:job-definition/web:4`,
          jobDefinitionName: 'web',
          revision: 4,
          status: 'ACTIVE',
          type: 'container',
          containerProperties: {
            image: 'registry.example.com/web:4',
            executionRoleArn: `arn:aws:iam::${SAMPLE_ACCOUNT}:role/${ROLE_NAME}`,
            repositoryCredentials: { credentialsParameter: 'dockerhub' },
          },
        },
      ],
    }),
    'keys.json': JSON.stringify(keys),
  });
  const argv = ['--input', 'auth.json', '--job-definitions', 'jobs.json', '--keys', 'keys.json'];
  const exact = [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: FULL }];
  const exactAndKey = [...exact, { Effect: 'Allow', Action: 'kms:Decrypt', Resource: KEY }];

  it.each<[string, object, object[], Compliance, object | undefined]>([
    [
      'keyed by name: the exact full ARN complies',
      { dockerhub: { arn: FULL, kmsKeyId: null } },
      exact,
      'COMPLIANT',
      undefined,
    ],
    [
      'keyed by partial ARN, under a customer managed key: both grants comply',
      { [`${SM}:dockerhub`]: { arn: FULL, kmsKeyId: KEY } },
      exactAndKey,
      'COMPLIANT',
      undefined,
    ],
    [
      'keyed by partial ARN without kmsKeyId: the key stays unknown (fail closed)',
      { [`${SM}:dockerhub`]: { arn: FULL } },
      exactAndKey,
      'NON_COMPLIANT',
      { id: 'KMS_DECRYPT', message: expect.stringContaining(`${SM}:dockerhub cannot be checked`) as string },
    ],
    [
      'the simple form (key only): only NAME-?????? is known, so the exact grant does not count',
      { [`${SM}:dockerhub`]: null },
      exact,
      'NON_COMPLIANT',
      { id: 'REGISTRY_CREDENTIALS', resource: `${SM}:dockerhub-??????` },
    ],
  ])('%s', async (_label, keys, grants, compliance, finding) => {
    // Act
    const { code, byName } = await auditJson(argv, { files: files(keys, grants) });

    // Assert
    expect(code).toBe(compliance === 'COMPLIANT' ? 0 : 1);
    const role = byName.get(ROLE_NAME);
    expect(role?.compliance).toBe(compliance);
    expect(role?.findings).toEqual(finding === undefined ? [] : [expect.objectContaining(finding)]);
  });

  it('the table notes how to give the full ARN of a secret named without its suffix', async () => {
    const unresolved = await audit(argv, { files: files({ [`${SM}:dockerhub`]: null }, exact) });
    const resolved = await audit(argv, { files: files({ dockerhub: { arn: FULL, kmsKeyId: null } }, exact) });
    expect(unresolved.stdout).toContain(
      '1 secret is named without its random suffix, so only a NAME-?????? wildcard grant is accepted for them',
    );
    expect(resolved.stdout).not.toContain('without its random suffix');
  });

  it.each<[string, object, string | RegExp]>([
    [
      'a full ARN that is not the named secret’s',
      { dockerhub: { arn: `${SM}:quay-Xy12Ab`, kmsKeyId: null } },
      `--keys keys.json: "dockerhub".arn: "${SM}:quay-Xy12Ab" is not the full ARN of a secret named dockerhub`,
    ],
    [
      'a partial ARN whose full ARN has another name',
      { [`${SM}:dockerhub`]: { arn: `${SM}:dockerhub-creds-Xy12Ab`, kmsKeyId: null } },
      `--keys keys.json: "${SM}:dockerhub".arn: "${SM}:dockerhub-creds-Xy12Ab" is not the full ARN of the secret ${SM}:dockerhub`,
    ],
    [
      'an arn that is not a secret ARN',
      { dockerhub: { arn: 'dockerhub-Xy12Ab', kmsKeyId: null } },
      /^--keys keys\.json: "dockerhub"\.arn: expected the secret's full ARN \(arn:PARTITION/,
    ],
    [
      'an unknown field',
      { dockerhub: { arn: FULL, KmsKeyId: null } },
      '--keys keys.json: "dockerhub".KmsKeyId: unknown field (expected arn and kmsKeyId)',
    ],
    [
      'a kmsKeyId that is not a key',
      { dockerhub: { arn: FULL, kmsKeyId: 5 } },
      '--keys keys.json: "dockerhub".kmsKeyId: expected a KMS key ARN, key id or alias, or null for the AWS managed key',
    ],
    [
      'the object form for an SSM parameter',
      { [`arn:aws:ssm:us-east-1:${SAMPLE_ACCOUNT}:parameter/x`]: { arn: FULL } },
      /^--keys keys\.json: "arn:aws:ssm:[^"]+": the \{"arn", "kmsKeyId"\} form is for Secrets Manager secrets only$/,
    ],
  ])('rejects %s, naming the entry and field; exit 2', async (_label, keys, message) => {
    const { code, stderr } = await audit(argv, { files: files(keys, exact) });
    expect(code).toBe(2);
    const line = stderr.replace(/^execution-role-check audit: /, '').trimEnd();
    if (typeof message === 'string') expect(line).toBe(message);
    else expect(line).toMatch(message);
  });
});

const JOBS_NOT_READ =
  '--input without --job-definitions: no Batch job definitions are read, so roles used only as their ' +
  'execution roles would not be found (only roles the rule parameters match would be judged); pass ' +
  '--job-definitions FILE (aws batch describe-job-definitions --status ACTIVE > FILE), or ' +
  '--no-job-definitions to audit without them';

describe('audit table: a conditional Deny is worded as a denial and said once for all its actions', () => {
  /** The sample account with ecsTaskExecutionRole behind a Deny whose condition the audit cannot verify. */
  const withGuard = (operator: string) => {
    const details = JSON.parse(readFileSync(AUTH, 'utf8')) as {
      RoleDetailList: { RoleName: string; RolePolicyList: unknown[] }[];
    };
    const role = details.RoleDetailList.find((r) => r.RoleName === 'ecsTaskExecutionRole');
    role?.RolePolicyList.push({
      PolicyName: 'vpc-only',
      PolicyDocument: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OnlyFromVpce',
            Effect: 'Deny',
            Action: ['logs:*', 'ecr:*'],
            Resource: '*',
            Condition: { [operator]: { 'aws:SourceVpce': 'vpce-1' } },
          },
        ],
      },
    });
    return { 'guarded.json': JSON.stringify(details) };
  };
  const argv = ['--input', 'guarded.json', '--job-definitions', JOBS, '--keys', KEYS];

  it.each<[string, string, string]>([
    ['a known operator', 'StringNotEquals', ''],
    [
      'an operator IAM does not define: hinted',
      'StringNotEqualz',
      '; StringNotEqualz is not an IAM condition operator (did you mean StringNotEquals?)',
    ],
  ])('%s', async (_label, operator, hint) => {
    // Act
    const table = await audit(argv, { files: withGuard(operator) });
    const json = await auditJson(argv, { files: withGuard(operator) });

    // Assert: one line for the six actions in the table; JSON keeps one finding per action.
    const lines = table.stdout.split('\n').filter((line) => line.startsWith('ecsTaskExecutionRole'));
    expect(lines).toEqual([
      expect.stringMatching(/^ecsTaskExecutionRole\s+NON_COMPLIANT\s+EXEC_PERMISSIONS: /),
    ]);
    const STREAMS = 'arn:aws:logs:us-east-1:111122223333:log-group:/aws/batch/job:log-stream:*';
    const REPOSITORY = 'arn:aws:ecr:us-east-1:111122223333:repository/nightly-report';
    expect(lines[0]).toContain(
      `EXEC_PERMISSIONS: ecr:GetAuthorizationToken; ecr:BatchCheckLayerAvailability, GetDownloadUrlForLayer, ` +
        `BatchGetImage on ${REPOSITORY}; logs:CreateLogStream, PutLogEvents on ${STREAMS} are not granted: ` +
        'denied under conditions the rule cannot verify, so not proven allowed: ' +
        `${operator} aws:SourceVpce ["vpce-1"] (inline policy vpc-only statement "OnlyFromVpce")${hint} ` +
        '(needed by job definition nightly-report:4)',
    );
    expect(lines[0]).not.toContain('allowed only under conditions');
    const findings = json.byName.get('ecsTaskExecutionRole')?.findings ?? [];
    expect(findings).toHaveLength(6);
    expect(findings[0]?.message).toContain(`denied under conditions the rule cannot verify`);
  });
});

describe('audit --bucket-encryption: SSE-KMS buckets of ECS files', () => {
  const offline = SAMPLE_FILES.filter((arg) => arg !== '--bucket-encryption' && arg !== BUCKETS);
  const KEY = 'arn:aws:kms:us-east-1:111122223333:key/0b5e3c1d-7a2f-4e8b-9d6c-1f2a3b4c5d6e';
  const web = async (files: Record<string, unknown>, argv: string[] = ['--bucket-encryption', 'b.json']) => {
    const text = Object.fromEntries(
      Object.entries(files).map(([path, json]) => [path, JSON.stringify(json)]),
    );
    const result = await auditJson([...offline, ...argv], { files: text });
    return { ...result, role: result.byName.get('web-frontend-execution') };
  };

  it('without the file, the bucket is unverifiable (fail closed) and the table says how to give it', async () => {
    const { role } = await web({}, []);
    const table = await audit(offline);
    expect(ids(role)).toEqual(['ENVIRONMENT_FILES', 'KMS_DECRYPT']);
    expect(role?.findings[1]?.message).toMatch(
      /^kms:Decrypt for arn:aws:s3:::acme-app-config cannot be checked: its default encryption is unknown \(offline: no --bucket-encryption file was given\)/,
    );
    expect(table.stdout).toContain(
      'The default encryption of 1 bucket of ECS environment files, FireLens configs or credential specs is unknown offline',
    );
  });

  it.each<[string, unknown, FindingId[]]>([
    ['SSE-S3, in our own shape', { 'acme-app-config': { algorithm: 'AES256' } }, ['ENVIRONMENT_FILES']],
    ['the AWS managed key aws/s3', { 'acme-app-config': { algorithm: 'aws:kms' } }, ['ENVIRONMENT_FILES']],
    [
      'a customer managed key, by bucket ARN',
      { 'arn:aws:s3:::acme-app-config': { algorithm: 'aws:kms', kmsKeyId: KEY } },
      ['ENVIRONMENT_FILES', 'KMS_DECRYPT'],
    ],
    [
      'a customer managed key, as aws s3api get-bucket-encryption prints it',
      {
        'acme-app-config': {
          ServerSideEncryptionConfiguration: {
            Rules: [
              {
                ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY },
                BucketKeyEnabled: true,
              },
            ],
          },
        },
      },
      ['ENVIRONMENT_FILES', 'KMS_DECRYPT'],
    ],
    [
      'a file that lists other buckets only',
      { 'other-bucket': { algorithm: 'AES256' } },
      ['ENVIRONMENT_FILES', 'KMS_DECRYPT'],
    ],
  ])('%s', async (_case, file, expected) => {
    const { code, role } = await web({ 'b.json': file });
    expect(code).toBe(1);
    expect(ids(role)).toEqual(expected);
    if (expected.includes('KMS_DECRYPT') && JSON.stringify(file).includes(KEY)) {
      expect(role?.findings[1]?.message).toBe(
        `kms:Decrypt on ${KEY} is not granted: no statement allows it (needed by task definition web-frontend:8)`,
      );
    }
  });

  it.each<[string, unknown, string]>([
    [
      'not an object',
      [],
      '--bucket-encryption b.json: (top level): expected an object of bucket name -> default encryption, got an array',
    ],
    [
      'a bad bucket name',
      { Acme_Config: { algorithm: 'AES256' } },
      '--bucket-encryption b.json: "Acme_Config": expected a bucket name or arn:aws:s3:::BUCKET',
    ],
    [
      'an unknown algorithm',
      { 'acme-app-config': { algorithm: 'aws:fancy' } },
      '--bucket-encryption b.json: "acme-app-config".algorithm: expected AES256, aws:kms or aws:kms:dsse, got string "aws:fancy"',
    ],
    [
      'a key with SSE-S3',
      { 'acme-app-config': { algorithm: 'AES256', kmsKeyId: KEY } },
      '--bucket-encryption b.json: "acme-app-config".kmsKeyId: AES256 (SSE-S3) takes no KMS key',
    ],
    [
      'an unknown field',
      { 'acme-app-config': { algorithm: 'aws:kms', key: KEY } },
      '--bucket-encryption b.json: "acme-app-config".key: unknown field (expected algorithm and kmsKeyId)',
    ],
    [
      'get-bucket-encryption output without a default',
      { 'acme-app-config': { ServerSideEncryptionConfiguration: { Rules: [] } } },
      '--bucket-encryption b.json: "acme-app-config".ServerSideEncryptionConfiguration.Rules: no rule with ApplyServerSideEncryptionByDefault',
    ],
  ])('refuses %s, naming the field (exit 2)', async (_case, file, message) => {
    const { code, stderr } = await web({ 'b.json': file });
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('is for --input or --template: --live reads the buckets itself', async () => {
    const { code, stderr } = await audit(['--live', '--bucket-encryption', BUCKETS]);
    expect(code).toBe(2);
    expect(stderr).toContain('--bucket-encryption is for --input; --live reads the account instead');
  });
});

describe('audit --pull-through-cache-rules', () => {
  const offline = SAMPLE_FILES.slice(0, 6);

  it('without the file, the own-registry images go unchecked and the table says so', async () => {
    const { code, stdout } = await audit(offline);
    expect(code).toBe(1);
    expect(tableVerdicts(stdout).get('python-jobs-execution')).toBe('COMPLIANT');
    expect(stdout).toContain(
      "Pull through cache rules were not given for us-east-1, where jobs pull from this account's registry",
    );
  });

  it.each<[string, string, Compliance]>([
    ['FILE: the audit region', CACHE_RULES, 'NON_COMPLIANT'],
    ['us-east-1=FILE: the same region, named', `us-east-1=${CACHE_RULES}`, 'NON_COMPLIANT'],
    [
      'eu-west-1=FILE: another region, whose rules do not apply here',
      `eu-west-1=${CACHE_RULES}`,
      'COMPLIANT',
    ],
  ])('%s', async (_case, value, compliance) => {
    const { byName } = await auditJson([...offline, '--pull-through-cache-rules', value]);
    expect(byName.get('python-jobs-execution')?.compliance).toBe(compliance);
  });

  it.each<[string, string, Compliance]>([
    // The sample's rules, in a file literally named like REGION=FILE.
    [
      './eu-west-1=rules.json: a file of that name, for the audit region',
      './eu-west-1=rules.json',
      'NON_COMPLIANT',
    ],
    ['eu-west-1=rules.json: the file rules.json, for eu-west-1', 'eu-west-1=rules.json', 'COMPLIANT'],
  ])('%s', async (_case, value, compliance) => {
    // Arrange
    const rules = readFileSync(CACHE_RULES, 'utf8');
    const files = { './eu-west-1=rules.json': rules, 'rules.json': rules };

    // Act
    const { code, byName } = await auditJson([...offline, '--pull-through-cache-rules', value], { files });

    // Assert
    expect(code).toBe(1);
    expect(byName.get('python-jobs-execution')?.compliance).toBe(compliance);
  });

  it('REGION=FILE whose FILE cannot be read names the ./NAME escape, exit 2', async () => {
    // Act
    const { code, stderr } = await audit([
      ...offline,
      '--pull-through-cache-rules',
      'us-east-1=no-such.json',
    ]);

    // Assert
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^execution-role-check audit: --pull-through-cache-rules no-such\.json: cannot read it \(.*\); read as REGION=FILE; a file named us-east-1=no-such\.json is given as \.\/us-east-1=no-such\.json\n$/,
    );
  });

  it('reads a bare array of rules, and a ROOT rule caches every repository', async () => {
    const { byName } = await auditJson([...offline, '--pull-through-cache-rules', 'root.json'], {
      files: { 'root.json': JSON.stringify([{ ecrRepositoryPrefix: 'ROOT' }]) },
    });
    expect(ids(byName.get('python-jobs-execution'))).toEqual(['PULL_THROUGH_CACHE', 'PULL_THROUGH_CACHE']);
    // data-export's policy is scoped to its repository: a ROOT cache makes it import and create too.
    expect(ids(byName.get('data-export-execution'))).toEqual(['PULL_THROUGH_CACHE', 'PULL_THROUGH_CACHE']);
  });
});

const TASKS_NOT_READ =
  '--discover-ecs-task-definitions true without --task-definitions: no ECS task definitions are read, so ' +
  'roles used only as their execution roles would not be found; pass --task-definitions FILE ' +
  '(aws ecs describe-task-definition per family, gathered as {"taskDefinitions": [...]}), or drop ' +
  '--discover-ecs-task-definitions true';

describe('audit --input discovering ECS task definitions without a file: exit 2, not zero task definitions', () => {
  it.each<[string, string[]]>([
    ['with job definitions', ['--job-definitions', JOBS, '--discover-ecs-task-definitions', 'true']],
    ['with --no-job-definitions', ['--no-job-definitions', '--discover-ecs-task-definitions', 'true']],
    ['bare switch, --all', ['--job-definitions', JOBS, '--discover-ecs-task-definitions', '--all']],
  ])('%s: names what is not read', async (_label, flags) => {
    // Act
    const { code, stdout, stderr } = await audit(['--input', AUTH, '--keys', KEYS, ...flags]);

    // Assert: nothing judged, so no role is called NOT_APPLICABLE for task definitions never read.
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(`execution-role-check audit: ${TASKS_NOT_READ}\n`);
  });

  it('--task-definitions given, or discovery off: judged', async () => {
    // Act
    const withFile = await auditJson([...SAMPLE_FILES, '--discover-ecs-task-definitions', 'true']);
    const off = await auditJson(['--input', AUTH, '--keys', KEYS, '--job-definitions', JOBS]);

    // Assert
    expect(withFile.stderr).toBe('');
    expect(withFile.byName.get('web-frontend-execution')?.compliance).toBe('NON_COMPLIANT');
    expect(off.stderr).toBe('');
    expect(off.code).toBe(1);
  });
});

describe('audit --input without job definitions: only on purpose', () => {
  const NOTE = (tasks: string) =>
    `Note: --no-job-definitions: no Batch job definitions were read${tasks}, so roles used only as ` +
    'execution roles were not found: only roles the rule parameters match were judged.\n';

  it.each<[string, string[], string]>([
    ['--no-job-definitions', ['--no-job-definitions'], NOTE(' (nor ECS task definitions)')],
    [
      '--no-job-definitions with --task-definitions',
      ['--no-job-definitions', '--task-definitions', 'tasks-none.json'],
      NOTE(''),
    ],
    ['--discover-batch-job-definitions false', ['--discover-batch-job-definitions', 'false'], ''],
  ])('%s: judged, saying on stderr what was not read', async (_name, flags, note) => {
    // Arrange
    const argv = ['--input', AUTH, '--keys', KEYS, '--region', 'us-east-1', ...flags];
    const files = { 'tasks-none.json': JSON.stringify({ taskDefinitions: [] }) };

    // Act
    const table = await audit(argv, { files });
    const json = await auditJson(argv, { files });

    // Assert: the sample's name-matched ecsTaskExecutionRole is judged, its job-only roles are not.
    expect(table.stderr).toBe(note);
    expect(json.stderr).toBe(note);
    expect(table.code).toBe(0);
    expect(json.byName.get('ecsTaskExecutionRole')?.compliance).toBe('COMPLIANT');
    expect(json.byName.has('batch-ingest-execution-role')).toBe(false);
  });
});

describe('audit: bad input -> one line on stderr, exit 2', () => {
  const files = {
    'not-json.json': 'RoleDetailList: []',
    'job-def-no-revision.json': JSON.stringify({ jobDefinitions: [{ jobDefinitionName: 'etl' }] }),
    'job-def-bad-secrets.json': JSON.stringify({
      jobDefinitions: [
        { jobDefinitionName: 'etl', revision: 1, containerProperties: { secrets: { name: 'x' } } },
      ],
    }),
    'jobs-no-arn.json': readFileSync(JOBS, 'utf8').replace(/"jobDefinitionArn": "[^"]*",/g, ''),
    'jobs-two-regions.json': readFileSync(JOBS, 'utf8').replace(
      /arn:aws:batch:us-east-1:(\d+):job-definition\/ingest-events/,
      'arn:aws:batch:eu-west-1:$1:job-definition/ingest-events',
    ),
    'tasks-none.json': JSON.stringify({ taskDefinitions: [] }),
    'rules-not-list.json': JSON.stringify({ pullThroughCacheRules: { ecrRepositoryPrefix: 'x' } }),
    'rules-no-prefix.json': JSON.stringify({ pullThroughCacheRules: [{ upstreamRegistryUrl: 'quay.io' }] }),
    'rules-bad-prefix.json': JSON.stringify({
      pullThroughCacheRules: [{ ecrRepositoryPrefix: 'Docker Hub' }],
    }),
    'rules-other-registry.json': JSON.stringify({
      pullThroughCacheRules: [{ ecrRepositoryPrefix: 'docker-hub', registryId: '444455556666' }],
    }),
    'jobs-capabilities-string.json': JSON.stringify({
      jobDefinitions: [{ jobDefinitionName: 'etl', revision: 1, platformCapabilities: 'FARGATE' }],
    }),
    'keys-not-arn.json': JSON.stringify({ '/prod/db/password': null }),
    'keys-bad-value.json': JSON.stringify({ 'arn:aws:ssm:us-east-1:111122223333:parameter/x': 5 }),
    'two-accounts.json': JSON.stringify({
      RoleDetailList: ['111122223333', '444455556666'].map((account, index) => ({
        RoleName: `r${index}`,
        RoleId: `AROAEXAMPLEROLEID000${index}`,
        Arn: `arn:aws:iam::${account}:role/r${index}`,
        AssumeRolePolicyDocument: {},
        RolePolicyList: [],
        AttachedManagedPolicies: [],
      })),
    }),
  };

  it.each<[string, string[], string | RegExp]>([
    [
      'a missing file',
      ['--input', 'missing.json', '--no-job-definitions'],
      /^--input missing\.json: cannot read it \(ENOENT/,
    ],
    [
      'a file that is not JSON',
      ['--input', 'not-json.json', '--no-job-definitions'],
      /^--input not-json\.json: not valid JSON \(/,
    ],
    [
      'a file that is not authorization details',
      ['--input', JOBS, '--no-job-definitions'],
      `--input ${JOBS}: RoleDetailList: expected an array, got nothing (is this the output of aws iam get-account-authorization-details?)`,
    ],
    [
      'authorization details as job definitions',
      ['--input', AUTH, '--job-definitions', AUTH],
      `--job-definitions ${AUTH}: jobDefinitions: expected an array (is this the output of aws batch describe-job-definitions?)`,
    ],
    [
      'a job definition without revision',
      ['--input', AUTH, '--job-definitions', 'job-def-no-revision.json'],
      '--job-definitions job-def-no-revision.json: jobDefinitions[0].revision: expected an integer, got nothing',
    ],
    [
      'secrets that are not a list',
      ['--input', AUTH, '--job-definitions', 'job-def-bad-secrets.json'],
      '--job-definitions job-def-bad-secrets.json: jobDefinitions[0].containerProperties.secrets: expected an array, got an object',
    ],
    [
      'a keys entry that is not an ARN',
      ['--input', AUTH, '--no-job-definitions', '--keys', 'keys-not-arn.json'],
      '--keys keys-not-arn.json: "/prod/db/password": expected a Secrets Manager secret or SSM parameter ARN',
    ],
    [
      'a keys value that is not a key',
      ['--input', AUTH, '--no-job-definitions', '--keys', 'keys-bad-value.json'],
      /^--keys keys-bad-value\.json: "arn:aws:ssm:[^"]+": expected a KMS key ARN, key id or alias, or null/,
    ],
    [
      'no region and no job or task definitions to take it from',
      ['--input', AUTH, '--no-job-definitions'],
      'no region to resolve secret and parameter names in: no job or task definitions were read to take it from; pass --region REGION (or set AWS_REGION)',
    ],
    [
      'no region and job definitions without ARNs',
      ['--input', AUTH, '--job-definitions', 'jobs-no-arn.json'],
      'no region to resolve secret and parameter names in: the job and task definitions of jobs-no-arn.json name none in their ARNs; pass --region REGION (or set AWS_REGION)',
    ],
    [
      'no region and job definitions in two regions',
      ['--input', AUTH, '--job-definitions', 'jobs-two-regions.json'],
      'no region to resolve secret and parameter names in: the job and task definitions are in several regions (eu-west-1, us-east-1); pass --region REGION (or set AWS_REGION)',
    ],
    ['--input without --job-definitions', ['--input', AUTH, '--region', 'us-east-1'], JOBS_NOT_READ],
    [
      '--input with --task-definitions but without --job-definitions',
      ['--input', AUTH, '--task-definitions', 'tasks-none.json', '--region', 'us-east-1'],
      JOBS_NOT_READ,
    ],
    [
      '--input without --job-definitions, asking to discover them',
      ['--input', AUTH, '--discover-batch-job-definitions', 'true', '--region', 'us-east-1'],
      JOBS_NOT_READ,
    ],
    [
      '--no-job-definitions with --job-definitions',
      [...SAMPLE_FILES, '--no-job-definitions'],
      '--job-definitions and --no-job-definitions exclude each other',
    ],
    [
      '--no-job-definitions without --input',
      ['--no-job-definitions'],
      '--no-job-definitions needs --input (the sample, --live and --template read theirs)',
    ],
    [
      '--no-job-definitions with --live',
      ['--live', '--no-job-definitions'],
      '--no-job-definitions needs --input (the sample, --live and --template read theirs)',
    ],
    [
      'roles of two accounts',
      ['--input', 'two-accounts.json', '--no-job-definitions'],
      'the roles belong to several accounts (111122223333, 444455556666); audit one at a time',
    ],
    [
      'a bad boolean parameter',
      [...SAMPLE_FILES, '--require-managed-policy', 'yes'],
      '--require-managed-policy: expected "true" or "false", got "yes"',
    ],
    [
      'a bad role name pattern',
      [...SAMPLE_FILES, '--role-name-pattern', 'exec role'],
      /^--role-name-pattern: "exec role" is not a role name pattern/,
    ],
    [
      'a bad secret ARN',
      [...SAMPLE_FILES, '--secret-arns', 'prod/db'],
      '--secret-arns: "prod/db" is not a Secrets Manager secret ARN',
    ],
    ['a parameter flag without value', [...SAMPLE_FILES, '--role-tag-key'], '--role-tag-key needs a value'],
    ['an unknown flag', ['--inptu', AUTH], 'unknown flag --inptu (see --help)'],
    ['a positional argument', [AUTH], /^unexpected argument ".*authorization-details\.json"/],
    ['a flag given twice', ['--input', AUTH, '--input', AUTH], '--input given twice'],
    ['--input without a value', ['--input'], '--input needs a value'],
    ['--input followed by another flag', ['--input', '--all'], '--input needs a value'],
    ['--input= with nothing', ['--input='], '--input needs a value'],
    ['a switch given twice', [...SAMPLE_FILES, '--all', '--all'], '--all given twice'],
    ['an unknown flag spelled with =', ['--inptu=x.json'], 'unknown flag --inptu (see --help)'],
    ['an unknown short flag', ['-i', AUTH], 'unknown flag -i (see --help)'],
    [
      'a second value after a value flag',
      ['--input', AUTH, JOBS],
      /^unexpected argument ".*job-definitions\.json" \(flags start with --; see --help\)$/,
    ],
    [
      'a boolean parameter with an empty value',
      [...SAMPLE_FILES, '--require-managed-policy='],
      '--require-managed-policy needs a value',
    ],
    [
      'an unknown output format',
      [...SAMPLE_FILES, '--output', 'yaml'],
      '--output: expected table, json, sarif or junit, got "yaml"',
    ],
    [
      'a region that is not one',
      [...SAMPLE_FILES, '--region', 'moon-1'],
      '--region: "moon-1" is not a region name such as us-east-1',
    ],
    ['AWS_REGION that is not one', SAMPLE_FILES, '--region: "Europe" is not a region name such as us-east-1'],
    ['--input with --live', ['--input', AUTH, '--live'], '--input and --live exclude each other'],
    ['--keys without --input', ['--keys', KEYS], '--keys needs --input'],
    [
      '--job-definitions with --live',
      ['--live', '--job-definitions', JOBS],
      '--job-definitions is for --input; --live reads the account instead',
    ],
    ['--profile without --live', [...SAMPLE_FILES, '--profile', 'dev'], '--profile needs --live'],
    [
      '--progress without --live',
      [...SAMPLE_FILES, '--progress'],
      '--progress needs --live (offline files are read at once, with nothing to report)',
    ],
    [
      '--progress on the sample account',
      ['--progress'],
      '--progress needs --live (offline files are read at once, with nothing to report)',
    ],
    ['a switch with a value', [...SAMPLE_FILES, '--all=yes'], '--all takes no value'],
    [
      'task definitions with their discovery off',
      [
        '--input',
        AUTH,
        '--job-definitions',
        JOBS,
        '--task-definitions',
        TASKS,
        '--discover-ecs-task-definitions',
        'false',
      ],
      '--task-definitions contradicts --discover-ecs-task-definitions false: drop one of them',
    ],
    [
      'job definitions as task definitions',
      ['--input', AUTH, '--job-definitions', JOBS, '--task-definitions', JOBS],
      `--task-definitions ${JOBS}: taskDefinitions: expected an array (is this the output of aws ecs describe-task-definition?)`,
    ],
    [
      '--pull-through-cache-rules with a bad REGION',
      [...SAMPLE_FILES.slice(0, 6), '--pull-through-cache-rules', `Europe=${CACHE_RULES}`],
      `--pull-through-cache-rules Europe=${CACHE_RULES}: "Europe" is not a region name such as us-east-1 (REGION=FILE; a file whose name holds "=" is given as ./NAME)`,
    ],
    [
      '--pull-through-cache-rules with an empty REGION',
      [...SAMPLE_FILES.slice(0, 6), '--pull-through-cache-rules', `=${CACHE_RULES}`],
      `--pull-through-cache-rules =${CACHE_RULES}: "" is not a region name such as us-east-1 (REGION=FILE; a file whose name holds "=" is given as ./NAME)`,
    ],
    [
      '--pull-through-cache-rules with REGION= and no file',
      [...SAMPLE_FILES.slice(0, 6), '--pull-through-cache-rules', 'eu-west-1='],
      '--pull-through-cache-rules eu-west-1=: no file after eu-west-1= (REGION=FILE)',
    ],
  ])('%s', async (label, argv, message) => {
    // Act
    const env = label.startsWith('AWS_REGION') ? { AWS_REGION: 'Europe' } : {};
    const { code, stdout, stderr } = await audit(argv, { files, deps: { env } });

    // Assert
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^execution-role-check audit: [^\n]+\n$/);
    const text = stderr.slice('execution-role-check audit: '.length, -1);
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
  });

  it('the sample account missing next to the program is reported, not a crash', async () => {
    // Act
    const { code, stderr } = await audit([], { deps: { sampleDir: () => undefined } });

    // Assert
    expect(code).toBe(2);
    expect(stderr).toBe(
      'execution-role-check audit: the sample account (samples/account) is not next to this program: pass --input FILE or --live (see --help)\n',
    );
  });
});

describe('audit with no input: the sample account', () => {
  it('prints what it is and how to audit your own first, then the table; exits 0', async () => {
    // Act
    const { code, stdout, stderr } = await audit([]);

    // Assert
    expect(code).toBe(0);
    expect(stderr).toBe('');
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(
      /^Sample account 111122223333 \(.*samples\/account\): audit your own with "npm start -- --live/,
    );
    expect(tableVerdicts(stdout).get('payments-batch-execution')).toBe('NON_COMPLIANT');
    expect(stdout).toContain('a real audit (--input or --live) exits 1 when a role is NON_COMPLIANT');
  });

  it('--output json keeps stdout parseable and the explanation on stderr', async () => {
    // Act
    const { code, roles, stderr } = await auditJson([]);

    // Assert
    expect(code).toBe(0);
    expect(roles).toHaveLength(11);
    expect(stderr).toMatch(/^Sample account 111122223333/);
  });

  it('finds samples/account from the bundle directory and from the source directory', () => {
    // Act / Assert
    expect(findSampleDir(join(ROOT, 'dist', 'cli'))).toBe(SAMPLE);
    expect(findSampleDir(join(ROOT, 'cli'))).toBe(SAMPLE);
    expect(findSampleDir('/')).toBeUndefined();
  });

  it('--help prints the usage and exits 0', async () => {
    // Act
    const { code, stdout } = await audit(['--help']);

    // Assert
    expect(code).toBe(0);
    expect(stdout).toBe(AUDIT_USAGE);
  });

  it('is the audit entry of the CLI dispatcher', async () => {
    // Act
    const fake = testIo();
    const code = await runCli(['audit', '--help'], fake.io);

    // Assert
    expect(code).toBe(0);
    expect(fake.stdout()).toBe(AUDIT_USAGE);
  });
});

describe('audit --live without credentials: exit 2 naming the profile looked in', () => {
  const sdkError = () => {
    const error = new Error('Could not load credentials from any providers');
    error.name = 'CredentialsProviderError';
    return error;
  };
  const SDK = 'CredentialsProviderError: Could not load credentials from any providers';

  it.each<[string, () => never, string]>([
    [
      'from the SDK',
      () => {
        throw sdkError();
      },
      SDK,
    ],
    [
      'as the cause of an AWS call',
      () => {
        throw new AwsCallError('GetAccountAuthorizationDetails', SDK, { cause: sdkError() });
      },
      `GetAccountAuthorizationDetails failed: ${SDK}`,
    ],
  ])('%s: names the profile', async (_label, clients, detail) => {
    // Act
    const { code, stderr } = await audit(['--live', '--profile', 'nosuchprofile'], { deps: { clients } });

    // Assert
    expect(code).toBe(2);
    expect(stderr).toBe(
      'execution-role-check audit: no AWS credentials for profile nosuchprofile (--profile; is it in ' +
        `~/.aws/config or ~/.aws/credentials?): ${detail}\n`,
    );
  });

  it.each<[string, string[], Record<string, string>, string]>([
    [
      '--profile',
      ['--profile', 'nosuchprofile'],
      {},
      'no AWS credentials for profile nosuchprofile (--profile; is it in ~/.aws/config or ~/.aws/credentials?)',
    ],
    [
      '--profile over AWS_PROFILE',
      ['--profile', 'nosuchprofile'],
      { AWS_PROFILE: 'other' },
      'no AWS credentials for profile nosuchprofile (--profile; is it in ~/.aws/config or ~/.aws/credentials?)',
    ],
    [
      'AWS_PROFILE',
      [],
      { AWS_PROFILE: 'envprofile' },
      'no AWS credentials for profile envprofile (AWS_PROFILE)',
    ],
    ['no profile', [], {}, 'no AWS credentials'],
  ])('%s', async (_label, flags, env, start) => {
    // Act
    const { code, stdout, stderr } = await audit(['--live', '--region', 'us-east-1', ...flags], {
      deps: {
        env,
        clients: () => {
          throw sdkError();
        },
      },
    });

    // Assert
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `execution-role-check audit: ${start}: CredentialsProviderError: Could not load credentials from any providers\n`,
    );
  });
});
