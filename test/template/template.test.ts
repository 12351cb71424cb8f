import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_RULE_PARAMETERS, parseRuleParameters, RULE_PARAMETER_NAMES } from '../../lib/parameters';
import {
  type JsonObject,
  parseTemplate,
  resolveIntrinsics,
  type Resource,
  ROOT,
  SAM_TEMPLATE,
  STACKSET_TEMPLATE,
  type Template,
  transformTemplate,
} from './support';

const sam = parseTemplate(SAM_TEMPLATE);
const transformed = transformTemplate(SAM_TEMPLATE);

function resource(template: Template, id: string): Resource {
  const found = template.Resources[id];
  if (!found) throw new Error(`resource ${id} not in template`);
  return found;
}
function props(template: Template, id: string): JsonObject {
  return resource(template, id).Properties ?? {};
}
/** The string of a `{"Fn::Sub": "..."}` value. */
function subString(value: unknown): string {
  const sub = (value as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
  if (typeof sub !== 'string')
    throw new Error(`expected Fn::Sub with a string, got ${JSON.stringify(value)}`);
  return sub;
}
describe('parameters', () => {
  it.each<[string, unknown, unknown[] | undefined]>([
    ['ConfigRuleName', 'execution-role-check', undefined],
    ['RoleNamePattern', 'ecsTaskExecutionRole', undefined],
    ['ExcludeRoleNamePattern', '', undefined],
    ['RoleTagKey', '', undefined],
    ['DiscoverBatchJobDefinitions', 'true', ['true', 'false']],
    ['DiscoverEcsTaskDefinitions', 'false', ['true', 'false']],
    ['RequireManagedPolicy', 'false', ['true', 'false']],
    ['RequireConfusedDeputyCondition', 'false', ['true', 'false']],
    ['SecretArns', '', undefined],
    ['ParameterArns', '', undefined],
    ['KmsKeyArns', '', undefined],
    ['UnreadableLayers', 'fail', ['fail', 'report']],
    ['OrganizationPolicies', '', undefined],
    [
      'MaximumExecutionFrequency',
      'TwentyFour_Hours',
      ['One_Hour', 'Three_Hours', 'Six_Hours', 'Twelve_Hours', 'TwentyFour_Hours'],
    ],
    ['EnableRemediation', 'true', ['true', 'false']],
    ['AutomaticRemediation', 'false', ['true', 'false']],
    ['RemediationRoleNamePattern', 'ecsTaskExecutionRole', undefined],
  ])('%s defaults to %j', (name, expectedDefault, allowed) => {
    const parameter = sam.Parameters[name];
    expect(parameter).toBeDefined();
    expect(parameter?.Default).toBe(expectedDefault);
    expect(parameter?.AllowedValues).toEqual(allowed);
  });

  it.each<[string, boolean]>([
    ['ecsTaskExecutionRole', true],
    ['batch/*', true],
    ['batch-*', true],
    ['ecsTaskExecutionRole,batch-*', false],
    ['', false],
  ])('RemediationRoleNamePattern takes one IAM pattern: %j accepted %s', (value, accepted) => {
    const pattern = new RegExp(String(sam.Parameters.RemediationRoleNamePattern?.AllowedPattern));
    expect(pattern.test(value)).toBe(accepted);
  });

  it('LogRetentionInDays defaults to 90 and allows only CloudWatch Logs retention values', () => {
    const parameter = sam.Parameters.LogRetentionInDays;
    expect(parameter?.Default).toBe(90);
    expect(parameter?.AllowedValues).toEqual([
      1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
    ]);
  });
});

/** The six rule parameters a user types; OrganizationPolicies and UnreadableLayers; the four others are "true" or "false". */
const FREE_TEXT = [
  'RoleNamePattern',
  'ExcludeRoleNamePattern',
  'RoleTagKey',
  'SecretArns',
  'ParameterArns',
  'KmsKeyArns',
];
const LAYERS = ['UnreadableLayers', 'OrganizationPolicies'];
const BOOLEANS = RULE_PARAMETER_NAMES.filter((name) => !FREE_TEXT.includes(name) && !LAYERS.includes(name));
// Booleans whose default ("false") is left out of InputParameters: present, and longest, only when "true".
const OPT_IN = ['GuardDutyRuntimeMonitoring'];
const maxLength = (name: string): number => Number(sam.Parameters[name]?.MaxLength);
/** Pads `prefix` with `fill` to exactly `length` characters. */
const padded = (prefix: string, fill: string, length: number): string =>
  prefix + fill.repeat(length - prefix.length);

describe('rule parameter values', () => {
  it.each(FREE_TEXT)('%s has a length bound and the character rule of the others', (name) => {
    expect(maxLength(name)).toBeGreaterThan(0);
    expect(sam.Parameters[name]?.AllowedPattern).toBe(sam.Parameters.RoleNamePattern?.AllowedPattern);
    expect(String(sam.Parameters[name]?.ConstraintDescription)).toContain(
      `at most ${maxLength(name)} printable`,
    );
  });

  it.each<[string, string, boolean]>([
    ['a list of ARN patterns', 'arn:aws:ssm:*:*:parameter/a,b*', true],
    ['a tag key=value with inner spaces', 'team=data platform', true],
    ['empty (unset)', '', true],
    ['a double quote (would end the JSON string)', 'a"b', false],
    ['a backslash (would start a JSON escape)', 'a\\b', false],
    ['a control character (JSON escapes it to six characters)', 'a\u0001b', false],
    ['a character beyond ASCII (a serialiser may escape it)', 'équipe', false],
    ['only a space (AWS Config refuses blank values)', ' ', false],
    ['a leading space', ' data', false],
    ['a trailing space', 'data ', false],
  ])('the rule parameters accept %s: %s', (_case, value, accepted) => {
    const pattern = new RegExp(String(sam.Parameters.RoleNamePattern?.AllowedPattern));
    expect(pattern.test(value)).toBe(accepted);
  });
});

describe('rule parameters after the SAM transform (InputParameters and the remediation copy)', () => {
  const inputParameters = props(transformed, 'ConfigRule').InputParameters;
  const env = (props(transformed, 'RemediationFunction').Environment as JsonObject).Variables as JsonObject;
  const defaults: Record<string, string> = Object.fromEntries(
    Object.entries(transformed.Parameters).map(([name, p]) => [name, String(p.Default ?? '')]),
  );
  /** Two valid ARNs joined by a comma, the second padded so that the list has exactly `length` characters. */
  const twoArns = (first: string, prefix: string, fill: string, length: number): string =>
    `${first},${padded(prefix, fill, length - first.length - 1)}`;
  /** Every free-text parameter at its maximum length, every boolean at its longest ("false"), all valid. */
  const maximal: Record<string, string> = {
    ...defaults,
    RoleNamePattern: `${'a'.repeat(31)},${padded('b', 'b', maxLength('RoleNamePattern') - 32)}`,
    ExcludeRoleNamePattern: `${'c'.repeat(31)},${padded('d', 'd', maxLength('ExcludeRoleNamePattern') - 32)}`,
    RoleTagKey: padded('k', 'k', maxLength('RoleTagKey')),
    SecretArns: twoArns(
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/db-AbCdEf',
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/',
      'n',
      maxLength('SecretArns'),
    ),
    ParameterArns: twoArns(
      'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/db/password',
      'arn:aws:ssm:eu-west-1:123456789012:parameter/prod/',
      'p',
      maxLength('ParameterArns'),
    ),
    KmsKeyArns: twoArns(
      'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      'arn:aws:kms:us-east-1:123456789012:key/',
      'k',
      maxLength('KmsKeyArns'),
    ),
    ...Object.fromEntries(BOOLEANS.map((name) => [name, OPT_IN.includes(name) ? 'true' : 'false'])),
    UnreadableLayers: 'report',
    // A role ARN in the longest partition name, at the parameter's maximum length.
    OrganizationPolicies: padded(
      'arn:aws-us-gov:iam::123456789012:role/org/',
      'r',
      maxLength('OrganizationPolicies'),
    ),
  };
  const mixed: Record<string, string> = {
    ...defaults,
    RoleNamePattern: '',
    RoleTagKey: 'team=data',
    KmsKeyArns: 'arn:aws:kms:eu-west-1:123456789012:key/*',
    DiscoverEcsTaskDefinitions: 'true',
  };

  /** What CloudFormation gives AWS Config (InputParameters serialised) and the remediation function. */
  function deployed(values: Record<string, string>): { config: string; remediation: string } {
    const object = resolveIntrinsics(transformed, inputParameters, values);
    return {
      config: JSON.stringify(object),
      remediation: String(resolveIntrinsics(transformed, env.RULE_PARAMETERS, values)),
    };
  }

  it('InputParameters names exactly the rule parameters, each from its own template parameter', () => {
    // Arrange: every template parameter set to its own name.
    // An opt-in boolean is passed only as "true".
    const named = {
      ...Object.fromEntries(Object.keys(transformed.Parameters).map((n) => [n, n])),
      ...Object.fromEntries(OPT_IN.map((n) => [n, 'true'])),
    };

    // Act
    const { config } = deployed(named);

    // Assert
    expect(JSON.parse(config)).toEqual(
      Object.fromEntries(RULE_PARAMETER_NAMES.map((n) => [n, OPT_IN.includes(n) ? 'true' : n])),
    );
  });

  it.each<[string, Record<string, string>]>([
    ['defaults', defaults],
    ['every value at its maximum', maximal],
    ['some set, some empty', mixed],
  ])(
    'with %s: no blank value, at most 1,024 characters, and both handlers read the same parameters',
    (_case, values) => {
      // Act
      const { config, remediation } = deployed(values);

      // Assert
      for (const value of Object.values(JSON.parse(config) as Record<string, string>))
        expect(value.trim()).not.toBe('');
      expect(config.length).toBeLessThanOrEqual(1024);
      expect(JSON.parse(remediation)).toEqual(JSON.parse(config));
      expect(parseRuleParameters(remediation)).toEqual(parseRuleParameters(config));
    },
  );

  it('at the defaults, the optional keys are left out and the handlers read their defaults', () => {
    const { config } = deployed(defaults);
    expect(Object.keys(JSON.parse(config) as object)).toEqual([
      'RoleNamePattern',
      ...BOOLEANS.filter((name) => !OPT_IN.includes(name)),
      'UnreadableLayers',
    ]);
    expect(parseRuleParameters(config)).toEqual(DEFAULT_RULE_PARAMETERS);
  });

  it('at the maximum, the JSON fits 1,024 characters however CloudFormation spaces it', () => {
    // How CloudFormation serialises a Json property is not documented: compact, or a space after : and ,.
    const object = JSON.parse(deployed(maximal).config) as Record<string, string>;
    const spaced = `{${Object.entries(object)
      .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)}`)
      .join(', ')}}`;
    expect(deployed(maximal).config.length).toBe(994);
    expect(spaced.length).toBe(1019);
    expect(spaced.length).toBeLessThanOrEqual(1024);
  });

  it('each ARN list holds a full ARN and a pattern, or one long secret ARN', () => {
    const kmsKey = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const secret = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/database/credentials-AbCdEf';
    const pattern = 'arn:aws:kms:us-east-1:123456789012:key/*';
    for (const name of ['SecretArns', 'ParameterArns', 'KmsKeyArns']) {
      expect(maxLength(name)).toBeGreaterThanOrEqual(kmsKey.length + 1 + pattern.length);
      expect(maxLength(name)).toBeGreaterThanOrEqual(secret.length);
    }
  });

  it('a role ARN with a path fits OrganizationPolicies, and its pattern takes only off, local or a role ARN', () => {
    const pattern = new RegExp(String(sam.Parameters.OrganizationPolicies?.AllowedPattern));
    const role = 'arn:aws:iam::111122223333:role/organization/execution-role-check-policy-reader';
    expect(role.length).toBeLessThanOrEqual(maxLength('OrganizationPolicies'));
    expect(['', 'off', 'local', role].map((value) => pattern.test(value))).toEqual([true, true, true, true]);
    expect(
      ['true', 'arn:aws:iam::111122223333:user/admin', 'arn:aws:iam::1:role/x'].map((v) => pattern.test(v)),
    ).toEqual([false, false, false]);
  });

  it('every value is read as given at the maximum (nothing cut, nothing escaped)', () => {
    const parsed = parseRuleParameters(deployed(maximal).config);
    expect(parsed.secretArns.join(',')).toBe(maximal.SecretArns);
    expect(parsed.kmsKeyArns).toHaveLength(2);
    expect(parsed.roleTag).toEqual({ key: maximal.RoleTagKey });
    expect(parsed.roleNamePatterns.join(',')).toBe(maximal.RoleNamePattern);
    expect(parsed.organizationPolicies).toEqual({
      mode: 'assumeRole',
      roleArn: maximal.OrganizationPolicies,
    });
    expect(parsed.unreadableLayers).toBe('report');
  });
});

describe('functions', () => {
  it('Globals: nodejs24.x on arm64 with source maps', () => {
    const globals = sam.Globals?.Function ?? {};
    expect(globals.Runtime).toBe('nodejs24.x');
    expect(globals.Architectures).toEqual(['arm64']);
    expect(((globals.Environment as JsonObject).Variables as JsonObject).NODE_OPTIONS).toBe(
      '--enable-source-maps',
    );
  });

  it.each<[string, string, number, number]>([
    ['EvaluatorFunction', 'handlers/evaluate.ts', 900, 1024],
    ['RemediationFunction', 'handlers/remediate.ts', 120, 512],
  ])('%s builds %s with esbuild, %i s and %i MB', (id, entryPoint, timeout, memory) => {
    // Arrange
    const fn = resource(sam, id);

    // Assert
    expect(fn.Type).toBe('AWS::Serverless::Function');
    expect(fn.Metadata?.BuildMethod).toBe('esbuild');
    expect(fn.Metadata?.BuildProperties).toEqual(
      expect.objectContaining({
        EntryPoints: [entryPoint],
        Minify: true,
        Sourcemap: true,
        MainFields: 'module,main',
      }),
    );
    expect(existsSync(join(ROOT, entryPoint))).toBe(true);
    expect(fn.Properties?.Timeout).toBe(timeout);
    expect(fn.Properties?.MemorySize).toBe(memory);
  });

  it('remediation finishes well inside the 300-second cap of aws:invokeLambdaFunction', () => {
    const step = documentSteps()[0];
    expect(props(sam, 'RemediationFunction').Timeout).toBeLessThan(Number(step?.timeoutSeconds));
    expect(Number(step?.timeoutSeconds)).toBeLessThanOrEqual(300);
  });

  it.each<[string, string]>([
    ['EvaluatorFunction', 'evaluate.handler'],
    ['RemediationFunction', 'remediate.handler'],
  ])('after the transform, %s runs nodejs24.x on arm64 with %s', (id, handler) => {
    const fn = props(transformed, id);
    expect(fn.Runtime).toBe('nodejs24.x');
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Handler).toBe(handler);
  });

  it('both functions are bundled alike: their BuildProperties differ only in the entry point', () => {
    const properties = (id: string): JsonObject => {
      const { EntryPoints: _entry, ...rest } = resource(sam, id).Metadata?.BuildProperties as JsonObject;
      return rest;
    };
    expect(properties('EvaluatorFunction')).toEqual(
      expect.objectContaining({ External: expect.arrayContaining(['@aws-sdk/credential-provider-ini']) }),
    );
    expect(properties('RemediationFunction')).toEqual(properties('EvaluatorFunction'));
  });

  it.each<[string, string, string]>([
    ['EvaluatorFunction', 'EvaluatorLogGroup', 'EvaluatorRole'],
    ['RemediationFunction', 'RemediationLogGroup', 'RemediationRole'],
  ])(
    '%s logs to its own log group %s, with retention, and its role writes only there',
    (fnId, groupId, roleId) => {
      // Arrange
      const fn = props(sam, fnId);
      const group = props(sam, groupId);
      const role = props(sam, roleId);
      const logStatements = (
        (role.Policies as JsonObject[])[0]?.PolicyDocument as { Statement: JsonObject[] }
      ).Statement.filter((s) => JSON.stringify(s.Action).includes('logs:'));

      // Assert
      expect(resource(sam, groupId).Type).toBe('AWS::Logs::LogGroup');
      expect((fn.LoggingConfig as JsonObject).LogGroup).toEqual({ Ref: groupId });
      expect(group.RetentionInDays).toEqual({ Ref: 'LogRetentionInDays' });
      expect(subString(group.LogGroupName)).toContain('${AWS::StackName}');
      expect(fn.Role).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
      expect(logStatements).toEqual([
        expect.objectContaining({
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [groupId, 'Arn'] },
        }),
      ]);
    },
  );
});

describe('AWS Config rule', () => {
  const rule = props(sam, 'ConfigRule');

  it('is a CUSTOM_LAMBDA rule on the evaluator for IAM roles, named by a parameter', () => {
    expect(rule.ConfigRuleName).toEqual({ Ref: 'ConfigRuleName' });
    expect(rule.Scope).toEqual({ ComplianceResourceTypes: ['AWS::IAM::Role'] });
    expect(rule.Source).toEqual(
      expect.objectContaining({
        Owner: 'CUSTOM_LAMBDA',
        SourceIdentifier: { 'Fn::GetAtt': ['EvaluatorFunction', 'Arn'] },
      }),
    );
  });

  it('listens to changes, oversized changes, and the periodic schedule', () => {
    expect((rule.Source as JsonObject).SourceDetails).toEqual([
      { EventSource: 'aws.config', MessageType: 'ConfigurationItemChangeNotification' },
      { EventSource: 'aws.config', MessageType: 'OversizedConfigurationItemChangeNotification' },
      {
        EventSource: 'aws.config',
        MessageType: 'ScheduledNotification',
        MaximumExecutionFrequency: { Ref: 'MaximumExecutionFrequency' },
      },
    ]);
  });

  it('is created after the permission that lets AWS Config of this account alone invoke the evaluator', () => {
    const permission = props(sam, 'ConfigInvokePermission');
    expect(resource(sam, 'ConfigRule').DependsOn).toBe('ConfigInvokePermission');
    expect(permission).toEqual({
      FunctionName: { 'Fn::GetAtt': ['EvaluatorFunction', 'Arn'] },
      Action: 'lambda:InvokeFunction',
      Principal: 'config.amazonaws.com',
      SourceAccount: { Ref: 'AWS::AccountId' },
    });
  });
});

function document(): JsonObject {
  return props(sam, 'RemediationDocument').Content as JsonObject;
}
function documentSteps(): JsonObject[] {
  return document().mainSteps as JsonObject[];
}

describe('remediation', () => {
  it.each([
    'RemediationLogGroup',
    'RemediationRole',
    'RemediationFunction',
    'AutomationRole',
    'RemediationDocument',
    'RemediationConfiguration',
  ])('%s exists only when remediation is enabled', (id) => {
    expect(resource(sam, id).Condition).toBe('RemediationEnabled');
  });

  it('RemediationEnabled follows EnableRemediation', () => {
    expect(sam.Conditions?.RemediationEnabled).toEqual({
      'Fn::Equals': [{ Ref: 'EnableRemediation' }, 'true'],
    });
  });

  it('the document is an Automation runbook (schema 0.3) with ResourceId, AutomationAssumeRole and DryRun', () => {
    // Arrange
    const doc = props(sam, 'RemediationDocument');
    const content = document();
    const parameters = content.parameters as Record<string, JsonObject>;
    const ssmTypes = ['String', 'StringList', 'Boolean', 'Integer', 'MapList', 'StringMap'];

    // Assert
    expect(doc.DocumentType).toBe('Automation');
    expect(content.schemaVersion).toBe('0.3');
    expect(content.assumeRole).toBe('{{ AutomationAssumeRole }}');
    expect(Object.keys(parameters).sort()).toEqual(['AutomationAssumeRole', 'DryRun', 'ResourceId']);
    for (const p of Object.values(parameters)) expect(ssmTypes).toContain(p.type);
    expect(parameters.ResourceId?.type).toBe('String');
    expect(parameters.AutomationAssumeRole).toEqual(
      expect.objectContaining({ type: 'String', default: { 'Fn::GetAtt': ['AutomationRole', 'Arn'] } }),
    );
    expect(parameters.DryRun).toEqual(expect.objectContaining({ type: 'Boolean', default: false }));
  });

  it('invokes the remediation function synchronously with the ResourceId and DryRun payload, aborting on failure', () => {
    // Arrange
    const [invoke] = documentSteps();
    const inputs = invoke?.inputs as JsonObject;
    const payload = String(inputs.Payload)
      .replace('{{ ResourceId }}', 'AROAEXAMPLEID')
      .replace('{{ DryRun }}', 'true');

    // Assert
    expect(invoke?.action).toBe('aws:invokeLambdaFunction');
    expect(invoke?.onFailure).toBe('Abort');
    expect(inputs.FunctionName).toEqual({ Ref: 'RemediationFunction' });
    expect(inputs.InvocationType).toBe('RequestResponse');
    expect(JSON.parse(payload)).toEqual({ ResourceId: 'AROAEXAMPLEID', DryRun: true });
  });

  it.each<[string, boolean]>([
    ['AROA1234567890EXAMPLE', true],
    ['ecsTaskExecutionRole', true],
    ['arn:aws:iam::123456789012:role/batch/etl-execution+role=x,y.z@w', true],
    ['x", "DryRun": false, "y": "', false],
    ['role name', false],
    ['{role}', false],
    ['', false],
    ['r'.repeat(512), true],
    // SSM Automation refuses parameter values over 512 characters: the document must not promise more.
    ['r'.repeat(513), false],
  ])('ResourceId %j is accepted: %s (nothing can break out of the JSON payload)', (value, accepted) => {
    const pattern = String((document().parameters as Record<string, JsonObject>).ResourceId?.allowedPattern);
    expect(new RegExp(pattern).test(value)).toBe(accepted);
  });

  it('ends with a check step whose output is the document output', () => {
    const steps = documentSteps();
    expect(steps.map((s) => [s.name, s.action, s.onFailure, s.isEnd ?? false])).toEqual([
      ['invokeRemediation', 'aws:invokeLambdaFunction', 'Abort', false],
      ['checkRemediationResult', 'aws:executeScript', 'Abort', true],
    ]);
    expect(steps[0]?.nextStep).toBe('checkRemediationResult');
    expect(steps[1]?.outputs).toEqual([{ Name: 'Report', Selector: '$.Payload.report', Type: 'String' }]);
    expect(document().outputs).toEqual(['checkRemediationResult.Report']);
  });

  describe('the check step script', () => {
    const step = documentSteps()[1];
    const inputs = step?.inputs as JsonObject;

    /**
     * Runs the step's Python handler on a payload, as SSM would (the text as it is, or parsed first when SSM
     * hands the output over as a JSON value); returns the result or the exception.
     */
    function check(payload: string, parsed = false): { ok: boolean; out: string } {
      const value = parsed ? 'json.loads(sys.argv[1])' : 'sys.argv[1]';
      const program = `${String(inputs.Script)}\nimport json, sys\nprint(json.dumps(${String(inputs.Handler)}({'Payload': ${value}}, None)))\n`;
      const result = spawnSync('python3', ['-c', program, payload], { encoding: 'utf8' });
      return { ok: result.status === 0, out: result.status === 0 ? result.stdout : result.stderr };
    }

    it('reads the invoke step payload with a supported Python runtime', () => {
      expect(inputs.Runtime).toBe('python3.11');
      expect(inputs.InputPayload).toEqual({ Payload: '{{ invokeRemediation.Payload }}' });
    });

    it.each([
      ['as JSON text', false],
      ['as a JSON value', true],
    ])('passes a report through as the step output, given %s', (_case, parsed) => {
      const report = '{"roleName": "ecsTaskExecutionRole", "changes": []}';
      const result = check(report, parsed);
      expect(result.ok).toBe(true);
      expect(JSON.parse((JSON.parse(result.out) as { report: string }).report)).toEqual(JSON.parse(report));
    });

    it.each<[string, string, string]>([
      [
        "Lambda's error object",
        '{"errorType":"RefusedError","errorMessage":"role admin is not a candidate","trace":[]}',
        'remediation failed: RefusedError: role admin is not a candidate',
      ],
      ['a payload that is not JSON', 'Task timed out', 'remediation function returned no JSON report'],
      ['a JSON value that is not a report', '"done"', 'remediation function returned no JSON report'],
    ])('fails the step on %s', (_label, payload, message) => {
      const result = check(payload);
      expect(result.ok).toBe(false);
      expect(result.out).toContain(message);
    });

    it("fails the step on Lambda's error object given as a JSON value", () => {
      const result = check('{"errorType":"RefusedError","errorMessage":"not a candidate"}', true);
      expect(result.ok).toBe(false);
      expect(result.out).toContain('remediation failed: RefusedError: not a candidate');
    });
  });

  it('the automation role can be assumed by SSM of this account only, and can only invoke the function', () => {
    // Arrange
    const role = props(sam, 'AutomationRole');
    const trust = (role.AssumeRolePolicyDocument as { Statement: JsonObject[] }).Statement;
    const policies = role.Policies as { PolicyDocument: { Statement: JsonObject[] } }[];

    // Assert
    expect(trust).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'ssm.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: expect.objectContaining({
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        }),
      }),
    ]);
    expect(policies.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': ['RemediationFunction', 'Arn'] },
      }),
    ]);
    expect(role.ManagedPolicyArns).toBeUndefined();
  });

  it('the remediation configuration runs the document on the RoleId, manual unless AutomaticRemediation, bounded', () => {
    expect(props(sam, 'RemediationConfiguration')).toEqual({
      ConfigRuleName: { Ref: 'ConfigRule' },
      ResourceType: 'AWS::IAM::Role',
      TargetType: 'SSM_DOCUMENT',
      TargetId: { Ref: 'RemediationDocument' },
      Parameters: {
        ResourceId: { ResourceValue: { Value: 'RESOURCE_ID' } },
        AutomationAssumeRole: { StaticValue: { Values: [{ 'Fn::GetAtt': ['AutomationRole', 'Arn'] }] } },
        DryRun: { StaticValue: { Values: ['false'] } },
      },
      Automatic: { Ref: 'AutomaticRemediation' },
      MaximumAutomaticAttempts: 3,
      RetryAttemptSeconds: 259200,
    });
  });

  it('three failed automatic attempts stop within the retry window at every sweep frequency', () => {
    // RetryAttemptSeconds is the window in which MaximumAutomaticAttempts failures add a remediation
    // exception (1 to 2,678,000 seconds); a role nobody changes is evaluated once per sweep period.
    const hours = { One_Hour: 1, Three_Hours: 3, Six_Hours: 6, Twelve_Hours: 12, TwentyFour_Hours: 24 };
    const config = props(sam, 'RemediationConfiguration');
    const window = Number(config.RetryAttemptSeconds);
    expect(Object.keys(hours)).toEqual(sam.Parameters.MaximumExecutionFrequency?.AllowedValues);
    for (const period of Object.values(hours)) {
      expect(Number(config.MaximumAutomaticAttempts) * period * 3600).toBeLessThanOrEqual(window);
    }
    expect(window).toBeLessThanOrEqual(2_678_000);
  });
});

describe('portability (deployable unchanged in any account, region or partition)', () => {
  it.each([SAM_TEMPLATE, STACKSET_TEMPLATE])(
    '%s names no account id, region or partition literally',
    (file) => {
      const text = readFileSync(file, 'utf8');
      expect(text.match(/\b\d{12}\b/g)).toBeNull();
      expect(text.match(/\b(?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-[a-z]+-\d\b/g)).toBeNull();
      expect(text.match(/arn:aws(?:-[a-z-]+)?:/g)).toBeNull();
    },
  );

  it.each([SAM_TEMPLATE, STACKSET_TEMPLATE])(
    '%s gives no resource a fixed physical name (only stack-derived or parameter names)',
    (file) => {
      const template = parseTemplate(file);
      const nameProperties = [
        'RoleName',
        'FunctionName',
        'Name',
        'LogGroupName',
        'ConfigRuleName',
        'ManagedPolicyName',
      ];
      for (const [id, res] of Object.entries(template.Resources)) {
        for (const key of nameProperties) {
          const value = res.Properties?.[key];
          if (value === undefined || key === 'FunctionName') continue;
          if (res.Type === 'AWS::IAM::RolePolicy' && key === 'RoleName') {
            // Not a name it gives: the role it attaches to, which must be one of this template's.
            const target = (value as { Ref?: string }).Ref ?? '';
            expect(`${id}.${key}: ${template.Resources[target]?.Type}`).toBe(`${id}.${key}: AWS::IAM::Role`);
            continue;
          }
          const text = JSON.stringify(value);
          expect(`${id}.${key}: ${text}`).toMatch(/AWS::StackName|"Ref":"ConfigRule(Name)?"/);
        }
        if (res.Type === 'AWS::Lambda::Function' || res.Type === 'AWS::Serverless::Function') {
          expect(res.Properties?.FunctionName).toBeUndefined();
        }
      }
    },
  );
});

describe('docs/deploy.md', () => {
  const guide = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');

  it.each(Object.keys(sam.Parameters))('documents the %s parameter in its table', (name) => {
    expect(guide).toMatch(new RegExp(`^\\|[^\\n]*\`${name}\``, 'm'));
  });
});
