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
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  CreateSecretCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AwsOrganizationPolicyReader, AwsResourcePolicyReader } from '../../lib/aws/layers';
import { MOTO_ACCOUNT_ID, MOTO_REGION, motoForSuite } from '../support/moto';
import { seedOrganization } from '../support/seed';

const OTHER = '444455556666';
const policy = (statement: Record<string, unknown>): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: [statement] });
const readKey = policy({
  Effect: 'Allow',
  Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
  Action: 'kms:*',
  Resource: '*',
});

const moto = motoForSuite();
let reader: AwsResourcePolicyReader;

beforeEach(() => {
  reader = new AwsResourcePolicyReader({ accountId: MOTO_ACCOUNT_ID, clientConfig: moto.config });
});

describe('AwsResourcePolicyReader', () => {
  it('reads a key policy once, however often it is asked', async () => {
    // Arrange
    const kms = new KMSClient(moto.config);
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
    const secrets = new SecretsManagerClient(moto.config);
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
    const ecr = new ECRClient(moto.config);
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
      clientConfig: moto.config,
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
    const organizations = new OrganizationsClient(moto.config);
    const { rootId, ouId, accountId } = await seedOrganization(
      organizations,
      policy({
        Effect: 'Deny',
        NotAction: 'kms:*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      }),
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
