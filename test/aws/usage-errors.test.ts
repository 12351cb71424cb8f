import { BatchClient, BatchServiceException, DescribeJobDefinitionsCommand } from '@aws-sdk/client-batch';
import {
  ClientException,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ECSServiceException,
  ListTaskDefinitionFamiliesCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeSecretCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { DescribePullThroughCacheRulesCommand, ECRClient, ECRServiceException } from '@aws-sdk/client-ecr';
import { DescribeParametersCommand, SSMClient, SSMServiceException } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createClients } from '../../lib/aws/clients';
import { AwsUsageReader } from '../../lib/aws/usage';

// Paging, batching and error paths moto cannot show (it ignores maxResults and never denies).
const batchMock = mockClient(BatchClient);
const ecsMock = mockClient(ECSClient);
const secretsMock = mockClient(SecretsManagerClient);
const ssmMock = mockClient(SSMClient);
const ecrMock = mockClient(ECRClient);
const ACCOUNT = '123456789012';
const usage = (): AwsUsageReader =>
  new AwsUsageReader(
    createClients({
      clientConfig: { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
    }),
    { accountId: ACCOUNT },
  );
const denied = <E>(Exception: new (options: never) => E, name = 'AccessDeniedException'): E =>
  new Exception({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'not authorized',
  } as never);

const jobDefinition = (name: string, revision: number, extra: object = {}) => ({
  jobDefinitionName: name,
  revision,
  jobDefinitionArn: `arn:aws:batch:us-east-1:${ACCOUNT}:job-definition/${name}:${revision}`,
  type: 'container',
  ...extra,
});

beforeEach(() => {
  batchMock.reset();
  ecsMock.reset();
  secretsMock.reset();
  ssmMock.reset();
  ecrMock.reset();
});

describe('listActiveJobDefinitions', () => {
  it('pages with nextToken, 100 at a time, ACTIVE only', async () => {
    batchMock
      .on(DescribeJobDefinitionsCommand)
      .resolvesOnce({ jobDefinitions: [jobDefinition('a', 1)], nextToken: 't1' })
      .resolvesOnce({ jobDefinitions: [], nextToken: 't2' })
      .resolvesOnce({ jobDefinitions: [jobDefinition('b', 4)] });
    const definitions = await usage().listActiveJobDefinitions();
    expect(definitions.map((d) => `${d.jobDefinitionName}:${d.revision}`)).toEqual(['a:1', 'b:4']);
    expect(batchMock.commandCalls(DescribeJobDefinitionsCommand).map((c) => c.args[0].input)).toEqual([
      { status: 'ACTIVE', maxResults: 100, nextToken: undefined },
      { status: 'ACTIVE', maxResults: 100, nextToken: 't1' },
      { status: 'ACTIVE', maxResults: 100, nextToken: 't2' },
    ]);
  });

  it('keeps ecsProperties and nodeProperties as Batch returns them', async () => {
    const ecsProperties = {
      taskProperties: [{ executionRoleArn: 'arn:aws:iam::123456789012:role/a', containers: [] }],
    };
    const nodeProperties = {
      numNodes: 2,
      mainNode: 0,
      nodeRangeProperties: [
        { targetNodes: '0:', container: { executionRoleArn: 'arn:aws:iam::123456789012:role/b' } },
      ],
    };
    batchMock.on(DescribeJobDefinitionsCommand).resolves({
      jobDefinitions: [
        jobDefinition('ecs', 1, { ecsProperties }),
        jobDefinition('mnp', 1, { nodeProperties }),
      ],
    });
    const [ecs, mnp] = await usage().listActiveJobDefinitions();
    expect(ecs?.ecsProperties).toEqual(ecsProperties);
    expect(mnp?.nodeProperties).toEqual(nodeProperties);
  });
});

describe('listLatestTaskDefinitions', () => {
  it('pages families, describes each by name, and drops one emptied since the listing', async () => {
    // Arrange
    ecsMock
      .on(ListTaskDefinitionFamiliesCommand)
      .resolvesOnce({ families: ['web', 'gone'], nextToken: 'n' })
      .resolvesOnce({ families: ['stale'] });
    ecsMock.on(DescribeTaskDefinitionCommand, { taskDefinition: 'web' }).resolves({
      taskDefinition: {
        family: 'web',
        revision: 7,
        status: 'ACTIVE',
        executionRoleArn: 'arn:aws:iam::1:role/x',
      },
    });
    ecsMock
      .on(DescribeTaskDefinitionCommand, { taskDefinition: 'gone' })
      .rejects(new ClientException({ message: 'Unable to describe task definition.', $metadata: {} }));
    ecsMock
      .on(DescribeTaskDefinitionCommand, { taskDefinition: 'stale' })
      .resolves({ taskDefinition: { family: 'stale', revision: 3, status: 'INACTIVE' } });
    // Act
    const definitions = await usage().listLatestTaskDefinitions();
    // Assert
    expect(definitions).toEqual([
      expect.objectContaining({ family: 'web', revision: 7, executionRoleArn: 'arn:aws:iam::1:role/x' }),
    ]);
    expect(ecsMock.commandCalls(ListTaskDefinitionFamiliesCommand).map((c) => c.args[0].input)).toEqual([
      { status: 'ACTIVE', maxResults: 100, nextToken: undefined },
      { status: 'ACTIVE', maxResults: 100, nextToken: 'n' },
    ]);
  });
});

describe('describeKeys', () => {
  it('asks DescribeParameters for at most 10 names per call, both spellings of a top-level name, every page', async () => {
    // Arrange: 9 hierarchical names + 1 top-level name = 11 names -> calls of 10 and 1.
    const names = [...Array.from({ length: 9 }, (_, i) => `/app/p${i}`), 'top'];
    const arns = names.map((name) => `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/${name.replace(/^\//, '')}`);
    ssmMock
      .on(DescribeParametersCommand)
      .resolvesOnce({ Parameters: [{ Name: '/app/p0', Type: 'String' }], NextToken: 'more' })
      .resolvesOnce({ Parameters: [{ Name: 'top', Type: 'SecureString', KeyId: 'alias/aws/ssm' }] })
      .resolves({ Parameters: [] });
    // Act
    const { keys } = await usage().describeKeys({ secretArns: [], parameterArns: arns });
    // Assert
    expect(Object.fromEntries(keys)).toEqual({ [arns[0]!]: null, [arns[9]!]: null });
    const inputs = ssmMock.commandCalls(DescribeParametersCommand).map((c) => c.args[0].input);
    expect(inputs.map((input) => [input.ParameterFilters?.[0]?.Values?.length, input.NextToken])).toEqual([
      [10, undefined],
      [10, 'more'],
      [1, undefined],
    ]);
    expect(inputs.flatMap((input) => input.ParameterFilters?.[0]?.Values ?? [])).toEqual(
      expect.arrayContaining(['/app/p0', 'top', '/top']),
    );
    expect(inputs[0]?.ParameterFilters?.[0]).toMatchObject({ Key: 'Name', Option: 'Equals' });
    expect(inputs[0]?.MaxResults).toBe(50);
  });

  const PARTIAL = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:dockerhub`;
  it.each([
    ['the full ARN of the secret named', `${PARTIAL}-AbC12f`, { [PARTIAL]: `${PARTIAL}-AbC12f` }],
    ['no ARN', undefined, {}],
    ['the ARN asked about (already full)', PARTIAL, {}],
    ['the ARN of a secret with a longer name', `${PARTIAL}-creds-AbC12f`, {}],
    ['a suffix of the wrong length', `${PARTIAL}-AbC12`, {}],
    ['another region', `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:dockerhub-AbC12f`, {}],
  ])(
    'DescribeSecret answering %s resolves only an exact name-plus-suffix match',
    async (_l, arn, resolved) => {
      // Arrange
      secretsMock.on(DescribeSecretCommand).resolves({ ...(arn !== undefined && { ARN: arn }) });
      // Act
      const { keys, resolvedArns } = await usage().describeKeys({ secretArns: [PARTIAL], parameterArns: [] });
      // Assert
      expect(Object.fromEntries(resolvedArns)).toEqual(resolved);
      expect(Object.fromEntries(keys)).toEqual({ [PARTIAL]: null }); // the key is read either way
      expect(secretsMock).toHaveReceivedCommandTimes(DescribeSecretCommand, 1);
    },
  );

  it('a secret that does not exist is absent', async () => {
    secretsMock.on(DescribeSecretCommand).rejects(
      new SecretsManagerServiceException({
        name: 'ResourceNotFoundException',
        $fault: 'client',
        $metadata: {},
        message: 'not found',
      }),
    );
    const arn = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-AbCdEf`;
    await expect(usage().describeKeys({ secretArns: [arn], parameterArns: [] })).resolves.toEqual({
      keys: new Map(),
      resolvedArns: new Map(),
    });
  });

  it.each([
    [
      'secretsmanager:DescribeSecret',
      () => secretsMock.on(DescribeSecretCommand).rejects(denied(SecretsManagerServiceException)),
      { secretArns: [`arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-AbCdEf`], parameterArns: [] },
    ],
    [
      'ssm:DescribeParameters',
      () => ssmMock.on(DescribeParametersCommand).rejects(denied(SSMServiceException)),
      { secretArns: [], parameterArns: [`arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/db`] },
    ],
  ])('AccessDenied -> MissingPermissionError naming %s', async (permission, arrange, refs) => {
    arrange();
    await expect(usage().describeKeys(refs)).rejects.toMatchObject({
      name: 'MissingPermissionError',
      permission,
    });
  });

  it.each([
    [
      'batch:DescribeJobDefinitions',
      () => batchMock.on(DescribeJobDefinitionsCommand).rejects(denied(BatchServiceException)),
      'batch',
    ],
    [
      'ecs:ListTaskDefinitionFamilies',
      () => ecsMock.on(ListTaskDefinitionFamiliesCommand).rejects(denied(ECSServiceException)),
      'ecs',
    ],
  ])('AccessDenied -> MissingPermissionError naming %s', async (permission, arrange, which) => {
    arrange();
    const reader = usage();
    const result = which === 'batch' ? reader.listActiveJobDefinitions() : reader.listLatestTaskDefinitions();
    await expect(result).rejects.toMatchObject({ name: 'MissingPermissionError', permission });
  });
});

describe('pullThroughCachePrefixes', () => {
  it('pages with nextToken, 1,000 at a time, keeping each ecrRepositoryPrefix', async () => {
    ecrMock
      .on(DescribePullThroughCacheRulesCommand)
      .resolvesOnce({
        pullThroughCacheRules: [{ ecrRepositoryPrefix: 'ecr-public' }, { ecrRepositoryPrefix: '' }],
        nextToken: 't1',
      })
      .resolvesOnce({ pullThroughCacheRules: [{ ecrRepositoryPrefix: 'ROOT' }, {}] });
    await expect(usage().pullThroughCachePrefixes('us-east-1')).resolves.toEqual(['ecr-public', 'ROOT']);
    expect(ecrMock.commandCalls(DescribePullThroughCacheRulesCommand).map((c) => c.args[0].input)).toEqual([
      { maxResults: 1000, nextToken: undefined },
      { maxResults: 1000, nextToken: 't1' },
    ]);
  });

  it('names ecr:DescribePullThroughCacheRules on AccessDenied, and reads again after a failure', async () => {
    ecrMock
      .on(DescribePullThroughCacheRulesCommand)
      .rejectsOnce(denied(ECRServiceException))
      .resolves({ pullThroughCacheRules: [{ ecrRepositoryPrefix: 'k8s' }] });
    const reader = usage();
    await expect(reader.pullThroughCachePrefixes('us-east-1')).rejects.toMatchObject({
      code: 'MISSING_PERMISSION',
      message: expect.stringContaining('ecr:DescribePullThroughCacheRules'),
    });
    await expect(reader.pullThroughCachePrefixes('us-east-1')).resolves.toEqual(['k8s']);
  });

  it('names the call for any other failure', async () => {
    ecrMock.on(DescribePullThroughCacheRulesCommand).rejects(denied(ECRServiceException, 'ServerException'));
    await expect(usage().pullThroughCachePrefixes('us-east-1')).rejects.toThrow(
      /DescribePullThroughCacheRules failed: ServerException/,
    );
  });
});
