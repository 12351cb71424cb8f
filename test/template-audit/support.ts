import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
