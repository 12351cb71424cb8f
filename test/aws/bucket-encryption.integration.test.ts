/**
 * SSE-KMS buckets of ECS environment files against a real moto_server: GetBucketEncryption through the
 * usage reader, then the remediation grants kms:Decrypt on the bucket's key and the role is COMPLIANT.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutBucketEncryptionCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from '../../lib/aws/clients';
import { AwsIamReader } from '../../lib/aws/iam';
import { createIamWriter } from '../../lib/aws/iam-writer';
import { AwsResourcePolicyReader } from '../../lib/aws/layers';
import { AwsUsageReader } from '../../lib/aws/usage';
import { remediate } from '../../lib/remediation/apply';
import type { RuleLocation } from '../../lib/usage';
import {
  clientsFor,
  MOTO_ACCOUNT_ID,
  MOTO_REGION,
  startMoto,
  TEST_CREDENTIALS,
  type MotoServer,
} from '../support/moto';
import { allow, EXECUTION_ROLE_POLICY_ARN, seedRole, seedTaskDefinition } from '../support/seed';

const LOCATION: RuleLocation = { region: MOTO_REGION, accountId: MOTO_ACCOUNT_ID, partition: 'aws' };

let moto: MotoServer;
let clients: AwsClients;
let kms: KMSClient;

beforeAll(async () => {
  moto = await startMoto();
  clients = clientsFor(moto.endpoint);
  kms = new KMSClient({ endpoint: moto.endpoint, region: MOTO_REGION, credentials: TEST_CREDENTIALS });
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(() => moto.reset());

async function customerKey(): Promise<string> {
  const created = await kms.send(new CreateKeyCommand({ Description: 'config files' }));
  const arn = created.KeyMetadata?.Arn;
  if (arn === undefined) throw new Error('CreateKey: no ARN');
  return arn;
}

async function bucket(
  name: string,
  SSEAlgorithm?: 'AES256' | 'aws:kms',
  KMSMasterKeyID?: string,
): Promise<string> {
  await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
  if (SSEAlgorithm !== undefined) {
    await clients.s3.send(
      new PutBucketEncryptionCommand({
        Bucket: name,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm, KMSMasterKeyID } }],
        },
      }),
    );
  }
  return `arn:aws:s3:::${name}`;
}

describe('bucketEncryption through GetBucketEncryption', () => {
  it('reads SSE-S3, a customer managed key and the AWS managed key; a missing bucket is unreadable', async () => {
    // Arrange
    const key = await customerKey();
    const plain = await bucket('plain-config', 'AES256');
    const customer = await bucket('kms-config', 'aws:kms', key);
    const managed = await bucket('managed-config', 'aws:kms');
    const usage = new AwsUsageReader(clients, { accountId: MOTO_ACCOUNT_ID });

    // Act
    const [a, b, c, missing] = await Promise.all(
      [plain, customer, managed, 'arn:aws:s3:::no-such-config'].map((arn) => usage.bucketEncryption(arn)),
    );

    // Assert
    expect(a).toEqual({ status: 'read', algorithm: 'AES256', region: MOTO_REGION });
    expect(b).toEqual({ status: 'read', algorithm: 'aws:kms', kmsKeyId: key, region: MOTO_REGION });
    expect(c).toEqual({ status: 'read', algorithm: 'aws:kms', region: MOTO_REGION });
    expect(missing).toEqual({
      status: 'unreadable',
      detail: 'bucket no-such-config does not exist (NoSuchBucket)',
    });
  });
});

describe('an environment file in an SSE-KMS bucket, end to end', () => {
  it('the remediation grants kms:Decrypt on the key ARN, then the role is compliant', async () => {
    // Arrange
    const key = await customerKey();
    const config = await bucket('web-config', 'aws:kms', key);
    const role = await seedRole(clients.iam, {
      name: 'web-execution',
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
      inline: { files: allow(['s3:GetObject', 's3:GetBucketLocation'], [config, `${config}/*`]) },
    });
    await seedTaskDefinition(clients.ecs, {
      family: 'web',
      executionRoleArn: role.arn,
      containers: [
        {
          name: 'app',
          image: 'busybox',
          memory: 128,
          environmentFiles: [{ type: 's3', value: `${config}/prod.env` }],
        },
      ],
    });
    const deps = {
      iam: new AwsIamReader(clients.iam),
      writer: createIamWriter(clients.iam),
      usage: new AwsUsageReader(clients, { accountId: MOTO_ACCOUNT_ID }),
      layers: () => ({
        resources: new AwsResourcePolicyReader({
          accountId: MOTO_ACCOUNT_ID,
          clientConfig: { endpoint: moto.endpoint, region: MOTO_REGION, credentials: TEST_CREDENTIALS },
        }),
      }),
      location: LOCATION,
      ruleParameters: JSON.stringify({ RoleNamePattern: 'none', DiscoverEcsTaskDefinitions: 'true' }),
      log: () => undefined,
    };

    // Act
    const first = await remediate({ ResourceId: role.roleId, DryRun: false }, deps);
    const second = await remediate({ ResourceId: role.roleId, DryRun: false }, deps);

    // Assert
    expect(first.outcome).toBe('applied');
    expect(first.refusals).toEqual([]);
    const owned = JSON.parse(first.after.ownedInlinePolicy ?? '{}') as { Statement: object[] };
    expect(owned.Statement).toEqual([
      expect.objectContaining({ Effect: 'Allow', Action: 'kms:Decrypt', Resource: [key] }),
    ]);
    expect(second.outcome).toBe('compliant');
  });
});
