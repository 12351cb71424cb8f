/**
 * GuardDuty Runtime Monitoring in `audit --template`: a job definition's `PlatformCapabilities` and a task
 * definition's `RequiresCompatibilities` are read into the API's `platformCapabilities` /
 * `requiresCompatibilities`, so Fargate consumers pull the agent sidecar (GUARDDUTY_AGENT_IMAGE) as the live
 * rule derives it; what the template does not determine fails closed, and only with the switch on.
 */
import { templateAccount } from '../../lib/facts/template-account';
import { extractTemplateFacts, parseTemplate } from '../../lib/template';
import { auditJson } from '../cli/audit-support';

const TEMPLATE = 'fargate.yaml';
/** The GuardDuty account of eu-west-1, from the table in lib/requirements/guardduty-agent-accounts.ts. */
const AGENT_EU_WEST_1 = 'arn:aws:ecr:eu-west-1:694911143906:repository/aws-guardduty-agent-fargate';

/**
 * A role granting only the registry token and logs, used by one Batch job and one ECS task definition; `job` and
 * `task` are the lines of each platform property (empty: absent). The images are public (no ECR pull), so
 * the agent sidecar is the only repository the role may need.
 */
function stack(job: readonly string[], task: readonly string[]): string {
  return [
    'Parameters:',
    '  FargateParam: { Type: String, Default: FARGATE }',
    '  Platforms: { Type: CommaDelimitedList, Default: "EC2,FARGATE" }',
    '  Unset: { Type: String }',
    'Conditions:',
    '  Known: !Equals [a, a]',
    '  Unknowable: !Equals [!Ref Unset, x]',
    'Resources:',
    '  ExecRole:',
    '    Type: AWS::IAM::Role',
    '    Properties:',
    '      RoleName: app-execution',
    '      AssumeRolePolicyDocument:',
    '        Version: "2012-10-17"',
    '        Statement:',
    '          - { Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: sts:AssumeRole }',
    '      Policies:',
    '        - PolicyName: token',
    '          PolicyDocument:',
    '            Version: "2012-10-17"',
    '            Statement:',
    '              - { Effect: Allow, Action: ecr:GetAuthorizationToken, Resource: "*" }',
    '              - { Effect: Allow, Action: [logs:CreateLogStream, logs:PutLogEvents], Resource: "*" }',
    '  Job:',
    '    Type: AWS::Batch::JobDefinition',
    '    Properties:',
    '      JobDefinitionName: job',
    '      Type: container',
    ...job.map((line) => `      ${line}`),
    '      ContainerProperties:',
    '        Image: public.ecr.aws/docker/library/busybox:latest',
    '        ExecutionRoleArn: !GetAtt ExecRole.Arn',
    '  Task:',
    '    Type: AWS::ECS::TaskDefinition',
    '    Properties:',
    '      Family: web',
    ...task.map((line) => `      ${line}`),
    '      ExecutionRoleArn: !GetAtt ExecRole.Arn',
    '      ContainerDefinitions:',
    '        - { Name: app, Image: public.ecr.aws/docker/library/nginx:latest }',
    '',
  ].join('\n');
}

const facts = (text: string, region = 'eu-west-1') =>
  extractTemplateFacts(parseTemplate(text, TEMPLATE), { region });

describe('extractTemplateFacts: the platform of job and task definitions', () => {
  it.each<[string, string, unknown]>([
    ['absent', '', undefined],
    ['FARGATE', 'PlatformCapabilities: [FARGATE]', ['FARGATE']],
    ['EC2 only', 'PlatformCapabilities: [EC2]', ['EC2']],
    ['EC2 and FARGATE', 'PlatformCapabilities: [EC2, FARGATE]', ['EC2', 'FARGATE']],
    ['a Ref to a parameter with a default', 'PlatformCapabilities: [!Ref FargateParam]', ['FARGATE']],
    ['a Ref to a list parameter', 'PlatformCapabilities: !Ref Platforms', ['EC2', 'FARGATE']],
    ['Fn::If on a known condition', 'PlatformCapabilities: !If [Known, [FARGATE], [EC2]]', ['FARGATE']],
    ['AWS::NoValue (no platform: EC2)', 'PlatformCapabilities: !Ref AWS::NoValue', []],
  ])('PlatformCapabilities %s -> platformCapabilities', (_name, line, expected) => {
    // Arrange
    const text = stack(line === '' ? [] : [line], []);

    // Act
    const [job] = facts(text).jobDefinitions;

    // Assert
    expect(job?.definition.platformCapabilities).toEqual(expected);
    expect(job?.unknowns).toEqual([]);
  });

  it.each<[string, string, unknown]>([
    ['absent', '', undefined],
    ['FARGATE', 'RequiresCompatibilities: [FARGATE]', ['FARGATE']],
    ['EC2 only', 'RequiresCompatibilities: [EC2]', ['EC2']],
    ['EC2 and FARGATE', 'RequiresCompatibilities: [EC2, FARGATE]', ['EC2', 'FARGATE']],
    ['a Ref to a parameter with a default', 'RequiresCompatibilities: [!Ref FargateParam]', ['FARGATE']],
  ])('RequiresCompatibilities %s -> requiresCompatibilities', (_name, line, expected) => {
    // Arrange
    const text = stack([], line === '' ? [] : [line]);

    // Act
    const [task] = facts(text).taskDefinitions;

    // Assert
    expect(task?.definition.requiresCompatibilities).toEqual(expected);
    expect(task?.unknowns).toEqual([]);
  });

  it.each<[string, string, string, RegExp]>([
    ['a Ref to a parameter without a default', 'PlatformCapabilities: [!Ref Unset]', '[0]', /Unset/],
    ['the whole list from such a Ref', 'PlatformCapabilities: !Ref Unset', '[0]', /Unset/],
    [
      'Fn::If on an unknowable condition',
      'PlatformCapabilities: !If [Unknowable, [FARGATE], [EC2]]',
      '[0]',
      /Fn::If/,
    ],
    [
      'an unknown entry beside EC2',
      'PlatformCapabilities: [EC2, !ImportValue platform]',
      '[1]',
      /ImportValue/,
    ],
  ])('%s stays unknown, and becomes a GUARDDUTY_AGENT_IMAGE need', (_name, line, index, reason) => {
    // Arrange
    const extracted = facts(stack([line], ['RequiresCompatibilities: [!Ref Unset]']));

    // Act
    const account = templateAccount([extracted], new Map());

    // Assert
    expect(extracted.jobDefinitions[0]?.unknowns).toEqual([
      { path: `platformCapabilities${index}`, reason: expect.stringMatching(reason) as string },
    ]);
    const consumers = account.roles.get('arn:aws:iam::000000000000:role/app-execution')?.consumers ?? [];
    expect(
      consumers.map(({ logicalId, unknownNeeds }) => [
        logicalId,
        unknownNeeds.map((need) => [need.id, need.path]),
      ]),
    ).toEqual([
      ['Job', [['GUARDDUTY_AGENT_IMAGE', `platformCapabilities${index}`]]],
      ['Task', [['GUARDDUTY_AGENT_IMAGE', 'requiresCompatibilities[0]']]],
    ]);
  });
});

/** `audit --template ... --output json`: the role's verdict and `id action resource` of each finding. */
async function judged(text: string, flags: readonly string[]) {
  const { code, roles, stderr } = await auditJson(['--template', TEMPLATE, ...flags], {
    files: { [TEMPLATE]: text },
  });
  const [role] = roles;
  return {
    code,
    stderr,
    compliance: role?.compliance,
    findings: (role?.findings ?? []).map((finding) => ({
      id: finding.id,
      what: `${finding.action ?? '-'} ${finding.resource ?? '-'}`,
      neededBy: finding.neededBy.map((consumer) => consumer.name),
      message: finding.message,
    })),
  };
}

const PULLS = ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'];

describe('audit --template --guardduty-runtime-monitoring', () => {
  const ON = ['--region', 'eu-west-1', '--guardduty-runtime-monitoring'];
  const OFF = ['--region', 'eu-west-1'];

  it.each<[string, string[], string[], string[], string[]]>([
    // [case, job lines, task lines, flags, consumers that pull the sidecar]
    [
      'both on FARGATE, switch on',
      ['PlatformCapabilities: [FARGATE]'],
      ['RequiresCompatibilities: [FARGATE]'],
      ON,
      ['job:1', 'web:1'],
    ],
    [
      'both on FARGATE, switch off',
      ['PlatformCapabilities: [FARGATE]'],
      ['RequiresCompatibilities: [FARGATE]'],
      OFF,
      [],
    ],
    [
      'FARGATE switched on with =true',
      ['PlatformCapabilities: [FARGATE]'],
      [],
      ['--region', 'eu-west-1', '--guardduty-runtime-monitoring=true'],
      ['job:1'],
    ],
    [
      'FARGATE switched off with false',
      ['PlatformCapabilities: [FARGATE]'],
      [],
      ['--region', 'eu-west-1', '--guardduty-runtime-monitoring', 'false'],
      [],
    ],
    ['platform absent (EC2)', [], [], ON, []],
    ['EC2 only', ['PlatformCapabilities: [EC2]'], ['RequiresCompatibilities: [EC2]'], ON, []],
    [
      'EC2 and FARGATE task, EC2 job',
      ['PlatformCapabilities: [EC2]'],
      ['RequiresCompatibilities: [EC2, FARGATE]'],
      ON,
      ['web:1'],
    ],
    [
      'a Ref to a parameter whose default is FARGATE',
      ['PlatformCapabilities: [!Ref FargateParam]'],
      [],
      ON,
      ['job:1'],
    ],
    [
      'a Ref to a list parameter holding FARGATE',
      [],
      ['RequiresCompatibilities: !Ref Platforms'],
      ON,
      ['web:1'],
    ],
  ])('%s', async (_name, job, task, flags, pulling) => {
    // Act
    const result = await judged(stack(job, task), flags);

    // Assert
    expect(result.stderr).toBe('');
    const expected =
      pulling.length === 0
        ? []
        : PULLS.map((action) => ({
            id: 'GUARDDUTY_AGENT_IMAGE',
            what: `${action} ${AGENT_EU_WEST_1}`,
            neededBy: pulling,
          }));
    expect(result.findings.map(({ message: _message, ...rest }) => rest)).toEqual(expected);
    expect(result.compliance).toBe(pulling.length > 0 ? 'NON_COMPLIANT' : 'COMPLIANT');
    expect(result.code).toBe(pulling.length > 0 ? 1 : 0);
  });

  it('granting the agent repository of the region makes the Fargate consumers compliant', async () => {
    // Arrange
    const text = stack(['PlatformCapabilities: [FARGATE]'], ['RequiresCompatibilities: [FARGATE]']).replace(
      '              - { Effect: Allow, Action: ecr:GetAuthorizationToken, Resource: "*" }',
      [
        '              - { Effect: Allow, Action: ecr:GetAuthorizationToken, Resource: "*" }',
        '              - Effect: Allow',
        `                Action: [${PULLS.join(', ')}]`,
        "                Resource: !Sub 'arn:${AWS::Partition}:ecr:${AWS::Region}:694911143906:repository/aws-guardduty-agent-fargate'",
      ].join('\n'),
    );

    // Act
    const inRegion = await judged(text, ON);
    const elsewhere = await judged(text, ['--region', 'us-east-1', '--guardduty-runtime-monitoring']);

    // Assert
    expect(inRegion.findings).toEqual([]);
    expect(inRegion.code).toBe(0);
    // The grant names eu-west-1's account: in us-east-1 the agent comes from another one.
    expect(elsewhere.findings.map((finding) => finding.what)).toEqual(
      PULLS.map(
        (action) => `${action} arn:aws:ecr:us-east-1:593207742271:repository/aws-guardduty-agent-fargate`,
      ),
    );
  });

  it('a platform the template does not determine fails closed with the switch on, and is no need with it off', async () => {
    // Arrange
    const text = stack(['PlatformCapabilities: [!Ref Unset]'], ['RequiresCompatibilities: [EC2]']);

    // Act
    const on = await judged(text, ON);
    const off = await judged(text, OFF);

    // Assert
    expect(on.code).toBe(1);
    expect(on.findings).toEqual([
      {
        id: 'GUARDDUTY_AGENT_IMAGE',
        what: '- -',
        neededBy: ['job:1'],
        message: expect.stringMatching(
          /^platformCapabilities\[0\] \(.*Unset.*\) is not determined by the template, so whether it runs on Fargate \(and pulls the GuardDuty agent sidecar\) cannot be known \(needed by job definition job:1\)$/,
        ) as string,
      },
    ]);
    expect(off.findings).toEqual([]);
    expect(off.code).toBe(0);
  });

  it('without --region the placeholder region names --region instead of a repository it cannot know', async () => {
    // Arrange
    const text = stack(['PlatformCapabilities: [FARGATE]'], ['RequiresCompatibilities: [FARGATE]']);

    // Act
    const result = await judged(text, ['--guardduty-runtime-monitoring']);

    // Assert
    expect(result.code).toBe(1);
    expect(result.findings).toEqual([
      {
        id: 'GUARDDUTY_AGENT_IMAGE',
        what: '- -',
        neededBy: ['job:1', 'web:1'],
        message:
          'The region xx-placeholder-1 is a placeholder: the GuardDuty agent repository is per region, so the ' +
          'sidecar pull cannot be checked until the template audit is given its region (--region REGION) ' +
          '(needed by job definition job:1, task definition web:1)',
      },
    ]);
  });

  it('a region the copied table lacks is unverifiable, naming the region', async () => {
    // Act
    const result = await judged(stack(['PlatformCapabilities: [FARGATE]'], []), [
      '--region',
      'cn-north-1',
      '--guardduty-runtime-monitoring',
    ]);

    // Assert
    expect(result.code).toBe(1);
    expect(result.findings.map((finding) => [finding.id, finding.message])).toEqual([
      [
        'GUARDDUTY_AGENT_IMAGE',
        expect.stringMatching(/^cn-north-1 has no GuardDuty agent repository account in the table/),
      ],
    ]);
  });
});
