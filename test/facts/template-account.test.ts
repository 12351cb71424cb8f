/** lib/facts/template-account.ts: templates as a saved account, every unknown taken out and kept by name. */
import { templateAccount, type TemplateAccount } from '../../lib/facts/template-account';
import { extractTemplateFacts, parseTemplate } from '../../lib/template';
import { EXECUTION_POLICY_DOCUMENT, executionPolicyArn } from '../../lib/remediation/plan';

const KNOWN = new Map([[executionPolicyArn('aws'), EXECUTION_POLICY_DOCUMENT]]);

/** A template of `resources` (YAML lines under Resources:) with one role, `Role`, read as an account. */
function accountOf(...resources: string[]): TemplateAccount {
  const text = [
    'Parameters:',
    '  Unset: { Type: String }',
    'Resources:',
    '  Role:',
    '    Type: AWS::IAM::Role',
    '    Properties:',
    '      RoleName: app-execution',
    '      AssumeRolePolicyDocument: { Version: "2012-10-17", Statement: [] }',
    ...resources,
    '',
  ].join('\n');
  return templateAccount([extractTemplateFacts(parseTemplate(text, 'app.yaml'))], KNOWN);
}

const job = (...containerLines: string[]) => [
  '  Job:',
  '    Type: AWS::Batch::JobDefinition',
  '    Properties:',
  '      Type: container',
  '      ContainerProperties:',
  '        ExecutionRoleArn: !GetAtt Role.Arn',
  ...containerLines.map((line) => `        ${line}`),
];

const roleOf = (account: TemplateAccount) => [...account.roles.values()][0];

describe('templateAccount: unknown needs of a job definition, each with its requirement', () => {
  it.each<[string, string[], { id: string; path: string }[]]>([
    [
      'an imported image',
      ['Image: !ImportValue image'],
      [{ id: 'EXEC_PERMISSIONS', path: 'containerProperties.image' }],
    ],
    [
      'an unset log group',
      ['LogConfiguration: { LogDriver: awslogs, Options: { awslogs-group: !Ref Unset } }'],
      [{ id: 'EXEC_PERMISSIONS', path: 'containerProperties.logConfiguration.options.awslogs-group' }],
    ],
    [
      'an imported log secret option',
      [
        'LogConfiguration: { LogDriver: splunk, SecretOptions: [{ Name: token, ValueFrom: !ImportValue token }] }',
      ],
      [{ id: 'SECRETS_MANAGER', path: 'containerProperties.logConfiguration.secretOptions[0].valueFrom' }],
    ],
    [
      'an imported list of secrets',
      ['Secrets: !ImportValue secrets'],
      [{ id: 'SECRETS_MANAGER', path: 'containerProperties.secrets[0].valueFrom' }],
    ],
    [
      'imported registry credentials',
      ['RepositoryCredentials: { CredentialsParameter: !ImportValue registry }'],
      [
        {
          id: 'REGISTRY_CREDENTIALS',
          path: 'containerProperties.repositoryCredentials.credentialsParameter',
        },
      ],
    ],
  ])('%s', (_name, lines, needs) => {
    // Act
    const account = accountOf(...job(...lines));

    // Assert
    const role = roleOf(account);
    expect(
      role?.consumers.flatMap((consumer) => consumer.unknownNeeds.map(({ id, path }) => ({ id, path }))),
    ).toEqual(needs);
    // Nothing unknown reaches the engine's facts.
    expect(JSON.stringify(account.account.jobDefinitions)).not.toContain('"unknown"');
  });

  it('names the consumer by its logical id when its name is unknown, and notes an unknown execution role', () => {
    // Act
    const account = accountOf(
      '  Job:',
      '    Type: AWS::Batch::JobDefinition',
      '    Properties:',
      '      JobDefinitionName: !ImportValue job-name',
      '      Type: container',
      '      ContainerProperties: { ExecutionRoleArn: !ImportValue role-arn }',
    );

    // Assert
    expect(account.account.jobDefinitions.map((definition) => definition.jobDefinitionName)).toEqual(['Job']);
    expect(account.notes).toEqual([
      expect.stringMatching(
        /^app\.yaml: Job\.containerProperties\.executionRoleArn is not determined .*role-arn/,
      ),
    ]);
  });

  it('reads an ECS task definition the same way', () => {
    // Act
    const account = accountOf(
      '  Task:',
      '    Type: AWS::ECS::TaskDefinition',
      '    Properties:',
      '      Family: !ImportValue family',
      '      ExecutionRoleArn: !GetAtt Role.Arn',
      '      ContainerDefinitions: [{ Name: app, Image: !ImportValue image }]',
    );

    // Assert
    expect(account.account.taskDefinitions.map((task) => task.family)).toEqual(['Task']);
    expect(
      roleOf(account)?.consumers.map((consumer) => [consumer.consumer.name, consumer.unknownNeeds.length]),
    ).toEqual([['Task:1', 2]]);
  });
});

describe('templateAccount: unknowns in what the role holds', () => {
  it.each<[string, string[], string, boolean]>([
    [
      'a template managed policy with an unknown document',
      [
        '  Managed:',
        '    Type: AWS::IAM::ManagedPolicy',
        '    Properties:',
        '      ManagedPolicyName: reader',
        '      Roles: [!Ref Role]',
        '      PolicyDocument: { Statement: [{ Effect: Allow, Action: s3:GetObject, Resource: !ImportValue bucket }] }',
      ],
      'managed:reader',
      true,
    ],
    [
      'an unset permissions boundary',
      ['      PermissionsBoundary: !Ref Unset'],
      'boundary:PermissionsBoundary',
      true,
    ],
    [
      'an inline policy whose Version is unknown',
      [
        '      Policies:',
        '        - PolicyName: odd',
        '          PolicyDocument: { Version: !Ref Unset, Statement: [] }',
      ],
      'inline:odd',
      true,
    ],
    [
      'an inline policy with one unknown Allow',
      [
        '      Policies:',
        '        - PolicyName: reads',
        '          PolicyDocument: { Statement: { Effect: Allow, Action: s3:GetObject, Resource: !ImportValue bucket } }',
      ],
      'inline:reads',
      false,
    ],
  ])('%s is kept by name (whole: %s)', (_name, lines, policyName, whole) => {
    // Act
    const account = accountOf(...lines);

    // Assert
    expect(roleOf(account)?.policyUnknowns.get(policyName)?.whole).toBe(whole);
    expect(JSON.stringify(account.account.roles)).not.toContain('"unknown"');
  });

  it('keeps an unknown KmsKeyId of a declared secret out of the keys, by ARN', () => {
    // Act
    const account = accountOf(
      '  Secret:',
      '    Type: AWS::SecretsManager::Secret',
      '    Properties: { Name: app/db, KmsKeyId: !ImportValue key }',
    );

    // Assert
    expect([...account.unknownSecretKeys.values()]).toEqual([expect.stringMatching(/Fn::ImportValue "key"/)]);
    expect(account.account.secretMetadata.keys.size).toBe(0);
    expect(account.declaredSecretArns.size).toBe(1);
  });

  it('refuses to build from no template', () => {
    // Act / Assert
    expect(() => templateAccount([], KNOWN)).toThrow('no template');
  });
});
