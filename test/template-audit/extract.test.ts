import {
  extractTemplateFacts,
  isUnknown,
  parseTemplate,
  placeholderKeyId,
  type TemplateFacts,
} from '../../lib/template';
import { readFileSync } from 'node:fs';
import { factsOf, judgeSample, judgeTemplate, SAMPLE, yamlOf } from './support';

const GIVEN = { region: 'eu-west-1', accountId: '111122223333' } as const;
const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/app/token-XXXXXX';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/batch/app-prod-execution';

function factsFromYaml(...lines: string[]): TemplateFacts {
  return extractTemplateFacts(parseTemplate(yamlOf(...lines), 'inline.yaml'), GIVEN);
}

/** Facts without their file names and lines: what must not depend on how the template is written. */
function content(facts: TemplateFacts): unknown {
  return JSON.parse(JSON.stringify(facts, (key, value: unknown) => (key === 'location' ? undefined : value)));
}

describe('extractTemplateFacts: the short-form fixture', () => {
  const facts = factsOf('short-form.yaml', GIVEN);

  it('reads the role with every policy the template attaches to it, in the authorization-details shape', () => {
    // Act
    const [role] = facts.roles;

    // Assert
    expect(facts.roles).toHaveLength(1);
    expect(role?.logicalId).toBe('ExecutionRole');
    expect(role?.roleName).toBe('app-prod-execution');
    expect(role?.location).toEqual({ file: 'short-form.yaml', line: 37 });
    expect(role?.unknowns).toEqual([]);
    expect(role?.description).toMatchObject({
      roleName: 'app-prod-execution',
      arn: ROLE_ARN,
      path: '/batch/',
      trustPolicy: { Statement: [{ Principal: { Service: 'ecs-tasks.amazonaws.com' } }] },
      // DebugPolicy's Fn::If picks AWS::NoValue in prod; ParameterPolicy attaches itself through Roles.
      attachedManagedPolicyArns: [EXECUTION_POLICY, 'arn:aws:iam::111122223333:policy/app-parameters'],
    });
    expect(role?.description.inlinePolicies.map((policy) => policy.name)).toEqual([
      'secrets',
      'logs',
      'no-other-secrets',
    ]);
  });

  it.each<[string, number, unknown]>([
    ['secrets (inline Policies)', 0, { Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN }],
    ['logs (AWS::IAM::Policy)', 1, { Resource: 'arn:aws:logs:eu-west-1:111122223333:log-group:/app/prod:*' }],
    ['no-other-secrets (AWS::IAM::RolePolicy)', 2, { Effect: 'Deny', NotResource: SECRET_ARN }],
  ])('resolves the %s document', (_name, index, statement) => {
    // Act
    const document = facts.roles[0]?.description.inlinePolicies[index]?.document;

    // Assert
    expect(document).toMatchObject({
      Statement: expect.arrayContaining([expect.objectContaining(statement)]),
    });
  });

  it('keeps the managed policy documents the template declares, and drops the one whose Condition is false', () => {
    // Act
    const policies = facts.managedPolicies.map(({ logicalId, policy }) => ({ logicalId, arn: policy.arn }));

    // Assert
    expect(policies).toEqual([
      { logicalId: 'ParameterPolicy', arn: 'arn:aws:iam::111122223333:policy/app-parameters' },
    ]);
    expect(facts.notes).toContain('not created (Condition false): DebugPolicy');
  });

  it('maps the job definition to the camelCase API shape, linked to its execution role', () => {
    // Act
    const [job] = facts.jobDefinitions;

    // Assert
    expect(job?.location.line).toBe(105);
    expect(job?.executionRoleLogicalIds).toEqual(['ExecutionRole']);
    expect(job?.unknowns).toEqual([]);
    expect(job?.definition).toEqual({
      jobDefinitionName: 'app-prod',
      revision: 1,
      status: 'ACTIVE',
      type: 'container',
      containerProperties: {
        image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1',
        executionRoleArn: ROLE_ARN,
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/app/prod' } },
        secrets: [
          { name: 'TOKEN', valueFrom: SECRET_ARN },
          { name: 'SETTING', valueFrom: '/app/prod/setting' },
        ],
      },
    });
  });

  it('maps the task definition, repository credentials included', () => {
    // Act
    const [task] = facts.taskDefinitions;

    // Assert
    expect(task?.executionRoleLogicalIds).toEqual(['ExecutionRole']);
    expect(task?.definition).toEqual({
      family: 'app-prod',
      revision: 1,
      status: 'ACTIVE',
      executionRoleArn: ROLE_ARN,
      containerDefinitions: [
        {
          name: 'app',
          image: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/app:1',
          secrets: [{ name: 'TOKEN', valueFrom: SECRET_ARN }],
          repositoryCredentials: { credentialsParameter: SECRET_ARN },
        },
      ],
    });
  });

  it('links the secret to the template key protecting it, and keeps the key policy as data', () => {
    // Act
    const [secret] = facts.secrets;
    const [key] = facts.keys;

    // Assert
    expect(secret).toMatchObject({
      name: 'prod/app/token',
      arn: SECRET_ARN,
      kmsKeyId: placeholderKeyId('AppKey', false),
      kmsKeyLogicalId: 'AppKey',
    });
    expect(key?.arn).toBe(`arn:aws:kms:eu-west-1:111122223333:key/${placeholderKeyId('AppKey', false)}`);
    expect(key?.keyPolicy).toMatchObject({
      Statement: [{ Principal: { AWS: 'arn:aws:iam::111122223333:root' } }],
    });
  });

  it.each(['long-form.yaml', 'long-form.json'])('reads %s to the same facts', (name) => {
    // Act
    const other = factsOf(name, GIVEN);

    // Assert
    expect(content(other)).toEqual(content({ ...facts, file: name }));
  });
});

describe('extractTemplateFacts: cdk synth output', () => {
  it('reads Fn::GetAtt lists and Fn::Join ARNs, and keeps the imported parameter ARN unknown', () => {
    // Act
    const facts = factsOf('cdk-synth.json', GIVEN);
    const [role] = facts.roles;
    const [task] = facts.taskDefinitions;

    // Assert
    expect(role?.roleName).toBe('TaskDefExecutionRoleB4775C97');
    expect(role?.description.arn).toBe('arn:aws:iam::111122223333:role/TaskDefExecutionRoleB4775C97');
    expect(task?.executionRoleLogicalIds).toEqual(['TaskDefExecutionRoleB4775C97']);
    expect(task?.definition.containerDefinitions?.[0]?.secrets?.[1]?.valueFrom).toBe(
      'arn:aws:ssm:eu-west-1:111122223333:parameter/app/config',
    );
    expect(role?.unknowns).toEqual([
      {
        path: 'inlinePolicies[0].document.Statement[4].Resource',
        reason: expect.stringMatching(/^Fn::ImportValue "SharedStack:ExportsOutputParameterArn"/),
      },
    ]);
    expect(facts.secrets[0]?.kmsKeyLogicalId).toBe('AppKey2B58BD4F');
  });

  it('lists the pseudo parameters that took placeholders', () => {
    // Act
    const facts = factsOf('cdk-synth.json');

    // Assert
    expect(facts.placeholders).toEqual(['AWS::AccountId', 'AWS::Partition', 'AWS::Region', 'AWS::URLSuffix']);
    expect(facts.roles[0]?.description.arn).toBe(
      'arn:aws:iam::000000000000:role/TaskDefExecutionRoleB4775C97',
    );
  });
});

describe('extractTemplateFacts: Batch multi-node and ecsProperties job definitions', () => {
  it('maps node ranges and ECS task properties, each linked to its role', () => {
    // Act
    const facts = factsFromYaml(
      'Resources:',
      '  NodeRole: { Type: AWS::IAM::Role, Properties: { RoleName: nodes } }',
      '  EcsRole: { Type: AWS::IAM::Role }',
      '  Job:',
      '    Type: AWS::Batch::JobDefinition',
      '    Properties:',
      '      Type: multinode',
      '      NodeProperties:',
      '        NumNodes: 2',
      '        MainNode: 0',
      '        NodeRangeProperties:',
      '          - TargetNodes: "0:"',
      '            Container: { Image: busybox, ExecutionRoleArn: !GetAtt NodeRole.Arn }',
      '      EcsProperties:',
      '        TaskProperties:',
      '          - ExecutionRoleArn: !GetAtt EcsRole.Arn',
      '            Containers:',
      '              - Name: main',
      '                Image: busybox',
      '                Secrets: [{ Name: A, ValueFrom: /app/a }]',
    );
    const [job] = facts.jobDefinitions;

    // Assert
    expect(job?.definition).toEqual({
      jobDefinitionName: 'Job',
      revision: 1,
      status: 'ACTIVE',
      type: 'multinode',
      ecsProperties: {
        taskProperties: [
          {
            executionRoleArn: 'arn:aws:iam::111122223333:role/EcsRole',
            containers: [{ name: 'main', image: 'busybox', secrets: [{ name: 'A', valueFrom: '/app/a' }] }],
          },
        ],
      },
      nodeProperties: {
        nodeRangeProperties: [
          {
            targetNodes: '0:',
            container: { image: 'busybox', executionRoleArn: 'arn:aws:iam::111122223333:role/nodes' },
          },
        ],
      },
    });
    expect(job?.executionRoleLogicalIds).toEqual(['EcsRole', 'NodeRole']);
  });
});

describe('extractTemplateFacts: what the template does not determine stays unknown', () => {
  const PARAMETERS = [
    'Parameters:',
    '  Shared: { Type: String }',
    'Conditions:',
    '  Maybe: !Equals [!Ref Shared, x]',
  ];
  const ROLE = ['  Role:', '    Type: AWS::IAM::Role', '    Properties: { RoleName: app }'];

  it.each<[string, string[], RegExp, RegExp]>([
    [
      'a role name from a parameter without Default',
      ['  Role:', '    Type: AWS::IAM::Role', '    Properties: { RoleName: !Ref Shared }'],
      /^arn$/,
      /Ref Shared/,
    ],
    [
      'an imported managed policy ARN',
      [
        '  Role:',
        '    Type: AWS::IAM::Role',
        '    Properties: { ManagedPolicyArns: [!ImportValue boundary] }',
      ],
      /^attachedManagedPolicyArns\[0\]$/,
      /Fn::ImportValue "boundary"/,
    ],
    [
      'an imported permissions boundary',
      [
        '  Role:',
        '    Type: AWS::IAM::Role',
        '    Properties: { PermissionsBoundary: !ImportValue boundary }',
      ],
      /^permissionsBoundaryArn$/,
      /Fn::ImportValue/,
    ],
    [
      'an inline policy resource from a parameter',
      [
        ...ROLE,
        '    # (no more properties)',
        '  P:',
        '    Type: AWS::IAM::Policy',
        '    Properties: { PolicyName: p, Roles: [!Ref Role], PolicyDocument: { Statement: [{ Effect: Allow, Action: "*", Resource: !Ref Shared }] } }',
      ],
      /^inlinePolicies\[0\]\.document\.Statement\[0\]\.Resource$/,
      /Ref Shared/,
    ],
    [
      'a policy attached to roles the template does not name',
      [
        ...ROLE,
        '  P:',
        '    Type: AWS::IAM::Policy',
        '    Properties: { PolicyName: p, Roles: [!ImportValue roles], PolicyDocument: {} }',
      ],
      /^\(policy P\)$/,
      /Fn::ImportValue "roles"/,
    ],
    [
      'a policy that may not be created',
      [
        ...ROLE,
        '  P:',
        '    Type: AWS::IAM::Policy',
        '    Condition: Maybe',
        '    Properties: { PolicyName: p, Roles: [!Ref Role], PolicyDocument: { Statement: [] } }',
      ],
      /^\(policy P\)$/,
      /P may not be created/,
    ],
    [
      'inline Policies behind an undecidable If',
      ['  Role:', '    Type: AWS::IAM::Role', '    Properties: { Policies: !If [Maybe, [], []] }'],
      /^inlinePolicies\[0\]\.name$/,
      /Fn::If/,
    ],
  ])('%s', (_name, resources, path, reason) => {
    // Act
    const facts = factsFromYaml(...PARAMETERS, 'Resources:', ...resources);
    const [role] = facts.roles;

    // Assert
    expect(role?.unknowns).toEqual(
      expect.arrayContaining([{ path: expect.stringMatching(path), reason: expect.stringMatching(reason) }]),
    );
  });

  it('names the role by its logical id when its RoleName is unknown', () => {
    // Act
    const facts = factsFromYaml(
      ...PARAMETERS,
      'Resources:',
      '  Role: { Type: AWS::IAM::Role, Properties: { RoleName: !Ref Shared } }',
    );

    // Assert
    expect(facts.roles[0]?.roleName).toBe('Role');
    expect(isUnknown(facts.roles[0]?.description.arn)).toBe(true);
  });

  it.each<[string, string, RegExp]>([
    [
      'an imported secret',
      'Secrets: [{ Name: A, ValueFrom: !ImportValue db-secret }]',
      /Fn::ImportValue "db-secret"/,
    ],
    ['a list of secrets behind an undecidable If', 'Secrets: !If [Maybe, [], []]', /Fn::If/],
  ])('keeps %s unknown in the container, so the verdict can fail closed', (_name, secrets, reason) => {
    // Act
    const facts = factsFromYaml(
      ...PARAMETERS,
      'Resources:',
      '  Job:',
      '    Type: AWS::Batch::JobDefinition',
      `    Properties: { Type: container, ContainerProperties: { Image: busybox, ${secrets} } }`,
    );
    const [job] = facts.jobDefinitions;
    const valueFrom = job?.definition.containerProperties?.secrets?.[0]?.valueFrom;

    // Assert
    expect(isUnknown(valueFrom)).toBe(true);
    expect(isUnknown(valueFrom) && valueFrom.reason).toMatch(reason);
    expect(job?.unknowns).toEqual([
      { path: 'containerProperties.secrets[0].valueFrom', reason: expect.stringMatching(reason) },
    ]);
  });
});

describe('extractTemplateFacts: a container the template does not determine fails closed', () => {
  const PARAMETERS = ['Parameters:', '  Shared: { Type: String }'];
  it.each<[string, string, string, RegExp]>([
    [
      'an imported ContainerProperties',
      'ContainerProperties: !ImportValue container',
      'containerProperties.secrets[0].valueFrom',
      /Fn::ImportValue "container"/,
    ],
    [
      'a ContainerProperties that is text',
      'ContainerProperties: oops',
      'containerProperties.secrets[0].valueFrom',
      /container: expected an object/,
    ],
    [
      'an imported LogConfiguration',
      'ContainerProperties: { Image: busybox, LogConfiguration: !ImportValue logs }',
      'containerProperties.logConfiguration.secretOptions[0].valueFrom',
      /Fn::ImportValue "logs"/,
    ],
    [
      'log Options from a parameter without Default',
      'ContainerProperties: { Image: busybox, LogConfiguration: { LogDriver: awslogs, Options: !Ref Shared } }',
      "containerProperties.logConfiguration.options['awslogs-group']",
      /Ref Shared/,
    ],
  ])('%s', (_name, properties, path, reason) => {
    // Act
    const facts = factsFromYaml(
      ...PARAMETERS,
      'Resources:',
      '  Job:',
      '    Type: AWS::Batch::JobDefinition',
      `    Properties: { Type: container, ${properties} }`,
    );

    // Assert
    expect(facts.jobDefinitions[0]?.unknowns).toEqual(
      expect.arrayContaining([
        {
          path: expect.stringContaining(path.replace(/\['awslogs-group'\]$/, '')),
          reason: expect.stringMatching(reason),
        },
      ]),
    );
  });
});

describe('extractTemplateFacts: templates with nothing or little to judge', () => {
  it('reads a SAM template: plain resources are extracted, serverless ones noted', () => {
    // Act
    const facts = factsFromYaml(
      'Transform: AWS::Serverless-2016-10-31',
      'Resources:',
      '  Fn: { Type: AWS::Serverless::Function, Properties: { Handler: index.handler, Runtime: nodejs20.x } }',
      '  Role: { Type: AWS::IAM::Role, Properties: { RoleName: plain } }',
      '  Task: { Type: AWS::ECS::TaskDefinition, Properties: { ExecutionRoleArn: !GetAtt Role.Arn } }',
    );

    // Assert
    expect(facts.roles.map((role) => role.roleName)).toEqual(['plain']);
    expect(facts.taskDefinitions[0]?.executionRoleLogicalIds).toEqual(['Role']);
    expect(facts.notes).toEqual([expect.stringMatching(/1 SAM resource\(s\) \(Fn\) are not transformed/)]);
  });

  it('notes what it does not read: nested stacks and Fn::ForEach loops', () => {
    // Act
    const facts = factsFromYaml(
      'Transform: AWS::LanguageExtensions',
      'Resources:',
      '  Child: { Type: AWS::CloudFormation::Stack, Properties: { TemplateURL: https://example.com/t.yaml } }',
      '  Fn::ForEach::Roles:',
      '    - Name',
      '    - [a, b]',
      '    - Role${Name}: { Type: AWS::IAM::Role }',
    );

    // Assert
    expect(facts.notes).toEqual([
      'nested stacks are not read: Child',
      'Fn::ForEach loops are not expanded: Fn::ForEach::Roles',
    ]);
    expect(facts.roles).toEqual([]);
  });

  it('reads a template without roles to empty lists', () => {
    // Act
    const facts = factsFromYaml('Resources:', '  Bucket: { Type: AWS::S3::Bucket }');

    // Assert
    expect([facts.roles, facts.jobDefinitions, facts.taskDefinitions]).toEqual([[], [], []]);
  });
});

describe('the sample template through the engine', () => {
  const { roles } = judgeSample();

  it.each<[string, string, string[]]>([
    ['ReportExecutionRole', 'COMPLIANT', []],
    ['ExportExecutionRole', 'NON_COMPLIANT', ['SECRETS_MANAGER', 'KMS_DECRYPT']],
  ])('%s is %s', (logicalId, compliance, ids) => {
    // Act
    const verdict = roles.find((role) => role.logicalId === logicalId);

    // Assert
    expect(verdict?.compliance).toBe(compliance);
    expect([...new Set(verdict?.findings.map((finding) => finding.id))].sort()).toEqual([...ids].sort());
  });
});

describe('an unknown reaching the engine never proves a grant', () => {
  const sample = readFileSync(SAMPLE, 'utf8');
  const reportRole = (roles: ReturnType<typeof judgeSample>['roles']) =>
    roles.find((role) => role.logicalId === 'ReportExecutionRole');

  it.each<[string, string, string, string]>([
    [
      'the granted secret',
      'Resource: !Ref DatabaseSecret',
      'Resource: !ImportValue shared-secret-arn',
      'POLICY_UNREADABLE',
    ],
    ['the key grant', 'Resource: !GetAtt SecretsKey.Arn', 'Resource: !Ref UnsetKeyArn', 'POLICY_UNREADABLE'],
    [
      'the trust policy principal',
      'Service: ecs-tasks.amazonaws.com\n            Action: sts:AssumeRole\n            Condition:',
      'Service: !ImportValue trusted-service\n            Action: sts:AssumeRole\n            Condition:',
      'TRUST_ECS_TASKS',
    ],
  ])('an unknown in %s fails the correct role closed', (_name, from, to, id) => {
    // Arrange
    const text = sample
      .replace('Parameters:\n', 'Parameters:\n  UnsetKeyArn:\n    Type: String\n')
      .replace(from, to);
    expect(text).not.toBe(sample);

    // Act
    const role = reportRole(judgeTemplate(text, 'changed.yaml').roles);

    // Assert
    expect(role?.compliance).toBe('NON_COMPLIANT');
    expect(role?.findings.map((finding) => finding.id)).toContain(id);
  });

  it('an unknown secret reference makes the engine throw, never pass: the adapter must name it first', () => {
    // Arrange
    const text = sample.replace(
      'ValueFrom: !Ref DatabaseSecret',
      'ValueFrom: !ImportValue shared-secret-arn',
    );

    // Act / Assert
    expect(() => judgeTemplate(text, 'changed.yaml')).toThrow(
      /cannot be used as text .*Fn::ImportValue "shared-secret-arn"/,
    );
  });
});

describe('extractTemplateFacts: KMS keys', () => {
  it.each<[string, string[], string[]]>([
    [
      'an alias targeting the key by Ref',
      ['  Alias: { Type: AWS::KMS::Alias, Properties: { AliasName: alias/app, TargetKeyId: !Ref Key } }'],
      ['alias/app'],
    ],
    [
      'an alias targeting the key by ARN',
      [
        '  Alias: { Type: AWS::KMS::Alias, Properties: { AliasName: alias/app, TargetKeyId: !GetAtt Key.Arn } }',
      ],
      ['alias/app'],
    ],
    [
      'an alias targeting another key',
      ['  Alias: { Type: AWS::KMS::Alias, Properties: { AliasName: alias/other, TargetKeyId: other-key } }'],
      [],
    ],
  ])('links %s', (_name, resources, aliases) => {
    // Act
    const facts = factsFromYaml('Resources:', '  Key: { Type: AWS::KMS::Key }', ...resources);

    // Assert
    expect(facts.keys[0]?.aliases).toEqual(aliases);
  });

  it('links a secret to the key its alias names', () => {
    // Act
    const facts = factsFromYaml(
      'Resources:',
      '  Key: { Type: AWS::KMS::Key }',
      '  Alias: { Type: AWS::KMS::Alias, Properties: { AliasName: alias/app, TargetKeyId: !Ref Key } }',
      '  Secret: { Type: AWS::SecretsManager::Secret, Properties: { KmsKeyId: alias/app } }',
      '  Plain: { Type: AWS::SecretsManager::Secret }',
    );

    // Assert
    expect(
      facts.secrets.map(({ logicalId, kmsKeyId, kmsKeyLogicalId }) => ({
        logicalId,
        kmsKeyId,
        kmsKeyLogicalId,
      })),
    ).toEqual([
      { logicalId: 'Secret', kmsKeyId: 'alias/app', kmsKeyLogicalId: 'Key' },
      // No KmsKeyId: Secrets Manager uses the AWS managed key aws/secretsmanager.
      { logicalId: 'Plain', kmsKeyId: null, kmsKeyLogicalId: undefined },
    ]);
  });

  it('keeps the id of a key that may not be created unknown', () => {
    // Act
    const facts = factsFromYaml(
      'Parameters: { Shared: { Type: String } }',
      'Conditions: { Maybe: !Equals [!Ref Shared, x] }',
      'Resources:',
      '  Key: { Type: AWS::KMS::Key, Condition: Maybe }',
    );

    // Assert
    expect(isUnknown(facts.keys[0]?.keyId)).toBe(true);
    expect(isUnknown(facts.keys[0]?.arn)).toBe(true);
  });
});
