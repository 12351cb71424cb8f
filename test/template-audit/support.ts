import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JudgedRole, RelatedConsumer } from '../../cli/formats/judged-role';
import { assessRole } from '../../lib/rule/assess-role';
import { indexUsage, secretRefsOf } from '../../lib/facts/gather';
import { snapshotFromDescription } from '../../lib/facts/authorization-details';
import { DEFAULT_RULE_PARAMETERS } from '../../lib/parameters';
import type { RoleDescription } from '../../lib/facts/ports';
import { EXECUTION_POLICY_DOCUMENT, executionPolicyArn } from '../../lib/remediation/plan';
import type { BatchJobDefinition, EcsTaskDefinition } from '../../lib/usage/types';
import {
  extractTemplateFacts,
  parseTemplate,
  TemplateResolver,
  type ParsedTemplate,
  type Resolved,
  type ResolveOptions,
  type TemplateFacts,
} from '../../lib/template';

export const FIXTURES = join(__dirname, 'fixtures');
export const SAMPLE = join(__dirname, '..', '..', 'samples', 'template', 'batch-stack.yaml');

/** A fixture parsed, named by its file name as a user would pass it. */
export function fixture(name: string): ParsedTemplate {
  return parseTemplate(readFileSync(join(FIXTURES, name), 'utf8'), name);
}

export function factsOf(name: string, options?: ResolveOptions): TemplateFacts {
  return extractTemplateFacts(fixture(name), options);
}

/** Inline YAML lines joined: keeps test templates readable without a 40-line literal per case. */
export function yamlOf(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

/**
 * A template around one expression: the shared Parameters, Conditions, Mappings and Resources below, plus a
 * `Probe` resource whose `Value` property is `expression` (YAML, short or long form). Returns it resolved.
 */
export function resolveProbe(
  expression: string,
  options?: ResolveOptions,
  extraResources = '',
  extraConditions = '',
): Resolved {
  const text = yamlOf(
    'Parameters:',
    '  Env: { Type: String, Default: prod }',
    '  Count: { Type: Number, Default: 3 }',
    '  Subnets: { Type: CommaDelimitedList, Default: "subnet-a, subnet-b" }',
    '  NoDefault: { Type: String }',
    '  Latest: { Type: "AWS::SSM::Parameter::Value<String>", Default: /app/latest }',
    'Conditions:',
    '  IsProd: !Equals [!Ref Env, prod]',
    '  IsDev: !Not [!Condition IsProd]',
    '  Unknowable: !Equals [!Ref NoDefault, x]',
    '  ProdOrUnknowable: !Or [!Condition IsProd, !Condition Unknowable]',
    '  DevAndUnknowable: !And [!Condition IsDev, !Condition Unknowable]',
    '  ProdAndUnknowable: !And [!Condition IsProd, !Condition Unknowable]',
    '  CountIsThree: !Equals [!Ref Count, 3]',
    extraConditions,
    'Mappings:',
    '  Sizes:',
    '    prod: { Memory: 2048, Name: large }',
    'Resources:',
    '  Role:',
    '    Type: AWS::IAM::Role',
    '    Properties: { RoleName: !Sub "app-${Env}", Path: /jobs/ }',
    '  GeneratedRole:',
    '    Type: AWS::IAM::Role',
    '  Secret:',
    '    Type: AWS::SecretsManager::Secret',
    '    Properties: { Name: app/token }',
    '  Key:',
    '    Type: AWS::KMS::Key',
    '  RegionalKey:',
    '    Type: AWS::KMS::Key',
    '    Properties: { MultiRegion: true }',
    '  Policy:',
    '    Type: AWS::IAM::ManagedPolicy',
    '    Properties: { ManagedPolicyName: reader }',
    '  Logs:',
    '    Type: AWS::Logs::LogGroup',
    '    Properties: { LogGroupName: /app/logs }',
    '  Repo:',
    '    Type: AWS::ECR::Repository',
    '  Param:',
    '    Type: AWS::SSM::Parameter',
    '    Properties: { Name: /app/setting, Type: String, Value: v }',
    '  Queue:',
    '    Type: AWS::SQS::Queue',
    '  DevOnly:',
    '    Type: AWS::SecretsManager::Secret',
    '    Condition: IsDev',
    extraResources,
    '  Probe:',
    '    Type: Test::Probe',
    '    Properties:',
    `      Value: ${expression}`,
  );
  const template = parseTemplate(text, 'probe.yaml');
  const probe = template.resources['Probe'] as { Properties: { Value: unknown } };
  return new TemplateResolver(template, options).resolve(probe.Properties.Value);
}

/**
 * A template judged by the engine directly (the CLI goes through lib/facts/template-account.ts): SSM parameters outside
 * the template stated as using AWS managed keys (what `--assume-aws-managed-keys` states);
 * AmazonECSTaskExecutionRolePolicy known offline, as the audit knows it. Facts go in as extracted, unknowns
 * included: this is how the tests show an unknown cannot prove a grant.
 */
export function judgeTemplate(text: string, file: string): { facts: TemplateFacts; roles: JudgedRole[] } {
  const facts = extractTemplateFacts(parseTemplate(text, file), {
    region: 'eu-west-1',
    accountId: '111122223333',
  });
  const documents = new Map([[executionPolicyArn('aws'), { document: EXECUTION_POLICY_DOCUMENT }]]);
  const location = { ...facts.environment };
  const usage = indexUsage(
    {
      jobDefinitions: facts.jobDefinitions.map((job) => job.definition as BatchJobDefinition),
      taskDefinitions: facts.taskDefinitions.map((task) => task.definition as EcsTaskDefinition),
    },
    location,
  );
  const keys = new Map<string, string | null>([
    ...secretRefsOf(usage).parameterArns.map((arn): [string, null] => [arn, null]),
    ...facts.secrets.map((secret): [string, string | null] => [
      secret.arn as string,
      secret.kmsKeyId as string | null,
    ]),
  ]);
  const consumers: (RelatedConsumer & { roles: readonly string[] })[] = [
    ...facts.jobDefinitions.map((job) => ({
      kind: 'batch-job-definition' as const,
      name: `${job.definition.jobDefinitionName as string}:${job.definition.revision as number}`,
      logicalId: job.logicalId,
      location: job.location,
      roles: job.executionRoleLogicalIds,
    })),
    ...facts.taskDefinitions.map((task) => ({
      kind: 'ecs-task-definition' as const,
      name: `${task.definition.family as string}:${task.definition.revision as number}`,
      logicalId: task.logicalId,
      location: task.location,
      roles: task.executionRoleLogicalIds,
    })),
  ];
  const roles = facts.roles.map((role): JudgedRole => {
    const { snapshot } = snapshotFromDescription(role.description as RoleDescription, documents);
    const assessment = assessRole(snapshot, usage, keys, DEFAULT_RULE_PARAMETERS, location);
    return {
      roleName: role.roleName,
      logicalId: role.logicalId,
      compliance: assessment.applicable ? assessment.evaluation.compliance : 'NOT_APPLICABLE',
      findings: assessment.applicable
        ? assessment.evaluation.findings.map((finding) => ({
            id: finding.id,
            message: finding.message,
            neededBy: finding.neededBy,
            ...(finding.action !== undefined && { action: finding.action }),
            ...(finding.resource !== undefined && { resource: finding.resource }),
          }))
        : [],
      location: role.location,
      related: consumers
        .filter((consumer) => consumer.roles.includes(role.logicalId))
        .map(({ roles: _roles, ...consumer }) => consumer),
      reason: assessment.reason,
    };
  });
  return { facts, roles };
}

/** The sample template, judged. */
export function judgeSample(): { facts: TemplateFacts; roles: JudgedRole[] } {
  return judgeTemplate(readFileSync(SAMPLE, 'utf8'), 'samples/template/batch-stack.yaml');
}
