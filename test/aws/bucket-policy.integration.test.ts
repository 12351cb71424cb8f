/**
 * S3 bucket policies as a layer against a real moto_server: GetBucketPolicy through the layer reader, then a
 * bucket policy Deny on an environment file's bucket that the role's own grants cannot outweigh.
 */
import { CreateBucketCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
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

beforeAll(async () => {
  moto = await startMoto();
  clients = clientsFor(moto.endpoint);
});
afterAll(async () => {
  await moto?.stop();
});
beforeEach(() => moto.reset());

const reader = (): AwsResourcePolicyReader =>
  new AwsResourcePolicyReader({
    accountId: MOTO_ACCOUNT_ID,
    clientConfig: { endpoint: moto.endpoint, region: MOTO_REGION, credentials: TEST_CREDENTIALS },
  });

/** A bucket of the moto account, with `policy` as its bucket policy when given. */
async function bucket(name: string, policy?: object): Promise<string> {
  await clients.s3.send(new CreateBucketCommand({ Bucket: name }));
  if (policy !== undefined) {
    await clients.s3.send(new PutBucketPolicyCommand({ Bucket: name, Policy: JSON.stringify(policy) }));
  }
  return `arn:aws:s3:::${name}`;
}

const denyAll = (arn: string) => ({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'OnlyPipeline', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [arn, `${arn}/*`] },
  ],
});

describe('bucketPolicy through GetBucketPolicy', () => {
  it('reads a bucket policy, null for a bucket without one, and a missing bucket as NotFound', async () => {
    // Arrange
    const plain = await bucket('plain-config');
    const guarded = await bucket('guarded-config', denyAll('arn:aws:s3:::guarded-config'));
    const layers = reader();

    // Act
    const [none, read, missing] = await Promise.all(
      [plain, guarded, 'arn:aws:s3:::no-such-config'].map((arn) => layers.bucketPolicy(arn)),
    );

    // Assert
    expect(none).toEqual({ status: 'read', policy: null });
    expect(read).toEqual({ status: 'read', policy: expect.stringContaining('OnlyPipeline') as unknown });
    expect(missing).toEqual({
      status: 'unreadable',
      reason: 'NotFound',
      detail: 'arn:aws:s3:::no-such-config does not exist (NoSuchBucket)',
    });
  });
});

describe('an environment file whose bucket policy denies the role, end to end', () => {
  async function seed(policy: (arn: string) => object | undefined) {
    const config = await bucket('web-config', policy('arn:aws:s3:::web-config'));
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
    return {
      role,
      deps: {
        iam: new AwsIamReader(clients.iam),
        writer: createIamWriter(clients.iam),
        usage: new AwsUsageReader(clients, { accountId: MOTO_ACCOUNT_ID }),
        layers: () => ({ resources: reader() }),
        location: LOCATION,
        ruleParameters: JSON.stringify({ RoleNamePattern: 'none', DiscoverEcsTaskDefinitions: 'true' }),
        log: () => undefined,
      },
    };
  }

  it('the Deny keeps the role non-compliant: the remediation refuses, naming the statement to remove', async () => {
    // Arrange
    const { role, deps } = await seed(denyAll);

    // Act
    const run = remediate({ ResourceId: role.roleId, DryRun: false }, deps);

    // Assert: a real run fails the automation step with the reasons, writing nothing.
    await expect(run).rejects.toThrow(
      'Nothing was changed on role web-execution: [ENVIRONMENT_FILES] s3:GetObject on ' +
        'arn:aws:s3:::web-config/prod.env: the bucket policy of arn:aws:s3:::web-config denies it (statement ' +
        'OnlyPipeline). The remediation never edits key, resource or organization policies: its owner must ' +
        'remove or narrow that statement. [ENVIRONMENT_FILES] s3:GetBucketLocation on arn:aws:s3:::web-config: ' +
        'the bucket policy of arn:aws:s3:::web-config denies it (statement OnlyPipeline).',
    );
  });

  it('without a bucket policy the same role is compliant', async () => {
    const { role, deps } = await seed(() => undefined);
    const report = await remediate({ ResourceId: role.roleId, DryRun: false }, deps);
    expect(report.refusals).toEqual([]);
    expect(report.outcome).toBe('compliant');
  });
});
