import {
  AttachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  NoSuchEntityException,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsCallError, MissingPermissionError } from '../../lib/core/errors';
import { createIamWriter } from '../../lib/aws/iam-writer';

const iam = mockClient(IAMClient);
const writer = createIamWriter(new IAMClient({ region: 'us-east-1' }));
const TRUST =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"}}]}';

function accessDenied(): Error {
  return Object.assign(new Error('User is not authorized to perform: iam:UpdateAssumeRolePolicy'), {
    name: 'AccessDenied',
    $metadata: {},
  });
}

beforeEach(() => iam.reset());

describe('createIamWriter reads', () => {
  it.each([
    { name: 'URL-encoded (as IAM returns it)', document: encodeURIComponent(TRUST) },
    { name: 'already decoded', document: TRUST },
  ])('getTrustPolicy returns the decoded text when IAM answers $name', async ({ document }) => {
    // Arrange
    iam.on(GetRoleCommand, { RoleName: 'etl' }).resolves({
      Role: {
        RoleName: 'etl',
        RoleId: 'AROAEXAMPLE',
        Arn: 'arn:aws:iam::123456789012:role/etl',
        Path: '/',
        CreateDate: new Date(0),
        AssumeRolePolicyDocument: document,
      },
    });

    // Act
    const text = await writer.getTrustPolicy('etl');

    // Assert
    expect(text).toBe(TRUST);
  });

  it('getRolePolicy decodes the document, and answers undefined for NoSuchEntity', async () => {
    // Arrange
    iam
      .on(GetRolePolicyCommand, { PolicyName: 'present' })
      .resolves({ RoleName: 'etl', PolicyName: 'present', PolicyDocument: encodeURIComponent('{"a":1}') })
      .on(GetRolePolicyCommand, { PolicyName: 'absent' })
      .rejects(new NoSuchEntityException({ message: 'not found', $metadata: {} }));

    // Act
    const present = await writer.getRolePolicy('etl', 'present');
    const absent = await writer.getRolePolicy('etl', 'absent');

    // Assert
    expect(present).toBe('{"a":1}');
    expect(absent).toBeUndefined();
  });

  it('listAttachedPolicyArns reads every page', async () => {
    // Arrange
    iam
      .on(ListAttachedRolePoliciesCommand, { RoleName: 'etl', Marker: undefined })
      .resolves({ AttachedPolicies: [{ PolicyArn: 'arn:1' }], IsTruncated: true, Marker: 'm' })
      .on(ListAttachedRolePoliciesCommand, { RoleName: 'etl', Marker: 'm' })
      .resolves({ AttachedPolicies: [{ PolicyArn: 'arn:2' }], IsTruncated: false });

    // Act
    const arns = await writer.listAttachedPolicyArns('etl');

    // Assert
    expect(arns).toEqual(['arn:1', 'arn:2']);
  });
});

describe('createIamWriter writes', () => {
  it('sends each write with exactly the given role, names and documents', async () => {
    // Arrange
    iam.on(UpdateAssumeRolePolicyCommand).resolves({});
    iam.on(AttachRolePolicyCommand).resolves({});
    iam.on(PutRolePolicyCommand).resolves({});

    // Act
    await writer.updateAssumeRolePolicy('etl', TRUST);
    await writer.attachRolePolicy(
      'etl',
      'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    );
    await writer.putRolePolicy('etl', 'execution-role-check-grants', '{"b":2}');

    // Assert
    expect(iam).toHaveReceivedCommandWith(UpdateAssumeRolePolicyCommand, {
      RoleName: 'etl',
      PolicyDocument: TRUST,
    });
    expect(iam).toHaveReceivedCommandWith(AttachRolePolicyCommand, {
      RoleName: 'etl',
      PolicyArn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    });
    expect(iam).toHaveReceivedCommandWith(PutRolePolicyCommand, {
      RoleName: 'etl',
      PolicyName: 'execution-role-check-grants',
      PolicyDocument: '{"b":2}',
    });
  });

  it.each([
    {
      action: 'iam:UpdateAssumeRolePolicy',
      command: UpdateAssumeRolePolicyCommand,
      call: () => writer.updateAssumeRolePolicy('etl', TRUST),
    },
    {
      action: 'iam:AttachRolePolicy',
      command: AttachRolePolicyCommand,
      call: () => writer.attachRolePolicy('etl', 'arn:p'),
    },
    {
      action: 'iam:PutRolePolicy',
      command: PutRolePolicyCommand,
      call: () => writer.putRolePolicy('etl', 'p', '{}'),
    },
    { action: 'iam:GetRole', command: GetRoleCommand, call: () => writer.getTrustPolicy('etl') },
    {
      action: 'iam:GetRolePolicy',
      command: GetRolePolicyCommand,
      call: () => writer.getRolePolicy('etl', 'p'),
    },
    {
      action: 'iam:ListAttachedRolePolicies',
      command: ListAttachedRolePoliciesCommand,
      call: () => writer.listAttachedPolicyArns('etl'),
    },
  ])(
    'AccessDenied on $action becomes MissingPermissionError naming it',
    async ({ action, command, call }) => {
      // Arrange
      iam.on(command as typeof GetRoleCommand).rejects(accessDenied());

      // Act
      const result = call();

      // Assert
      await expect(result).rejects.toBeInstanceOf(MissingPermissionError);
      await expect(call()).rejects.toMatchObject({ permission: action });
    },
  );

  it('other failures become AwsCallError naming the operation', async () => {
    // Arrange
    iam.on(PutRolePolicyCommand).rejects(
      Object.assign(new Error('Maximum policy size of 10240 bytes exceeded'), {
        name: 'LimitExceeded',
        $metadata: {},
      }),
    );

    // Act
    const result = writer.putRolePolicy('etl', 'p', '{}');

    // Assert
    await expect(result).rejects.toBeInstanceOf(AwsCallError);
    await expect(writer.putRolePolicy('etl', 'p', '{}')).rejects.toThrow(/PutRolePolicy.*LimitExceeded/);
  });
});
