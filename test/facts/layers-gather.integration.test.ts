/**
 * The layers through gather.ts and into the verdict, against moto_server: a key policy, a secret policy, the
 * repository policy of this account's repository and the organization's SCPs are read by the real adapters,
 * once each, and decide the role's verdict.
 */
import {
  CreateRepositoryCommand,
  DeleteRepositoryCommand,
  ECRClient,
  SetRepositoryPolicyCommand,
} from '@aws-sdk/client-ecr';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import {
  CreateSecretCommand,
  PutResourcePolicyCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AwsResourcePolicyReader, organizationPolicyReaderFor } from '../../lib/aws/layers';
import { gatherLayers, indexUsage } from '../../lib/facts/gather';
import type { ResourcePolicyReader } from '../../lib/facts/layer-ports';
import { DEFAULT_RULE_PARAMETERS, type RuleParameters } from '../../lib/parameters';
import { assessRole, layerTargetsForRole } from '../../lib/rule/assess-role';
import type { RuleLocation } from '../../lib/usage/types';
import {
  aJobDefinition,
  allow,
  aRole,
  ECR_REPOSITORY_ARN,
  policy,
  REGION,
  type RoleOptions,
} from '../builders';
import { MOTO_ACCOUNT_ID, MOTO_REGION, motoForSuite } from '../support/moto';
import { seedOrganization } from '../support/seed';

const LOCATION: RuleLocation = { region: MOTO_REGION, accountId: MOTO_ACCOUNT_ID, partition: 'aws' };
const ROLE_ARN = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ecsTaskExecutionRole`;
const text = (...statements: Record<string, unknown>[]): string =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });

const moto = motoForSuite();

beforeEach(async () => {
  // The jobs' image is this account's `etl` repository (test/builders.ts), which has no policy unless a test sets one.
  await ecrClient().send(new CreateRepositoryCommand({ repositoryName: 'etl' }));
});

/** ECR in the region of the jobs' image. */
const ecrClient = () => new ECRClient({ ...moto.config, region: REGION });

/** A reader that counts the reads it passes on. */
function counting(reader: ResourcePolicyReader): { reader: ResourcePolicyReader; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    reader: {
      keyPolicy: (arn) => (calls.push(`key ${arn}`), reader.keyPolicy(arn)),
      secretPolicy: (arn) => (calls.push(`secret ${arn}`), reader.secretPolicy(arn)),
      repositoryPolicy: (arn) => (calls.push(`repository ${arn}`), reader.repositoryPolicy(arn)),
      registryPolicy: (account, region) => (
        calls.push(`registry ${account}`),
        reader.registryPolicy(account, region)
      ),
      bucketPolicy: (arn) => (calls.push(`bucket ${arn}`), reader.bucketPolicy(arn)),
    },
  };
}

/** A customer managed key with `keyPolicy`, and a secret encrypted with it. */
async function seedSecret(keyPolicy: string): Promise<{ keyArn: string; secretArn: string }> {
  const key = await new KMSClient(moto.config).send(new CreateKeyCommand({ Policy: keyPolicy }));
  const keyArn = key.KeyMetadata?.Arn ?? '';
  const secret = await new SecretsManagerClient(moto.config).send(
    new CreateSecretCommand({ Name: 'prod/db', SecretString: 'x', KmsKeyId: keyArn }),
  );
  return { keyArn, secretArn: secret.ARN ?? '' };
}

async function verdictOf(
  keyArn: string,
  secretArn: string,
  roles: number,
  params: RuleParameters = DEFAULT_RULE_PARAMETERS,
) {
  const { reader, calls } = counting(
    new AwsResourcePolicyReader({ accountId: MOTO_ACCOUNT_ID, clientConfig: moto.config }),
  );
  const role = aRole({
    accountId: MOTO_ACCOUNT_ID,
    inline: { secrets: policy(allow(['secretsmanager:GetSecretValue', 'kms:Decrypt'], [secretArn, keyArn])) },
  });
  // Several job definitions (and roles) share the secret: each layer is still read once.
  const jobs = Array.from({ length: roles }, (_, i) =>
    aJobDefinition({ jobDefinitionName: `etl-${i}`, executionRoleArn: ROLE_ARN, secrets: { DB: secretArn } }),
  );
  const usage = indexUsage({ jobDefinitions: jobs, taskDefinitions: [] }, LOCATION);
  const keys = new Map([[secretArn, keyArn]]);
  const targets = layerTargetsForRole(role, usage, keys, params, LOCATION);
  const layers = await gatherLayers({ resources: reader }, targets.values(), MOTO_ACCOUNT_ID, params);
  const assessment = assessRole(role, usage, keys, params, LOCATION, layers);
  if (!assessment.applicable) throw new Error(assessment.reason);
  return { assessment, calls };
}

describe('gatherLayers with the SDK readers (moto)', () => {
  it('a key policy delegating to IAM and no secret policy: COMPLIANT, each layer read once', async () => {
    // Arrange
    const { keyArn, secretArn } = await seedSecret(
      text({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
        Action: 'kms:*',
        Resource: '*',
      }),
    );

    // Act
    const { assessment, calls } = await verdictOf(keyArn, secretArn, 3);

    // Assert
    expect(assessment.evaluation.compliance).toBe('COMPLIANT');
    expect(calls.sort()).toEqual([
      `key ${keyArn}`,
      `repository ${ECR_REPOSITORY_ARN}`,
      `secret ${secretArn}`,
    ]);
  });

  it('a key policy that neither names the role nor delegates: the key policy refuses', async () => {
    const { keyArn, secretArn } = await seedSecret(
      text({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/KeyAdmins` },
        Action: 'kms:*',
        Resource: '*',
      }),
    );
    const { assessment } = await verdictOf(keyArn, secretArn, 1);
    expect(assessment.evaluation.compliance).toBe('NON_COMPLIANT');
    expect(assessment.evaluation.findings.map((f) => `${f.id} ${f.reason.kind}`)).toEqual([
      'KMS_DECRYPT layerNoAllow',
    ]);
  });

  it('a secret policy DenyOthers stored in Secrets Manager denies the role, naming the statement', async () => {
    // Arrange
    const { keyArn, secretArn } = await seedSecret(
      text({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
        Action: 'kms:*',
        Resource: '*',
      }),
    );
    await new SecretsManagerClient(moto.config).send(
      new PutResourcePolicyCommand({
        SecretId: secretArn,
        ResourcePolicy: text({
          Sid: 'DenyOthers',
          Effect: 'Deny',
          Principal: '*',
          Action: 'secretsmanager:GetSecretValue',
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/app` } },
        }),
      }),
    );

    // Act
    const { assessment } = await verdictOf(keyArn, secretArn, 1);

    // Assert
    expect(assessment.applicable && assessment.annotation).toContain('denies secretsmanager:GetSecretValue');
    expect(assessment.applicable && assessment.annotation).toContain('(statement DenyOthers)');
  });

  it('a key that does not exist is named (NotFound): a failure by default, a note with report', async () => {
    const { secretArn } = await seedSecret(
      text({
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:root` },
        Action: 'kms:*',
        Resource: '*',
      }),
    );
    const missingKey = `arn:aws:kms:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

    const failing = await verdictOf(missingKey, secretArn, 1);
    const reported = await verdictOf(missingKey, secretArn, 1, {
      ...DEFAULT_RULE_PARAMETERS,
      unreadableLayers: 'report',
    });

    expect(failing.assessment.evaluation.findings.map((f) => f.id)).toEqual(['LAYER_UNREADABLE']);
    expect(reported.assessment.evaluation.compliance).toBe('COMPLIANT');
    expect(reported.assessment.applicable && reported.assessment.annotation).toContain('not read (NotFound)');
  });
});

describe("this account's repository policy through gather (moto ECR)", () => {
  /** The verdict of a role whose `jobs` job definitions pull this account's `etl` image. */
  async function pullVerdict(roleOptions: RoleOptions, jobs: number, params = DEFAULT_RULE_PARAMETERS) {
    const { reader, calls } = counting(
      new AwsResourcePolicyReader({ accountId: MOTO_ACCOUNT_ID, clientConfig: moto.config }),
    );
    const role = aRole({ accountId: MOTO_ACCOUNT_ID, ...roleOptions });
    const usage = indexUsage(
      {
        jobDefinitions: Array.from({ length: jobs }, (_, i) =>
          aJobDefinition({ jobDefinitionName: `etl-${i}`, executionRoleArn: ROLE_ARN }),
        ),
        taskDefinitions: [],
      },
      LOCATION,
    );
    const targets = layerTargetsForRole(role, usage, new Map(), params, LOCATION);
    const layers = await gatherLayers({ resources: reader }, targets.values(), MOTO_ACCOUNT_ID, params);
    const assessment = assessRole(role, usage, new Map(), params, LOCATION, layers);
    if (!assessment.applicable) throw new Error(assessment.reason);
    return { assessment, calls };
  }
  const setPolicy = (...statements: Record<string, unknown>[]) =>
    ecrClient().send(
      new SetRepositoryPolicyCommand({ repositoryName: 'etl', policyText: text(...statements) }),
    );
  const pulls = ['ecr:BatchGetImage', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer'];

  it('a Deny in the repository policy wins over the managed policy, named, and read once for every job', async () => {
    // Arrange
    await setPolicy({
      Sid: 'OnlyCi',
      Effect: 'Deny',
      Principal: '*',
      Action: pulls,
      Condition: { StringNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/ci` } },
    });

    // Act
    const { assessment, calls } = await pullVerdict({}, 3);

    // Assert
    expect(assessment.evaluation.compliance).toBe('NON_COMPLIANT');
    expect(assessment.evaluation.findings.map((f) => `${f.id} ${f.action} ${f.reason.kind}`)).toEqual([
      'EXEC_PERMISSIONS ecr:BatchCheckLayerAvailability layerDeny',
      'EXEC_PERMISSIONS ecr:GetDownloadUrlForLayer layerDeny',
      'EXEC_PERMISSIONS ecr:BatchGetImage layerDeny',
    ]);
    expect(assessment.evaluation.findings[0]?.message).toContain(
      `the repository policy of ${ECR_REPOSITORY_ARN} denies it (statement OnlyCi)`,
    );
    expect(calls).toEqual([`repository ${ECR_REPOSITORY_ARN}`]);
  });

  it('a repository policy naming the role grants the pulls its own policies lack', async () => {
    // Arrange: the role may get a token and write logs, but pull nothing by itself.
    await setPolicy({ Sid: 'EtlJobs', Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: pulls });
    const noPulls: RoleOptions = {
      managed: [],
      inline: {
        base: policy(allow(['ecr:GetAuthorizationToken', 'logs:CreateLogStream', 'logs:PutLogEvents'])),
      },
    };

    // Act
    const granted = await pullVerdict(noPulls, 1);
    await ecrClient().send(
      new SetRepositoryPolicyCommand({
        repositoryName: 'etl',
        policyText: text({
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/other` },
          Action: pulls,
        }),
      }),
    );
    const other = await pullVerdict(noPulls, 1);

    // Assert
    expect(granted.assessment.evaluation.compliance).toBe('COMPLIANT');
    expect(other.assessment.evaluation.findings.map((f) => `${f.action} ${f.reason.kind}`)).toEqual([
      'ecr:BatchCheckLayerAvailability noAllow',
      'ecr:GetDownloadUrlForLayer noAllow',
      'ecr:BatchGetImage noAllow',
    ]);
  });

  it('a repository without a policy leaves the identity side alone', async () => {
    const { assessment } = await pullVerdict({}, 1);
    expect(assessment.evaluation.compliance).toBe('COMPLIANT');
  });

  it('a repository that does not exist is named (NotFound): a failure by default, a note with report', async () => {
    // Arrange
    await ecrClient().send(new DeleteRepositoryCommand({ repositoryName: 'etl' }));

    // Act
    const failing = await pullVerdict({}, 1);
    const reported = await pullVerdict({}, 1, { ...DEFAULT_RULE_PARAMETERS, unreadableLayers: 'report' });

    // Assert
    expect(failing.assessment.evaluation.findings.map((f) => `${f.id} ${f.resource}`)).toEqual([
      `LAYER_UNREADABLE ${ECR_REPOSITORY_ARN}`,
    ]);
    expect(failing.assessment.applicable && failing.assessment.annotation).toContain(
      'Repository policy of ...:repository/etl not read (NotFound)',
    );
    expect(reported.assessment.evaluation.compliance).toBe('COMPLIANT');
  });
});

describe('organization policies through gather (moto Organizations)', () => {
  it('a region-deny SCP at the OU denies the baseline in us-east-1, named with its OU', async () => {
    // Arrange: root -> OU -> member account; a Deny outside eu-west-1 on the OU.
    const organizations = new OrganizationsClient(moto.config);
    const {
      ouId,
      accountId: member,
      scpId,
    } = await seedOrganization(
      organizations,
      text({
        Sid: 'OnlyEuWest1',
        Effect: 'Deny',
        NotAction: 'kms:*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
      }),
    );
    const params: RuleParameters = { ...DEFAULT_RULE_PARAMETERS, organizationPolicies: { mode: 'local' } };
    const organization = organizationPolicyReaderFor(params.organizationPolicies, moto.config);
    const location: RuleLocation = { ...LOCATION, accountId: member };
    const role = aRole({ accountId: member });
    const usage = indexUsage({ jobDefinitions: [], taskDefinitions: [] }, location);

    // Act
    const layers = await gatherLayers(
      {
        resources: new AwsResourcePolicyReader({ accountId: member, clientConfig: moto.config }),
        ...(organization ? { organization } : {}),
      },
      [],
      member,
      params,
    );
    const assessment = assessRole(role, usage, new Map(), params, location, layers);

    // Assert
    if (!assessment.applicable) throw new Error(assessment.reason);
    expect(assessment.evaluation.compliance).toBe('NON_COMPLIANT');
    expect(assessment.evaluation.findings[0]?.message).toContain(
      `SCP ${scpId} at OU ${ouId} denies it (statement OnlyEuWest1)`,
    );
  });

  it('is not read when OrganizationPolicies is off', () => {
    expect(organizationPolicyReaderFor({ mode: 'off' }, moto.config)).toBeUndefined();
  });
});
