/**
 * `audit --template` weighs the layers the template declares (key policies, secret resource policies, the
 * registry policy) beside the role's own policies; layers it does not declare are unknown offline and fail
 * closed unless --resource-policies holds them or --unreadable-layers report sets them aside.
 */
import type { AuditRoleJson } from '../../cli/audit-report';
import { templateAccount } from '../../lib/facts/template-account';
import { audit, auditJson, ids } from '../cli/audit-support';
import { extractTemplateFacts, parseTemplate } from '../../lib/template';

const TEMPLATE = 'stack.json';
const ACCOUNT = '111122223333';
const REGION = 'eu-west-1';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/app-exec`;
const OTHER_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/someone-else`;
const EXTERNAL_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0000aaaa-11bb-22cc-33dd-444444eeeeee`;
const LITERAL_ROOT = `arn:aws:iam::${ACCOUNT}:root`;
const ROOT = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' };
const ROLE_BY_NAME = { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/app-exec' };
const ENVIRONMENT = ['--region', REGION, '--account', ACCOUNT];

type Json = Record<string, unknown>;

const statement = (sid: string, principal: unknown, action: string, effect = 'Allow', extra: Json = {}) => ({
  Sid: sid,
  Effect: effect,
  Principal: { AWS: principal },
  Action: action,
  Resource: '*',
  ...extra,
});
const policy = (...statements: Json[]) => ({ Version: '2012-10-17', Statement: statements });

/** Key administration by the account root, which does not reach kms:Decrypt (no delegation of it). */
const ADMINISTER = statement('Administer', ROOT, 'kms:Put*');
const DELEGATE = statement('DelegateToIam', ROOT, 'kms:*');
const NAME_ROLE = statement('RoleDecrypts', ROLE_BY_NAME, 'kms:Decrypt');

interface Stack {
  /** The key's KeyPolicy; `null`: no KeyPolicy property. */
  readonly keyPolicy?: Json | null;
  /** The secret's KmsKeyId (default: the template's key). */
  readonly kmsKeyId?: unknown;
  /** Whether the role's own policy allows kms:Decrypt on the key (default true). */
  readonly identityDecrypt?: boolean;
  /** What the role's own kms:Decrypt names (default: the template's key). */
  readonly decryptResource?: unknown;
  /** AWS::SecretsManager::ResourcePolicy resources to add, by logical id. */
  readonly secretPolicies?: Record<string, Json>;
  /** The job's image (default: a public image, which has no layer). */
  readonly image?: unknown;
  /** Other resources to add, by logical id. */
  readonly more?: Record<string, Json>;
  /** The SecretId of the secret policies (default: a Ref to the secret). */
  readonly secretPolicyId?: unknown;
}

/** A role, the job that uses it, its secret and the key protecting it: `Stack` says how the layers read. */
function stack(options: Stack = {}): string {
  const keyProperties =
    options.keyPolicy === null ? {} : { KeyPolicy: options.keyPolicy ?? policy(DELEGATE) };
  const own = [
    { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: 'Secret' } },
    ...(options.identityDecrypt === false
      ? []
      : [
          {
            Effect: 'Allow',
            Action: 'kms:Decrypt',
            Resource: options.decryptResource ?? { 'Fn::GetAtt': ['Key', 'Arn'] },
          },
        ]),
  ];
  const resources: Json = {
    Key: { Type: 'AWS::KMS::Key', Properties: keyProperties },
    Secret: {
      Type: 'AWS::SecretsManager::Secret',
      Properties: { Name: 'app/token', KmsKeyId: options.kmsKeyId ?? { 'Fn::GetAtt': ['Key', 'Arn'] } },
    },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'app-exec',
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        },
        ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy'],
        Policies: [{ PolicyName: 'own', PolicyDocument: { Version: '2012-10-17', Statement: own } }],
      },
    },
    Job: {
      Type: 'AWS::Batch::JobDefinition',
      Properties: {
        JobDefinitionName: 'app',
        Type: 'container',
        ContainerProperties: {
          Image: options.image ?? 'public.ecr.aws/docker/library/busybox:1',
          ExecutionRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
          Secrets: [{ Name: 'TOKEN', ValueFrom: { Ref: 'Secret' } }],
        },
      },
    },
  };
  for (const [logicalId, document] of Object.entries(options.secretPolicies ?? {})) {
    resources[logicalId] = {
      Type: 'AWS::SecretsManager::ResourcePolicy',
      Properties: {
        SecretId: options.secretPolicyId ?? { Ref: 'Secret' },
        ResourcePolicy: document,
        BlockPublicPolicy: true,
      },
    };
  }
  Object.assign(resources, options.more ?? {});
  return JSON.stringify({ Parameters: { Unset: { Type: 'String' } }, Resources: resources });
}

async function judge(template: string, extra: string[] = [], files: Record<string, string> = {}) {
  const result = await auditJson(['--template', TEMPLATE, ...ENVIRONMENT, ...extra], {
    files: { [TEMPLATE]: template, ...files },
  });
  expect(result.stderr).toBe('');
  const [role] = result.roles;
  return { ...result, role: role as AuditRoleJson };
}

const findingOf = (role: AuditRoleJson, id: string) => role.findings.find((finding) => finding.id === id);

/** Denies the secret to every principal but the ones listed (a common "DenyOthers" resource policy). */
const denyOthers = (...allowed: string[]) =>
  policy(
    statement('DenyOthers', '*', 'secretsmanager:GetSecretValue', 'Deny', {
      Principal: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': allowed } },
    }),
  );

describe('audit --template: the key policy the template declares', () => {
  it.each<[string, Stack, string, string[]]>([
    ['delegating to the account root, with the role granting kms:Decrypt', {}, 'COMPLIANT', []],
    [
      'naming the role directly, with no grant of the role own',
      { keyPolicy: policy(ADMINISTER, NAME_ROLE), identityDecrypt: false },
      'COMPLIANT',
      [],
    ],
    [
      'neither delegating nor naming the role, though the role grants kms:Decrypt',
      { keyPolicy: policy(ADMINISTER) },
      'NON_COMPLIANT',
      ['KMS_DECRYPT'],
    ],
    [
      'delegating to the account root, with no grant of the role own',
      { identityDecrypt: false },
      'NON_COMPLIANT',
      ['KMS_DECRYPT'],
    ],
    [
      'absent: KMS gives the key its default policy, which delegates to IAM (the role grants kms:Decrypt)',
      { keyPolicy: null },
      'COMPLIANT',
      [],
    ],
    [
      'absent, and the role grants no kms:Decrypt: the default policy alone does not name the role',
      { keyPolicy: null, identityDecrypt: false },
      'NON_COMPLIANT',
      ['KMS_DECRYPT'],
    ],
  ])('%s: %s', async (_case, options, compliance, expected) => {
    // Act
    const { code, role } = await judge(stack(options));

    // Assert
    expect(role.compliance).toBe(compliance);
    expect(ids(role)).toEqual(expected);
    expect(code).toBe(compliance === 'COMPLIANT' ? 0 : 1);
  });

  it('a key policy that refuses is named, with why', async () => {
    // Act
    const { role } = await judge(stack({ keyPolicy: policy(ADMINISTER) }));

    // Assert
    const message = findingOf(role, 'KMS_DECRYPT')?.message ?? '';
    expect(message).toMatch(
      new RegExp(
        `^kms:Decrypt on arn:aws:kms:${REGION}:${ACCOUNT}:key/[\\w-]+ is not allowed by its key policy \\(`,
      ),
    );
    expect(message).toContain('no statement names the role and the account root is not delegated');
  });

  it('the note under the table names the key policy weighed from the template', async () => {
    // Act
    const { stdout } = await audit(['--template', TEMPLATE, ...ENVIRONMENT], {
      files: { [TEMPLATE]: stack() },
    });

    // Assert
    expect(stdout).toContain(
      "Weighed beside the roles' own policies, from the template: Secret (no resource policy); the key policy of Key.",
    );
    expect(stdout).not.toContain('unknown offline');
  });
});

describe('audit --template: values in a key policy the template does not determine', () => {
  it('an Allow naming the role by an unresolved parameter proves nothing: not proven, and named', async () => {
    // Arrange
    const template = stack({
      keyPolicy: policy(ADMINISTER, statement('RoleDecrypts', { Ref: 'Unset' }, 'kms:Decrypt')),
      identityDecrypt: false,
    });

    // Act
    const { role } = await judge(template);

    // Assert
    expect(role.compliance).toBe('NON_COMPLIANT');
    expect(ids(role)).toEqual(['KMS_DECRYPT']);
    expect(findingOf(role, 'KMS_DECRYPT')?.message).toContain(
      'Allow statements the template does not determine prove nothing: Key.KeyPolicy.Statement[1].Principal.AWS: ',
    );
  });

  it('the same Allow beside a delegation to the root: the delegation still proves the grant', async () => {
    // Arrange
    const template = stack({
      keyPolicy: policy(DELEGATE, statement('RoleDecrypts', { Ref: 'Unset' }, 'kms:Decrypt')),
    });

    // Act
    const { role } = await judge(template);

    // Assert
    expect(role.compliance).toBe('COMPLIANT');
  });

  it.each<[string, string[]]>([
    ['by default', []],
    ['even with --unreadable-layers report (it may deny)', ['--unreadable-layers', 'report']],
  ])('a Deny with an unresolved Principal may refuse: LAYER_UNREADABLE %s', async (_case, extra) => {
    // Arrange
    const template = stack({
      keyPolicy: policy(DELEGATE, statement('DenySome', { Ref: 'Unset' }, 'kms:*', 'Deny')),
    });

    // Act
    const { role } = await judge(template, extra);

    // Assert
    expect(role.compliance).toBe('NON_COMPLIANT');
    expect(ids(role)).toEqual(['LAYER_UNREADABLE']);
    expect(findingOf(role, 'LAYER_UNREADABLE')?.message).toMatch(
      /^The key policy of arn:aws:kms:\S+ could not be used \(it depends on values the template does not determine, and may deny: Key\.KeyPolicy\.Statement\[1\]\.Principal\.AWS: /,
    );
  });
});

describe('audit --template: the secret resource policy the template declares', () => {
  it.each<[string, Json | undefined, string, string[]]>([
    ['none declared (same account: the role own policies decide)', undefined, 'COMPLIANT', []],
    ['DenyOthers excluding the role', denyOthers(OTHER_ROLE_ARN), 'NON_COMPLIANT', ['SECRETS_MANAGER']],
    ['DenyOthers listing the role', denyOthers(OTHER_ROLE_ARN, ROLE_ARN), 'COMPLIANT', []],
  ])('%s: %s', async (_case, document, compliance, expected) => {
    // Act
    const { role } = await judge(stack(document ? { secretPolicies: { SecretPolicy: document } } : {}));

    // Assert
    expect(role.compliance).toBe(compliance);
    expect(ids(role)).toEqual(expected);
  });

  it('a DenyOthers that excludes the role is named by its statement', async () => {
    // Act
    const { role } = await judge(stack({ secretPolicies: { SecretPolicy: denyOthers(OTHER_ROLE_ARN) } }));

    // Assert
    expect(findingOf(role, 'SECRETS_MANAGER')?.message).toMatch(
      /^secretsmanager:GetSecretValue on arn:aws:secretsmanager:\S+:secret:app\/token-XXXXXX is not granted: the secret policy of arn:aws:secretsmanager:\S+ denies it \(statement DenyOthers\)/,
    );
  });

  it.each<[string, unknown]>([
    [
      'its partial ARN',
      { 'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:app/token' },
    ],
    ['its name', 'app/token'],
  ])(
    'a policy in another template judged together, naming the secret by %s, is weighed',
    async (_by, secretId) => {
      // Arrange: the secret and its role in one stack; the DenyOthers resource policy in another.
      const other = JSON.stringify({
        Resources: {
          SecretPolicy: {
            Type: 'AWS::SecretsManager::ResourcePolicy',
            Properties: { SecretId: secretId, ResourcePolicy: denyOthers(OTHER_ROLE_ARN) },
          },
        },
      });

      // Act
      const { role } = await judge(stack(), ['--template', 'other.json'], { 'other.json': other });

      // Assert
      expect(role.compliance).toBe('NON_COMPLIANT');
      expect(ids(role)).toEqual(['SECRETS_MANAGER']);
      expect(findingOf(role, 'SECRETS_MANAGER')?.message).toContain('denies it (statement DenyOthers)');
    },
  );

  it('a policy naming the secret by its partial ARN in the same template is weighed', async () => {
    // Act
    const { role } = await judge(
      stack({
        secretPolicies: { SecretPolicy: denyOthers(OTHER_ROLE_ARN) },
        secretPolicyId: {
          'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:app/token',
        },
      }),
    );

    // Assert
    expect(ids(role)).toEqual(['SECRETS_MANAGER']);
  });

  it('two resource policies for one secret: which stays is unknown, so neither proves anything', async () => {
    // Act
    const { role } = await judge(
      stack({ secretPolicies: { First: denyOthers(ROLE_ARN), Second: denyOthers(ROLE_ARN) } }),
    );

    // Assert
    expect(ids(role)).toEqual(['LAYER_UNREADABLE']);
    expect(findingOf(role, 'LAYER_UNREADABLE')?.message).toContain('First, Second all name this secret');
  });
});

describe("audit --template: the repository policy of the template's own repository", () => {
  const IMAGE = { 'Fn::Sub': '${AWS::AccountId}.dkr.ecr.${AWS::Region}.amazonaws.com/app:1' };
  const REPOSITORY = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/app`;
  const repository = (properties: Json = {}): Record<string, Json> => ({
    Repository: { Type: 'AWS::ECR::Repository', Properties: { RepositoryName: 'app', ...properties } },
  });
  const onlyCi = policy(
    statement('OnlyCi', '*', 'ecr:BatchGetImage', 'Deny', {
      Principal: '*',
      Condition: { StringNotEquals: { 'aws:PrincipalArn': OTHER_ROLE_ARN } },
    }),
  );

  it.each<[string, Stack, string, string[]]>([
    [
      'declared without RepositoryPolicyText: no policy, the role decides',
      { more: repository() },
      'COMPLIANT',
      [],
    ],
    [
      'declared with a policy that denies the role',
      { more: repository({ RepositoryPolicyText: onlyCi }) },
      'NON_COMPLIANT',
      ['EXEC_PERMISSIONS'],
    ],
    ['not declared: unknown offline', {}, 'NON_COMPLIANT', ['LAYER_UNREADABLE']],
    [
      'declared without RepositoryName: CloudFormation names it, so it is not this one',
      { more: { Repository: { Type: 'AWS::ECR::Repository', Properties: {} } } },
      'NON_COMPLIANT',
      ['LAYER_UNREADABLE'],
    ],
  ])('%s', async (_case, options, compliance, findingIds) => {
    const { role } = await judge(stack({ image: IMAGE, ...options }));
    expect(role.compliance).toBe(compliance);
    expect(ids(role)).toEqual(findingIds);
  });

  it.each<[string, Stack, string, string[]]>([
    [
      'declared without one: the file speaks for it (a Deny there counts)',
      { more: repository() },
      'NON_COMPLIANT',
      ['EXEC_PERMISSIONS'],
    ],
    [
      'declared with one: the template wins',
      {
        more: repository({
          RepositoryPolicyText: policy(statement('Pull', ROLE_BY_NAME, 'ecr:BatchGetImage')),
        }),
      },
      'COMPLIANT',
      [],
    ],
  ])('a --resource-policies entry for the repository, %s', async (_case, options, compliance, findingIds) => {
    // Arrange: the file holds a Deny on the repository (a policy put outside CloudFormation).
    const file = JSON.stringify({ [REPOSITORY]: onlyCi });

    // Act
    const { role } = await judge(
      stack({ image: IMAGE, ...options }),
      ['--resource-policies', 'layers.json'],
      { 'layers.json': file },
    );
    const table = await audit(
      ['--template', TEMPLATE, ...ENVIRONMENT, '--resource-policies', 'layers.json'],
      { files: { [TEMPLATE]: stack({ image: IMAGE, ...options }), 'layers.json': file } },
    );

    // Assert
    expect(role.compliance).toBe(compliance);
    expect(ids(role)).toEqual(findingIds);
    expect(
      table.stdout.includes(
        `Weighed from --resource-policies layers.json: the repository policy of ${REPOSITORY}`,
      ),
    ).toBe(compliance === 'NON_COMPLIANT');
  });

  it('a repository policy that refuses is named by its statement', async () => {
    const { role } = await judge(stack({ image: IMAGE, more: repository({ RepositoryPolicyText: onlyCi }) }));
    expect(findingOf(role, 'EXEC_PERMISSIONS')?.message).toContain(
      `ecr:BatchGetImage on ${REPOSITORY} is not granted: the repository policy of ${REPOSITORY} denies it (statement OnlyCi)`,
    );
  });
});

describe('audit --template: a key the template does not declare', () => {
  const grantOnExternal = stack({ kmsKeyId: EXTERNAL_KEY, decryptResource: EXTERNAL_KEY });

  it('is LAYER_UNREADABLE by default, named with what would supply it', async () => {
    // Act
    const { role, code } = await judge(grantOnExternal);
    const table = await audit(['--template', TEMPLATE, ...ENVIRONMENT], {
      files: { [TEMPLATE]: grantOnExternal },
    });

    // Assert
    expect(code).toBe(1);
    expect(ids(role)).toEqual(['LAYER_UNREADABLE']);
    expect(findingOf(role, 'LAYER_UNREADABLE')?.message).toContain(
      `The key policy of ${EXTERNAL_KEY} could not be used (the template does not declare it, and no --resource-policies file was given)`,
    );
    expect(table.stdout).toContain(
      `Not declared in the template and given no --resource-policies file, so unknown offline: the key policy of ${EXTERNAL_KEY}. Each fails the roles that need it (LAYER_UNREADABLE)`,
    );
  });

  it('is reported and set aside with --unreadable-layers report: the role own grant decides', async () => {
    // Act
    const { role, code } = await judge(grantOnExternal, ['--unreadable-layers', 'report']);
    const table = await audit(['--template', TEMPLATE, ...ENVIRONMENT, '--unreadable-layers', 'report'], {
      files: { [TEMPLATE]: grantOnExternal },
    });

    // Assert
    expect(code).toBe(0);
    expect(role.compliance).toBe('COMPLIANT');
    expect(role.notes?.map((note) => [note.id, note.resource])).toEqual([['LAYER_UNREADABLE', EXTERNAL_KEY]]);
    expect(table.stdout).toContain('Reported and set aside (--unreadable-layers report)');
  });

  it.each<[string, Json, string, string[]]>([
    // As `aws kms get-key-policy` prints them: the account root spelled out.
    [
      'delegating to the account root',
      policy({ ...DELEGATE, Principal: { AWS: LITERAL_ROOT } }),
      'COMPLIANT',
      [],
    ],
    [
      'not delegating',
      policy({ ...ADMINISTER, Principal: { AWS: LITERAL_ROOT } }),
      'NON_COMPLIANT',
      ['KMS_DECRYPT'],
    ],
  ])(
    'is weighed from --resource-policies when the file holds it (%s)',
    async (_case, document, compliance, expected) => {
      // Arrange
      const files = { 'layers.json': JSON.stringify({ [EXTERNAL_KEY]: document }) };

      // Act
      const { role } = await judge(grantOnExternal, ['--resource-policies', 'layers.json'], files);
      const table = await audit(
        ['--template', TEMPLATE, ...ENVIRONMENT, '--resource-policies', 'layers.json'],
        {
          files: { [TEMPLATE]: grantOnExternal, ...files },
        },
      );

      // Assert
      expect(role.compliance).toBe(compliance);
      expect(ids(role)).toEqual(expected);
      expect(table.stdout).toContain(
        `Weighed from --resource-policies layers.json: the key policy of ${EXTERNAL_KEY}.`,
      );
    },
  );
});

describe('audit --template --organization-policies', () => {
  it.each<[string, Json, string, string[]]>([
    ['FullAWSAccess alone', { Effect: 'Allow', Action: '*', Resource: '*' }, 'COMPLIANT', []],
    [
      'FullAWSAccess and an SCP denying kms:Decrypt',
      { Sid: 'NoDecrypt', Effect: 'Deny', Action: 'kms:Decrypt', Resource: '*' },
      'NON_COMPLIANT',
      ['KMS_DECRYPT'],
    ],
  ])('weighs the SCPs given beside the template: %s', async (_case, scp, compliance, expected) => {
    // Arrange
    const organization = {
      managementAccountId: '999999999999',
      scps: {
        levels: [
          {
            targetId: 'r-ab12',
            policies: [
              { id: 'p-FullAWSAccess', content: policy({ Effect: 'Allow', Action: '*', Resource: '*' }) },
              { id: 'p-extra', content: policy(scp) },
            ],
          },
        ],
      },
    };

    // Act
    const { role } = await judge(stack(), ['--organization-policies', 'org.json'], {
      'org.json': JSON.stringify(organization),
    });

    // Assert
    expect(role.compliance).toBe(compliance);
    expect(ids(role)).toEqual(expected);
  });
});

describe('templateAccount: the layers of the template', () => {
  /** The layer read for each target key, from a template with these extra resources. */
  function layersOf(resources: Json): Map<string, unknown> {
    const text = JSON.stringify({
      Parameters: { Unset: { Type: 'String' } },
      Conditions: { Unknowable: { 'Fn::Equals': [{ Ref: 'Unset' }, 'x'] } },
      Resources: resources,
    });
    const facts = extractTemplateFacts(parseTemplate(text, 't.json'), { region: REGION, accountId: ACCOUNT });
    return new Map(templateAccount([facts], new Map()).resourcePolicies);
  }
  const SECRET = { Type: 'AWS::SecretsManager::Secret', Properties: { Name: 'app/token' } };
  const SECRET_KEY = `secretPolicy arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:app/token-XXXXXX`;
  const DOCUMENT = policy(DELEGATE);
  const RESOLVED = JSON.stringify(policy({ ...DELEGATE, Principal: { AWS: LITERAL_ROOT } }));

  it('a key that may not be created has no ARN to key its policy by: none is taken', () => {
    // Act
    const layers = layersOf({
      Key: { Type: 'AWS::KMS::Key', Condition: 'Unknowable', Properties: { KeyPolicy: DOCUMENT } },
    });

    // Assert
    expect([...layers.keys()]).toEqual([]);
  });

  it.each<[string, Json, string, unknown]>([
    [
      'a registry policy: the account and region of the template',
      { Registry: { Type: 'AWS::ECR::RegistryPolicy', Properties: { PolicyText: DOCUMENT } } },
      `registryPolicy ${ACCOUNT} ${REGION}`,
      { status: 'read', policy: RESOLVED },
    ],
    [
      'a resource policy written as JSON text',
      {
        Secret: SECRET,
        Policy: {
          Type: 'AWS::SecretsManager::ResourcePolicy',
          Properties: { SecretId: 'app/token', ResourcePolicy: '{"Statement": []}' },
        },
      },
      SECRET_KEY,
      { status: 'read', policy: '{"Statement": []}' },
    ],
    [
      'a resource policy on a secret the template does not declare, by name',
      {
        Policy: {
          Type: 'AWS::SecretsManager::ResourcePolicy',
          Properties: { SecretId: 'shared/token', ResourcePolicy: DOCUMENT },
        },
      },
      `secretPolicy arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shared/token`,
      { status: 'read', policy: RESOLVED },
    ],
    [
      'a resource policy whose SecretId is unknown: it may be any declared secret',
      {
        Secret: SECRET,
        Policy: {
          Type: 'AWS::SecretsManager::ResourcePolicy',
          Properties: { SecretId: { Ref: 'Unset' }, ResourcePolicy: DOCUMENT },
        },
      },
      SECRET_KEY,
      expect.objectContaining({ status: 'unreadable', reason: 'Unresolved' }),
    ],
    [
      'a resource policy on another secret by its ARN',
      {
        Policy: {
          Type: 'AWS::SecretsManager::ResourcePolicy',
          Properties: {
            SecretId: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shared-Ab12Cd`,
            ResourcePolicy: DOCUMENT,
          },
        },
      },
      `secretPolicy arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shared-Ab12Cd`,
      { status: 'read', policy: RESOLVED },
    ],
    [
      'a resource policy without SecretId: it may be any declared secret',
      {
        Secret: SECRET,
        Policy: { Type: 'AWS::SecretsManager::ResourcePolicy', Properties: { ResourcePolicy: DOCUMENT } },
      },
      SECRET_KEY,
      expect.objectContaining({ status: 'unreadable', reason: 'Unresolved' }),
    ],
    [
      'a registry policy without PolicyText',
      { Registry: { Type: 'AWS::ECR::RegistryPolicy', Properties: {} } },
      `registryPolicy ${ACCOUNT} ${REGION}`,
      { status: 'unreadable', reason: 'Unresolved', detail: 'Registry.PolicyText: it has no PolicyText' },
    ],
    [
      'a key policy that is unknown as a whole',
      { Key: { Type: 'AWS::KMS::Key', Properties: { KeyPolicy: { 'Fn::ImportValue': 'shared-policy' } } } },
      'keyPolicy',
      expect.objectContaining({ status: 'unreadable', reason: 'Unresolved' }),
    ],
    [
      'a resource policy without ResourcePolicy',
      {
        Secret: SECRET,
        Policy: { Type: 'AWS::SecretsManager::ResourcePolicy', Properties: { SecretId: { Ref: 'Secret' } } },
      },
      SECRET_KEY,
      expect.objectContaining({
        status: 'unreadable',
        detail: 'Policy.ResourcePolicy: it has no ResourcePolicy',
      }),
    ],
  ])('%s', (_case, resources, key, expected) => {
    // Act
    const layers = layersOf(resources);

    // Assert: a key's ARN holds a placeholder id, so key policies are found by their prefix.
    const found = [...layers].find(([target]) => target === key || target.startsWith(`${key} `));
    expect(found?.[1]).toEqual(expected);
  });
});
