import {
  ECRClient,
  ECRServiceException,
  GetRegistryPolicyCommand,
  GetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { GetKeyPolicyCommand, KMSClient, KMSServiceException } from '@aws-sdk/client-kms';
import {
  DescribeOrganizationCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  OrganizationsClient,
  OrganizationsServiceException,
} from '@aws-sdk/client-organizations';
import {
  GetResourcePolicyCommand,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsOrganizationPolicyReader, AwsResourcePolicyReader } from '../../lib/aws/layers';

// Error paths moto cannot show (it never denies): each becomes an unreadable layer, "no policy", or a failed call.
const kmsMock = mockClient(KMSClient);
const secretsMock = mockClient(SecretsManagerClient);
const ecrMock = mockClient(ECRClient);
const organizationsMock = mockClient(OrganizationsClient);
const ACCOUNT = '123456789012';
const KEY = `arn:aws:kms:eu-west-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SECRET = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:prod/db-AbCdEf`;
const REPO = `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/base`;
const reader = (): AwsResourcePolicyReader =>
  new AwsResourcePolicyReader({
    accountId: ACCOUNT,
    clientConfig: { credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 },
  });
const failure = <E extends Error>(Type: new (options: never) => E, name: string): E =>
  new Type({ name, message: `${name} from AWS`, $fault: 'client', $metadata: {} } as never);

beforeEach(() => {
  kmsMock.reset();
  secretsMock.reset();
  ecrMock.reset();
  organizationsMock.reset();
});

describe('AwsResourcePolicyReader error paths', () => {
  it('AccessDenied on a key policy: an unreadable layer naming kms:GetKeyPolicy and the key', async () => {
    kmsMock.on(GetKeyPolicyCommand).rejects(failure(KMSServiceException, 'AccessDeniedException'));
    expect(await reader().keyPolicy(KEY)).toEqual({
      status: 'unreadable',
      reason: 'AccessDenied',
      detail: `the rule's role lacks kms:GetKeyPolicy on ${KEY}`,
    });
    expect(kmsMock).toHaveReceivedCommandWith(GetKeyPolicyCommand, { KeyId: KEY, PolicyName: 'default' });
  });

  it('a secret that is gone: unreadable (NotFound)', async () => {
    secretsMock
      .on(GetResourcePolicyCommand)
      .rejects(failure(SecretsManagerServiceException, 'ResourceNotFoundException'));
    expect(await reader().secretPolicy(SECRET)).toEqual(
      expect.objectContaining({ status: 'unreadable', reason: 'NotFound' }),
    );
  });

  it('a repository without a policy: read, no policy', async () => {
    ecrMock
      .on(GetRepositoryPolicyCommand)
      .rejects(failure(ECRServiceException, 'RepositoryPolicyNotFoundException'));
    expect(await reader().repositoryPolicy(REPO)).toEqual({ status: 'read', policy: null });
    expect(ecrMock).toHaveReceivedCommandWith(GetRepositoryPolicyCommand, {
      registryId: ACCOUNT,
      repositoryName: 'base',
    });
  });

  it('a registry without a policy: read, no policy', async () => {
    ecrMock
      .on(GetRegistryPolicyCommand)
      .rejects(failure(ECRServiceException, 'RegistryPolicyNotFoundException'));
    expect(await reader().registryPolicy(ACCOUNT, 'eu-west-1')).toEqual({ status: 'read', policy: null });
  });

  it('a key named by something else than a regional ARN: unreadable, nothing called', async () => {
    expect(await reader().keyPolicy('alias/app')).toEqual(
      expect.objectContaining({
        status: 'unreadable',
        reason: 'NotFound',
        detail: 'alias/app is not a regional ARN',
      }),
    );
    expect(kmsMock).not.toHaveReceivedCommand(GetKeyPolicyCommand);
  });

  it('any other failure fails the read, naming the call', async () => {
    kmsMock.on(GetKeyPolicyCommand).rejects(failure(KMSServiceException, 'KMSInternalException'));
    await expect(reader().keyPolicy(KEY)).rejects.toThrow(/GetKeyPolicy failed: KMSInternalException/);
  });
});

describe('AwsOrganizationPolicyReader error paths', () => {
  it('a policy type the organization has not enabled applies nowhere', async () => {
    organizationsMock
      .on(DescribeOrganizationCommand)
      .resolves({ Organization: { MasterAccountId: '999988887777' } });
    organizationsMock.on(ListParentsCommand).resolves({ Parents: [{ Id: 'r-ab12', Type: 'ROOT' }] });
    organizationsMock
      .on(ListPoliciesForTargetCommand, { Filter: 'SERVICE_CONTROL_POLICY' })
      .resolves({ Policies: [] })
      .on(ListPoliciesForTargetCommand, { Filter: 'RESOURCE_CONTROL_POLICY' })
      .rejects(failure(OrganizationsServiceException, 'PolicyTypeNotEnabledException'));

    const result = await new AwsOrganizationPolicyReader(
      new OrganizationsClient({ region: 'us-east-1' }),
    ).policiesFor(ACCOUNT);

    expect(result).toEqual({
      managementAccountId: '999988887777',
      scps: {
        levels: [
          { targetId: 'r-ab12', policies: [] },
          { targetId: ACCOUNT, policies: [] },
        ],
      },
    });
  });

  it('AccessDenied (not the management or a delegated administrator account) names the permission', async () => {
    organizationsMock
      .on(DescribeOrganizationCommand)
      .rejects(failure(OrganizationsServiceException, 'AccessDeniedException'));
    await expect(
      new AwsOrganizationPolicyReader(new OrganizationsClient({ region: 'us-east-1' })).policiesFor(ACCOUNT),
    ).rejects.toThrow(/organizations:DescribeOrganization/);
  });
});
