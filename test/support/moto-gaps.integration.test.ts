import { DescribeJobDefinitionsCommand, RegisterJobDefinitionCommand } from '@aws-sdk/client-batch';
import { GetResourceConfigHistoryCommand, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import {
  DeregisterTaskDefinitionCommand,
  DescribeTaskDefinitionCommand,
  ListTaskDefinitionFamiliesCommand,
} from '@aws-sdk/client-ecs';
import {
  GetAccountAuthorizationDetailsCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../../lib/aws/clients';
import { DescribePullThroughCacheRulesCommand } from '@aws-sdk/client-ecr';
import { clientsFor, MOTO_ACCOUNT_ID, startMoto, type MotoServer } from './moto';
import {
  allow,
  EXECUTION_ROLE_POLICY_ARN,
  seedJobDefinition,
  seedManagedPolicy,
  seedParameter,
  seedRole,
  seedTaskDefinition,
} from './seed';

/**
 * Pins down every moto 5.2.1 gap MOTO-GAPS.md lists, so the list stays true: when moto fixes one, its test
 * here fails and the note (and any bridge in test/support) can go. Nothing in lib/ works around these.
 */
let moto: MotoServer;
let clients: AwsClients;

beforeAll(async () => {
  moto = await startMoto();
  clients = clientsFor(moto.endpoint);
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(() => moto.reset());

/** A raw awsJson1_1 call, for answers the SDK cannot parse. */
async function rawJson(
  service: string,
  target: string,
  body: object,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${moto.directEndpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': target,
      authorization: `AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}
const evaluation = (id: string) => ({
  ComplianceResourceType: 'AWS::IAM::Role',
  ComplianceResourceId: id,
  ComplianceType: 'COMPLIANT' as const,
  OrderingTimestamp: new Date(),
});

describe('AWS Config', () => {
  it('PutEvaluations without TestMode is not implemented (HTTP 500)', async () => {
    const answer = await rawJson('config', 'StarlingDoveService.PutEvaluations', {
      Evaluations: [{ ...evaluation('A'), OrderingTimestamp: 1_700_000_000 }],
      ResultToken: 'token',
    });
    expect(answer.status).toBe(500);
  });

  it('PutEvaluations with TestMode accepts more than the 100 evaluations AWS allows', async () => {
    const evaluations = Array.from({ length: 101 }, (_, i) => evaluation(`A${i}`));
    const answer = await clients.config.send(
      new PutEvaluationsCommand({ Evaluations: evaluations, ResultToken: 't', TestMode: true }),
    );
    expect(answer.FailedEvaluations).toEqual([]);
  });

  it('GetComplianceDetailsByConfigRule is not implemented (HTTP 500)', async () => {
    const answer = await rawJson('config', 'StarlingDoveService.GetComplianceDetailsByConfigRule', {
      ConfigRuleName: 'r',
    });
    expect(answer.status).toBe(500);
  });

  it('GetResourceConfigHistory answers a shape the JS SDK cannot parse, with the role name as resourceId', async () => {
    // Arrange
    const role = await seedRole(clients.iam, {
      name: 'history',
      path: '/x/',
      boundaryArn: EXECUTION_ROLE_POLICY_ARN,
    });
    // Act
    // Settled at once: a rejection left unobserved while the raw call below is awaited fails the test on its own.
    const sdk = clients.config
      .send(
        new GetResourceConfigHistoryCommand({
          resourceType: 'AWS::IAM::Role',
          resourceId: role.roleId,
          limit: 1,
        }),
      )
      .then(
        () => new Error('the SDK parsed the answer'),
        (error: unknown) => error,
      );
    const raw = await rawJson('config', 'StarlingDoveService.GetResourceConfigHistory', {
      resourceType: 'AWS::IAM::Role',
      resourceId: role.roleId,
      limit: 1,
    });
    // Assert
    expect(await sdk).toEqual(
      expect.objectContaining({ message: expect.stringMatching(/Expected real number/) }),
    );
    const item = (JSON.parse(raw.text) as { configurationItems: Record<string, unknown>[] })
      .configurationItems[0];
    expect(item?.['configurationItemCaptureTime']).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:/));
    expect(item?.['resourceId']).toBe('history'); // AWS: the RoleId
    expect(item?.['arn']).toBe('arn:aws:iam::123456789012:role/history'); // AWS: with the path /x/
    const configuration = JSON.parse(String(item?.['configuration'])) as Record<string, unknown>;
    expect(configuration['permissionsBoundary']).toBe(EXECUTION_ROLE_POLICY_ARN); // AWS: an object
  });
});

describe('IAM', () => {
  it('GetAccountAuthorizationDetails ignores MaxItems and sends trust policies unencoded', async () => {
    for (const name of ['a', 'b', 'c']) await seedRole(clients.iam, { name });
    const page = await clients.iam.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'], MaxItems: 1 }),
    );
    expect(page.RoleDetailList).toHaveLength(3);
    expect(page.IsTruncated).toBe(false);
    expect(page.RoleDetailList?.[0]?.AssumeRolePolicyDocument).toMatch(/^\{/); // AWS: URL-encoded
  });

  it('GetAccountAuthorizationDetails lists managed policies without PolicyName', async () => {
    await seedManagedPolicy(clients.iam, { name: 'mine', document: allow('s3:GetObject') });
    const page = await clients.iam.send(
      new GetAccountAuthorizationDetailsCommand({ Filter: ['LocalManagedPolicy'] }),
    );
    expect(page.Policies).toHaveLength(1);
    expect(page.Policies?.[0]?.Arn).toBe('arn:aws:iam::123456789012:policy/mine');
    expect(page.Policies?.[0]?.PolicyName).toBeUndefined();
  });

  it('GetPolicyVersion and ListRoles send documents unencoded; GetRole encodes them like AWS', async () => {
    const arn = await seedManagedPolicy(clients.iam, { name: 'doc', document: allow('s3:GetObject') });
    await seedRole(clients.iam, { name: 'enc' });
    const version = await clients.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' }));
    const listed = await clients.iam.send(new ListRolesCommand({}));
    const role = await clients.iam.send(new GetRoleCommand({ RoleName: 'enc' }));
    expect(version.PolicyVersion?.Document).toMatch(/^\{/);
    expect(listed.Roles?.[0]?.AssumeRolePolicyDocument).toMatch(/^\{/);
    expect(role.Role?.AssumeRolePolicyDocument).toMatch(/^%7B/);
  });
});

describe('Batch', () => {
  it('DescribeJobDefinitions ignores maxResults', async () => {
    for (const name of ['a', 'b', 'c']) await seedJobDefinition(clients.batch, { name });
    const page = await clients.batch.send(
      new DescribeJobDefinitionsCommand({ status: 'ACTIVE', maxResults: 1 }),
    );
    expect(page.jobDefinitions).toHaveLength(3);
    expect(page.nextToken).toBeUndefined();
  });

  it('RegisterJobDefinition rejects ecsProperties and drops nodeProperties', async () => {
    const ecs = clients.batch.send(
      new RegisterJobDefinitionCommand({
        jobDefinitionName: 'ecs',
        type: 'container',
        platformCapabilities: ['FARGATE'],
        ecsProperties: { taskProperties: [{ containers: [{ image: 'x', name: 'c' }] }] },
      }),
    );
    await expect(ecs).rejects.toThrow(/containerProperties or eksProperties must be provided/);
    await clients.batch.send(
      new RegisterJobDefinitionCommand({
        jobDefinitionName: 'mnp',
        type: 'multinode',
        nodeProperties: {
          numNodes: 2,
          mainNode: 0,
          nodeRangeProperties: [
            {
              targetNodes: '0:',
              container: { image: 'x', executionRoleArn: 'arn:aws:iam::123456789012:role/r' },
            },
          ],
        },
      }),
    );
    const described = await clients.batch.send(
      new DescribeJobDefinitionsCommand({ jobDefinitionName: 'mnp' }),
    );
    expect(described.jobDefinitions?.[0]?.nodeProperties).toBeUndefined();
  });
});

describe('SSM', () => {
  it('DescribeParameters pages by 10 whatever MaxResults says, and omits ARN', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `/gap/p${i}`);
    for (const name of names) await seedParameter(clients.ssm, { name, type: 'String' });
    const page = await clients.ssm.send(new DescribeParametersCommand({ MaxResults: 50 }));
    expect(page.Parameters).toHaveLength(10);
    expect(page.NextToken).toBeDefined();
    expect(page.Parameters?.[0]?.ARN).toBeUndefined();
  });
});

describe('ECS', () => {
  it('ListTaskDefinitionFamilies ignores status; DescribeTaskDefinition by family returns an INACTIVE latest revision', async () => {
    await seedTaskDefinition(clients.ecs, { family: 'web' });
    await seedTaskDefinition(clients.ecs, { family: 'web' });
    await seedTaskDefinition(clients.ecs, { family: 'gone' });
    await clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'web:2' }));
    await clients.ecs.send(new DeregisterTaskDefinitionCommand({ taskDefinition: 'gone:1' }));
    const families = await clients.ecs.send(new ListTaskDefinitionFamiliesCommand({ status: 'ACTIVE' }));
    const web = await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'web' }));
    expect([...(families.families ?? [])].sort()).toEqual(['gone', 'web']); // AWS: ['web']
    expect(web.taskDefinition).toMatchObject({ revision: 2, status: 'INACTIVE' }); // AWS: revision 1, ACTIVE
  });
});

describe('Amazon ECR', () => {
  it('DescribePullThroughCacheRules is not implemented (HTTP 500); the bridge in front of moto plays it', async () => {
    // moto itself
    const direct = await rawJson(
      'ecr',
      'AmazonEC2ContainerRegistry_V20150921.DescribePullThroughCacheRules',
      {},
    );
    expect(direct.status).toBe(500);
    // the bridge every test client talks to
    moto.setPullThroughCacheRules('us-east-1', [
      { ecrRepositoryPrefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws' },
    ]);
    const answer = await clients
      .regional('us-east-1')
      .then(({ ecr }) => ecr.send(new DescribePullThroughCacheRulesCommand({})));
    expect(answer.pullThroughCacheRules).toEqual([
      expect.objectContaining({ ecrRepositoryPrefix: 'ecr-public', registryId: MOTO_ACCOUNT_ID }),
    ]);
  });
});
