/**
 * `audit --template` as users meet it: the built bundle (npm test builds dist first) on the sample stack,
 * and the same roles judged from the template and from the equivalent account seeded in moto_server.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import type { AuditRoleJson } from '../../cli/audit-report';
import type { SarifLog } from '../../cli/formats/sarif';
import { audit } from '../cli/audit-support';
import {
  clientsFor,
  MOTO_ACCOUNT_ID,
  MOTO_REGION,
  startMoto,
  TEST_CREDENTIALS,
  type MotoServer,
} from '../support/moto';
import {
  allow,
  EXECUTION_ROLE_POLICY_ARN,
  parameterArn,
  seedJobDefinition,
  seedParameter,
  seedRole,
  seedSecret,
} from '../support/seed';
import { sarifProblems } from './sarif-schema';
import { parseXml } from './xml';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'index.js');
const TEMPLATE = 'samples/template/batch-stack.yaml';

/** The bundle run from the repository root, with no AWS configuration to find. */
function run(...argv: string[]) {
  const result = spawnSync(process.execPath, [BIN, 'audit', ...argv], {
    encoding: 'utf8',
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      AWS_CONFIG_FILE: join(ROOT, 'no-such-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(ROOT, 'no-such-aws-credentials'),
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `logicalId -> [compliance, finding ids in order]`: the verdicts as a reviewer reads them. */
function verdicts(stdout: string): Record<string, [string, string[]]> {
  const roles = JSON.parse(stdout) as AuditRoleJson[];
  return Object.fromEntries(
    roles.map((role) => [role.logicalId, [role.compliance, role.findings.map((finding) => finding.id)]]),
  );
}

describe('the built CLI on samples/template/batch-stack.yaml', () => {
  it.each<[string, string[], Record<string, [string, string[]]>]>([
    [
      'as it is (keys of SSM parameters outside the template unknown)',
      [],
      {
        ExportExecutionRole: ['NON_COMPLIANT', ['SECRETS_MANAGER', 'KMS_DECRYPT', 'KMS_DECRYPT']],
        ReportExecutionRole: ['NON_COMPLIANT', ['KMS_DECRYPT']],
      },
    ],
    [
      'with --assume-aws-managed-keys',
      ['--assume-aws-managed-keys'],
      {
        ExportExecutionRole: ['NON_COMPLIANT', ['SECRETS_MANAGER', 'KMS_DECRYPT']],
        ReportExecutionRole: ['COMPLIANT', []],
      },
    ],
  ])('--output json %s: exact verdicts, exit 1', (_name, extra, expected) => {
    // Act
    const result = run('--template', TEMPLATE, ...extra, '--output', 'json');

    // Assert
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(verdicts(result.stdout)).toEqual(expected);
  });

  it('--output sarif: valid SARIF 2.1.0, each result on ExportExecutionRole line, exit 1', () => {
    // Arrange
    const lines = readFileSync(join(ROOT, TEMPLATE), 'utf8').split('\n');
    const roleLine = lines.indexOf('  ExportExecutionRole:') + 1;
    const jobLine = lines.indexOf('  ExportJobDefinition:') + 1;

    // Act
    const result = run('--template', TEMPLATE, '--assume-aws-managed-keys', '--output', 'sarif');

    // Assert
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout) as SarifLog;
    expect(sarifProblems(log)).toEqual([]);
    const results = log.runs[0]?.results ?? [];
    expect(results.map((entry) => entry.ruleId)).toEqual(['SECRETS_MANAGER', 'KMS_DECRYPT']);
    for (const entry of results) {
      expect(entry.locations[0]?.physicalLocation).toEqual({
        artifactLocation: { uri: TEMPLATE },
        region: { startLine: roleLine },
      });
      expect(entry.relatedLocations?.[0]?.physicalLocation).toEqual({
        artifactLocation: { uri: TEMPLATE },
        region: { startLine: jobLine },
      });
    }
  });

  it('--output junit: one testcase per role in file order, the broken one failing once per finding, exit 1', () => {
    // Act
    const result = run('--template', TEMPLATE, '--assume-aws-managed-keys', '--output', 'junit');

    // Assert
    expect(result.code).toBe(1);
    const suite = parseXml(result.stdout).children[0];
    expect(suite?.attributes).toMatchObject({ tests: '2', failures: '1', skipped: '0' });
    const cases = suite?.children ?? [];
    expect(cases.map((testcase) => [testcase.attributes['name'], testcase.children.length])).toEqual([
      ['ReportExecutionRole (report-prod-execution)', 0],
      ['ExportExecutionRole (export-prod-execution)', 2],
    ]);
  });
});

describe('the built CLI on broken or unknowable templates', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'template-audit-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it.each<[string, string, string, RegExp]>([
    [
      'malformed YAML',
      'bad.yaml',
      'Resources:\n  B: { Type: AWS::S3::Bucket\n   x: [\n',
      /bad\.yaml:2: not valid YAML/,
    ],
    [
      'an unknown tag',
      'tag.yaml',
      'Resources:\n  B:\n    Type: !Bogus x\n',
      /tag\.yaml:3: unknown tag !Bogus/,
    ],
    ['malformed JSON', 'bad.json', '{"Resources": {\n', /bad\.json:\d+: not valid JSON/],
  ])('%s: one line naming file and line, no stack trace, exit 2', (_name, file, text, message) => {
    // Arrange
    const path = write(file, text);

    // Act
    const result = run('--template', path);

    // Assert
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^execution-role-check audit: --template [^\n]+\n$/);
    expect(result.stderr).toMatch(message);
  });

  it('a template with no roles: "nothing to judge", exit 0', () => {
    // Arrange
    const path = write('bucket.yaml', 'Resources:\n  Bucket: { Type: AWS::S3::Bucket }\n');

    // Act
    const result = run('--template', path);

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Nothing to judge: /);
  });

  it('Fn::ImportValue in a policy Resource: NON_COMPLIANT, naming the expression', () => {
    // Arrange
    const text = readFileSync(join(ROOT, TEMPLATE), 'utf8').replace(
      'Resource: !Ref DatabaseSecret',
      'Resource: !ImportValue shared-secret-arn',
    );
    const path = write('imported.yaml', text);

    // Act
    const result = run('--template', path, '--assume-aws-managed-keys', '--output', 'json');

    // Assert
    expect(result.code).toBe(1);
    const report = (JSON.parse(result.stdout) as AuditRoleJson[]).find(
      (role) => role.logicalId === 'ReportExecutionRole',
    );
    expect(report?.compliance).toBe('NON_COMPLIANT');
    expect(report?.findings.find((finding) => finding.id === 'POLICY_UNREADABLE')?.message).toContain(
      'Statement[0].Resource: Fn::ImportValue "shared-secret-arn"',
    );
  });
});

describe('the built CLI: --template with --guardduty-runtime-monitoring', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'template-guardduty-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A Fargate job definition whose role grants only the registry token and its logs. */
  const FARGATE_STACK = [
    'Resources:',
    '  ExecRole:',
    '    Type: AWS::IAM::Role',
    '    Properties:',
    '      RoleName: app-execution',
    '      AssumeRolePolicyDocument:',
    '        Statement:',
    '          - { Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: sts:AssumeRole }',
    '      Policies:',
    '        - PolicyName: base',
    '          PolicyDocument:',
    '            Statement:',
    '              - { Effect: Allow, Action: ecr:GetAuthorizationToken, Resource: "*" }',
    '              - { Effect: Allow, Action: [logs:CreateLogStream, logs:PutLogEvents], Resource: "*" }',
    '  Job:',
    '    Type: AWS::Batch::JobDefinition',
    '    Properties:',
    '      JobDefinitionName: job',
    '      Type: container',
    '      PlatformCapabilities: [FARGATE]',
    '      ContainerProperties:',
    '        Image: public.ecr.aws/docker/library/busybox:latest',
    '        ExecutionRoleArn: !GetAtt ExecRole.Arn',
    '',
  ].join('\n');

  it.each<[string, string[], number, string[]]>([
    [
      "switch on: the sidecar pull from the region's GuardDuty account",
      ['--guardduty-runtime-monitoring'],
      1,
      [
        'GUARDDUTY_AGENT_IMAGE ecr:BatchCheckLayerAvailability arn:aws:ecr:eu-west-1:694911143906:repository/aws-guardduty-agent-fargate',
        'GUARDDUTY_AGENT_IMAGE ecr:GetDownloadUrlForLayer arn:aws:ecr:eu-west-1:694911143906:repository/aws-guardduty-agent-fargate',
        'GUARDDUTY_AGENT_IMAGE ecr:BatchGetImage arn:aws:ecr:eu-west-1:694911143906:repository/aws-guardduty-agent-fargate',
      ],
    ],
    ['switch off: nothing missing', [], 0, []],
  ])('%s', (_name, flags, code, findings) => {
    // Arrange
    const path = join(dir, 'fargate.yaml');
    writeFileSync(path, FARGATE_STACK);

    // Act
    const result = run('--template', path, '--region', 'eu-west-1', ...flags, '--output', 'json');

    // Assert
    expect(result.stderr).toBe('');
    expect(result.code).toBe(code);
    const [role] = JSON.parse(result.stdout) as AuditRoleJson[];
    expect(role?.findings.map((finding) => `${finding.id} ${finding.action} ${finding.resource}`)).toEqual(
      findings,
    );
  });
});

describe('the built CLI weighs the layers a template declares, and names those it does not', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'template-layers-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const EXTERNAL_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/0000aaaa-11bb-22cc-33dd-444444eeeeee';
  const ENVIRONMENT = ['--region', 'eu-west-1', '--account', '111122223333', '--assume-aws-managed-keys'];

  it('the sample: the key policy refuses the export role, by name, and the note says what was weighed', () => {
    // Act
    const result = run('--template', TEMPLATE, ...ENVIRONMENT);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /^ +KMS_DECRYPT: kms:Decrypt on arn:aws:kms:eu-west-1:111122223333:key\/[\w-]+ is not allowed by its key policy \(no statement names the role and the account root is not delegated\) \(needed by job definition nightly-export-prod:1\)$/m,
    );
    expect(result.stdout).toMatch(/^report-prod-execution\s+COMPLIANT\s+-$/m);
    expect(result.stdout).toContain(
      "Weighed beside the roles' own policies, from the template: ReportRepository (no repository policy); DatabaseSecret (no resource policy); the key policy of SecretsKey; ExportRepository (no repository policy).",
    );
  });

  it.each<[string, string[], string, string[], string[]]>([
    ['by default', [], 'NON_COMPLIANT', ['LAYER_UNREADABLE'], []],
    [
      'with --unreadable-layers report',
      ['--unreadable-layers', 'report'],
      'COMPLIANT',
      [],
      ['LAYER_UNREADABLE'],
    ],
    ['with --resource-policies holding it', ['--resource-policies', 'LAYERS'], 'COMPLIANT', [], []],
  ])('a key the template does not declare, %s', (_case, extra, compliance, findingIds, noteIds) => {
    // Arrange: the report job's secret under a key of the account that the template does not declare.
    const text = readFileSync(join(ROOT, TEMPLATE), 'utf8')
      .replace('KmsKeyId: !GetAtt SecretsKey.Arn', `KmsKeyId: ${EXTERNAL_KEY}`)
      .replace('Resource: !GetAtt SecretsKey.Arn', `Resource: ${EXTERNAL_KEY}`);
    const path = join(dir, 'external-key.yaml');
    writeFileSync(path, text);
    const layers = join(dir, 'layers.json');
    const root = 'arn:aws:iam::111122223333:root';
    writeFileSync(
      layers,
      JSON.stringify({
        [EXTERNAL_KEY]: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { AWS: root }, Action: 'kms:*', Resource: '*' }],
        },
      }),
    );
    const argv = [
      '--template',
      path,
      ...ENVIRONMENT,
      ...extra.map((arg) => (arg === 'LAYERS' ? layers : arg)),
    ];

    // Act
    const json = run(...argv, '--output', 'json');
    const table = run(...argv);

    // Assert
    expect(json.stderr).toBe('');
    const report = (JSON.parse(json.stdout) as AuditRoleJson[]).find(
      (role) => role.logicalId === 'ReportExecutionRole',
    );
    expect(report?.compliance).toBe(compliance);
    expect(report?.findings.map((finding) => finding.id)).toEqual(findingIds);
    expect((report?.notes ?? []).map((note) => note.id)).toEqual(noteIds);
    expect(table.stdout.includes(`so unknown offline: the key policy of ${EXTERNAL_KEY}.`)).toBe(
      extra.length === 0 || extra[0] === '--unreadable-layers',
    );
  });
});

describe('the sample stack judged from the template and from the same account in moto_server', () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
    const clients = clientsFor(moto.endpoint);
    const kms = new KMSClient({
      endpoint: moto.endpoint,
      region: MOTO_REGION,
      credentials: TEST_CREDENTIALS,
    });
    const keyArn = (await kms.send(new CreateKeyCommand({}))).KeyMetadata?.Arn as string;
    kms.destroy();
    const secretArn = await seedSecret(clients.secretsManager, {
      name: 'prod/report/db-password',
      kmsKeyId: keyArn,
    });
    for (const name of ['/report/prod/bucket', '/report/prod/export-target']) {
      await seedParameter(clients.ssm, { name, type: 'String' });
    }
    const settings = allow('ssm:GetParameters', parameterArn('report/prod/*'));
    const report = await seedRole(clients.iam, {
      name: 'report-prod-execution',
      trust: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'ecs-tasks.amazonaws.com' },
            Action: 'sts:AssumeRole',
            Condition: { StringEquals: { 'aws:SourceAccount': MOTO_ACCOUNT_ID } },
          },
        ],
      },
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
      inline: {
        'fetch-report-secrets': {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArn },
            { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: parameterArn('report/prod/*') },
            {
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: keyArn,
              Condition: {
                StringEquals: { 'kms:ViaService': `secretsmanager.${MOTO_REGION}.amazonaws.com` },
              },
            },
          ],
        },
      },
    });
    const exporter = await seedRole(clients.iam, {
      name: 'export-prod-execution',
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
      inline: { 'fetch-export-settings': settings },
    });
    const image = (name: string) =>
      `${MOTO_ACCOUNT_ID}.dkr.ecr.${MOTO_REGION}.amazonaws.com/${name}:2024.06.1`;
    await seedJobDefinition(clients.batch, {
      name: 'nightly-report-prod',
      executionRoleArn: report.arn,
      image: image('nightly-report'),
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/batch/prod/nightly-report' } },
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: secretArn },
        { name: 'REPORT_BUCKET', valueFrom: parameterArn('report/prod/bucket') },
      ],
    });
    await seedJobDefinition(clients.batch, {
      name: 'nightly-export-prod',
      executionRoleArn: exporter.arn,
      image: image('nightly-export'),
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: secretArn },
        { name: 'EXPORT_TARGET', valueFrom: parameterArn('report/prod/export-target') },
      ],
    });
  });
  afterAll(async () => {
    await moto?.stop();
  });

  /** What must agree: per role, the verdict and each finding's id, action, reason and consumers. */
  const comparable = (roles: readonly AuditRoleJson[]) =>
    Object.fromEntries(
      roles.map((role) => [
        role.roleName,
        {
          compliance: role.compliance,
          findings: role.findings.map((finding) => ({
            id: finding.id,
            action: finding.action,
            neededBy: finding.neededBy.map((consumer) => consumer.name),
          })),
        },
      ]),
    );

  it('gives the same verdicts and findings', async () => {
    // Act
    const live = await audit(['--live', '--output', 'json'], {
      deps: { clients: () => clientsFor(moto.endpoint) },
    });
    const template = await audit(
      [
        '--template',
        join(ROOT, TEMPLATE),
        '--region',
        MOTO_REGION,
        '--account',
        MOTO_ACCOUNT_ID,
        '--assume-aws-managed-keys',
        '--output',
        'json',
      ],
      {},
    );

    // Assert
    expect(live.stderr).toBe('');
    expect([live.code, template.code]).toEqual([1, 1]);
    const fromLive = comparable(JSON.parse(live.stdout) as AuditRoleJson[]);
    expect(fromLive).toEqual(comparable(JSON.parse(template.stdout) as AuditRoleJson[]));
    expect(fromLive['export-prod-execution']?.findings.map((finding) => finding.id)).toEqual([
      'SECRETS_MANAGER',
      'KMS_DECRYPT',
    ]);
  });

  it('--live --output sarif locates the results at the role ARN', async () => {
    // Act
    const { code, stdout } = await audit(['--live', '--output', 'sarif'], {
      deps: { clients: () => clientsFor(moto.endpoint) },
    });

    // Assert
    expect(code).toBe(1);
    const log = JSON.parse(stdout) as SarifLog;
    expect(sarifProblems(log)).toEqual([]);
    const names = (log.runs[0]?.results ?? []).map(
      (entry) => entry.locations[0]?.logicalLocations?.[0]?.fullyQualifiedName,
    );
    expect(new Set(names)).toEqual(new Set([`arn:aws:iam::${MOTO_ACCOUNT_ID}:role/export-prod-execution`]));
  });
});
