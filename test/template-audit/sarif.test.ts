import type { JudgedRole } from '../../cli/formats/judged-role';
import { fileUri, SARIF_SCHEMA, toSarif, type SarifLog } from '../../cli/formats/sarif';
import type { FindingId } from '../../lib/core/model';
import { FINDING_IDS, FINDINGS, SPEC_URL } from '../../lib/findings/registry';
import { sarifProblems } from './sarif-schema';
import { judgeSample } from './support';

const SAMPLE_FILE = 'samples/template/batch-stack.yaml';

/** A judged role of an account audit: located by ARN only. */
function accountRole(overrides: Partial<JudgedRole> = {}): JudgedRole {
  return {
    roleName: 'batch-ingest-execution-role',
    arn: 'arn:aws:iam::111122223333:role/batch-ingest-execution-role',
    compliance: 'NON_COMPLIANT',
    findings: [
      {
        id: 'TRUST_ECS_TASKS',
        message: 'The trust policy does not let ecs-tasks.amazonaws.com assume the role',
      },
    ],
    ...overrides,
  };
}

describe('toSarif: the sample template', () => {
  const { roles } = judgeSample();
  const log = toSarif(roles, { toolVersion: '0.1.0' });
  const [run] = log.runs;

  it('meets the SARIF 2.1.0 schema’s required properties', () => {
    // Act
    const problems = sarifProblems(log);

    // Assert
    expect(problems).toEqual([]);
    expect(log).toMatchObject({ $schema: SARIF_SCHEMA, version: '2.1.0' });
  });

  it('reports one result per finding of the broken role, at the role’s line, with the job definition that needs it', () => {
    // Arrange
    const broken = roles.find((role) => role.logicalId === 'ExportExecutionRole');

    // Act
    const results = run?.results ?? [];

    // Assert
    expect(results).toHaveLength(broken?.findings.length ?? -1);
    for (const result of results) {
      expect(result.locations[0]?.physicalLocation).toEqual({
        artifactLocation: { uri: SAMPLE_FILE },
        region: { startLine: 104 },
      });
      expect(result.relatedLocations).toEqual([
        {
          id: 0,
          message: { text: 'needed by job definition ExportJobDefinition' },
          physicalLocation: { artifactLocation: { uri: SAMPLE_FILE }, region: { startLine: 150 } },
        },
      ]);
      expect(result.message.text).toMatch(/^ExportExecutionRole \(export-prod-execution\): /);
    }
  });

  it('declares one rule per finding id, with help text and the spec link', () => {
    // Act
    const rules = run?.tool.driver.rules ?? [];

    // Assert
    expect(rules.map((rule) => rule.id).sort()).toEqual(['KMS_DECRYPT', 'SECRETS_MANAGER']);
    for (const rule of rules) {
      expect(rule.helpUri.startsWith(SPEC_URL)).toBe(true);
      expect(rule.help.text).toContain(SPEC_URL);
      expect(rule.fullDescription.text.length).toBeGreaterThan(20);
    }
    for (const result of run?.results ?? []) expect(rules[result.ruleIndex]?.id).toBe(result.ruleId);
  });
});

describe('toSarif: account audits and edge cases', () => {
  it('locates an account role by its ARN as a logical location', () => {
    // Act
    const log = toSarif([accountRole()]);
    const [result] = log.runs[0]?.results ?? [];

    // Assert
    expect(sarifProblems(log)).toEqual([]);
    expect(result?.locations).toEqual([
      {
        logicalLocations: [
          {
            name: 'batch-ingest-execution-role',
            fullyQualifiedName: 'arn:aws:iam::111122223333:role/batch-ingest-execution-role',
            kind: 'resource',
          },
        ],
      },
    ]);
    expect(result?.relatedLocations).toBeUndefined();
  });

  it('relates each finding only to the consumers that need it', () => {
    // Arrange
    const role = accountRole({
      findings: [
        {
          id: 'SECRETS_SSM',
          message: 'ssm:GetParameters is not granted',
          neededBy: [{ kind: 'ecs-task-definition', name: 'web:3' }],
        },
      ],
      related: [
        { kind: 'batch-job-definition', name: 'etl:1' },
        { kind: 'ecs-task-definition', name: 'web:3' },
      ],
    });

    // Act
    const [result] = toSarif([role]).runs[0]?.results ?? [];

    // Assert
    expect(result?.relatedLocations).toEqual([
      {
        id: 0,
        message: { text: 'needed by task definition web:3' },
        logicalLocations: [{ name: 'web:3', kind: 'resource' }],
      },
    ]);
  });

  it.each<[string, JudgedRole[], number]>([
    ['compliant roles', [accountRole({ compliance: 'COMPLIANT', findings: [] })], 0],
    ['roles the rule does not apply to', [accountRole({ compliance: 'NOT_APPLICABLE', findings: [] })], 0],
    ['no roles at all', [], 0],
    ['two roles sharing a finding id', [accountRole(), accountRole({ roleName: 'other' })], 2],
  ])('writes a valid log for %s', (_name, roles, results) => {
    // Act
    const log = toSarif(roles);

    // Assert
    expect(sarifProblems(log)).toEqual([]);
    expect(log.runs[0]?.results).toHaveLength(results);
    expect(log.runs[0]?.tool.driver.rules.length).toBe(results === 0 ? 0 : 1);
  });

  it('gives a finding id outside the catalogue a generic rule that still links the spec', () => {
    // Act
    const log = toSarif([
      accountRole({ findings: [{ id: 'TEMPLATE_UNKNOWN', message: 'Fn::ImportValue "x"' }] }),
    ]);
    const [rule] = log.runs[0]?.tool.driver.rules ?? [];

    // Assert
    expect(rule).toMatchObject({ id: 'TEMPLATE_UNKNOWN', name: 'TemplateUnknown', helpUri: SPEC_URL });
    // No page title is known for it: the link alone, never a page it may not be.
    expect(rule?.help.text.endsWith(` See ${SPEC_URL}`)).toBe(true);
    expect(rule?.help.markdown?.endsWith(`\n\nSee <${SPEC_URL}>.`)).toBe(true);
  });

  it.each<[FindingId, string, string]>([
    // [finding id, the page's link text, the page]
    ['TRUST_ECS_TASKS', 'execution role', `${SPEC_URL}#execution-IAM-role`],
    ['SECRETS_MANAGER', 'Batch secrets', `${SPEC_URL}#execution-secrets`],
    [
      'ENVIRONMENT_FILES',
      'environment files',
      'https://docs.aws.amazon.com/AmazonECS/latest/developerguide/use-environment-file.html',
    ],
    [
      'PULL_THROUGH_CACHE',
      'pull through cache IAM',
      'https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html',
    ],
    [
      'GUARDDUTY_AGENT_IMAGE',
      'GuardDuty Fargate prerequisites',
      'https://docs.aws.amazon.com/guardduty/latest/ug/prereq-runtime-monitoring-ecs-support.html',
    ],
    [
      'LAYER_UNREADABLE',
      'cross-account evaluation',
      'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html',
    ],
  ])('%s: the rule help names the page it links (%s)', (id, title, url) => {
    // Act
    const [rule] =
      toSarif([accountRole({ findings: [{ id, message: 'x' }] })]).runs[0]?.tool.driver.rules ?? [];

    // Assert
    expect(rule?.helpUri).toBe(url);
    expect(rule?.help.markdown).toBe(
      `${FINDINGS[id].description}\n\nSee [${title}](${url}) in the AWS documentation.`,
    );
    expect(rule?.help.text).toBe(`${FINDINGS[id].description} See ${title} in the AWS documentation: ${url}`);
  });

  it('no rule help calls an ECS, ECR, GuardDuty or IAM page the Batch one', () => {
    // Act
    const log = toSarif([accountRole({ findings: FINDING_IDS.map((id) => ({ id, message: 'x' })) })]);
    const rules = log.runs[0]?.tool.driver.rules ?? [];

    // Assert
    expect(rules).toHaveLength(FINDING_IDS.length);
    for (const rule of rules) {
      const see = /\n\nSee \[([^\]]+)\]\(([^)]+)\) in the AWS documentation\.$/.exec(
        rule.help.markdown ?? '',
      );
      expect(see?.[2]).toBe(rule.helpUri);
      // An ECS, ECR, GuardDuty or IAM page is named as itself.
      if (!rule.helpUri.startsWith(SPEC_URL)) expect(see?.[1]).not.toMatch(/Batch|execution role/);
    }
  });

  it.each<[string, string]>([
    ['samples/template/batch-stack.yaml', 'samples/template/batch-stack.yaml'],
    ['infra stacks/app #1.yaml', 'infra%20stacks/app%20%231.yaml'],
    ['infra\\app.json', 'infra/app.json'],
    ['C:\\repo\\app.json', 'file:///C:/repo/app.json'],
    ['/home/ci/app.json', 'file:///home/ci/app.json'],
  ])('writes the path %j as the URI reference %j', (file, uri) => {
    // Act / Assert
    expect(fileUri(file)).toBe(uri);
  });
});

// The breakers reach into any depth of a log on purpose: typing each path would hide what they break.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyLog = Record<string, any>;

describe('sarifProblems, the schema check itself', () => {
  const valid = (): SarifLog =>
    JSON.parse(JSON.stringify(toSarif([accountRole({ location: { file: 'a.yaml', line: 3 } })])));

  it.each<[string, (log: AnyLog) => void, string]>([
    ['no version', (log) => delete log['version'], '$: missing required version'],
    ['another version', (log) => (log['version'] = '2.0.0'), '$.version: expected "2.1.0"'],
    ['no runs', (log) => delete log['runs'], '$: missing required runs'],
    ['a run without tool', (log) => delete log['runs'][0].tool, '$.runs[0]: missing required tool'],
    [
      'a driver without name',
      (log) => delete log['runs'][0].tool.driver.name,
      '$.runs[0].tool.driver: missing required name',
    ],
    [
      'a rule without id',
      (log) => delete log['runs'][0].tool.driver.rules[0].id,
      '$.runs[0].tool.driver.rules[0]: missing required id',
    ],
    [
      'a result without message',
      (log) => delete log['runs'][0].results[0].message,
      '$.runs[0].results[0]: missing required message',
    ],
    [
      'a line 0',
      (log) => (log['runs'][0].results[0].locations[0].physicalLocation.region.startLine = 0),
      'startLine: expected an integer >= 1',
    ],
    [
      'a backslash path',
      (log) => (log['runs'][0].results[0].locations[0].physicalLocation.artifactLocation.uri = 'a\\b.yaml'),
      'uri: expected a URI reference',
    ],
    [
      'a wrong ruleIndex',
      (log) => (log['runs'][0].results[0].ruleIndex = 5),
      'ruleIndex: does not point at the rule named by ruleId',
    ],
    [
      'an unknown level',
      (log) => (log['runs'][0].results[0].level = 'fatal'),
      'level: expected none, note, warning or error',
    ],
  ])('reports %s', (_name, breakIt, expected) => {
    // Arrange
    const log = valid() as unknown as AnyLog;
    breakIt(log);

    // Act
    const problems = sarifProblems(log);

    // Assert
    expect(problems).toEqual(expect.arrayContaining([expect.stringContaining(expected)]));
  });
});
