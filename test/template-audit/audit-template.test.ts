/** `audit --template` in-process: verdicts, unknowns failed closed by name, bad input, SARIF and JUnit. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRoleJson } from '../../cli/audit-report';
import { fileUri, type SarifLog } from '../../cli/formats/sarif';
import { audit, auditJson, ids, SAMPLE_FILES } from '../cli/audit-support';
import { sarifProblems } from './sarif-schema';
import { FIXTURES, SAMPLE } from './support';
import { parseXml, type XmlElement } from './xml';

const sample = readFileSync(SAMPLE, 'utf8');
const TEMPLATE = 'stack.yaml';

/** The sample with `from` replaced by `to` (and an extra parameter without a default), as an in-memory file. */
function changedSample(from: string, to: string): Record<string, string> {
  const text = sample
    .replace('Parameters:\n', 'Parameters:\n  UnsetKeyArn:\n    Type: String\n')
    .replace(from, to);
  expect(text).not.toBe(sample.replace('Parameters:\n', 'Parameters:\n  UnsetKeyArn:\n    Type: String\n'));
  return { [TEMPLATE]: text };
}

const byLogicalId = (roles: readonly AuditRoleJson[], logicalId: string) =>
  roles.find((role) => role.logicalId === logicalId);

describe('audit --template: the sample stack', () => {
  it.each<[string, string[], string, string[]]>([
    ['with --assume-aws-managed-keys', ['--assume-aws-managed-keys'], 'COMPLIANT', []],
    [
      'without it (the SSM parameter outside the template has an unknown key)',
      [],
      'NON_COMPLIANT',
      ['KMS_DECRYPT'],
    ],
  ])('judges both execution roles %s, exit 1', async (_name, extra, reportVerdict, reportIds) => {
    // Act
    const { code, roles, stderr } = await auditJson(['--template', SAMPLE, ...extra]);

    // Assert
    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(roles.map((role) => [role.logicalId, role.roleName])).toEqual([
      ['ExportExecutionRole', 'export-prod-execution'],
      ['ReportExecutionRole', 'report-prod-execution'],
    ]);
    const exportRole = byLogicalId(roles, 'ExportExecutionRole');
    expect(exportRole?.compliance).toBe('NON_COMPLIANT');
    // Without the assumption, the export job's own SSM parameter adds an unverifiable KMS_DECRYPT.
    expect([...new Set(ids(exportRole))].sort()).toEqual(['KMS_DECRYPT', 'SECRETS_MANAGER']);
    expect(ids(exportRole)).toHaveLength(extra.length > 0 ? 2 : 3);
    const report = byLogicalId(roles, 'ReportExecutionRole');
    expect(report?.compliance).toBe(reportVerdict);
    expect(ids(report)).toEqual(reportIds);
  });

  it('names the SSM parameter whose key it cannot know, without --assume-aws-managed-keys', async () => {
    // Act
    const { roles } = await auditJson(['--template', SAMPLE]);

    // Assert
    expect(byLogicalId(roles, 'ReportExecutionRole')?.findings[0]?.message).toMatch(
      /^kms:Decrypt for arn:aws:ssm:xx-placeholder-1:000000000000:parameter\/report\/prod\/bucket cannot be checked/,
    );
  });

  it('builds ARNs from --region and --account (the pseudo parameters)', async () => {
    // Act
    const { roles } = await auditJson([
      '--template',
      SAMPLE,
      '--region',
      'eu-west-1',
      '--account',
      '111122223333',
      '--assume-aws-managed-keys',
    ]);

    // Assert
    expect(byLogicalId(roles, 'ExportExecutionRole')?.arn).toBe(
      'arn:aws:iam::111122223333:role/export-prod-execution',
    );
    expect(byLogicalId(roles, 'ExportExecutionRole')?.findings[0]?.resource).toBe(
      'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/report/db-password-XXXXXX',
    );
  });

  it.each<[string, string[], string[]]>([
    ['by default', [], ['TaskDefExecutionRoleB4775C97']],
    ['not with --discover-ecs-task-definitions false', ['--discover-ecs-task-definitions', 'false'], []],
  ])('judges the execution role of a cdk synth task definition %s', async (_name, extra, judged) => {
    // Act
    const { roles } = await auditJson(['--template', join(FIXTURES, 'cdk-synth.json'), ...extra]);

    // Assert
    expect(roles.map((role) => role.logicalId)).toEqual(judged);
  });

  it.each<[string, string[], string[]]>([
    [
      // The registry policy decides the cache's actions too: the template does not declare it, so it is unknown.
      'with the rules file',
      ['--pull-through-cache-rules', 'rules.json'],
      // So is the cache repository's own policy (this account's repository, not declared either).
      ['PULL_THROUGH_CACHE', 'PULL_THROUGH_CACHE', 'LAYER_UNREADABLE', 'LAYER_UNREADABLE'],
    ],
    // Read as a plain repository of the account, whose policy the template does not declare either.
    ['without it (the table notes the unchecked region)', [], ['LAYER_UNREADABLE']],
  ])('checks pull through cache images of the template %s', async (_case, extra, expected) => {
    // Arrange: a job pulling nginx through the account's ECR Public cache, its role with the managed policy.
    const template = JSON.stringify({
      Resources: {
        Role: {
          Type: 'AWS::IAM::Role',
          Properties: {
            AssumeRolePolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'ecs-tasks.amazonaws.com' },
                  Action: 'sts:AssumeRole',
                },
              ],
            },
            ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'],
          },
        },
        Job: {
          Type: 'AWS::Batch::JobDefinition',
          Properties: {
            Type: 'container',
            ContainerProperties: {
              Image: {
                'Fn::Sub': '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/ecr-public/nginx/nginx:1',
              },
              ExecutionRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
            },
          },
        },
      },
    });
    const files = {
      'stack.json': template,
      'rules.json': JSON.stringify({ pullThroughCacheRules: [{ ecrRepositoryPrefix: 'ecr-public' }] }),
    };

    // Act
    const { roles } = await auditJson(['--template', 'stack.json', '--region', 'eu-west-1', ...extra], {
      files,
    });
    const table = await audit(['--template', 'stack.json', '--region', 'eu-west-1', ...extra], { files });

    // Assert
    expect(ids(byLogicalId(roles, 'Role'))).toEqual(expected);
    expect(table.stdout.includes('Pull through cache rules were not given for eu-west-1')).toBe(
      extra.length === 0,
    );
  });

  it('reads --template more than once, judging the roles of every file', async () => {
    // Arrange
    // Its own roles and secret (two stacks cannot both create one name); its key is its own all the same.
    const other = sample
      .replace(/(report|export)-\$\{Environment\}-execution/g, '$1-other-execution')
      .replace('/report/db-password', '/report-other/db-password');

    // Act
    const { code, roles } = await auditJson(
      ['--template', SAMPLE, '--template', 'other.yaml', '--assume-aws-managed-keys'],
      { files: { 'other.yaml': other } },
    );

    // Assert
    expect(code).toBe(1);
    expect(roles.map((role) => `${role.roleName}:${role.compliance}`)).toEqual([
      'export-other-execution:NON_COMPLIANT',
      'export-prod-execution:NON_COMPLIANT',
      'report-other-execution:COMPLIANT',
      'report-prod-execution:COMPLIANT',
    ]);
  });

  it.each<[string, string[]]>([
    ['the same path twice', [SAMPLE, SAMPLE]],
    ['one file by two spellings', [SAMPLE, join(SAMPLE, '..', '.', 'batch-stack.yaml')]],
  ])('judges a file given more than once (%s) once', async (_label, paths) => {
    // Act
    const once = await auditJson(['--template', SAMPLE, '--assume-aws-managed-keys']);
    const twice = await auditJson([
      ...paths.flatMap((path) => ['--template', path]),
      '--assume-aws-managed-keys',
    ]);

    // Assert
    expect(twice.roles.map((role) => role.roleName)).toEqual([
      'export-prod-execution',
      'report-prod-execution',
    ]);
    expect(twice.roles).toEqual(once.roles);
    expect(twice.code).toBe(once.code);
  });

  it('prints the table with the verdicts and the summary', async () => {
    // Act
    const { code, stdout } = await audit(['--template', SAMPLE, '--assume-aws-managed-keys']);

    // Assert
    expect(code).toBe(1);
    expect(stdout).toMatch(/^export-prod-execution\s+NON_COMPLIANT\s+SECRETS_MANAGER: /m);
    expect(stdout).toMatch(/^report-prod-execution\s+COMPLIANT\s+-$/m);
    expect(stdout).toContain('2 roles: 1 compliant, 1 non-compliant, 0 not applicable.');
  });
});

describe('audit --template: what the template does not determine fails closed, by name', () => {
  it.each<[string, string, string, string, RegExp]>([
    // [what is unknown, finding id, text of the sample, replacement, message of the finding]
    [
      'Fn::ImportValue in a policy Resource',
      'POLICY_UNREADABLE',
      'Resource: !Ref DatabaseSecret',
      'Resource: !ImportValue shared-secret-arn',
      /^The inline policy fetch-report-secrets has Allow statements that depend on values the template does not determine, so they prove no grant: PolicyDocument\.Statement\[0\]\.Resource: Fn::ImportValue "shared-secret-arn"/,
    ],
    [
      'a parameter without a default in the key grant',
      'POLICY_UNREADABLE',
      'Resource: !GetAtt SecretsKey.Arn',
      'Resource: !Ref UnsetKeyArn',
      /Statement\[2\]\.Resource: .*UnsetKeyArn/,
    ],
    [
      'Fn::ImportValue as the trusted service',
      'TRUST_ECS_TASKS',
      'Service: ecs-tasks.amazonaws.com\n            Action: sts:AssumeRole\n            Condition:',
      'Service: !ImportValue trusted-service\n            Action: sts:AssumeRole\n            Condition:',
      /^The trust policy has Allow statements .*Statement\[0\]\.Principal\.Service: Fn::ImportValue "trusted-service"/,
    ],
    [
      'an imported managed policy ARN',
      'POLICY_UNREADABLE',
      "- !Sub 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'\n      Policies:\n        - PolicyName: fetch-report-secrets",
      '- !ImportValue shared-policy-arn\n      Policies:\n        - PolicyName: fetch-report-secrets',
      /ManagedPolicyArns\[0\]: Fn::ImportValue "shared-policy-arn"/,
    ],
    [
      'a Deny statement with an imported Resource (the whole policy proves nothing)',
      'POLICY_UNREADABLE',
      '              - Sid: Settings\n',
      '              - Effect: Deny\n                Action: s3:*\n                Resource: !ImportValue audit-bucket\n              - Sid: Settings\n',
      /^The inline policy fetch-report-secrets cannot be read \(it depends on values the template does not determine: PolicyDocument\.Statement\[1\]\.Resource: Fn::ImportValue "audit-bucket"/,
    ],
    [
      "an imported KmsKeyId of the template's secret",
      'KMS_DECRYPT',
      'KmsKeyId: !GetAtt SecretsKey.Arn',
      'KmsKeyId: !ImportValue shared-key',
      /cannot be checked: the KmsKeyId of the secret is not determined by the template \(Fn::ImportValue "shared-key"/,
    ],
    [
      'Fn::ImportValue as a secret the job reads',
      'SECRETS_MANAGER',
      'ValueFrom: !Ref DatabaseSecret',
      'ValueFrom: !ImportValue shared-secret-arn',
      /^containerProperties\.secrets\[0\]\.valueFrom \(Fn::ImportValue "shared-secret-arn".*\) is not determined by the template/,
    ],
  ])('%s makes the role NON_COMPLIANT with %s naming it', async (_name, id, from, to, message) => {
    // Arrange
    const files = changedSample(from, to);

    // Act
    const { code, roles } = await auditJson(['--template', TEMPLATE, '--assume-aws-managed-keys'], { files });

    // Assert
    expect(code).toBe(1);
    const report = byLogicalId(roles, 'ReportExecutionRole');
    expect(report?.compliance).toBe('NON_COMPLIANT');
    const finding = report?.findings.find((candidate) => candidate.id === id);
    expect(finding?.message).toMatch(message);
  });

  it.each<[string, string, string, string[]]>([
    [
      'an unknown Allow: only that statement is left out',
      'Resource: !Ref DatabaseSecret',
      'Resource: !ImportValue shared-secret-arn',
      ['SECRETS_MANAGER', 'POLICY_UNREADABLE'],
    ],
    [
      'an unknown Deny: the whole policy is left out',
      '              - Sid: Settings\n',
      '              - Effect: Deny\n                Action: s3:*\n                Resource: !ImportValue audit-bucket\n              - Sid: Settings\n',
      ['POLICY_UNREADABLE', 'SECRETS_MANAGER', 'KMS_DECRYPT', 'SECRETS_SSM'],
    ],
  ])('%s: the findings of the report role', async (_name, from, to, expected) => {
    // Arrange
    const files = changedSample(from, to);

    // Act
    const { roles } = await auditJson(['--template', TEMPLATE, '--assume-aws-managed-keys'], { files });

    // Assert
    expect(ids(byLogicalId(roles, 'ReportExecutionRole'))).toEqual(expected);
  });

  it('an AWS managed policy not known offline proves nothing and is named', async () => {
    // Arrange
    const files = changedSample(
      '      Policies:\n        - PolicyName: fetch-report-secrets',
      '        - arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess\n      Policies:\n        - PolicyName: fetch-report-secrets',
    );

    // Act
    const { roles } = await auditJson(['--template', TEMPLATE, '--assume-aws-managed-keys'], { files });

    // Assert
    expect(byLogicalId(roles, 'ReportExecutionRole')?.findings.map((finding) => finding.message)).toEqual([
      expect.stringMatching(
        /^The managed policy AmazonS3ReadOnlyAccess cannot be read .*arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess: neither declared in the template nor an AWS managed policy known offline/,
      ),
    ]);
  });

  it('an unknown tag value grants nothing: a note, not a finding', async () => {
    // Arrange
    const files = changedSample(
      '      Policies:\n        - PolicyName: fetch-report-secrets',
      '      Tags:\n        - Key: team\n          Value: !ImportValue team-name\n      Policies:\n        - PolicyName: fetch-report-secrets',
    );

    // Act
    const table = await audit(['--template', TEMPLATE, '--assume-aws-managed-keys'], { files });
    const { roles } = await auditJson(['--template', TEMPLATE, '--assume-aws-managed-keys'], { files });

    // Assert
    expect(byLogicalId(roles, 'ReportExecutionRole')?.compliance).toBe('COMPLIANT');
    expect(table.stdout).toContain(
      'Note: stack.yaml: ReportExecutionRole.Tags.team is not determined by the template (Fn::ImportValue "team-name"',
    );
  });

  it('an unknown registry credentials parameter is a REGISTRY_CREDENTIALS finding naming it', async () => {
    // Arrange
    const files = changedSample(
      '        Secrets:\n          - Name: DB_PASSWORD\n            ValueFrom: !Ref DatabaseSecret\n          - Name: REPORT_BUCKET',
      '        RepositoryCredentials:\n          CredentialsParameter: !ImportValue registry-secret\n' +
        '        Secrets:\n          - Name: DB_PASSWORD\n            ValueFrom: !Ref DatabaseSecret\n          - Name: REPORT_BUCKET',
    );

    // Act
    const { roles } = await auditJson(['--template', TEMPLATE, '--assume-aws-managed-keys'], { files });

    // Assert
    const report = byLogicalId(roles, 'ReportExecutionRole');
    expect(report?.compliance).toBe('NON_COMPLIANT');
    expect(report?.findings.map((finding) => [finding.id, finding.message])).toEqual([
      [
        'REGISTRY_CREDENTIALS',
        expect.stringMatching(
          /repositoryCredentials\.credentialsParameter \(Fn::ImportValue "registry-secret"/,
        ),
      ],
    ]);
  });
});

describe('audit --template: bad input and nothing to judge', () => {
  it.each<[string, string[], Record<string, string>, string | RegExp]>([
    [
      'malformed YAML',
      ['--template', 'bad.yaml'],
      { 'bad.yaml': 'Resources:\n  B: { Type: AWS::S3::Bucket\n   x: [\n' },
      /^--template bad\.yaml:2: not valid YAML/,
    ],
    [
      'an unknown tag',
      ['--template', 'tag.yaml'],
      { 'tag.yaml': 'Resources:\n  B:\n    Type: !Bogus x\n' },
      /^--template tag\.yaml:3: unknown tag !Bogus/,
    ],
    [
      'malformed JSON',
      ['--template', 'bad.json'],
      { 'bad.json': '{"Resources": {\n' },
      /^--template bad\.json:\d+: not valid JSON/,
    ],
    ['a missing file', ['--template', 'missing.yaml'], {}, /^--template missing\.yaml: cannot read it/],
    ['--template without a value', ['--template'], {}, '--template needs a value'],
    [
      '--template with --input',
      ['--template', SAMPLE, ...SAMPLE_FILES.slice(0, 2)],
      {},
      '--template and --input exclude each other',
    ],
    [
      '--template with --live',
      ['--template', SAMPLE, '--live'],
      {},
      '--template and --live exclude each other',
    ],
    [
      '--template with --progress (nothing read slowly to report)',
      ['--template', SAMPLE, '--progress'],
      {},
      '--template and --progress exclude each other',
    ],
    [
      'an account id that is not one',
      ['--template', SAMPLE, '--account', '12345'],
      {},
      '--account: "12345" is not a 12-digit account id',
    ],
    [
      '--account without --template',
      [...SAMPLE_FILES, '--account', '111122223333'],
      {},
      '--account needs --template (it stands in for AWS::AccountId)',
    ],
  ])('%s: one line naming it, exit 2', async (_name, argv, files, message) => {
    // Act
    const { code, stdout, stderr } = await audit(argv, { files });

    // Assert
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toMatch(/^execution-role-check audit: [^\n]+\n$/);
    const text = stderr.slice('execution-role-check audit: '.length, -1);
    if (typeof message === 'string') expect(text).toBe(message);
    else expect(text).toMatch(message);
  });

  it.each<[string, string]>([
    ['no roles', 'Resources:\n  Bucket: { Type: AWS::S3::Bucket }\n'],
    [
      'a role nothing uses that the parameters do not match',
      'Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties: { RoleName: app-role, AssumeRolePolicyDocument: {} }\n',
    ],
  ])('a template with %s: "nothing to judge", exit 0', async (_name, text) => {
    // Act
    const { code, stdout } = await audit(['--template', 'empty.yaml'], { files: { 'empty.yaml': text } });

    // Assert
    expect(code).toBe(0);
    expect(stdout).toBe(
      'Nothing to judge: no role in empty.yaml is used as an execution role by a job or task definition ' +
        'there, or matches the rule parameters.\n',
    );
  });

  it('judges a role the rule parameters match even when nothing uses it', async () => {
    // Arrange
    const text =
      'Resources:\n  Role:\n    Type: AWS::IAM::Role\n' +
      '    Properties: { RoleName: ecsTaskExecutionRole, AssumeRolePolicyDocument: {} }\n';

    // Act
    const { code, roles } = await auditJson(['--template', 'one.yaml'], { files: { 'one.yaml': text } });

    // Assert
    expect(code).toBe(1);
    expect(roles.map((role) => [role.logicalId, role.compliance])).toEqual([['Role', 'NON_COMPLIANT']]);
    expect(ids(roles[0])).toContain('TRUST_ECS_TASKS');
  });
});

describe('audit --output sarif|junit', () => {
  const sarifOf = async (argv: string[]) => {
    const { code, stdout } = await audit([...argv, '--output', 'sarif']);
    return { code, log: JSON.parse(stdout) as SarifLog };
  };

  it('a template audit: valid SARIF, each result on the broken role line, the job definition related', async () => {
    // Act
    const { code, log } = await sarifOf(['--template', SAMPLE, '--assume-aws-managed-keys']);

    // Assert
    expect(code).toBe(1);
    expect(sarifProblems(log)).toEqual([]);
    const results = log.runs[0]?.results ?? [];
    expect(results.map((result) => result.ruleId).sort()).toEqual(['KMS_DECRYPT', 'SECRETS_MANAGER']);
    for (const result of results) {
      expect(result.locations[0]?.physicalLocation).toEqual({
        artifactLocation: { uri: fileUri(SAMPLE) },
        region: { startLine: 104 },
      });
      expect(result.relatedLocations?.map((location) => location.physicalLocation?.region)).toEqual([
        { startLine: 150 },
      ]);
    }
  });

  it('an account audit (--input): results located at the role ARNs', async () => {
    // Act
    const { code, log } = await sarifOf([...SAMPLE_FILES]);

    // Assert
    expect(code).toBe(1);
    expect(sarifProblems(log)).toEqual([]);
    const results = log.runs[0]?.results ?? [];
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) {
      const logical = result.locations[0]?.logicalLocations?.[0];
      expect(logical?.fullyQualifiedName).toMatch(/^arn:aws:iam::111122223333:role\//);
      expect(result.locations[0]?.physicalLocation).toBeUndefined();
    }
  });

  it.each<[string, string[], number, number]>([
    ['a template audit', ['--template', SAMPLE, '--assume-aws-managed-keys'], 2, 1],
    ['an account audit', [...SAMPLE_FILES], 0, 0],
  ])('%s as JUnit: one testcase per judged role, one failing', async (_name, argv, tests, failures) => {
    // Act
    const { code, stdout } = await audit([...argv, '--output', 'junit']);

    // Assert
    expect(code).toBe(1);
    const root = parseXml(stdout);
    const suite = root.children.find((child: XmlElement) => child.name === 'testsuite');
    if (tests > 0) {
      expect(suite?.attributes['tests']).toBe(String(tests));
      expect(suite?.attributes['failures']).toBe(String(failures));
    } else {
      expect(Number(suite?.attributes['failures'])).toBeGreaterThan(0);
    }
  });
});
