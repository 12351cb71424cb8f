import {
  GetAccountAuthorizationDetailsCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  IAMClient,
  IAMServiceException,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  type RoleDetail,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsIamReader } from '../../lib/aws/iam';
import { ManagedPolicyCache } from '../../lib/aws/managed-policy-cache';
import { AwsCallError, MissingPermissionError } from '../../lib/core/errors';

// Paths moto cannot show: paging, AccessDenied, throttling that outlasts the SDK's retries.
const iamMock = mockClient(IAMClient);
const reader = (): AwsIamReader =>
  new AwsIamReader(new IAMClient({ region: 'us-east-1' }), { managedPolicyCache: new ManagedPolicyCache() });

const ACCOUNT = '123456789012';
const AWS_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
const CUSTOMER_POLICY = `arn:aws:iam::${ACCOUNT}:policy/mine`;
const doc = (action: string): string =>
  encodeURIComponent(
    JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }],
    }),
  );
const roleDetail = (name: string, attached: string[] = []): RoleDetail => ({
  RoleName: name,
  RoleId: `AROA${name.toUpperCase().padEnd(17, 'X')}`,
  Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
  Path: '/',
  AssumeRolePolicyDocument: doc('sts:AssumeRole'),
  RolePolicyList: [],
  AttachedManagedPolicies: attached.map((PolicyArn) => ({ PolicyArn })),
  Tags: [],
});
const awsError = (name: string, message = `${name} happened`): IAMServiceException =>
  new IAMServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 403 }, message });

beforeEach(() => iamMock.reset());

describe('loadAllRoles paging', () => {
  it('follows Marker and resolves a policy listed on a later page than the role that uses it', async () => {
    // Arrange
    iamMock
      .on(GetAccountAuthorizationDetailsCommand)
      .resolvesOnce({
        RoleDetailList: [roleDetail('first', [CUSTOMER_POLICY])],
        IsTruncated: true,
        Marker: 'm1',
      })
      .resolvesOnce({
        RoleDetailList: [roleDetail('second')],
        Policies: [
          {
            Arn: CUSTOMER_POLICY,
            PolicyName: 'mine',
            DefaultVersionId: 'v2',
            PolicyVersionList: [
              { VersionId: 'v1', Document: doc('s3:GetObject'), IsDefaultVersion: false },
              { VersionId: 'v2', Document: doc('ssm:GetParameters'), IsDefaultVersion: true },
            ],
          },
        ],
        IsTruncated: false,
      });
    const progress: number[] = [];
    // Act
    const roles = await reader().loadAllRoles((read) => progress.push(read));
    // Assert
    expect(roles.map((role) => role.roleName)).toEqual(['first', 'second']);
    expect(roles[0]?.managedPolicies).toEqual([
      { arn: CUSTOMER_POLICY, name: 'mine', document: doc('ssm:GetParameters') },
    ]);
    expect(progress).toEqual([1, 2]);
    const inputs = iamMock
      .commandCalls(GetAccountAuthorizationDetailsCommand)
      .map((call) => call.args[0].input);
    expect(inputs).toEqual([
      { Filter: ['Role', 'LocalManagedPolicy'], MaxItems: 1000, Marker: undefined },
      { Filter: ['Role', 'LocalManagedPolicy'], MaxItems: 1000, Marker: 'm1' },
    ]);
    expect(iamMock).not.toHaveReceivedCommand(GetPolicyCommand);
  });

  it('fetches a customer managed policy whose default version the listing lacks', async () => {
    iamMock.on(GetAccountAuthorizationDetailsCommand).resolves({
      RoleDetailList: [roleDetail('r', [CUSTOMER_POLICY])],
      Policies: [{ Arn: CUSTOMER_POLICY, DefaultVersionId: 'v3', PolicyVersionList: [] }],
    });
    iamMock.on(GetPolicyCommand).resolves({ Policy: { Arn: CUSTOMER_POLICY, DefaultVersionId: 'v3' } });
    iamMock
      .on(GetPolicyVersionCommand)
      .resolves({ PolicyVersion: { VersionId: 'v3', Document: doc('kms:Decrypt') } });
    const [role] = await reader().loadAllRoles();
    expect(role?.managedPolicies[0]?.document).toBe(doc('kms:Decrypt'));
    expect(iamMock).toHaveReceivedCommandWith(GetPolicyVersionCommand, {
      PolicyArn: CUSTOMER_POLICY,
      VersionId: 'v3',
    });
  });
});

describe('findRole by RoleId pages ListRoles', () => {
  it('finds a role on the second page, then reads it by name', async () => {
    // Arrange
    const { RoleName, RoleId, Arn, AssumeRolePolicyDocument } = roleDetail('wanted');
    const role = {
      RoleName: RoleName!,
      RoleId: RoleId!,
      Arn: Arn!,
      Path: '/',
      CreateDate: new Date(),
      AssumeRolePolicyDocument,
    };
    iamMock
      .on(ListRolesCommand)
      .resolvesOnce({ Roles: [], IsTruncated: true, Marker: 'next' })
      .resolvesOnce({ Roles: [role] });
    iamMock.on(GetRoleCommand, { RoleName: 'wanted' }).resolves({ Role: role });
    iamMock.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });
    iamMock.on(ListAttachedRolePoliciesCommand).resolves({ AttachedPolicies: [] });
    // Act
    const found = await reader().findRole(role.RoleId);
    // Assert
    expect(found?.roleName).toBe('wanted');
    expect(iamMock.commandCalls(ListRolesCommand).map((call) => call.args[0].input)).toEqual([
      { MaxItems: 1000, Marker: undefined },
      { MaxItems: 1000, Marker: 'next' },
    ]);
  });
});

describe('AWS errors are classified once', () => {
  it.each([
    ['AccessDenied', 'iam:GetAccountAuthorizationDetails'],
    ['AccessDeniedException', 'iam:GetAccountAuthorizationDetails'],
  ])('%s on the listing -> MissingPermissionError naming %s, cause kept', async (name, permission) => {
    const denied = awsError(name);
    iamMock.on(GetAccountAuthorizationDetailsCommand).rejects(denied);
    const result = reader().loadAllRoles();
    await expect(result).rejects.toThrow(MissingPermissionError);
    await expect(result).rejects.toMatchObject({ permission, cause: denied });
  });

  it('AccessDenied on GetPolicy during a sweep names iam:GetPolicy', async () => {
    iamMock
      .on(GetAccountAuthorizationDetailsCommand)
      .resolves({ RoleDetailList: [roleDetail('r', [AWS_POLICY])] });
    iamMock.on(GetPolicyCommand).rejects(awsError('AccessDenied'));
    await expect(reader().loadAllRoles()).rejects.toMatchObject({
      name: 'MissingPermissionError',
      permission: 'iam:GetPolicy',
    });
  });

  it('AccessDenied on GetRole names iam:GetRole rather than reporting the role missing', async () => {
    iamMock.on(GetRoleCommand).rejects(awsError('AccessDenied'));
    await expect(reader().findRole('exec')).rejects.toMatchObject({ permission: 'iam:GetRole' });
  });

  it('throttling that outlasts the retries -> AwsCallError naming the operation', async () => {
    iamMock.on(GetAccountAuthorizationDetailsCommand).rejects(awsError('Throttling', 'Rate exceeded'));
    const result = reader().loadAllRoles();
    await expect(result).rejects.toThrow(AwsCallError);
    await expect(result).rejects.toThrow('GetAccountAuthorizationDetails failed: Throttling: Rate exceeded');
  });
});

describe('ManagedPolicyCache', () => {
  it.each([
    ['the same default version', 'v1', 1, '{"v":1}'],
    ['a new default version', 'v2', 2, '{"v":2}'],
  ])('a second read at %s -> %i loads in total', async (_label, secondVersion, loads, document) => {
    // Arrange
    const cache = new ManagedPolicyCache();
    const load = jest.fn().mockResolvedValueOnce('{"v":1}').mockResolvedValueOnce('{"v":2}');
    // Act
    await cache.get(AWS_POLICY, 'v1', load);
    const second = await cache.get(AWS_POLICY, secondVersion, load);
    // Assert
    expect(load).toHaveBeenCalledTimes(loads);
    expect(second).toBe(document);
  });

  it('shares a read in flight and forgets a failed one', async () => {
    const cache = new ManagedPolicyCache();
    const failing = jest.fn().mockRejectedValue(new Error('boom'));
    const [a, b] = await Promise.allSettled([
      cache.get(AWS_POLICY, 'v1', failing),
      cache.get(AWS_POLICY, 'v1', failing),
    ]);
    expect([a.status, b.status]).toEqual(['rejected', 'rejected']);
    expect(failing).toHaveBeenCalledTimes(1);
    await expect(cache.get(AWS_POLICY, 'v1', () => Promise.resolve('{}'))).resolves.toBe('{}');
  });
});
