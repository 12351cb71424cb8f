/**
 * The needs only ECS task definitions have: environment files and FireLens config files in S3
 * (ENVIRONMENT_FILES, FIRELENS_CONFIG), gMSA credential specs in S3 or Parameter Store
 * (GMSA_CREDENTIAL_SPECS), and FSx for Windows File Server volumes (FSX_WINDOWS_CREDENTIALS).
 */
import type { FindingId } from '../../lib/core/model';
import { applyPlanToSnapshot, planRemediation } from '../../lib/remediation/plan';
import type {
  BatchJobDefinition,
  BucketEncryptions,
  ContainerLike,
  EcsTaskDefinition,
  EcsVolume,
  KeyMetadata,
} from '../../lib/usage/types';
import {
  ACCOUNT,
  aContainer,
  aJobDefinition,
  allow,
  aRole,
  aTaskDefinition,
  deny,
  OTHER_ACCOUNT,
  policy,
  REGION,
  type StatementJson,
} from '../builders';
import { assess, remediateTwice } from '../remediation/support';
import {
  addedBy,
  type Consumers,
  expectRepairedCompliant,
  findingLine,
  findingsOf,
  ownedPolicyAdding,
  planFor,
} from './support';

const ECS_IDS: readonly FindingId[] = [
  'ENVIRONMENT_FILES',
  'FIRELENS_CONFIG',
  'GMSA_CREDENTIAL_SPECS',
  'FSX_WINDOWS_CREDENTIALS',
  'KMS_DECRYPT',
];

const OBJECT = 'arn:aws:s3:::acme-config/web/prod.env';
const BUCKET = 'arn:aws:s3:::acme-config';
const FLUENT = 'arn:aws:s3:::acme-config/fluent-bit/extra.conf';
const SPEC_OBJECT = 'arn:aws:s3:::acme-gmsa/specs/web.json';
const SPEC_PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/gmsa/web`;
const FSX_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:fsx/admin-AbCdEf`;
const FSX_PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/fsx/admin`;
const FILE_SYSTEM = `arn:aws:fsx:${REGION}:${ACCOUNT}:file-system/fs-0123456789abcdef0`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
/** Both buckets encrypted with SSE-S3 (no KMS key): the S3 needs alone (SSE-KMS: s3-kms.test.ts). */
const SSE_S3: BucketEncryptions = new Map(
  [BUCKET, 'arn:aws:s3:::acme-gmsa'].map((bucket) => [bucket, { status: 'read', algorithm: 'AES256' }]),
);

/** ECS-only container fields, beside what aContainer builds. */
type EcsContainer = Pick<
  ContainerLike,
  'environmentFiles' | 'firelensConfiguration' | 'credentialSpecs' | 'dockerSecurityOptions'
>;

/** Task definition `web:12` whose container `app` has `extra`, and the task `volumes`. */
function task(extra: EcsContainer = {}, volumes?: readonly EcsVolume[]): EcsTaskDefinition {
  return {
    ...aTaskDefinition(),
    containerDefinitions: [{ ...aContainer({ name: 'app' }), ...extra }],
    ...(volumes ? { volumes } : {}),
  };
}

const envFile = (value: string, type = 's3'): EcsContainer => ({ environmentFiles: [{ value, type }] });
const firelens = (options: Record<string, string>): EcsContainer => ({
  firelensConfiguration: { type: 'fluentbit', options },
});
const fsxVolume = (credentialsParameter: string, fileSystemId = 'fs-0123456789abcdef0'): EcsVolume => ({
  name: 'share',
  fsxWindowsFileServerVolumeConfiguration: {
    fileSystemId,
    rootDirectory: '\\data',
    authorizationConfig: { credentialsParameter, domain: 'corp.example.com' },
  },
});

/** The ECS-need findings of the default role with `grants`, as `ID action resource reason`. */
function findings(consumers: Consumers, ...grants: StatementJson[]): string[] {
  const role = aRole(grants.length > 0 ? { inline: { files: policy(...grants) } } : {});
  return findingsOf(role, { bucketEncryptions: SSE_S3, ...consumers })
    .filter((finding) => ECS_IDS.includes(finding.id))
    .map((finding) =>
      finding.reason.kind === 'unverifiable'
        ? `${finding.id} unverifiable ${finding.reason.subject}`
        : findingLine(finding, ['id', 'action', 'resource', 'reason']),
    );
}

describe('which task definitions need what', () => {
  it.each<[string, EcsTaskDefinition, string[]]>([
    ['no ECS-only fields', task(), []],
    [
      'an environment file in S3',
      task(envFile(OBJECT)),
      [
        `ENVIRONMENT_FILES s3:GetObject ${OBJECT} noAllow`,
        `ENVIRONMENT_FILES s3:GetBucketLocation ${BUCKET} noAllow`,
      ],
    ],
    [
      'an environment file without a type (s3 is the only one)',
      task({ environmentFiles: [{ value: OBJECT }] }),
      [
        `ENVIRONMENT_FILES s3:GetObject ${OBJECT} noAllow`,
        `ENVIRONMENT_FILES s3:GetBucketLocation ${BUCKET} noAllow`,
      ],
    ],
    [
      'two files of one bucket: one bucket read',
      task({ environmentFiles: [{ value: OBJECT, type: 's3' }, { value: `${BUCKET}/web/common.env` }] }),
      [
        `ENVIRONMENT_FILES s3:GetObject ${OBJECT} noAllow`,
        `ENVIRONMENT_FILES s3:GetBucketLocation ${BUCKET} noAllow`,
        `ENVIRONMENT_FILES s3:GetObject ${BUCKET}/web/common.env noAllow`,
      ],
    ],
    [
      'FireLens config-file-type s3',
      task(firelens({ 'config-file-type': 's3', 'config-file-value': FLUENT })),
      [
        `FIRELENS_CONFIG s3:GetObject ${FLUENT} noAllow`,
        `FIRELENS_CONFIG s3:GetBucketLocation ${BUCKET} noAllow`,
      ],
    ],
    [
      'FireLens config-file-type file (inside the image)',
      task(firelens({ 'config-file-type': 'file', 'config-file-value': '/extra.conf' })),
      [],
    ],
    ['FireLens without a config file', task(firelens({ 'enable-ecs-log-metadata': 'true' })), []],
    [
      'a credential spec in S3 (GetObject only, as documented)',
      task({ credentialSpecs: [`credentialspec:${SPEC_OBJECT}`] }),
      [`GMSA_CREDENTIAL_SPECS s3:GetObject ${SPEC_OBJECT} noAllow`],
    ],
    [
      'a domainless credential spec in Parameter Store',
      task({ credentialSpecs: [`credentialspecdomainless:${SPEC_PARAMETER}`] }),
      [`GMSA_CREDENTIAL_SPECS ssm:GetParameters ${SPEC_PARAMETER} noAllow`],
    ],
    [
      'a credential spec among the Docker security options (the older Windows form)',
      task({ dockerSecurityOptions: ['no-new-privileges', `credentialspec:${SPEC_PARAMETER}`] }),
      [`GMSA_CREDENTIAL_SPECS ssm:GetParameters ${SPEC_PARAMETER} noAllow`],
    ],
    [
      'a credential spec file on the instance, and other security options',
      task({ dockerSecurityOptions: ['credentialspec:file://web.json', 'label:type:container_t'] }),
      [],
    ],
    [
      'an FSx for Windows volume with a Secrets Manager secret',
      task({}, [fsxVolume(FSX_SECRET)]),
      [
        `FSX_WINDOWS_CREDENTIALS secretsmanager:GetSecretValue ${FSX_SECRET} noAllow`,
        'FSX_WINDOWS_CREDENTIALS fsx:DescribeFileSystems * noAllow',
      ],
    ],
    [
      'an FSx for Windows volume with an SSM parameter',
      task({}, [fsxVolume(FSX_PARAMETER)]),
      [
        `FSX_WINDOWS_CREDENTIALS ssm:GetParameters ${FSX_PARAMETER} noAllow`,
        'FSX_WINDOWS_CREDENTIALS fsx:DescribeFileSystems * noAllow',
      ],
    ],
    ['a volume of another kind', task({}, [{ name: 'scratch' }]), []],
    ['an inactive revision', { ...task(envFile(OBJECT)), status: 'INACTIVE' }, []],
  ])('%s', (_case, definition, expected) => {
    // KMS keys of the secrets and parameters are AWS managed (null): no kms:Decrypt expected.
    const keys = new Map([
      [SPEC_PARAMETER, null],
      [FSX_SECRET, null],
      [FSX_PARAMETER, null],
    ]);
    expect(findings({ tasks: [definition], keys })).toEqual(expected);
  });

  it('a Batch job definition never has them (Batch has none of these fields)', () => {
    const job = aJobDefinition();
    const withFields = {
      ...job,
      containerProperties: { ...job.containerProperties, environmentFiles: [{ value: OBJECT, type: 's3' }] },
    } as BatchJobDefinition;
    expect(findings({ jobs: [withFields] })).toEqual([]);
  });

  it('a customer managed key on the credentials secret needs kms:Decrypt too', () => {
    const result = findings({
      tasks: [task({}, [fsxVolume(FSX_SECRET)])],
      keys: new Map([[FSX_SECRET, KEY]]),
    });
    expect(result).toContain(`KMS_DECRYPT kms:Decrypt ${KEY} noAllow`);
  });

  it('an unknown key on the credentials parameter fails closed', () => {
    const result = findings({ tasks: [task({}, [fsxVolume(FSX_PARAMETER)])] });
    expect(result).toContain(`KMS_DECRYPT unverifiable ${FSX_PARAMETER}`);
  });
});

describe('what grants them', () => {
  const everything = task(
    {
      ...envFile(OBJECT),
      ...firelens({ 'config-file-type': 's3', 'config-file-value': FLUENT }),
      credentialSpecs: [`credentialspec:${SPEC_OBJECT}`],
    },
    [fsxVolume(FSX_SECRET)],
  );
  const keys: KeyMetadata = new Map([[FSX_SECRET, null]]);
  const exact = [
    allow('s3:GetObject', [OBJECT, FLUENT, SPEC_OBJECT]),
    allow('s3:GetBucketLocation', BUCKET),
    allow('secretsmanager:GetSecretValue', FSX_SECRET),
    allow('fsx:DescribeFileSystems', '*'),
  ];

  it.each<[string, StatementJson[], string[]]>([
    ['each grant on its exact ARN', exact, []],
    [
      'wildcards over the buckets, the secrets and the file systems',
      [
        allow(['s3:GetObject', 's3:GetBucketLocation'], ['arn:aws:s3:::acme-*', 'arn:aws:s3:::acme-*/*']),
        allow('secretsmanager:GetSecretValue', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:fsx/*`),
        allow('fsx:Describe*', '*'),
      ],
      [],
    ],
    [
      'the object grant on the bucket ARN only (objects live under BUCKET/)',
      [...exact.slice(1), allow('s3:GetObject', BUCKET)],
      [
        `ENVIRONMENT_FILES s3:GetObject ${OBJECT} noAllow`,
        `FIRELENS_CONFIG s3:GetObject ${FLUENT} noAllow`,
        `GMSA_CREDENTIAL_SPECS s3:GetObject ${SPEC_OBJECT} noAllow`,
      ],
    ],
    [
      'the bucket grant on BUCKET/* only (GetBucketLocation is authorised on the bucket)',
      [exact[0] as StatementJson, allow('s3:GetBucketLocation', `${BUCKET}/*`), ...exact.slice(2)],
      [
        `ENVIRONMENT_FILES s3:GetBucketLocation ${BUCKET} noAllow`,
        `FIRELENS_CONFIG s3:GetBucketLocation ${BUCKET} noAllow`,
      ],
    ],
    [
      'DescribeFileSystems on the file system ARN only (the action may take no resource: not proof)',
      [...exact.slice(0, 3), allow('fsx:DescribeFileSystems', FILE_SYSTEM)],
      ['FSX_WINDOWS_CREDENTIALS fsx:DescribeFileSystems * noAllow'],
    ],
    [
      'the secret of another region',
      [
        ...exact.slice(0, 2),
        allow('secretsmanager:GetSecretValue', FSX_SECRET.replace(REGION, 'us-west-2')),
        exact[3] as StatementJson,
      ],
      [`FSX_WINDOWS_CREDENTIALS secretsmanager:GetSecretValue ${FSX_SECRET} noAllow`],
    ],
    [
      'the secret of another account',
      [
        ...exact.slice(0, 2),
        allow('secretsmanager:GetSecretValue', FSX_SECRET.replace(ACCOUNT, OTHER_ACCOUNT)),
        exact[3] as StatementJson,
      ],
      [`FSX_WINDOWS_CREDENTIALS secretsmanager:GetSecretValue ${FSX_SECRET} noAllow`],
    ],
    [
      's3:* with a Deny on the config bucket',
      [
        allow('s3:*', '*'),
        ...exact.slice(2),
        deny('s3:*', ['arn:aws:s3:::acme-config', 'arn:aws:s3:::acme-config/*']),
      ],
      [
        `ENVIRONMENT_FILES s3:GetObject ${OBJECT} explicitDeny`,
        `ENVIRONMENT_FILES s3:GetBucketLocation ${BUCKET} explicitDeny`,
        `FIRELENS_CONFIG s3:GetObject ${FLUENT} explicitDeny`,
        `FIRELENS_CONFIG s3:GetBucketLocation ${BUCKET} explicitDeny`,
      ],
    ],
  ])('%s', (_case, grants, expected) => {
    expect(findings({ tasks: [everything], keys }, ...grants)).toEqual(expected);
  });
});

describe('values that name nothing fetchable fail closed, naming the field', () => {
  const field = (path: string, value: string) => `${path} ${JSON.stringify(value)}`;
  it.each<[string, EcsTaskDefinition, string]>([
    [
      'an environment file given as an s3:// URL',
      task(envFile('s3://acme-config/web/prod.env')),
      `ENVIRONMENT_FILES unverifiable ${field('containerDefinitions[app].environmentFiles[0].value', 's3://acme-config/web/prod.env')}`,
    ],
    [
      'an environment file naming a bucket, not an object',
      task(envFile(BUCKET)),
      `ENVIRONMENT_FILES unverifiable ${field('containerDefinitions[app].environmentFiles[0].value', BUCKET)}`,
    ],
    [
      'an environment file with a region in its ARN',
      task(envFile('arn:aws:s3:eu-west-1::acme-config/a.env')),
      `ENVIRONMENT_FILES unverifiable ${field('containerDefinitions[app].environmentFiles[0].value', 'arn:aws:s3:eu-west-1::acme-config/a.env')}`,
    ],
    [
      'an environment file in an unknown partition',
      task(envFile('arn:cloud:s3:::acme-config/a.env')),
      `ENVIRONMENT_FILES unverifiable ${field('containerDefinitions[app].environmentFiles[0].value', 'arn:cloud:s3:::acme-config/a.env')}`,
    ],
    [
      'an environment file in a bucket no bucket can be called',
      task(envFile('arn:aws:s3:::Acme_Config/a.env')),
      `ENVIRONMENT_FILES unverifiable ${field('containerDefinitions[app].environmentFiles[0].value', 'arn:aws:s3:::Acme_Config/a.env')}`,
    ],
    [
      'an environment file of an unknown type',
      task(envFile(OBJECT, 'ssm')),
      `ENVIRONMENT_FILES unverifiable ${field('containerDefinitions[app].environmentFiles[0].type', 'ssm')}`,
    ],
    [
      'an environment file value that is not text',
      task({ environmentFiles: [{ value: 42 as unknown as string }] }),
      `ENVIRONMENT_FILES unverifiable ${field('containerDefinitions[app].environmentFiles[0].value', '42')}`,
    ],
    [
      'FireLens s3 without config-file-value',
      task(firelens({ 'config-file-type': 's3' })),
      `FIRELENS_CONFIG unverifiable ${field('containerDefinitions[app].firelensConfiguration.options.config-file-value', '')}`,
    ],
    [
      'FireLens with an unknown config-file-type',
      task(firelens({ 'config-file-type': 'http', 'config-file-value': 'https://x/y' })),
      `FIRELENS_CONFIG unverifiable ${field('containerDefinitions[app].firelensConfiguration.options.config-file-type', 'http')}`,
    ],
    [
      'a credential spec without a known prefix',
      task({ credentialSpecs: [SPEC_OBJECT] }),
      `GMSA_CREDENTIAL_SPECS unverifiable ${field('containerDefinitions[app].credentialSpecs[0]', SPEC_OBJECT)}`,
    ],
    [
      'a credential spec naming a local file',
      task({ credentialSpecs: ['credentialspec:file://web.json'] }),
      `GMSA_CREDENTIAL_SPECS unverifiable ${field('containerDefinitions[app].credentialSpecs[0]', 'credentialspec:file://web.json')}`,
    ],
    [
      'a credential spec in Secrets Manager (only S3 or SSM are read)',
      task({ credentialSpecs: [`credentialspec:${FSX_SECRET}`] }),
      `GMSA_CREDENTIAL_SPECS unverifiable ${field('containerDefinitions[app].credentialSpecs[0]', FSX_SECRET)}`,
    ],
    [
      'a credential spec with a malformed SSM ARN',
      task({ credentialSpecs: ['credentialspec:arn:aws:ssm:eu-west-1:1:parameter/x'] }),
      `GMSA_CREDENTIAL_SPECS unverifiable ${field('containerDefinitions[app].credentialSpecs[0]', 'arn:aws:ssm:eu-west-1:1:parameter/x')}`,
    ],
    [
      'a Docker security option naming a credential spec in Secrets Manager',
      task({ dockerSecurityOptions: [`credentialspec:${FSX_SECRET}`] }),
      `GMSA_CREDENTIAL_SPECS unverifiable ${field('containerDefinitions[app].dockerSecurityOptions[0]', FSX_SECRET)}`,
    ],
    [
      'FSx credentials given by name, not ARN',
      task({}, [fsxVolume('fsx/admin')]),
      `FSX_WINDOWS_CREDENTIALS unverifiable ${field('volumes[share].fsxWindowsFileServerVolumeConfiguration.authorizationConfig.credentialsParameter', 'fsx/admin')}`,
    ],
    [
      'FSx credentials that are an S3 ARN',
      task({}, [fsxVolume(OBJECT)]),
      `FSX_WINDOWS_CREDENTIALS unverifiable ${field('volumes[share].fsxWindowsFileServerVolumeConfiguration.authorizationConfig.credentialsParameter', OBJECT)}`,
    ],
    [
      'an FSx file system id that is not one',
      task({}, [fsxVolume(FSX_SECRET, 'my-share')]),
      `FSX_WINDOWS_CREDENTIALS unverifiable ${field('volumes[share].fsxWindowsFileServerVolumeConfiguration.fileSystemId', 'my-share')}`,
    ],
  ])('%s', (_case, definition, expected) => {
    const keys = new Map([[FSX_SECRET, null]]);
    expect(findings({ tasks: [definition], keys })).toContain(expected);
  });

  it('a definition with fields of the wrong shape is judged, not thrown on', () => {
    const odd = {
      ...task(),
      containerDefinitions: [
        { name: 'app', environmentFiles: 'x', credentialSpecs: {}, firelensConfiguration: null },
      ],
      volumes: [null, { fsxWindowsFileServerVolumeConfiguration: {} }],
    } as unknown as EcsTaskDefinition;
    expect(findings({ tasks: [odd] })).toEqual([
      `FSX_WINDOWS_CREDENTIALS unverifiable ${field('volumes[1].fsxWindowsFileServerVolumeConfiguration.fileSystemId', '')}`,
      `FSX_WINDOWS_CREDENTIALS unverifiable ${field('volumes[1].fsxWindowsFileServerVolumeConfiguration.authorizationConfig.credentialsParameter', '')}`,
    ]);
  });
});

describe('FSx credentials named by partial secret ARN', () => {
  const PARTIAL = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:fsx/admin`;
  const facts = (resolvedArns: ReadonlyMap<string, string>) => ({
    tasks: [task({}, [fsxVolume(PARTIAL)])],
    keys: new Map([[PARTIAL, null]]),
    resolvedArns,
    params: { DiscoverEcsTaskDefinitions: 'true' },
  });
  const secretFindings = (resolvedArns: ReadonlyMap<string, string>): string[] =>
    assess(aRole(), facts(resolvedArns))
      .assessment.evaluation.findings.filter((f) => f.action === 'secretsmanager:GetSecretValue')
      .map((f) => `${f.id} ${f.resource ?? ''}`);

  it('are checked as NAME-?????? until DescribeSecret resolves them, then on the full ARN', () => {
    expect(secretFindings(new Map())).toEqual([`FSX_WINDOWS_CREDENTIALS ${PARTIAL}-??????`]);
    expect(secretFindings(new Map([[PARTIAL, FSX_SECRET]]))).toEqual([
      `FSX_WINDOWS_CREDENTIALS ${FSX_SECRET}`,
    ]);
  });

  it('the remediation grants the resolved ARN, and refuses the pattern', () => {
    const role = aRole();
    const unresolved = assess(role, facts(new Map()));
    const refused = planRemediation(unresolved.assessment, role, unresolved.params, { region: REGION });
    expect(refused.refusals).toEqual([
      expect.objectContaining({
        findingId: 'FSX_WINDOWS_CREDENTIALS',
        message: expect.stringMatching(/never grants a wildcard/),
      }),
      expect.objectContaining({
        findingId: 'FSX_WINDOWS_CREDENTIALS',
        message: expect.stringMatching(/fsx:DescribeFileSystems on "\*" by hand/),
      }),
    ]);
    const resolved = assess(role, facts(new Map([[PARTIAL, FSX_SECRET]])));
    const plan = planRemediation(resolved.assessment, role, resolved.params, { region: REGION });
    expect(plan.refusals.map(({ message }) => message)).toEqual([
      expect.stringMatching(/^fsx:DescribeFileSystems on \*: /),
    ]);
    expect(plan.changes).toEqual([
      expect.objectContaining({
        added: expect.arrayContaining([{ action: 'secretsmanager:GetSecretValue', resource: FSX_SECRET }]),
      }),
    ]);
  });
});

describe('remediation', () => {
  const facts = {
    tasks: [
      task(
        {
          ...envFile(OBJECT),
          ...firelens({ 'config-file-type': 's3', 'config-file-value': FLUENT }),
          credentialSpecs: [`credentialspec:${SPEC_PARAMETER}`],
        },
        [fsxVolume(FSX_SECRET)],
      ),
    ],
    keys: new Map([
      [FSX_SECRET, null],
      [SPEC_PARAMETER, null],
    ]),
    bucketEncryptions: SSE_S3,
    params: { DiscoverEcsTaskDefinitions: 'true' },
  };

  // fsx:DescribeFileSystems is proven only on "*", which the remediation never grants: granted by hand here.
  const byHand = { inline: { fsx: policy(allow('fsx:DescribeFileSystems', '*')) } };

  it('refuses DescribeFileSystems on "*" with the statement to add by hand, and grants nothing for it', () => {
    // Arrange
    const role = aRole();

    // Act
    const plan = planFor(role, facts);

    // Assert
    expect(plan.refusals).toEqual([
      expect.objectContaining({
        findingId: 'FSX_WINDOWS_CREDENTIALS',
        message: expect.stringMatching(/Add a statement allowing fsx:DescribeFileSystems on "\*" by hand/),
      }),
    ]);
    const added = addedBy(plan);
    expect(added.map(({ action }) => action)).not.toContain('fsx:DescribeFileSystems');
  });

  it('grants each read on its exact ARN, and the role is then compliant; a second run adds nothing', () => {
    // Arrange
    const role = aRole(byHand);

    // Act
    const plan = planFor(role, facts);

    // Assert
    expect(plan.refusals).toEqual([]);
    expect(plan.changes).toEqual(
      ownedPolicyAdding(
        expect.arrayContaining([
          { action: 's3:GetObject', resource: OBJECT },
          { action: 's3:GetObject', resource: FLUENT },
          { action: 's3:GetBucketLocation', resource: BUCKET },
          { action: 'ssm:GetParameters', resource: SPEC_PARAMETER },
          { action: 'secretsmanager:GetSecretValue', resource: FSX_SECRET },
        ]),
      ),
    );
    const added = addedBy(plan);
    expect(added).toHaveLength(5);
    expect(added.every(({ resource }) => !resource.includes('*'))).toBe(true);
    expectRepairedCompliant(role, plan, facts);
  });

  it('is applied through IAM past the remediation guard, then nothing is left to do', async () => {
    // Arrange
    const role = aRole(byHand);

    // Act
    const { report, second, iam } = await remediateTwice(role, facts);

    // Assert
    expect(report).toMatchObject({ outcome: 'applied', refusals: [] });
    expect(JSON.parse(report.after.ownedInlinePolicy ?? 'null')).toMatchObject({
      Statement: expect.arrayContaining([
        {
          Sid: 'ExecutionRoleCheckS3Objects',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: [FLUENT, OBJECT],
        },
        {
          Sid: 'ExecutionRoleCheckS3Buckets',
          Effect: 'Allow',
          Action: 's3:GetBucketLocation',
          Resource: [BUCKET],
        },
      ]),
    });
    expect(second.outcome).toBe('compliant');
    expect(iam.writes.map((write) => write.call)).toEqual(['putRolePolicy']);
  });

  it('merges into the statements it already owns (resources sorted)', () => {
    // Arrange: a first task definition was fixed earlier
    const role = aRole();
    const first = { ...facts, tasks: [task(envFile(OBJECT))] };
    const once = assess(role, first);
    const repaired = applyPlanToSnapshot(
      role,
      planRemediation(once.assessment, role, once.params, { region: REGION }).changes,
    );

    // Act: a second file of the same bucket appears
    const second = {
      ...facts,
      tasks: [task({ environmentFiles: [{ value: OBJECT }, { value: `${BUCKET}/b.env` }] })],
    };
    const again = assess(repaired, second);
    const plan = planRemediation(again.assessment, repaired, again.params, { region: REGION });

    // Assert
    expect(plan.changes).toEqual([
      expect.objectContaining({ added: [{ action: 's3:GetObject', resource: `${BUCKET}/b.env` }] }),
    ]);
    const document = JSON.parse((plan.changes[0] as { document: string }).document) as {
      Statement: { Sid: string; Resource: string[] }[];
    };
    expect(document.Statement.find((s) => s.Sid === 'ExecutionRoleCheckS3Objects')?.Resource).toEqual([
      `${BUCKET}/b.env`,
      OBJECT,
    ]);
  });

  it.each<[string, StatementJson, FindingId]>([
    ['a Deny on the bucket', deny('s3:GetBucketLocation', BUCKET), 'ENVIRONMENT_FILES'],
    ['a Deny on FSx', deny('fsx:*'), 'FSX_WINDOWS_CREDENTIALS'],
  ])('refuses what %s blocks', (_case, statement, id) => {
    const role = aRole({ inline: { guard: policy(statement) } });
    const plan = planFor(role, facts);
    expect(plan.refusals).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ findingId: id, message: expect.stringMatching(/Deny/) }),
      ]),
    );
  });

  it('refuses what the permissions boundary blocks', () => {
    const role = aRole({
      boundary: { document: policy(allow(['ecr:*', 'logs:*', 'secretsmanager:*', 'ssm:*'])) },
    });
    const plan = planFor(role, facts);
    expect(plan.refusals.map((refusal) => refusal.findingId)).toEqual(
      expect.arrayContaining(['ENVIRONMENT_FILES', 'FIRELENS_CONFIG', 'FSX_WINDOWS_CREDENTIALS']),
    );
    expect(plan.refusals.every((refusal) => refusal.findingId !== 'GMSA_CREDENTIAL_SPECS')).toBe(true);
  });

  it('refuses an unusable value: the exact grant is unknown', () => {
    const role = aRole();
    const plan = planFor(role, { ...facts, tasks: [task(envFile('s3://acme-config/x.env'))] });
    expect(plan.changes).toEqual([]);
    expect(plan.refusals).toEqual([
      expect.objectContaining({
        findingId: 'ENVIRONMENT_FILES',
        message: expect.stringContaining('s3://acme-config/x.env'),
      }),
    ]);
  });
});
