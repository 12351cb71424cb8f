/**
 * `audit --template` derives the ECS-only needs from AWS::ECS::TaskDefinition properties (EnvironmentFiles,
 * FirelensConfiguration, CredentialSpecs, FSx for Windows volumes) as the live rule does from the API's
 * task definitions, and fails an undetermined one closed under its own finding id.
 */
import { auditJson } from '../cli/audit-support';

const TEMPLATE = 'web.yaml';

// The files' buckets, declared without an AWS::S3::BucketPolicy: they have no bucket policy.
const BUCKETS_DECLARED = [
  '  ConfigBucket:',
  '    Type: AWS::S3::Bucket',
  '    Properties: { BucketName: acme-config }',
  '  GmsaBucket:',
  '    Type: AWS::S3::Bucket',
  '    Properties: { BucketName: acme-gmsa }',
];

/**
 * A stack with an execution role (managed policy attached), task definition `web` using it, and `resources`
 * (the files' buckets unless told).
 */
function stack(
  containerLines: readonly string[],
  taskLines: readonly string[] = [],
  grants = '',
  resources: readonly string[] = BUCKETS_DECLARED,
): string {
  return [
    'Resources:',
    '  WebExecutionRole:',
    '    Type: AWS::IAM::Role',
    '    Properties:',
    '      RoleName: web-execution',
    '      AssumeRolePolicyDocument:',
    '        Version: "2012-10-17"',
    '        Statement:',
    '          - Effect: Allow',
    '            Principal: { Service: ecs-tasks.amazonaws.com }',
    '            Action: sts:AssumeRole',
    '      ManagedPolicyArns:',
    "        - !Sub 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'",
    ...(grants === ''
      ? []
      : [
          '      Policies:',
          '        - PolicyName: files',
          '          PolicyDocument:',
          '            Version: "2012-10-17"',
          '            Statement:',
          grants,
        ]),
    '  WebTask:',
    '    Type: AWS::ECS::TaskDefinition',
    '    Properties:',
    '      Family: web',
    '      ExecutionRoleArn: !GetAtt WebExecutionRole.Arn',
    ...taskLines,
    '      ContainerDefinitions:',
    '        - Name: app',
    '          Image: public.ecr.aws/docker/library/nginx:latest',
    ...containerLines,
    ...resources,
  ].join('\n');
}

const ENV_FILE = [
  '          EnvironmentFiles:',
  '            - { Type: s3, Value: arn:aws:s3:::acme-config/web.env }',
];

// The buckets' default encryption, as --bucket-encryption gives it: SSE-S3, so no kms:Decrypt.
const BUCKETS = 'buckets.json';
const SSE_S3 = JSON.stringify({
  'acme-config': { algorithm: 'AES256' },
  'acme-gmsa': { algorithm: 'AES256' },
});

async function findingsOf(template: string, buckets: string | null = SSE_S3) {
  const { code, roles, stderr } = await auditJson(
    ['--template', TEMPLATE, '--region', 'eu-west-1', ...(buckets ? ['--bucket-encryption', BUCKETS] : [])],
    { files: { [TEMPLATE]: template, ...(buckets && { [BUCKETS]: buckets }) } },
  );
  expect(stderr).toBe('');
  const role = roles.find((candidate) => candidate.roleName === 'web-execution');
  return { code, findings: (role?.findings ?? []).map((f) => `${f.id} ${f.message}`) };
}

describe('audit --template: ECS task definition needs', () => {
  it('an environment file in S3 needs the two S3 reads', async () => {
    const { code, findings } = await findingsOf(stack(ENV_FILE));
    expect(code).toBe(1);
    expect(findings).toEqual([
      expect.stringMatching(
        /^ENVIRONMENT_FILES s3:GetObject on arn:aws:s3:::acme-config\/web\.env is not granted.*task definition web:1/,
      ),
      expect.stringMatching(
        /^ENVIRONMENT_FILES s3:GetBucketLocation on arn:aws:s3:::acme-config is not granted/,
      ),
    ]);
  });

  it('granting them makes the role compliant', async () => {
    const grants = [
      '              - { Effect: Allow, Action: s3:GetObject, Resource: arn:aws:s3:::acme-config/web.env }',
      '              - { Effect: Allow, Action: s3:GetBucketLocation, Resource: arn:aws:s3:::acme-config }',
    ].join('\n');
    const { code, findings } = await findingsOf(stack(ENV_FILE, [], grants));
    expect(findings).toEqual([]);
    expect(code).toBe(0);
  });

  describe("the bucket policy of the files' bucket", () => {
    const GRANTS = [
      '              - { Effect: Allow, Action: s3:GetObject, Resource: arn:aws:s3:::acme-config/web.env }',
      '              - { Effect: Allow, Action: s3:GetBucketLocation, Resource: arn:aws:s3:::acme-config }',
    ].join('\n');
    const withPolicy = (statement: string): string[] => [
      ...BUCKETS_DECLARED,
      '  ConfigBucketPolicy:',
      '    Type: AWS::S3::BucketPolicy',
      '    Properties:',
      '      Bucket: !Ref ConfigBucket',
      '      PolicyDocument:',
      '        Version: "2012-10-17"',
      '        Statement:',
      statement,
    ];

    it('a Deny in the declared AWS::S3::BucketPolicy fails the role, naming the statement', async () => {
      const deny =
        "          - { Sid: OnlyViaEndpoint, Effect: Deny, Principal: '*', Action: 's3:*', Resource: ['arn:aws:s3:::acme-config', 'arn:aws:s3:::acme-config/*'] }";
      const { code, findings } = await findingsOf(stack(ENV_FILE, [], GRANTS, withPolicy(deny)));
      expect(code).toBe(1);
      expect(findings).toEqual([
        expect.stringMatching(
          /^ENVIRONMENT_FILES s3:GetObject on arn:aws:s3:::acme-config\/web\.env .*bucket policy of arn:aws:s3:::acme-config.*OnlyViaEndpoint/,
        ),
        expect.stringMatching(
          /^ENVIRONMENT_FILES s3:GetBucketLocation on arn:aws:s3:::acme-config .*OnlyViaEndpoint/,
        ),
      ]);
    });

    it('an Allow in it naming the role grants the reads without an identity grant', async () => {
      const allow =
        "          - { Effect: Allow, Principal: { AWS: !GetAtt WebExecutionRole.Arn }, Action: ['s3:GetObject', 's3:GetBucketLocation'], Resource: ['arn:aws:s3:::acme-config', 'arn:aws:s3:::acme-config/*'] }";
      const { code, findings } = await findingsOf(stack(ENV_FILE, [], '', withPolicy(allow)));
      expect(findings).toEqual([]);
      expect(code).toBe(0);
    });

    it('two bucket policies on the bucket: which stays is unknown, so the layer fails closed', async () => {
      const deny =
        "          - { Sid: OnlyViaEndpoint, Effect: Deny, Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::acme-config/*' }";
      const second = [
        '  SecondPolicy:',
        '    Type: AWS::S3::BucketPolicy',
        '    Properties:',
        '      Bucket: acme-config',
        '      PolicyDocument: { Version: "2012-10-17", Statement: [] }',
      ];
      const { code, findings } = await findingsOf(
        stack(ENV_FILE, [], GRANTS, [...withPolicy(deny), ...second]),
      );
      expect(code).toBe(1);
      expect(findings).toEqual([
        expect.stringMatching(/^LAYER_UNREADABLE .*ConfigBucketPolicy, SecondPolicy all name this bucket/),
      ]);
    });

    it("a bucket policy whose Bucket the template does not determine may be the declared bucket's", async () => {
      const unknown = [
        '  OtherPolicy:',
        '    Type: AWS::S3::BucketPolicy',
        '    Properties:',
        '      Bucket: { "Fn::ImportValue": shared-bucket }',
        '      PolicyDocument: { Version: "2012-10-17", Statement: [] }',
      ];
      const { code, findings } = await findingsOf(
        stack(ENV_FILE, [], GRANTS, [...BUCKETS_DECLARED, ...unknown]),
      );
      expect(code).toBe(1);
      expect(findings).toEqual([
        expect.stringMatching(
          /^LAYER_UNREADABLE The bucket policy of arn:aws:s3:::acme-config could not be used \(OtherPolicy\.Bucket is not determined by the template, so it may be this bucket's policy/,
        ),
      ]);
    });

    it('an undeclared bucket is unknown offline: LAYER_UNREADABLE naming it', async () => {
      const { code, findings } = await findingsOf(stack(ENV_FILE, [], GRANTS, []));
      expect(code).toBe(1);
      expect(findings).toEqual([
        expect.stringMatching(
          /^LAYER_UNREADABLE The bucket policy of arn:aws:s3:::acme-config could not be used \(the template does not declare it/,
        ),
      ]);
    });
  });

  it('the bucket of an environment file: unknown without --bucket-encryption, its customer key needed with it', async () => {
    const grants = [
      '              - { Effect: Allow, Action: s3:GetObject, Resource: arn:aws:s3:::acme-config/web.env }',
      '              - { Effect: Allow, Action: s3:GetBucketLocation, Resource: arn:aws:s3:::acme-config }',
    ].join('\n');
    const key = 'arn:aws:kms:eu-west-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const unknown = await findingsOf(stack(ENV_FILE, [], grants), null);
    const kms = await findingsOf(
      stack(ENV_FILE, [], grants),
      JSON.stringify({ 'acme-config': { algorithm: 'aws:kms', kmsKeyId: key } }),
    );
    expect(unknown.findings).toEqual([
      expect.stringMatching(
        /^KMS_DECRYPT kms:Decrypt for arn:aws:s3:::acme-config cannot be checked: its default encryption is unknown \(offline: no --bucket-encryption file was given\)/,
      ),
    ]);
    // The key is not the template's: its key policy is unknown offline too (no --resource-policies).
    expect(kms.findings).toEqual([
      `KMS_DECRYPT kms:Decrypt on ${key} is not granted: no statement allows it (needed by task definition web:1)`,
      `LAYER_UNREADABLE The key policy of ${key} could not be used (the template does not declare it, and no --resource-policies file was given), so kms:Decrypt cannot be proven past it (needed by task definition web:1)`,
    ]);
  });

  it.each<[string, string[], string[], RegExp[]]>([
    [
      'FireLens config from S3',
      [
        '          FirelensConfiguration:',
        '            Type: fluentbit',
        "            Options: { config-file-type: s3, config-file-value: 'arn:aws:s3:::acme-config/extra.conf' }",
      ],
      [],
      [
        /^FIRELENS_CONFIG s3:GetObject on arn:aws:s3:::acme-config\/extra\.conf /,
        /^FIRELENS_CONFIG s3:GetBucketLocation on arn:aws:s3:::acme-config /,
      ],
    ],
    [
      'a credential spec in Parameter Store',
      [
        "          CredentialSpecs: [ !Sub 'credentialspec:arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/gmsa/web' ]",
      ],
      [],
      [/^GMSA_CREDENTIAL_SPECS ssm:GetParameters on arn:aws:ssm:eu-west-1:\d{12}:parameter\/gmsa\/web /],
    ],
    [
      'a credential spec among the Docker security options',
      [
        "          DockerSecurityOptions: [ 'no-new-privileges', !Sub 'credentialspec:arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/gmsa/web' ]",
      ],
      [],
      [/^GMSA_CREDENTIAL_SPECS ssm:GetParameters on arn:aws:ssm:eu-west-1:\d{12}:parameter\/gmsa\/web /],
    ],
    [
      'an FSx for Windows volume',
      [],
      [
        '      Volumes:',
        '        - Name: share',
        '          FSxWindowsFileServerVolumeConfiguration:',
        '            FileSystemId: fs-0123456789abcdef0',
        '            RootDirectory: share',
        "            AuthorizationConfig: { CredentialsParameter: !Sub 'arn:aws:ssm:${AWS::Region}:${AWS::AccountId}:parameter/fsx/admin', Domain: corp.example.com }",
      ],
      [
        /^FSX_WINDOWS_CREDENTIALS ssm:GetParameters on arn:aws:ssm:eu-west-1:\d{12}:parameter\/fsx\/admin /,
        /^FSX_WINDOWS_CREDENTIALS fsx:DescribeFileSystems is not granted/,
      ],
    ],
    [
      'an imported FSx credentials parameter (one need, named; nothing about what is left of it)',
      [],
      [
        '      Volumes:',
        '        - Name: share',
        '          FSxWindowsFileServerVolumeConfiguration:',
        '            FileSystemId: fs-0123456789abcdef0',
        '            AuthorizationConfig: { CredentialsParameter: !ImportValue fsx-admin, Domain: corp.example.com }',
      ],
      [
        /^FSX_WINDOWS_CREDENTIALS volumes\[0\]\.fsxWindowsFileServerVolumeConfiguration\.authorizationConfig\.credentialsParameter \(Fn::ImportValue "fsx-admin"/,
      ],
    ],
    [
      'an imported Volumes list (any volume may be FSx: one need, named)',
      [],
      ['      Volumes: !ImportValue shared-volumes'],
      [
        /^FSX_WINDOWS_CREDENTIALS volumes\[0\]\.fsxWindowsFileServerVolumeConfiguration\.authorizationConfig\.credentialsParameter \(Fn::ImportValue "shared-volumes"/,
      ],
    ],
    [
      'an imported FirelensConfiguration (one need, named)',
      ['          FirelensConfiguration: !ImportValue shared-firelens'],
      [],
      [
        /^FIRELENS_CONFIG containerDefinitions\[0\]\.firelensConfiguration\.options\.config-file-type \(Fn::ImportValue "shared-firelens"/,
      ],
    ],
    [
      'an imported environment file (one need, named)',
      ['          EnvironmentFiles:', '            - { Type: s3, Value: !ImportValue web-env-file }'],
      [],
      [
        /^ENVIRONMENT_FILES containerDefinitions\[0\]\.environmentFiles\[0\]\.value \(Fn::ImportValue "web-env-file"/,
      ],
    ],
  ])('%s', async (_case, container, task, expected) => {
    const { code, findings } = await findingsOf(stack(container, task));
    expect(code).toBe(1);
    const id = /\^([A-Z_]+) /.exec(expected[0]?.source ?? '')?.[1] ?? '';
    expect(findings.filter((finding) => finding.startsWith(`${id} `))).toEqual(
      expected.map((pattern) => expect.stringMatching(pattern)),
    );
  });
});
