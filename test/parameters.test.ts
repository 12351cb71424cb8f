import { InvalidRuleParametersError } from '../lib/core/errors';
import { DEFAULT_RULE_PARAMETERS, parseRuleParameters, type RuleParameters } from '../lib/parameters';

const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf';
const PARAMETER = 'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db';
const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

describe('parseRuleParameters', () => {
  it.each<[string, Parameters<typeof parseRuleParameters>[0]]>([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['an empty JSON object', '{}'],
    ['an empty object', {}],
    ['every parameter set to the empty string', '{"RoleNamePattern":"","RoleTagKey":"","SecretArns":" "}'],
  ])('gives the defaults for %s', (_label, raw) => {
    // Act
    const params = parseRuleParameters(raw);

    // Assert
    expect(params).toEqual(DEFAULT_RULE_PARAMETERS);
  });

  it('defaults match the documented values', () => {
    expect(DEFAULT_RULE_PARAMETERS).toEqual<RuleParameters>({
      roleNamePatterns: ['ecsTaskExecutionRole'],
      excludeRoleNamePatterns: [],
      discoverBatchJobDefinitions: true,
      discoverEcsTaskDefinitions: false,
      requireManagedPolicy: false,
      requireConfusedDeputyCondition: false,
      secretArns: [],
      parameterArns: [],
      kmsKeyArns: [],
      guardDutyRuntimeMonitoring: false,
      unreadableLayers: 'fail',
      organizationPolicies: { mode: 'off' },
    });
  });

  it.each<[string, Record<string, unknown>, Partial<RuleParameters>]>([
    ['one name pattern', { RoleNamePattern: 'batch-*' }, { roleNamePatterns: ['batch-*'] }],
    [
      'comma-separated patterns with whitespace',
      { RoleNamePattern: ' batch-* , ecsTaskExecutionRole,etl-?? ' },
      { roleNamePatterns: ['batch-*', 'ecsTaskExecutionRole', 'etl-??'] },
    ],
    ['duplicate patterns once', { RoleNamePattern: 'a*,a*' }, { roleNamePatterns: ['a*'] }],
    ['exclusions', { ExcludeRoleNamePattern: '*-legacy' }, { excludeRoleNamePatterns: ['*-legacy'] }],
    ['a tag key', { RoleTagKey: 'batch-execution' }, { roleTag: { key: 'batch-execution' } }],
    ['a tag key=value', { RoleTagKey: 'team = data' }, { roleTag: { key: 'team', value: 'data' } }],
    ['a tag with an empty value', { RoleTagKey: 'flag=' }, { roleTag: { key: 'flag', value: '' } }],
    ['a value containing =', { RoleTagKey: 'k=a=b' }, { roleTag: { key: 'k', value: 'a=b' } }],
    ['"false"', { DiscoverBatchJobDefinitions: 'false' }, { discoverBatchJobDefinitions: false }],
    ['"TRUE" in capitals', { DiscoverEcsTaskDefinitions: 'TRUE' }, { discoverEcsTaskDefinitions: true }],
    ['" True " with spaces', { RequireManagedPolicy: ' True ' }, { requireManagedPolicy: true }],
    ['a real boolean', { RequireConfusedDeputyCondition: true }, { requireConfusedDeputyCondition: true }],
    [
      'an empty boolean as default',
      { DiscoverBatchJobDefinitions: '' },
      { discoverBatchJobDefinitions: true },
    ],
    ['secret ARNs', { SecretArns: `${SECRET}, ${SECRET}x` }, { secretArns: [SECRET, `${SECRET}x`] }],
    [
      'a secret ARN pattern',
      { SecretArns: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/*' },
      {
        secretArns: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/*'],
      },
    ],
    ['parameter ARNs', { ParameterArns: PARAMETER }, { parameterArns: [PARAMETER] }],
    [
      'a GovCloud parameter ARN',
      { ParameterArns: 'arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x' },
      {
        parameterArns: ['arn:aws-us-gov:ssm:us-gov-west-1:123456789012:parameter/x'],
      },
    ],
    ['KMS key ARNs', { KmsKeyArns: KEY }, { kmsKeyArns: [KEY] }],
    [
      'GuardDuty Runtime Monitoring on',
      { GuardDutyRuntimeMonitoring: 'true' },
      { guardDutyRuntimeMonitoring: true },
    ],
    [
      'GuardDuty Runtime Monitoring off',
      { GuardDutyRuntimeMonitoring: 'false' },
      { guardDutyRuntimeMonitoring: false },
    ],
    ['unreadable layers reported', { UnreadableLayers: 'Report' }, { unreadableLayers: 'report' }],
    ['unreadable layers failing', { UnreadableLayers: 'fail' }, { unreadableLayers: 'fail' }],
    ['an empty UnreadableLayers as default', { UnreadableLayers: ' ' }, { unreadableLayers: 'fail' }],
    ['organization policies off', { OrganizationPolicies: 'OFF' }, { organizationPolicies: { mode: 'off' } }],
    [
      'organization policies read here',
      { OrganizationPolicies: 'local' },
      { organizationPolicies: { mode: 'local' } },
    ],
    [
      'organization policies through a role',
      { OrganizationPolicies: 'arn:aws:iam::111122223333:role/org/read-policies' },
      {
        organizationPolicies: {
          mode: 'assumeRole',
          roleArn: 'arn:aws:iam::111122223333:role/org/read-policies',
        },
      },
    ],
  ])('reads %s', (_label, raw, expected) => {
    // Act
    const fromObject = parseRuleParameters(raw);
    const fromJson = parseRuleParameters(JSON.stringify(raw));

    // Assert
    expect(fromObject).toEqual({ ...DEFAULT_RULE_PARAMETERS, ...expected });
    expect(fromJson).toEqual(fromObject);
  });

  it.each<[string, string | Record<string, unknown>, string, RegExp]>([
    ['invalid JSON', '{"RoleNamePattern":', 'ruleParameters', /not valid JSON/],
    ['a JSON array', '["RoleNamePattern"]', 'ruleParameters', /JSON object/],
    ['a JSON string', '"x"', 'ruleParameters', /JSON object/],
    ['an unknown name', { RoleNamePatterns: 'x' }, 'RoleNamePatterns', /unknown parameter/],
    ['a miscased name', { rolenamepattern: 'x' }, 'rolenamepattern', /did you mean RoleNamePattern/],
    ['a number', { RoleNamePattern: 3 }, 'RoleNamePattern', /expected a string/],
    ['an array', { SecretArns: [SECRET] }, 'SecretArns', /expected a string, got an array/],
    ['a bad boolean', { RequireManagedPolicy: 'yes' }, 'RequireManagedPolicy', /"true" or "false"/],
    [
      'GuardDutyRuntimeMonitoring "on"',
      { GuardDutyRuntimeMonitoring: 'on' },
      'GuardDutyRuntimeMonitoring',
      /"true" or "false"/,
    ],
    [
      'a miscased GuardDuty name',
      { guarddutyruntimemonitoring: 'true' },
      'guarddutyruntimemonitoring',
      /did you mean GuardDutyRuntimeMonitoring/,
    ],
    ['a boolean as a number', { DiscoverBatchJobDefinitions: 1 }, 'DiscoverBatchJobDefinitions', /string/],
    ['an empty list entry', { RoleNamePattern: 'a,,b' }, 'RoleNamePattern', /empty entry/],
    ['a slash in a name pattern', { RoleNamePattern: 'service-role/x' }, 'RoleNamePattern', /role name/],
    [
      'a 65-character name pattern',
      { ExcludeRoleNamePattern: 'x'.repeat(65) },
      'ExcludeRoleNamePattern',
      /64/,
    ],
    ['a tag without key', { RoleTagKey: '=value' }, 'RoleTagKey', /key/],
    ['a parameter ARN in SecretArns', { SecretArns: PARAMETER }, 'SecretArns', /Secrets Manager secret ARN/],
    ['a secret name in SecretArns', { SecretArns: 'prod/db' }, 'SecretArns', /not a Secrets Manager/],
    ['a secret ARN with a JSON key', { SecretArns: `${SECRET}:password::` }, 'SecretArns', /not a Secrets/],
    [
      'a parameter name in ParameterArns',
      { ParameterArns: '/prod/db' },
      'ParameterArns',
      /SSM parameter ARN/,
    ],
    [
      'a doubled slash in a parameter ARN',
      { ParameterArns: 'arn:aws:ssm:eu-west-1:123456789012:parameter//prod/db' },
      'ParameterArns',
      /SSM parameter ARN/,
    ],
    [
      'a KMS alias ARN',
      { KmsKeyArns: 'arn:aws:kms:eu-west-1:123456789012:alias/prod' },
      'KmsKeyArns',
      /KMS key ARN/,
    ],
    ['a bad account', { KmsKeyArns: 'arn:aws:kms:eu-west-1:1234:key/abc' }, 'KmsKeyArns', /KMS key ARN/],
    ['an unknown layer mode', { UnreadableLayers: 'skip' }, 'UnreadableLayers', /"fail" or "report"/],
    ['a yes for organization policies', { OrganizationPolicies: 'true' }, 'OrganizationPolicies', /role ARN/],
    [
      'a user ARN for organization policies',
      { OrganizationPolicies: 'arn:aws:iam::111122223333:user/admin' },
      'OrganizationPolicies',
      /"off", "local" or a role ARN/,
    ],
    [
      'a missing region',
      { SecretArns: 'arn:aws:secretsmanager::123456789012:secret:x' },
      'SecretArns',
      /ARN/,
    ],
  ])('rejects %s, naming the parameter', (_label, raw, parameter, problem) => {
    // Act
    const parse = () => parseRuleParameters(raw);

    // Assert
    expect(parse).toThrow(InvalidRuleParametersError);
    expect(parse).toThrow(problem);
    try {
      parse();
    } catch (error) {
      expect((error as InvalidRuleParametersError).parameter).toBe(parameter);
      expect((error as Error).message).toContain(parameter);
    }
  });

  it('keeps the JSON parse failure as the cause', () => {
    try {
      parseRuleParameters('{');
      throw new Error('expected a throw');
    } catch (error) {
      expect((error as Error).cause).toBeInstanceOf(SyntaxError);
    }
  });
});
