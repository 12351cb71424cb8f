import type { BatchJobDefinition, EcsTaskDefinition } from '../../lib/usage';
import {
  collectSecretRefs,
  ecrRepositoryArn,
  extractUsage,
  roleKey,
  RoleUsageIndex,
  type ConsumerUsage,
} from '../../lib/usage';
import {
  ACCOUNT,
  aContainer,
  aJobDefinition,
  aTaskDefinition,
  awslogs,
  type ContainerOptions,
  type JobDefinitionOptions,
  ECR_REPOSITORY_ARN,
  LOCATION,
  OTHER_ACCOUNT,
  REGION,
  ROLE_ARN,
} from '../builders';

const OTHER_ROLE = `arn:aws:iam::${ACCOUNT}:role/other`;
const SM = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret`;
const SSM = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter`;
const LOGS = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group`;

function consumersOf(
  jobs: readonly BatchJobDefinition[],
  tasks: readonly EcsTaskDefinition[] = [],
  role = ROLE_ARN,
): readonly ConsumerUsage[] {
  return extractUsage(jobs, tasks, LOCATION).get(role)?.consumers ?? [];
}

describe('ecrRepositoryArn', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['a tagged ECR image', `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/etl:latest`, ECR_REPOSITORY_ARN],
    ['an untagged ECR image', `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/etl`, ECR_REPOSITORY_ARN],
    [
      'an ECR image by digest',
      `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/etl@sha256:0123456789abcdef`,
      ECR_REPOSITORY_ARN,
    ],
    [
      'a namespaced repository',
      `${OTHER_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/team/app:v1.2`,
      `arn:aws:ecr:us-east-1:${OTHER_ACCOUNT}:repository/team/app`,
    ],
    [
      'a China-region image',
      `${ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/app:1`,
      `arn:aws-cn:ecr:cn-north-1:${ACCOUNT}:repository/app`,
    ],
    [
      'a GovCloud FIPS image',
      `${ACCOUNT}.dkr.ecr-fips.us-gov-west-1.amazonaws.com/app`,
      `arn:aws-us-gov:ecr:us-gov-west-1:${ACCOUNT}:repository/app`,
    ],
    [
      'a dual-stack image',
      `${ACCOUNT}.dkr-ecr.${REGION}.on.aws/app:1`,
      `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/app`,
    ],
    ['a Docker Hub image', 'nginx:1.27', undefined],
    ['a Docker Hub image with namespace', 'library/nginx', undefined],
    ['an ECR Public image', 'public.ecr.aws/amazonlinux/amazonlinux:2023', undefined],
    ['a private registry image', 'registry.example.com:5000/team/app:1', undefined],
    ['a look-alike host', `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com.evil.example/app`, undefined],
    ['no image', undefined, undefined],
  ])('maps %s', (_label, image, expected) => {
    expect(ecrRepositoryArn(image)).toBe(expected);
  });
});

describe('roleKey', () => {
  it.each<[string, string | undefined, string | undefined]>([
    ['a role ARN', ROLE_ARN, ROLE_ARN],
    [
      'a role ARN with a path',
      `arn:aws:iam::${ACCOUNT}:role/service-role/batch/x`,
      `arn:aws:iam::${ACCOUNT}:role/x`,
    ],
    ['a bare name', 'ecsTaskExecutionRole', ROLE_ARN],
    ['a name with a path', 'service-role/ecsTaskExecutionRole', ROLE_ARN],
    [
      'a role in another account',
      `arn:aws:iam::${OTHER_ACCOUNT}:role/x`,
      `arn:aws:iam::${OTHER_ACCOUNT}:role/x`,
    ],
    ['a user ARN, kept as written', `arn:aws:iam::${ACCOUNT}:user/x`, `arn:aws:iam::${ACCOUNT}:user/x`],
    ['an empty string', '', undefined],
    ['undefined', undefined, undefined],
  ])('keys %s', (_label, reference, expected) => {
    expect(roleKey(reference, LOCATION)).toBe(expected);
  });
});

describe('extractUsage', () => {
  describe('finds the consumers of a role', () => {
    const container = (executionRoleArn?: string) =>
      aContainer({ name: 'main', ...(executionRoleArn ? { executionRoleArn } : {}) });
    it.each<[string, BatchJobDefinition]>([
      ['containerProperties', aJobDefinition()],
      [
        'ecsProperties.taskProperties[]',
        {
          jobDefinitionName: 'etl',
          revision: 3,
          ecsProperties: { taskProperties: [{ executionRoleArn: ROLE_ARN, containers: [container()] }] },
        },
      ],
      [
        'a multi-node container',
        {
          jobDefinitionName: 'etl',
          revision: 3,
          nodeProperties: { nodeRangeProperties: [{ targetNodes: '0:', container: container(ROLE_ARN) }] },
        },
      ],
      [
        'a multi-node ecsProperties',
        {
          jobDefinitionName: 'etl',
          revision: 3,
          nodeProperties: {
            nodeRangeProperties: [
              {
                targetNodes: '0:',
                ecsProperties: {
                  taskProperties: [{ executionRoleArn: ROLE_ARN, containers: [container()] }],
                },
              },
            ],
          },
        },
      ],
    ])('in %s', (_label, job) => {
      // Act
      const consumers = consumersOf([job]);

      // Assert
      expect(consumers).toHaveLength(1);
      expect(consumers[0]?.consumer).toEqual({ kind: 'batch-job-definition', name: 'etl:3' });
      expect(consumers[0]?.ecrRepositories).toEqual([ECR_REPOSITORY_ARN]);
    });

    it('in an ECS task definition, named family:revision', () => {
      // Act
      const consumers = consumersOf([], [aTaskDefinition()]);

      // Assert
      expect(consumers.map((c) => c.consumer)).toEqual([{ kind: 'ecs-task-definition', name: 'web:12' }]);
    });
  });

  it.each<[string, string]>([
    ['a bare role name', 'ecsTaskExecutionRole'],
    ['the ARN with a path', `arn:aws:iam::${ACCOUNT}:role/batch/ecsTaskExecutionRole`],
  ])('matches a job definition naming the role by %s', (_label, executionRoleArn) => {
    // Act
    const index = extractUsage([aJobDefinition({ executionRoleArn })], [], LOCATION);

    // Assert
    expect(index.get(ROLE_ARN)?.consumers).toHaveLength(1);
    expect(
      index.get(`arn:aws:iam::${ACCOUNT}:role/service-role/ecsTaskExecutionRole`)?.consumers,
    ).toHaveLength(1);
    expect(index.has('ecsTaskExecutionRole')).toBe(true);
  });

  it('keeps other roles and other accounts apart', () => {
    // Arrange
    const jobs = [
      aJobDefinition({ executionRoleArn: OTHER_ROLE }),
      aJobDefinition({
        jobDefinitionName: 'x',
        executionRoleArn: `arn:aws:iam::${OTHER_ACCOUNT}:role/ecsTaskExecutionRole`,
      }),
    ];

    // Act
    const index = extractUsage(jobs, [], LOCATION);

    // Assert
    expect(index.get(ROLE_ARN)).toBeUndefined();
    expect(index.get(OTHER_ROLE)?.consumers.map((c) => c.consumer.name)).toEqual(['etl:3']);
    expect(index.size).toBe(2);
  });

  it('gives each role of a multi-node job only the containers that name it', () => {
    // Arrange
    const job: BatchJobDefinition = {
      jobDefinitionName: 'mpi',
      revision: 1,
      nodeProperties: {
        nodeRangeProperties: [
          { targetNodes: '0', container: aContainer({ executionRoleArn: ROLE_ARN, image: 'a' }) },
          { targetNodes: '1:', container: aContainer({ executionRoleArn: OTHER_ROLE }) },
        ],
      },
    };

    // Act
    const index = extractUsage([job], [], LOCATION);

    // Assert
    expect(index.get(ROLE_ARN)?.consumers[0]?.ecrRepositories).toEqual([]);
    expect(index.get(OTHER_ROLE)?.consumers[0]?.ecrRepositories).toEqual([ECR_REPOSITORY_ARN]);
  });

  it.each<[string, BatchJobDefinition | EcsTaskDefinition]>([
    ['an INACTIVE job definition', aJobDefinition({ status: 'INACTIVE' })],
    ['an INACTIVE task definition', aTaskDefinition({ status: 'INACTIVE' })],
    ['a job definition without execution role', aJobDefinition({ executionRoleArn: '' })],
  ])('ignores %s', (_label, definition) => {
    // Act
    const index =
      'family' in definition
        ? extractUsage([], [definition], LOCATION)
        : extractUsage([definition], [], LOCATION);

    // Assert
    expect(index.size).toBe(0);
  });

  it('merges repeated needs of one consumer and keeps consumers in order', () => {
    // Arrange
    const job: BatchJobDefinition = {
      jobDefinitionName: 'etl',
      revision: 3,
      ecsProperties: {
        taskProperties: [
          {
            executionRoleArn: ROLE_ARN,
            containers: [
              aContainer({ name: 'a', secrets: { A: '/prod/db' } }),
              aContainer({ name: 'b', secrets: { B: '/prod/db' } }),
            ],
          },
        ],
      },
    };

    // Act
    const consumers = consumersOf([job, aJobDefinition({ revision: 4 })]);

    // Assert
    expect(consumers.map((c) => c.consumer.name)).toEqual(['etl:3', 'etl:4']);
    expect(consumers[0]?.ecrRepositories).toEqual([ECR_REPOSITORY_ARN]);
    expect(consumers[0]?.logGroups).toEqual([`${LOGS}:/aws/batch/job`]);
    expect(consumers[0]?.secrets.map((s) => s.arn)).toEqual([`${SSM}/prod/db`]);
  });

  describe('log groups', () => {
    it.each<[string, ContainerOptions, string[]]>([
      ['Batch default without logConfiguration', {}, [`${LOGS}:/aws/batch/job`]],
      ['awslogs-group', { logConfiguration: awslogs('/etl') }, [`${LOGS}:/etl`]],
      [
        'awslogs-region',
        { logConfiguration: awslogs('/etl', 'us-east-1') },
        [`arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/etl`],
      ],
      ['awslogs without a group', { logConfiguration: { logDriver: 'awslogs' } }, [`${LOGS}:/aws/batch/job`]],
      ['another driver', { logConfiguration: { logDriver: 'splunk', options: {} } }, []],
    ])('of a Batch job: %s', (_label, options, expected) => {
      expect(consumersOf([aJobDefinition(options)])[0]?.logGroups).toEqual(expected);
    });

    it.each<[string, ContainerOptions, string[]]>([
      ['none without logConfiguration', {}, []],
      ['awslogs-group', { logConfiguration: awslogs('/web') }, [`${LOGS}:/web`]],
      ['awsfirelens', { logConfiguration: { logDriver: 'awsfirelens' } }, []],
    ])('of an ECS task: %s', (_label, options, expected) => {
      expect(consumersOf([], [aTaskDefinition({ containers: [options] })])[0]?.logGroups).toEqual(expected);
    });
  });

  it('reads secrets, log secret options and registry credentials with their fields', () => {
    // Arrange
    const job = aJobDefinition({
      image: 'registry.example.com/app:1',
      secrets: { DB: `${SM}:prod/db-AbCdEf:password::`, TOKEN: '/prod/token' },
      logConfiguration: {
        logDriver: 'splunk',
        secretOptions: [{ name: 'splunk-token', valueFrom: '/aws/reference/secretsmanager/splunk' }],
      },
      credentialsParameter: 'registry/creds',
    });

    // Act
    const [consumer] = consumersOf([job]);

    // Assert
    expect(consumer?.ecrRepositories).toEqual([]);
    expect(consumer?.secrets).toEqual([
      { service: 'secretsmanager', arn: `${SM}:prod/db-AbCdEf`, field: 'containerProperties.secrets[DB]' },
      { service: 'ssm', arn: `${SSM}/prod/token`, field: 'containerProperties.secrets[TOKEN]' },
      {
        service: 'ssm',
        arn: `${SSM}/aws/reference/secretsmanager/splunk`,
        passThroughSecretArn: `${SM}:splunk`,
        field: 'containerProperties.logConfiguration.secretOptions[splunk-token]',
      },
    ]);
    expect(consumer?.registryCredentials).toEqual([
      {
        service: 'secretsmanager',
        arn: `${SM}:registry/creds`,
        isPartial: true,
        field: 'containerProperties.repositoryCredentials.credentialsParameter',
      },
    ]);
    expect(consumer?.invalidReferences).toEqual([]);
  });

  it.each<[string, JobDefinitionOptions, string]>([
    ['an unparseable secret', { secrets: { DB: 'arn:aws:s3:::b' } }, 'SECRETS_SSM'],
    ['a malformed Secrets Manager ARN', { secrets: { DB: 'arn:aws:secretsmanager:x' } }, 'SECRETS_MANAGER'],
    ['an SSM ARN as registry credentials', { credentialsParameter: `${SSM}/creds` }, 'REGISTRY_CREDENTIALS'],
    ['empty registry credentials', { credentialsParameter: '' }, 'REGISTRY_CREDENTIALS'],
  ])('keeps %s as an invalid reference instead of throwing', (_label, options, id) => {
    // Act
    const [consumer] = consumersOf([aJobDefinition(options), aJobDefinition({ revision: 4 })]);

    // Assert
    expect(consumer?.invalidReferences).toEqual([
      expect.objectContaining({ id, field: expect.stringContaining('containerProperties.') }),
    ]);
    expect(consumer?.invalidReferences[0]?.problem).not.toBe('');
  });

  it('returns an index that rejects keys that are no role reference', () => {
    const index = new RoleUsageIndex(LOCATION);
    expect(() => index.set('', { roleArn: '', consumers: [] })).toThrow(/Not a role reference/);
  });
});

describe('collectSecretRefs', () => {
  it('lists secrets (with pass-through secrets) and parameters once each', () => {
    // Arrange
    const index = extractUsage(
      [
        aJobDefinition({
          secrets: { A: `${SM}:a-AbCdEf`, B: '/b', C: '/aws/reference/secretsmanager/c' },
          credentialsParameter: 'creds',
        }),
        aJobDefinition({
          revision: 4,
          executionRoleArn: OTHER_ROLE,
          secrets: { A: `${SM}:a-AbCdEf::AWSCURRENT:` },
        }),
      ],
      [],
      LOCATION,
    );

    // Act
    const refs = collectSecretRefs(index);

    // Assert
    expect(refs).toEqual({
      secretArns: [`${SM}:a-AbCdEf`, `${SM}:c`, `${SM}:creds`],
      parameterArns: [`${SSM}/b`],
    });
  });
});
