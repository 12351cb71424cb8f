import {
  ConfigServiceClient,
  ConfigServiceServiceException,
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  ResourceNotDiscoveredException,
  type Evaluation,
} from '@aws-sdk/client-config-service';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsConfigGateway, toEventConfigurationItem } from '../../lib/aws/config';
import { AwsCallError, EvaluationsNotDeliveredError, MissingPermissionError } from '../../lib/core/errors';
import type { ConfigEvaluation } from '../../lib/config/ports';

const configMock = mockClient(ConfigServiceClient);
const gateway = (): AwsConfigGateway =>
  new AwsConfigGateway(new ConfigServiceClient({ region: 'us-east-1' }), { retryDelayMs: 0 });

const evaluation = (id: string, extra: Partial<ConfigEvaluation> = {}): ConfigEvaluation => ({
  complianceResourceType: 'AWS::IAM::Role',
  complianceResourceId: id,
  complianceType: 'COMPLIANT',
  orderingTimestamp: new Date('2025-01-01T00:00:00Z'),
  ...extra,
});
const evaluations = (count: number): ConfigEvaluation[] =>
  Array.from({ length: count }, (_, index) => evaluation(`AROA${index}`));
const sentIn = (call: number): Evaluation[] =>
  configMock.commandCalls(PutEvaluationsCommand)[call]?.args[0].input.Evaluations ?? [];
const accessDenied = (): ConfigServiceServiceException =>
  new ConfigServiceServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'User is not authorized to perform: config:PutEvaluations',
  });

beforeEach(() => configMock.reset());

describe('putEvaluations', () => {
  it.each([
    [0, []],
    [1, [1]],
    [100, [100]],
    [101, [100, 1]],
    [250, [100, 100, 50]],
  ])('sends %i evaluations in calls of at most 100: %j', async (count, sizes) => {
    // Arrange
    configMock.on(PutEvaluationsCommand).resolves({ FailedEvaluations: [] });
    // Act
    await gateway().putEvaluations(evaluations(count), 'token', false);
    // Assert
    const calls = configMock.commandCalls(PutEvaluationsCommand);
    expect(calls.map((call) => call.args[0].input.Evaluations?.length)).toEqual(sizes);
    expect(
      calls.flatMap((call) => call.args[0].input.Evaluations?.map((e) => e.ComplianceResourceId)),
    ).toEqual(evaluations(count).map((e) => e.complianceResourceId));
  });

  it.each([
    [true, { TestMode: true }],
    [false, {}],
  ])('testMode %s sets TestMode only when asked', async (testMode, expected) => {
    configMock.on(PutEvaluationsCommand).resolves({});
    await gateway().putEvaluations([evaluation('AROA1')], 'TESTMODE', testMode);
    const input = configMock.commandCalls(PutEvaluationsCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ ResultToken: 'TESTMODE', ...expected });
    expect('TestMode' in (input ?? {})).toBe(testMode);
  });

  it.each([
    ['missing', undefined, false],
    ['empty', '', false],
    ['blank', '   ', false],
    ['present', 'missing ecr:GetAuthorizationToken', true],
  ])('annotation %s: sent only when it has text', async (_label, annotation, sent) => {
    configMock.on(PutEvaluationsCommand).resolves({});
    const input = annotation === undefined ? evaluation('AROA1') : evaluation('AROA1', { annotation });
    await gateway().putEvaluations([input], 'token', false);
    const first = sentIn(0)[0];
    expect(first !== undefined && 'Annotation' in first).toBe(sent);
    if (sent) expect(first?.Annotation).toBe(annotation);
  });

  it('maps every field to the PutEvaluations shape', async () => {
    configMock.on(PutEvaluationsCommand).resolves({});
    const at = new Date('2025-02-03T04:05:06Z');
    await gateway().putEvaluations(
      [evaluation('AROAX', { complianceType: 'NON_COMPLIANT', annotation: 'why', orderingTimestamp: at })],
      'token',
      false,
    );
    expect(sentIn(0)).toEqual([
      {
        ComplianceResourceType: 'AWS::IAM::Role',
        ComplianceResourceId: 'AROAX',
        ComplianceType: 'NON_COMPLIANT',
        Annotation: 'why',
        OrderingTimestamp: at,
      },
    ]);
  });

  it('resends only the evaluations listed in FailedEvaluations, until they land', async () => {
    // Arrange: the first answer rejects two of three, the second rejects one, the third accepts.
    const [a, b, c] = evaluations(3).map((e) => e.complianceResourceId);
    const failed = (...ids: string[]): Evaluation[] =>
      ids.map((id) => ({
        ComplianceResourceType: 'AWS::IAM::Role',
        ComplianceResourceId: id,
        ComplianceType: 'COMPLIANT',
        OrderingTimestamp: new Date(),
      }));
    configMock
      .on(PutEvaluationsCommand)
      .resolvesOnce({ FailedEvaluations: failed(a!, c!) })
      .resolvesOnce({ FailedEvaluations: failed(c!) })
      .resolves({ FailedEvaluations: [] });
    // Act
    await gateway().putEvaluations(evaluations(3), 'token', false);
    // Assert
    const ids = (call: number): (string | undefined)[] => sentIn(call).map((e) => e.ComplianceResourceId);
    expect(configMock.commandCalls(PutEvaluationsCommand)).toHaveLength(3);
    expect(ids(0)).toEqual([a, b, c]);
    expect(ids(1)).toEqual([a, c]);
    expect(ids(2)).toEqual([c]);
  });

  it('gives up after 3 retries and names the resources that never landed, after sending the other batches', async () => {
    // Arrange: AROA5 in the first batch of 100 is always rejected.
    configMock.on(PutEvaluationsCommand).callsFake((input: { Evaluations: Evaluation[] }) => ({
      FailedEvaluations: input.Evaluations.filter((e) => e.ComplianceResourceId === 'AROA5'),
    }));
    // Act
    const result = gateway().putEvaluations(evaluations(150), 'token', false);
    // Assert
    await expect(result).rejects.toThrow(EvaluationsNotDeliveredError);
    await expect(result).rejects.toMatchObject({ resourceIds: ['AROA5'] });
    const sizes = configMock
      .commandCalls(PutEvaluationsCommand)
      .map((c) => c.args[0].input.Evaluations?.length);
    expect(sizes).toEqual([100, 1, 1, 1, 50]);
  });

  it('AccessDenied becomes MissingPermissionError naming config:PutEvaluations', async () => {
    configMock.on(PutEvaluationsCommand).rejects(accessDenied());
    const result = gateway().putEvaluations([evaluation('AROA1')], 'token', false);
    await expect(result).rejects.toThrow(MissingPermissionError);
    await expect(result).rejects.toMatchObject({ permission: 'config:PutEvaluations' });
  });
});

describe('listResults', () => {
  const result = (id: string, type: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE') => ({
    EvaluationResultIdentifier: {
      EvaluationResultQualifier: { ConfigRuleName: 'rule', ResourceType: 'AWS::IAM::Role', ResourceId: id },
    },
    ComplianceType: type,
  });

  it('follows NextToken through every page, including an empty one', async () => {
    // Arrange
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand)
      .resolvesOnce({ EvaluationResults: [result('AROA1', 'COMPLIANT')], NextToken: 'page2' })
      .resolvesOnce({ EvaluationResults: [], NextToken: 'page3' })
      .resolvesOnce({
        EvaluationResults: [result('AROA2', 'NON_COMPLIANT'), result('AROA3', 'NOT_APPLICABLE')],
      });
    // Act
    const results = await gateway().listResults('rule');
    // Assert
    expect(results).toEqual([
      { resourceType: 'AWS::IAM::Role', resourceId: 'AROA1', complianceType: 'COMPLIANT' },
      { resourceType: 'AWS::IAM::Role', resourceId: 'AROA2', complianceType: 'NON_COMPLIANT' },
      { resourceType: 'AWS::IAM::Role', resourceId: 'AROA3', complianceType: 'NOT_APPLICABLE' },
    ]);
    const inputs = configMock
      .commandCalls(GetComplianceDetailsByConfigRuleCommand)
      .map((c) => c.args[0].input);
    expect(inputs.map((input) => input.NextToken)).toEqual([undefined, 'page2', 'page3']);
    for (const input of inputs) {
      expect(input).toMatchObject({
        ConfigRuleName: 'rule',
        Limit: 100,
        ComplianceTypes: ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'],
      });
    }
  });

  it('a result without a resource id fails instead of being dropped', async () => {
    configMock
      .on(GetComplianceDetailsByConfigRuleCommand)
      .resolves({ EvaluationResults: [{ ComplianceType: 'COMPLIANT' }] });
    await expect(gateway().listResults('rule')).rejects.toThrow(AwsCallError);
  });
});

describe('getConfigurationItem', () => {
  it('asks for the latest item and converts it to the event shape', async () => {
    // Arrange
    const captured = new Date('2025-03-01T10:00:00.000Z');
    const created = new Date('2024-12-24T08:00:00.000Z');
    configMock.on(GetResourceConfigHistoryCommand).resolves({
      configurationItems: [
        {
          version: '1.3',
          accountId: '123456789012',
          configurationItemCaptureTime: captured,
          configurationItemStatus: 'OK',
          configurationStateId: '1740823200000',
          configurationItemMD5Hash: 'abc',
          arn: 'arn:aws:iam::123456789012:role/exec',
          resourceType: 'AWS::IAM::Role',
          resourceId: 'AROAEXAMPLE',
          resourceName: 'exec',
          awsRegion: 'global',
          availabilityZone: 'Not Applicable',
          resourceCreationTime: created,
          tags: { team: 'data' },
          relatedEvents: [],
          relationships: [
            {
              resourceType: 'AWS::IAM::Policy',
              resourceId: 'ANPAEXAMPLE',
              resourceName: 'mine',
              relationshipName: 'Is attached to CustomerManagedPolicy',
            },
          ],
          configuration: '{"roleName":"exec","roleId":"AROAEXAMPLE"}',
          supplementaryConfiguration: { Extra: '{"a":1}' },
        },
      ],
    });
    // Act
    const item = await gateway().getConfigurationItem('AWS::IAM::Role', 'AROAEXAMPLE');
    // Assert
    expect(configMock).toHaveReceivedCommandWith(GetResourceConfigHistoryCommand, {
      resourceType: 'AWS::IAM::Role',
      resourceId: 'AROAEXAMPLE',
      limit: 1,
    });
    expect(item).toEqual({
      configurationItemVersion: '1.3',
      awsAccountId: '123456789012',
      configurationItemCaptureTime: '2025-03-01T10:00:00.000Z',
      configurationItemStatus: 'OK',
      configurationStateId: '1740823200000',
      configurationStateMd5Hash: 'abc',
      ARN: 'arn:aws:iam::123456789012:role/exec',
      resourceType: 'AWS::IAM::Role',
      resourceId: 'AROAEXAMPLE',
      resourceName: 'exec',
      awsRegion: 'global',
      availabilityZone: 'Not Applicable',
      resourceCreationTime: '2024-12-24T08:00:00.000Z',
      tags: { team: 'data' },
      relatedEvents: [],
      relationships: [
        {
          resourceType: 'AWS::IAM::Policy',
          resourceId: 'ANPAEXAMPLE',
          resourceName: 'mine',
          name: 'Is attached to CustomerManagedPolicy',
        },
      ],
      configuration: { roleName: 'exec', roleId: 'AROAEXAMPLE' },
      supplementaryConfiguration: { Extra: { a: 1 } },
    });
  });

  it.each([
    ['no item', () => configMock.on(GetResourceConfigHistoryCommand).resolves({ configurationItems: [] })],
    [
      'ResourceNotDiscoveredException',
      () =>
        configMock
          .on(GetResourceConfigHistoryCommand)
          .rejects(new ResourceNotDiscoveredException({ message: 'unknown', $metadata: {} })),
    ],
  ])('%s -> undefined', async (_label, arrange) => {
    arrange();
    await expect(gateway().getConfigurationItem('AWS::IAM::Role', 'AROAGONE')).resolves.toBeUndefined();
  });

  it('a configuration that is not JSON fails naming the call', () => {
    expect(() => toEventConfigurationItem({ configuration: '{not json' })).toThrow(
      /GetResourceConfigHistory failed: configuration is not JSON/,
    );
  });
});
