/**
 * The audit's layer files (--resource-policies, --organization-policies): read into the facts the rule
 * weighs, and refused with the entry named when they are not what the help describes.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditInputError } from '../../cli/audit-input';
import type { AuditRoleJson } from '../../cli/audit-report';
import { audit, SAMPLE, SAMPLE_FILES, tableVerdicts } from './audit-support';
import { organizationPoliciesFrom, resourcePoliciesFrom } from '../../cli/audit-layers';

const KEY = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf';
const REPO = 'arn:aws:ecr:eu-west-1:210987654321:repository/base';
const REGISTRY = 'arn:aws:ecr:eu-west-1:123456789012:registry';
const POLICY = { Version: '2012-10-17', Statement: [] };

describe('resourcePoliciesFrom', () => {
  it('keys each ARN by the layer it is, keeping text as given and null as "no policy"', () => {
    const read = resourcePoliciesFrom(
      {
        [KEY]: POLICY,
        [SECRET]: null,
        [REPO]: JSON.stringify(POLICY),
        [REGISTRY]: POLICY,
        'arn:aws:s3:::acme-config': POLICY,
      },
      'f',
    );
    expect([...read.entries()]).toEqual([
      [`keyPolicy ${KEY}`, { status: 'read', policy: JSON.stringify(POLICY) }],
      [`secretPolicy ${SECRET}`, { status: 'read', policy: null }],
      [`repositoryPolicy ${REPO}`, { status: 'read', policy: JSON.stringify(POLICY) }],
      ['registryPolicy 123456789012 eu-west-1', { status: 'read', policy: JSON.stringify(POLICY) }],
      ['bucketPolicy arn:aws:s3:::acme-config', { status: 'read', policy: JSON.stringify(POLICY) }],
    ]);
  });

  it.each<[string, unknown, RegExp]>([
    ['a list', [POLICY], /object of ARN -> policy/],
    ['an alias ARN', { 'arn:aws:kms:eu-west-1:123456789012:alias/x': POLICY }, /alias\/x" is not a KMS key/],
    ['an object ARN', { 'arn:aws:s3:::bucket/key.env': POLICY }, /or S3 bucket \(arn:aws:s3:::BUCKET\) ARN/],
    ['a bucket ARN with a wildcard', { 'arn:aws:s3:::bucket*': POLICY }, /is not a KMS key, secret/],
    ['a number as policy', { [KEY]: 3 }, /expected a policy/],
  ])('refuses %s, naming it', (_label, json, problem) => {
    expect(() => resourcePoliciesFrom(json, 'f')).toThrow(AuditInputError);
    expect(() => resourcePoliciesFrom(json, 'f')).toThrow(problem);
  });
});

describe('organizationPoliciesFrom', () => {
  it('reads the levels from the root down, policy contents as text', () => {
    const read = organizationPoliciesFrom(
      {
        managementAccountId: '999999999999',
        organizationId: 'o-abc123',
        scps: { levels: [{ targetId: 'r-ab12', policies: [{ id: 'p-FullAWSAccess', content: POLICY }] }] },
      },
      'f',
    );
    expect(read).toEqual({
      managementAccountId: '999999999999',
      organizationId: 'o-abc123',
      scps: {
        levels: [
          {
            targetId: 'r-ab12',
            policies: [{ id: 'p-FullAWSAccess', name: 'p-FullAWSAccess', content: JSON.stringify(POLICY) }],
          },
        ],
      },
    });
  });

  it.each<[string, unknown, RegExp]>([
    ['no management account', { scps: { levels: [] } }, /managementAccountId/],
    [
      'a bad organization id',
      { managementAccountId: '999999999999', organizationId: 'org' },
      /organizationId/,
    ],
    ['no levels', { managementAccountId: '999999999999', scps: { levels: [] } }, /scps.levels/],
    [
      'a policy without content',
      {
        managementAccountId: '999999999999',
        rcps: { levels: [{ targetId: 'r-1', policies: [{ id: 'p-1' }] }] },
      },
      /rcps.levels\[0\].policies\[0\].content/,
    ],
  ])('refuses %s, naming the field', (_label, json, problem) => {
    expect(() => organizationPoliciesFrom(json, 'f')).toThrow(problem);
  });
});

describe('audit with layer files (the sample account)', () => {
  const POLICIES = join(SAMPLE, 'resource-policies.json');
  const PARTNER_KEY = 'arn:aws:kms:us-east-1:111122223333:key/7c0e4a9d-3b2f-4e61-8a57-d1c9b6e2f083';
  const sampleLayers = JSON.parse(readFileSync(POLICIES, 'utf8')) as Record<string, unknown>;
  const withLayers = (layers: Record<string, unknown>) => ({ '/layers.json': JSON.stringify(layers) });
  const offline = [...SAMPLE_FILES, '--resource-policies', '/layers.json'];

  it('the sample layers keep the sample verdicts, and the run does not say they were not read', async () => {
    const { code, stdout } = await audit([...SAMPLE_FILES, '--resource-policies', POLICIES]);
    expect(code).toBe(1);
    expect(tableVerdicts(stdout).get('partner-registry-execution')).toBe('COMPLIANT');
    expect(stdout).not.toContain('were not read');
  });

  it("without --resource-policies the run says the verdicts prove the roles' own policies only", async () => {
    const { stdout } = await audit(SAMPLE_FILES);
    expect(stdout).toContain('Key, secret, repository, registry and bucket policies were not read');
  });

  it('a key policy that neither names the role nor delegates makes its role NON_COMPLIANT, naming it', async () => {
    // Arrange
    const layers = {
      ...sampleLayers,
      [PARTNER_KEY]: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: 'arn:aws:iam::111122223333:role/KeyAdmins' },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      },
    };

    // Act
    const { code, stdout } = await audit([...offline, '--output', 'json'], { files: withLayers(layers) });

    // Assert
    expect(code).toBe(1);
    const partner = (JSON.parse(stdout) as AuditRoleJson[]).find(
      (r) => r.roleName === 'partner-registry-execution',
    );
    expect(partner?.compliance).toBe('NON_COMPLIANT');
    expect(partner?.findings.map((f) => f.message)).toEqual([
      `kms:Decrypt on ${PARTNER_KEY} is not allowed by its key policy (no statement names the role and the ` +
        'account root is not delegated) (needed by job definition partner-scanner:2)',
    ]);
  });

  it("this account's repository policy counts: a Deny there makes the pulling role NON_COMPLIANT, naming it", async () => {
    // Arrange: data-export-execution is COMPLIANT with the sample layers; its repository now refuses its pulls.
    const repository = 'arn:aws:ecr:us-east-1:111122223333:repository/data-export';
    expect(sampleLayers[repository]).toBeNull();
    const layers = {
      ...sampleLayers,
      [repository]: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReleasePipelineOnly',
            Effect: 'Deny',
            Principal: '*',
            Action: 'ecr:BatchGetImage',
            Condition: { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/release-*' } },
          },
        ],
      }),
    };

    // Act
    const { stdout } = await audit([...offline, '--output', 'json'], { files: withLayers(layers) });
    const { [repository]: _left, ...without } = sampleLayers;
    const missing = await audit([...offline, '--output', 'json'], { files: withLayers(without) });

    // Assert
    const role = (out: string) =>
      (JSON.parse(out) as AuditRoleJson[]).find((r) => r.roleName === 'data-export-execution');
    expect(role(stdout)?.compliance).toBe('NON_COMPLIANT');
    expect(role(stdout)?.findings.map((f) => f.message)).toEqual([
      `ecr:BatchGetImage on ${repository} is not granted: the repository policy of ${repository} denies it ` +
        '(statement ReleasePipelineOnly) (needed by job definition data-export:5)',
    ]);
    expect(role(missing.stdout)?.findings.map((f) => `${f.id} ${f.resource}`)).toEqual([
      `LAYER_UNREADABLE ${repository}`,
    ]);
  });

  it("an environment file's bucket policy counts: a Deny there refuses both S3 reads, naming it", async () => {
    // Arrange: web-frontend-execution may read its environment file (it lacks only s3:GetBucketLocation).
    const bucket = 'arn:aws:s3:::acme-app-config';
    const object = `${bucket}/web-frontend/prod.env`;
    expect(sampleLayers[bucket]).toBeNull();
    const layers = {
      ...sampleLayers,
      [bucket]: {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OnlyThroughVpce',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:*',
            Resource: [bucket, `${bucket}/*`],
            Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-0a1b2c3d' } },
          },
          {
            Sid: 'DenyAllButPipeline',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:GetObject',
            Resource: `${bucket}/*`,
            Condition: { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::111122223333:role/release-*' } },
          },
        ],
      },
    };

    // Act
    const { code, stdout } = await audit([...offline, '--output', 'json'], { files: withLayers(layers) });
    const { [bucket]: _left, ...without } = sampleLayers;
    const missing = await audit([...offline, '--output', 'json'], { files: withLayers(without) });

    // Assert: the principal Deny is proven; the VPC endpoint one is not proven to spare the role.
    const role = (out: string) =>
      (JSON.parse(out) as AuditRoleJson[]).find((r) => r.roleName === 'web-frontend-execution');
    expect(code).toBe(1);
    expect(role(stdout)?.findings.map((f) => f.message)).toEqual([
      `s3:GetObject on ${object} is not granted: the bucket policy of ${bucket} denies it (statement ` +
        'DenyAllButPipeline) (needed by task definition web-frontend:8)',
      `s3:GetBucketLocation on ${bucket} is not granted: no statement allows it (needed by task definition web-frontend:8)`,
    ]);
    expect(role(missing.stdout)?.findings.map((f) => `${f.id} ${f.resource}`)).toEqual([
      `ENVIRONMENT_FILES ${bucket}`,
      `LAYER_UNREADABLE ${bucket}`,
    ]);
  });

  it('a layer the file lacks fails its role by default, and is a note with --unreadable-layers report', async () => {
    const { [PARTNER_KEY]: _left, ...layers } = sampleLayers;
    const failing = await audit([...offline, '--output', 'json'], { files: withLayers(layers) });
    const reported = await audit([...offline, '--unreadable-layers', 'report', '--output', 'json'], {
      files: withLayers(layers),
    });
    const table = await audit([...offline, '--unreadable-layers', 'report'], { files: withLayers(layers) });
    const partnerOf = (out: string) =>
      (JSON.parse(out) as AuditRoleJson[]).find((r) => r.roleName === 'partner-registry-execution');
    expect(partnerOf(failing.stdout)?.findings.map((f) => f.id)).toEqual(['LAYER_UNREADABLE']);
    expect(partnerOf(reported.stdout)?.compliance).toBe('COMPLIANT');
    expect(partnerOf(reported.stdout)?.notes?.map((n) => n.resource)).toEqual([PARTNER_KEY]);
    expect(table.stdout).toMatch(
      /partner-registry-execution\s+COMPLIANT\s+note \(not counted, UnreadableLayers=report\): The key policy of/,
    );
  });

  it('an SCP that denies outside us-west-2 makes every candidate NON_COMPLIANT, naming the SCP and its OU', async () => {
    const organization = {
      managementAccountId: '999999999999',
      scps: {
        levels: [
          {
            targetId: 'r-ab12',
            policies: [
              {
                id: 'p-FullAWSAccess',
                content: {
                  Version: '2012-10-17',
                  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
                },
              },
            ],
          },
          {
            targetId: 'ou-ab12-workloads',
            policies: [
              {
                id: 'p-regions',
                content: {
                  Version: '2012-10-17',
                  Statement: [
                    {
                      Sid: 'OnlyUsWest2',
                      Effect: 'Deny',
                      NotAction: 'kms:*',
                      Resource: '*',
                      Condition: { StringNotEquals: { 'aws:RequestedRegion': 'us-west-2' } },
                    },
                  ],
                },
              },
            ],
          },
        ],
      },
    };
    const { stdout } = await audit(
      [
        ...SAMPLE_FILES,
        '--resource-policies',
        POLICIES,
        '--organization-policies',
        '/org.json',
        '--output',
        'json',
      ],
      { files: { '/org.json': JSON.stringify(organization) } },
    );
    const roles = JSON.parse(stdout) as AuditRoleJson[];
    expect(roles.filter((r) => r.compliance === 'COMPLIANT')).toEqual([]);
    expect(roles.find((r) => r.roleName === 'ecsTaskExecutionRole')?.findings[0]?.message).toContain(
      'SCP p-regions at OU ou-ab12-workloads denies it (statement OnlyUsWest2)',
    );
  });

  it.each<[string, string[], RegExp]>([
    [
      'a layer file with --live',
      ['--live', '--resource-policies', '/x.json'],
      /--resource-policies is for --input/,
    ],
    [
      'a layer file without --input',
      ['--organization-policies', '/x.json'],
      /--organization-policies needs --input or --template/,
    ],
    [
      'organization reads offline',
      [...SAMPLE_FILES, '--read-organization-policies', 'local'],
      /--read-organization-policies needs --live/,
    ],
    [
      'a bad layer mode',
      [...SAMPLE_FILES, '--unreadable-layers', 'skip'],
      /--unreadable-layers: expected "fail" or "report"/,
    ],
    [
      'a layer file that is not ARNs',
      [...SAMPLE_FILES, '--resource-policies', '/x.json'],
      /--resource-policies \/x.json: "prod\/db" is not a KMS key/,
    ],
  ])('refuses %s with exit 2, naming the flag', async (_label, argv, problem) => {
    const { code, stderr } = await audit(argv, { files: { '/x.json': '{"prod/db": null}' } });
    expect(code).toBe(2);
    expect(stderr).toMatch(problem);
  });
});
