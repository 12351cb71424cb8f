/**
 * The layer readers against moto_server: key, secret, repository and registry policies, and SCPs by level.
 */
import {
  CreateRepositoryCommand,
  ECRClient,
  PutRegistryPolicyCommand,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand,
  DescribeCreateAccountStatusCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import {
  CreateSecretCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AwsOrganizationPolicyReader, AwsResourcePolicyReader } from '../../lib/aws/layers';
import { MOTO_ACCOUNT_ID, MOTO_REGION, startMoto, TEST_CREDENTIALS, type MotoServer } from '../support/moto';

const OTHER = '444455556666';
const policy = (statement: Record<string, unknown>): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const readKey = policy({
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
  Action: 'kms:*',
  Resource: '*',
});

let moto: MotoServer;
let reader: AwsResourcePolicyReader;
let config: { endpoint: string; region: string; credentials: typeof TEST_CREDENTIALS; maxAttempts: number };

beforeAll(async () => {
  moto = await startMoto();
  config = { endpoint: moto.endpoint, region: MOTO_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 2 };
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(async () => {
  await moto.reset();
  reader = new AwsResourcePolicyReader({ accountId: MOTO_ACCOUNT_ID, clientConfig: config });
});

describe('AwsResourcePolicyReader', () => {
  it('reads a key policy once, however often it is asked', async () => {
    // Arrange
    const kms = new KMSClient(config);
    const key = await kms.send(new CreateKeyCommand({ Policy: readKey }));
    const arn = key.KeyMetadata?.Arn ?? '';

    // Act
    const [first, second] = await Promise.all([reader.keyPolicy(arn), reader.keyPolicy(arn)]);

    // Assert
    expect(first).toEqual({ status: 'read', policy: expect.stringContaining('kms:*') as unknown });
    expect(second).toBe(first);
  });

  it('names a key that does not exist as unreadable (NotFound)', async () => {
    const arn = `arn:aws:kms:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    expect(await reader.keyPolicy(arn)).toEqual(
      expect.objectContaining({ status: 'unreadable', reason: 'NotFound' }),
    );
  });

  it("does not try another account's key: unreadable (OtherAccount), naming the account", async () => {
    const arn = `arn:aws:kms:${MOTO_REGION}:${OTHER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
    expect(await reader.keyPolicy(arn)).toEqual({
      status: 'unreadable',
      reason: 'OtherAccount',
      detail: expect.stringContaining(OTHER) as unknown,
    });
  });

  it('reads a secret policy, and null for a secret without one', async () => {
    // Arrange
    const secrets = new SecretsManagerClient(config);
    const withPolicy = await secrets.send(new CreateSecretCommand({ Name: 'prod/db', SecretString: 'x' }));
    const without = await secrets.send(new CreateSecretCommand({ Name: 'prod/api', SecretString: 'x' }));
    const denyOthers = policy({
      Effect: 'Deny',
      NotPrincipal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/app` },
      Action: 'secretsmanager:GetSecretValue',
      Resource: '*',
    });
    await secrets.send(
      new PutResourcePolicyCommand({ SecretId: withPolicy.ARN, ResourcePolicy: denyOthers }),
    );

    // Act
    const read = await reader.secretPolicy(withPolicy.ARN ?? '');
    const none = await reader.secretPolicy(without.ARN ?? '');

    // Assert
    expect(read).toEqual({ status: 'read', policy: expect.stringContaining('NotPrincipal') as unknown });
    expect(none).toEqual({ status: 'read', policy: null });
  });

  it("names this account's repository that does not exist as unreadable (NotFound, RepositoryNotFoundException)", async () => {
    const arn = `arn:aws:ecr:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:repository/missing`;
    expect(await reader.repositoryPolicy(arn)).toEqual({
      status: 'unreadable',
      reason: 'NotFound',
      detail: `${arn} does not exist (RepositoryNotFoundException)`,
    });
  });

  it('reads a repository policy, null without one, and the registry policy', async () => {
    // Arrange
    const ecr = new ECRClient(config);
    const repo = await ecr.send(new CreateRepositoryCommand({ repositoryName: 'base' }));
    await ecr.send(new CreateRepositoryCommand({ repositoryName: 'plain' }));
    const pull = policy({
      Sid: 'pull',
      Effect: 'Allow',
      Principal: { AWS: OTHER },
      Action: 'ecr:BatchGetImage',
    });
    await ecr.send(new SetRepositoryPolicyCommand({ repositoryName: 'base', policyText: pull }));
    const registry = policy({
      Sid: 'cache',
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
      // moto takes only CreateRepository and ReplicateImage in a registry policy; AWS also takes the
      // pull-through-cache actions (ECR User Guide, "Private registry permissions").
      Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
      Resource: `arn:aws:ecr:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:repository/*`,
    });

    // Act
    const read = await reader.repositoryPolicy(repo.repository?.repositoryArn ?? '');
    const none = await reader.repositoryPolicy(
      `arn:aws:ecr:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:repository/plain`,
    );
    const noRegistry = await reader.registryPolicy(MOTO_ACCOUNT_ID, MOTO_REGION);
    await ecr.send(new PutRegistryPolicyCommand({ policyText: registry }));
    const registryRead = await new AwsResourcePolicyReader({
      accountId: MOTO_ACCOUNT_ID,
      clientConfig: config,
    }).registryPolicy(MOTO_ACCOUNT_ID, MOTO_REGION);

    // Assert
    expect(read).toEqual({ status: 'read', policy: expect.stringContaining('BatchGetImage') as unknown });
    expect(none).toEqual({ status: 'read', policy: null });
    expect(noRegistry).toEqual({ status: 'read', policy: null });
    expect(registryRead).toEqual({
      status: 'read',
      policy: expect.stringContaining('ecr:CreateRepository') as unknown,
    });
  });
});

describe('AwsOrganizationPolicyReader', () => {
  it('gives the SCPs of each level from the root down to the account, and the management account', async () => {
    // Arrange: root -> OU "workloads" -> a member account; a region-deny SCP on the OU.
    const organizations = new OrganizationsClient(config);
    await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
    await organizations.send(
      new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }),
    );
    const created = await organizations.send(
      new CreateAccountCommand({ AccountName: 'workload', Email: 'workload@example.com' }),
    );
    const status = await organizations.send(
      new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus?.Id }),
    );
    const accountId = status.CreateAccountStatus?.AccountId ?? '';
    const ou = await organizations.send(
      new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'workloads' }),
    );
    const ouId = ou.OrganizationalUnit?.Id ?? '';
    await organizations.send(
      new MoveAccountCommand({ AccountId: accountId, SourceParentId: rootId, DestinationParentId: ouId }),
    );
    const regionDeny = policy({
      Effect: 'Deny',
      NotAction: 'kms:*',
      Resource: '*',
      Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
    });
    const scp = await organizations.send(
      new CreatePolicyCommand({
        Name: 'region-deny',
        Description: 'eu-west-1 only',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: regionDeny,
      }),
    );
    await organizations.send(
      new AttachPolicyCommand({ PolicyId: scp.Policy?.PolicySummary?.Id, TargetId: ouId }),
    );

    // Act
    const result = await new AwsOrganizationPolicyReader(organizations).policiesFor(accountId);

    // Assert
    expect(result.managementAccountId).toBe(MOTO_ACCOUNT_ID);
    expect(result.scps?.levels.map((level) => level.targetId)).toEqual([rootId, ouId, accountId]);
    const names = result.scps?.levels.map((level) => level.policies.map((p) => p.name).sort());
    expect(names?.[1]).toContain('region-deny');
    expect(result.scps?.levels[1]?.policies.find((p) => p.name === 'region-deny')?.content).toContain(
      'aws:RequestedRegion',
    );
  });
});
