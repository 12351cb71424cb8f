import { ConfigServiceClient, PutEvaluationsCommand } from '@aws-sdk/client-config-service';
import type { AwsClients } from '../../lib/aws/clients';
import { AwsConfigGateway } from '../../lib/aws/config';
import { AwsIamReader } from '../../lib/aws/iam';
import { ManagedPolicyCache } from '../../lib/aws/managed-policy-cache';
import { AwsUsageReader } from '../../lib/aws/usage';
import { descriptionFromConfigurationItem } from '../../lib/config/configuration-item';
import { EvaluationsNotDeliveredError, MissingPermissionError } from '../../lib/core/errors';
import type { ConfigEvaluation } from '../../lib/config/ports';
import { apiConfigurationItem, roleConfigurationFromIam } from './configuration-items';
import { clientsFor, MOTO_ACCOUNT_ID, MOTO_REGION, startMoto, type MotoServer } from './moto';
import { startRecordingProxy, type RecordingProxy, type StoredResult } from './recording-proxy';
import { EXECUTION_ROLE_POLICY_ARN, seedRole } from './seed';

// The proxy is what the rule's integration tests observe Config through, so it is tested like product code.
const RULE = 'execution-role-check';
let moto: MotoServer;
let proxy: RecordingProxy;
let clients: AwsClients;
let gateway: AwsConfigGateway;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint, { configRuleName: RULE });
  clients = clientsFor(proxy.endpoint);
  gateway = new AwsConfigGateway(clients.config, { retryDelayMs: 0 });
});
afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});
beforeEach(() => proxy.clear());

const evaluation = (id: string, changes: Partial<ConfigEvaluation> = {}): ConfigEvaluation => ({
  complianceResourceType: 'AWS::IAM::Role',
  complianceResourceId: id,
  complianceType: 'NON_COMPLIANT',
  annotation: `role ${id} lacks ecr:GetAuthorizationToken`,
  orderingTimestamp: new Date('2025-05-01T12:00:00Z'),
  ...changes,
});
const ids = (count: number, prefix = 'AROA'): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('forwarding', () => {
  it('passes other calls through to moto and records each operation', async () => {
    const role = await seedRole(clients.iam, { name: 'through-proxy' });
    const found = await new AwsIamReader(clients.iam, {
      managedPolicyCache: new ManagedPolicyCache(),
    }).findRole(role.roleName);
    expect(found?.roleId).toBe(role.roleId);
    expect(proxy.operations()).toEqual([
      'iam:CreateRole',
      'iam:GetRole',
      'iam:ListRolePolicies',
      'iam:ListAttachedRolePolicies',
    ]);
  });
});

describe('PutEvaluations', () => {
  it('records the JSON body and keeps the results, as Config would, without TestMode', async () => {
    // Act
    await gateway.putEvaluations(
      [evaluation('AROA1'), evaluation('AROA2', { complianceType: 'COMPLIANT', annotation: '' })],
      'tok',
      false,
    );
    // Assert
    expect(proxy.putEvaluationsCalls).toEqual([
      {
        ResultToken: 'tok',
        Evaluations: [
          {
            ComplianceResourceType: 'AWS::IAM::Role',
            ComplianceResourceId: 'AROA1',
            ComplianceType: 'NON_COMPLIANT',
            Annotation: 'role AROA1 lacks ecr:GetAuthorizationToken',
            OrderingTimestamp: Date.parse('2025-05-01T12:00:00Z') / 1000,
          },
          {
            ComplianceResourceType: 'AWS::IAM::Role',
            ComplianceResourceId: 'AROA2',
            ComplianceType: 'COMPLIANT',
            OrderingTimestamp: Date.parse('2025-05-01T12:00:00Z') / 1000,
          },
        ],
      },
    ]);
    expect(proxy.results().map((r) => [r.resourceId, r.complianceType])).toEqual([
      ['AROA1', 'NON_COMPLIANT'],
      ['AROA2', 'COMPLIANT'],
    ]);
  });

  it('TestMode calls are recorded but change no result', async () => {
    await gateway.putEvaluations([evaluation('AROA1')], 'TESTMODE', true);
    expect(proxy.putEvaluationsCalls[0]?.TestMode).toBe(true);
    expect(proxy.deliveredEvaluations()).toHaveLength(1);
    expect(proxy.results()).toEqual([]);
  });

  it.each([
    [
      '101 evaluations',
      { Evaluations: ids(101).map((id) => sdkEvaluation(id)) },
      'InvalidParameterValueException',
    ],
    ['an empty annotation', { Evaluations: [sdkEvaluation('A', { Annotation: '' })] }, 'ValidationException'],
    [
      'a 257-character annotation',
      { Evaluations: [sdkEvaluation('A', { Annotation: 'x'.repeat(257) })] },
      'ValidationException',
    ],
    [
      'INSUFFICIENT_DATA',
      { Evaluations: [sdkEvaluation('A', { ComplianceType: 'INSUFFICIENT_DATA' })] },
      'InvalidParameterValueException',
    ],
  ])('rejects %s like AWS does', async (_label, input, code) => {
    const raw = new ConfigServiceClient({
      region: MOTO_REGION,
      endpoint: proxy.endpoint,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    await expect(raw.send(new PutEvaluationsCommand({ ResultToken: 't', ...input }))).rejects.toMatchObject({
      name: code,
    });
    expect(proxy.putEvaluationsCalls).toEqual([]);
  });

  it('failEvaluations makes the next calls carrying those ids report them failed; the gateway retries them', async () => {
    proxy.failEvaluations(['AROA3'], 2);
    await gateway.putEvaluations(
      ids(5).map((id) => evaluation(id)),
      'tok',
      false,
    );
    expect(
      proxy.putEvaluationsCalls.map((call) => call.Evaluations.map((e) => e.ComplianceResourceId)),
    ).toEqual([ids(5), ['AROA3'], ['AROA3']]);
    expect(
      proxy
        .results()
        .map((r) => r.resourceId)
        .sort(),
    ).toEqual(ids(5));
  });

  it('evaluations that keep failing end in EvaluationsNotDeliveredError naming them', async () => {
    proxy.failEvaluations(['AROA1'], 10);
    const put = gateway.putEvaluations(
      ids(3).map((id) => evaluation(id)),
      'tok',
      false,
    );
    await expect(put).rejects.toThrow(EvaluationsNotDeliveredError);
    await expect(put).rejects.toMatchObject({ resourceIds: ['AROA1'] });
    expect(proxy.results().map((r) => r.resourceId)).toEqual(['AROA0', 'AROA2']);
  });
});

describe('GetComplianceDetailsByConfigRule', () => {
  it('serves seeded and put results page by page; the gateway reads them all', async () => {
    // Arrange: 250 old results, 2 of them updated by a new put.
    const seeded: StoredResult[] = ids(250, 'AROAOLD').map((id) => ({
      resourceType: 'AWS::IAM::Role',
      resourceId: id,
      complianceType: 'COMPLIANT',
    }));
    proxy.seedResults(seeded);
    await gateway.putEvaluations([evaluation('AROAOLD0'), evaluation('AROANEW')], 'tok', false);
    // Act
    const results = await gateway.listResults(RULE);
    // Assert
    expect(results).toHaveLength(251);
    expect(results.find((r) => r.resourceId === 'AROAOLD0')?.complianceType).toBe('NON_COMPLIANT');
    expect(proxy.operationCounts().get('config:GetComplianceDetailsByConfigRule')).toBe(3);
  });

  it('an unknown rule name fails like Config', async () => {
    await expect(gateway.listResults('other-rule')).rejects.toThrow(/NoSuchConfigRuleException/);
  });
});

describe('GetResourceConfigHistory', () => {
  it('answers from a fixture built from the moto role; the oversized path reads it end to end', async () => {
    // Arrange
    const role = await seedRole(clients.iam, {
      name: 'oversized',
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
    });
    proxy.setConfigurationItem(
      apiConfigurationItem(await roleConfigurationFromIam(clients.iam, role.roleName)),
    );
    // Act
    const item = await gateway.getConfigurationItem('AWS::IAM::Role', role.roleId);
    const description = descriptionFromConfigurationItem(item ?? {});
    const snapshot = await new AwsIamReader(clients.iam, {
      managedPolicyCache: new ManagedPolicyCache(),
    }).completeRole(description, MOTO_ACCOUNT_ID);
    // Assert
    expect(item).toMatchObject({ resourceId: role.roleId, ARN: role.arn, awsAccountId: MOTO_ACCOUNT_ID });
    expect(snapshot.managedPolicies.map((p) => p.name)).toEqual(['AmazonECSTaskExecutionRolePolicy']);
  });

  it('an item without a fixture is not discovered', async () => {
    await expect(gateway.getConfigurationItem('AWS::IAM::Role', 'AROANOFIXTURE')).resolves.toBeUndefined();
  });
});

describe('deny', () => {
  it.each([
    ['iam:GetAccountAuthorizationDetails', 'query/XML', () => new AwsIamReader(clients.iam).loadAllRoles()],
    ['config:PutEvaluations', 'JSON', () => gateway.putEvaluations([evaluation('AROA1')], 'tok', false)],
    [
      'batch:DescribeJobDefinitions',
      'REST-JSON',
      () => new AwsUsageReader(clients, { accountId: MOTO_ACCOUNT_ID }).listActiveJobDefinitions(),
    ],
  ])('%s answers AccessDenied in %s that the SDK parses', async (operation, _protocol, call) => {
    proxy.deny(operation);
    const failure = await call().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(MissingPermissionError);
    expect(failure).toMatchObject({ permission: operation });
  });
});

function sdkEvaluation(id: string, changes: Record<string, unknown> = {}) {
  return {
    ComplianceResourceType: 'AWS::IAM::Role',
    ComplianceResourceId: id,
    ComplianceType: 'COMPLIANT' as const,
    OrderingTimestamp: new Date(),
    ...changes,
  };
}
