/**
 * SSE-KMS on the S3 files ECS fetches with the execution role: S3 decrypts an SSE-KMS object with the
 * caller's credentials, so the role needs kms:Decrypt on the bucket's customer managed key (KMS_DECRYPT).
 * Judged from the bucket's default encryption; unknown encryption fails closed.
 */
import { indexUsage } from '../../lib/facts/gather';
import type { LayerFacts, LayerRead } from '../../lib/facts/layer-ports';
import { DEFAULT_RULE_PARAMETERS } from '../../lib/parameters';
import { applyPlanToSnapshot, planRemediation } from '../../lib/remediation/plan';
import { assessRole, layerTargetsForRole } from '../../lib/rule/assess-role';
import { applyBucketEncryption, referencedBucketArns } from '../../lib/usage';
import type { BucketEncryption, EcsTaskDefinition } from '../../lib/usage/types';
import {
  ACCOUNT,
  aContainer,
  allow,
  aRole,
  aTaskDefinition,
  deny,
  LOCATION,
  OTHER_ACCOUNT,
  policy,
  REGION,
  type StatementJson,
} from '../builders';
import { assess, remediateTwice } from '../remediation/support';

const OBJECT = 'arn:aws:s3:::acme-config/web/prod.env';
const BUCKET = 'arn:aws:s3:::acme-config';
const FLUENT_OBJECT = 'arn:aws:s3:::acme-logs/fluent-bit/extra.conf';
const FLUENT_BUCKET = 'arn:aws:s3:::acme-logs';
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${KEY_ID}`;
const S3_READS = allow(['s3:GetObject', 's3:GetBucketLocation'], [BUCKET, `${BUCKET}/*`]);

/** Task definition web:12 with one environment file in the config bucket. */
function webTask(): EcsTaskDefinition {
  return {
    ...aTaskDefinition(),
    containerDefinitions: [
      { ...aContainer({ name: 'app' }), environmentFiles: [{ value: OBJECT, type: 's3' }] },
    ],
  };
}

const read = (
  algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse',
  kmsKeyId?: string,
  region?: string,
): BucketEncryption => ({
  status: 'read',
  algorithm,
  ...(kmsKeyId !== undefined && { kmsKeyId }),
  ...(region !== undefined && { region }),
});

/** The KMS_DECRYPT findings of the role granting `grants`, as `action resource reason` or `unverifiable subject`. */
function kmsFindings(
  encryption: BucketEncryption | undefined,
  grants: StatementJson[],
  layers?: LayerFacts,
): string[] {
  const role = aRole({ inline: { files: policy(S3_READS, ...grants) } });
  const index = indexUsage({ jobDefinitions: [], taskDefinitions: [webTask()] }, LOCATION);
  const usage = applyBucketEncryption(index, new Map(encryption ? [[BUCKET, encryption]] : []));
  const params = { ...DEFAULT_RULE_PARAMETERS, discoverEcsTaskDefinitions: true };
  const assessment = assessRole(role, usage, new Map(), params, LOCATION, layers);
  if (!assessment.applicable) throw new Error(assessment.reason);
  expect(assessment.evaluation.findings.filter((f) => f.id === 'ENVIRONMENT_FILES')).toEqual([]);
  return assessment.evaluation.findings
    .filter((finding) => finding.id === 'KMS_DECRYPT')
    .map((finding) =>
      finding.reason.kind === 'unverifiable'
        ? `unverifiable ${finding.reason.subject}: ${finding.reason.problem}`
        : `${finding.action ?? ''} ${finding.resource ?? ''} ${finding.reason.kind} ${finding.neededBy.map((c) => c.name).join()}`,
    );
}

describe('SSE-KMS buckets of environment files', () => {
  it.each<[string, BucketEncryption | undefined, StatementJson[], string[]]>([
    ['bucket default SSE-S3 (AES256): no KMS need', read('AES256'), [], []],
    ['no default encryption configured: no KMS need', { status: 'read', algorithm: 'none' }, [], []],
    ['aws:kms without a key: the AWS managed key aws/s3, no grant', read('aws:kms'), [], []],
    ['aws:kms with alias/aws/s3 named', read('aws:kms', 'alias/aws/s3'), [], []],
    [
      'aws:kms with the AWS managed alias ARN',
      read('aws:kms', `arn:aws:kms:${REGION}:${ACCOUNT}:alias/aws/s3`),
      [],
      [],
    ],
    [
      'customer managed key granted exactly: compliant',
      read('aws:kms', KEY),
      [allow('kms:Decrypt', KEY)],
      [],
    ],
    [
      'customer managed key granted under kms:ViaService s3 of its region',
      read('aws:kms', KEY),
      [
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: KEY,
          Condition: { StringEquals: { 'kms:ViaService': `s3.${REGION}.amazonaws.com` } },
        },
      ],
      [],
    ],
    [
      'customer managed key not granted: names the key and the task definition',
      read('aws:kms', KEY),
      [],
      [`kms:Decrypt ${KEY} noAllow web:12`],
    ],
    [
      'dual-layer (aws:kms:dsse) is the same as aws:kms',
      read('aws:kms:dsse', KEY),
      [],
      [`kms:Decrypt ${KEY} noAllow web:12`],
    ],
    [
      'a bare key id is the key of the bucket region and the account',
      read('aws:kms', KEY_ID, 'us-west-2'),
      [allow('kms:Decrypt', KEY)],
      [`kms:Decrypt ${KEY.replace(REGION, 'us-west-2')} noAllow web:12`],
    ],
    [
      'a bare key id with no region known: the rule region',
      read('aws:kms', KEY_ID),
      [allow('kms:Decrypt', KEY)],
      [],
    ],
    [
      'granted via Secrets Manager only: S3 decrypts, so no',
      read('aws:kms', KEY),
      [
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: KEY,
          Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
        },
      ],
      [`kms:Decrypt ${KEY} noAllow web:12`],
    ],
    [
      'granted on another account key',
      read('aws:kms', KEY),
      [allow('kms:Decrypt', KEY.replace(ACCOUNT, OTHER_ACCOUNT))],
      [`kms:Decrypt ${KEY} noAllow web:12`],
    ],
    [
      'kms:* with a Deny on the key',
      read('aws:kms', KEY),
      [allow('kms:*', '*'), deny('kms:Decrypt', KEY)],
      [`kms:Decrypt ${KEY} explicitDeny web:12`],
    ],
    [
      'a key named by a customer alias cannot be checked',
      read('aws:kms', `arn:aws:kms:${REGION}:${ACCOUNT}:alias/config`),
      [allow('kms:Decrypt', '*')],
      [
        `unverifiable ${BUCKET}: cannot be checked: its default KMS key is named by alias "arn:aws:kms:${REGION}:${ACCOUNT}:alias/config", and IAM authorises kms:Decrypt on the key ARN`,
      ],
    ],
    [
      'unreadable bucket: unverifiable, naming the bucket and why',
      {
        status: 'unreadable',
        detail: `s3:GetEncryptionConfiguration on ${BUCKET} was denied (AccessDenied)`,
      },
      [allow('kms:Decrypt', '*')],
      [
        `unverifiable ${BUCKET}: cannot be checked: its default encryption is unknown (s3:GetEncryptionConfiguration on ${BUCKET} was denied (AccessDenied)), so whether its objects need a KMS key is too`,
      ],
    ],
    [
      'encryption never read: unverifiable, naming the permission',
      undefined,
      [allow('kms:Decrypt', '*')],
      [
        `unverifiable ${BUCKET}: cannot be checked: its default encryption is unknown (s3:GetEncryptionConfiguration was not read for it), so whether its objects need a KMS key is too`,
      ],
    ],
  ])('%s', (_case, encryption, grants, expected) => {
    expect(kmsFindings(encryption, grants)).toEqual(expected);
  });

  it('the requirement carries the context S3 sends, and leaves the aws:s3:arn context unknown', () => {
    // Arrange: a key policy that trusts the account only for objects of another bucket
    const keyPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
          Action: 'kms:Decrypt',
          Resource: '*',
          Condition: { StringLike: { 'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::acme-config/*' } },
        },
      ],
    });
    const layers: LayerFacts = {
      resourcePolicies: new Map([[`keyPolicy ${KEY}`, { status: 'read', policy: keyPolicy }]]),
    };

    // Act
    const found = kmsFindings(read('aws:kms', KEY), [allow('kms:Decrypt', KEY)], layers);

    // Assert: the object ARN might match, but the bucket ARN (S3 Bucket Key) would not: not proof
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(new RegExp(`^kms:Decrypt ${KEY} `));
  });

  it('the key policy is a layer: one that does not delegate to IAM refuses the identity grant', () => {
    // Arrange
    const keyPolicy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admin` },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
    const role = aRole({ inline: { files: policy(S3_READS, allow('kms:Decrypt', KEY)) } });
    const usage = applyBucketEncryption(
      indexUsage({ jobDefinitions: [], taskDefinitions: [webTask()] }, LOCATION),
      new Map([[BUCKET, read('aws:kms', KEY)]]),
    );
    const params = { ...DEFAULT_RULE_PARAMETERS, discoverEcsTaskDefinitions: true };

    // Act
    const targets = layerTargetsForRole(role, usage, new Map(), params, LOCATION);
    // Every other layer (the image's repository in this account) has no policy: only the key policy decides.
    const others = [...targets.keys()]
      .filter((key) => key !== `keyPolicy ${KEY}`)
      .map((key): [string, LayerRead] => [key, { status: 'read', policy: null }]);
    const delegating = assessRole(role, usage, new Map(), params, LOCATION, {
      resourcePolicies: new Map([
        ...others,
        [
          `keyPolicy ${KEY}`,
          {
            status: 'read',
            policy: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                  Action: 'kms:*',
                  Resource: '*',
                },
              ],
            }),
          },
        ],
      ]),
    });
    const refusing = assessRole(role, usage, new Map(), params, LOCATION, {
      resourcePolicies: new Map([...others, [`keyPolicy ${KEY}`, { status: 'read', policy: keyPolicy }]]),
    });

    // Assert
    expect([...targets.keys()]).toContain(`keyPolicy ${KEY}`);
    expect(delegating.applicable && delegating.evaluation.compliance).toBe('COMPLIANT');
    if (!refusing.applicable) throw new Error(refusing.reason);
    expect(refusing.evaluation.compliance).toBe('NON_COMPLIANT');
    expect(refusing.evaluation.findings).toEqual([
      expect.objectContaining({
        id: 'KMS_DECRYPT',
        action: 'kms:Decrypt',
        resource: KEY,
        reason: expect.objectContaining({ kind: 'layerNoAllow' }),
      }),
    ]);
  });

  it('FireLens configs and credential specs in S3 are judged the same way, per bucket', () => {
    const task: EcsTaskDefinition = {
      ...aTaskDefinition(),
      containerDefinitions: [
        {
          ...aContainer({ name: 'app' }),
          environmentFiles: [{ value: OBJECT, type: 's3' }],
          firelensConfiguration: {
            type: 'fluentbit',
            options: { 'config-file-type': 's3', 'config-file-value': FLUENT_OBJECT },
          },
        },
      ],
    };
    const index = indexUsage({ jobDefinitions: [], taskDefinitions: [task] }, LOCATION);
    expect(referencedBucketArns(index)).toEqual([BUCKET, FLUENT_BUCKET]);
    const usage = applyBucketEncryption(
      index,
      new Map([
        [BUCKET, read('AES256')],
        [FLUENT_BUCKET, read('aws:kms', KEY)],
      ]),
    );
    const role = aRole({ inline: { files: policy(allow(['s3:GetObject', 's3:GetBucketLocation'], '*')) } });
    const params = { ...DEFAULT_RULE_PARAMETERS, discoverEcsTaskDefinitions: true };
    const assessment = assessRole(role, usage, new Map(), params, LOCATION);
    if (!assessment.applicable) throw new Error(assessment.reason);
    expect(
      assessment.evaluation.findings.map((f) => `${f.id} ${f.action ?? ''} ${f.resource ?? ''}`),
    ).toEqual([`KMS_DECRYPT kms:Decrypt ${KEY}`]);
  });
});

describe('remediation of an SSE-KMS bucket key', () => {
  const facts = {
    tasks: [webTask()],
    bucketEncryptions: new Map([[BUCKET, read('aws:kms', KEY)]]),
    params: { DiscoverEcsTaskDefinitions: 'true' },
  };

  it('grants kms:Decrypt on exactly the key ARN, and the role is then compliant', () => {
    // Arrange
    const role = aRole({ inline: { files: policy(S3_READS) } });
    const { assessment, params } = assess(role, facts);

    // Act
    const plan = planRemediation(assessment, role, params, { region: REGION });
    const repaired = applyPlanToSnapshot(role, plan.changes);

    // Assert
    expect(plan.refusals).toEqual([]);
    const added = plan.changes.flatMap((change) =>
      change.kind === 'putOwnedInlinePolicy' ? change.added : [],
    );
    expect(added).toEqual([{ action: 'kms:Decrypt', resource: KEY }]);
    const after = assess(repaired, facts).assessment;
    expect(after.applicable && after.evaluation.compliance).toBe('COMPLIANT');
  });

  it('refuses under an explicit Deny, and grants nothing', () => {
    const role = aRole({ inline: { files: policy(S3_READS, deny('kms:*', '*')) } });
    const { assessment, params } = assess(role, facts);
    const plan = planRemediation(assessment, role, params, { region: REGION });
    expect(plan.changes).toEqual([]);
    expect(plan.refusals).toEqual([expect.objectContaining({ findingId: 'KMS_DECRYPT' })]);
  });

  it('an unreadable bucket is refused, not guessed at', () => {
    const role = aRole({ inline: { files: policy(S3_READS) } });
    const { assessment, params } = assess(role, { ...facts, bucketEncryptions: new Map() });
    const plan = planRemediation(assessment, role, params, { region: REGION });
    expect(plan.changes).toEqual([]);
    expect(plan.refusals).toEqual([expect.objectContaining({ findingId: 'KMS_DECRYPT' })]);
  });

  it('round trip through the remediation entry point: applied, then compliant', async () => {
    // Arrange
    const role = aRole({ inline: { files: policy(S3_READS) } });

    // Act
    const { report, second } = await remediateTwice(role, facts);

    // Assert
    expect(report).toMatchObject({ outcome: 'applied', refusals: [] });
    expect(report.after.ownedInlinePolicy).toContain(KEY);
    expect(second.outcome).toBe('compliant');
  });
});
