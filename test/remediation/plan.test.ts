import type { RoleSnapshot } from '../../lib/core/model';
import { policyText } from '../../lib/remediation/json-text';
import { applyPlanToSnapshot, planRemediation, ROLE_INLINE_POLICY_LIMIT } from '../../lib/remediation/plan';
import type { PlannedChange, RemediationPlan } from '../../lib/remediation/types';
import {
  ACCOUNT,
  aJobDefinition,
  allow,
  aRole,
  deny,
  EXECUTION_ROLE_ACTIONS,
  EXECUTION_ROLE_POLICY_ARN,
  policy,
  REGION,
  trustFor,
} from '../builders';
import { assess, type Facts } from './support';

const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`;
const OTHER_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/api-GhIjKl`;
const PARTIAL_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/partial`;
const REGISTRY_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/registry`;
const PASS_THROUGH_PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/aws/reference/secretsmanager/prod/partial`;
const PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/db/password`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const EC2_TRUST = trustFor('ec2.amazonaws.com');
const NO_MANAGED = { managed: [] };

/** AWS managed keys for every secret a test uses unless it says otherwise: no kms:Decrypt needed. */
const AWS_MANAGED_KEYS = new Map<string, string | null>([
  [SECRET, null],
  [OTHER_SECRET, null],
  [PARTIAL_SECRET, null],
  [REGISTRY_SECRET, null],
  [PASS_THROUGH_PARAMETER, null],
  [PARAMETER, null],
]);

function withDefaults(facts: Facts): Facts {
  return { ...facts, keys: facts.keys ?? AWS_MANAGED_KEYS };
}

function plan(role: RoleSnapshot, facts: Facts = {}): RemediationPlan {
  const { assessment, params } = assess(role, withDefaults(facts));
  return planRemediation(assessment, role, params, { region: REGION });
}

function change<K extends PlannedChange['kind']>(
  result: RemediationPlan,
  kind: K,
): Extract<PlannedChange, { kind: K }> {
  const found = result.changes.find((candidate) => candidate.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} change in ${JSON.stringify(result)}`);
  return found as Extract<PlannedChange, { kind: K }>;
}

function statementsOf(document: string): Record<string, unknown>[] {
  const parsed = JSON.parse(document) as { Statement: Record<string, unknown>[] };
  return parsed.Statement;
}

const jobWithSecrets = (secrets: Record<string, string>) => aJobDefinition({ secrets });

interface FixCase {
  readonly name: string;
  readonly role: RoleSnapshot;
  readonly facts?: Facts;
  readonly kinds: readonly PlannedChange['kind'][];
  readonly grants?: readonly { action: string; resource: string }[];
}

const FIXES: readonly FixCase[] = [
  {
    name: 'TRUST_ECS_TASKS: a trust for EC2 only gains the ecs-tasks statement',
    role: aRole({ trust: EC2_TRUST }),
    kinds: ['addTrustStatement'],
  },
  {
    name: 'TRUST_ECS_TASKS with RequireConfusedDeputyCondition: the statement carries aws:SourceAccount',
    role: aRole({ trust: EC2_TRUST }),
    facts: { params: { RequireConfusedDeputyCondition: 'true' } },
    kinds: ['addTrustStatement'],
  },
  {
    name: 'TRUST_ECS_TASKS: a trust with no statement at all gains its first',
    role: aRole({ trust: '{"Version":"2012-10-17","Statement":[]}' }),
    kinds: ['addTrustStatement'],
  },
  {
    name: 'EXEC_PERMISSIONS: a role with no permissions gets the managed policy attached',
    role: aRole(NO_MANAGED),
    kinds: ['attachManagedPolicy'],
  },
  {
    name: 'EXEC_PERMISSIONS: a role missing only the log actions gets the managed policy attached',
    role: aRole({ ...NO_MANAGED, inline: { ecr: policy(allow(EXECUTION_ROLE_ACTIONS.slice(0, 4))) } }),
    kinds: ['attachManagedPolicy'],
  },
  {
    name: 'EXEC_PERMISSIONS: usage-scoped ECR and log requirements are met by the managed policy',
    role: aRole(NO_MANAGED),
    facts: { jobs: [aJobDefinition()] },
    kinds: ['attachManagedPolicy'],
  },
  {
    name: 'MANAGED_POLICY_ATTACHED: inline grants suffice, but strict mode wants the attachment',
    role: aRole({ ...NO_MANAGED, inline: { exec: policy(allow([...EXECUTION_ROLE_ACTIONS])) } }),
    facts: { params: { RequireManagedPolicy: 'true' } },
    kinds: ['attachManagedPolicy'],
  },
  {
    name: 'SECRETS_MANAGER: the exact secret ARN is granted',
    role: aRole(),
    facts: { jobs: [jobWithSecrets({ DB: `${SECRET}:password::` })] },
    kinds: ['putOwnedInlinePolicy'],
    grants: [{ action: 'secretsmanager:GetSecretValue', resource: SECRET }],
  },
  {
    name: 'SECRETS_SSM: the parameter named in the job is granted by ARN',
    role: aRole(),
    facts: { jobs: [jobWithSecrets({ DB: '/prod/db/password' })] },
    kinds: ['putOwnedInlinePolicy'],
    grants: [{ action: 'ssm:GetParameters', resource: PARAMETER }],
  },
  {
    name: 'KMS_DECRYPT: a customer managed key is granted beside the secret',
    role: aRole(),
    facts: { jobs: [jobWithSecrets({ DB: SECRET })], keys: new Map([[SECRET, KEY]]) },
    kinds: ['putOwnedInlinePolicy'],
    grants: [
      { action: 'secretsmanager:GetSecretValue', resource: SECRET },
      { action: 'kms:Decrypt', resource: KEY },
    ],
  },
  {
    name: 'REGISTRY_CREDENTIALS: the private registry secret is granted',
    role: aRole(),
    facts: {
      jobs: [aJobDefinition({ image: 'registry.example.com/etl:1', credentialsParameter: OTHER_SECRET })],
    },
    kinds: ['putOwnedInlinePolicy'],
    grants: [{ action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET }],
  },
  {
    name: 'REGISTRY_CREDENTIALS by name: the full ARN DescribeSecret resolved is granted exactly',
    role: aRole(),
    facts: {
      jobs: [aJobDefinition({ image: 'registry.example.com/etl:1', credentialsParameter: 'prod/registry' })],
      resolvedArns: new Map([[REGISTRY_SECRET, `${REGISTRY_SECRET}-MnOpQr`]]),
    },
    kinds: ['putOwnedInlinePolicy'],
    grants: [{ action: 'secretsmanager:GetSecretValue', resource: `${REGISTRY_SECRET}-MnOpQr` }],
  },
  {
    name: 'SECRETS_MANAGER through a pass-through: the parameter and the resolved secret ARN are granted',
    role: aRole(),
    facts: {
      jobs: [jobWithSecrets({ A: '/aws/reference/secretsmanager/prod/partial' })],
      resolvedArns: new Map([[PARTIAL_SECRET, `${PARTIAL_SECRET}-StUvWx`]]),
    },
    kinds: ['putOwnedInlinePolicy'],
    grants: [
      { action: 'secretsmanager:GetSecretValue', resource: `${PARTIAL_SECRET}-StUvWx` },
      { action: 'ssm:GetParameters', resource: PASS_THROUGH_PARAMETER },
    ],
  },
  {
    name: 'everything at once: permissions first, trust last',
    role: aRole({ ...NO_MANAGED, trust: EC2_TRUST }),
    facts: { jobs: [jobWithSecrets({ A: SECRET, B: '/prod/db/password', C: OTHER_SECRET })] },
    kinds: ['attachManagedPolicy', 'putOwnedInlinePolicy', 'addTrustStatement'],
    grants: [
      { action: 'secretsmanager:GetSecretValue', resource: OTHER_SECRET },
      { action: 'secretsmanager:GetSecretValue', resource: SECRET },
      { action: 'ssm:GetParameters', resource: PARAMETER },
    ],
  },
];

describe('planRemediation fixes each requirement', () => {
  it.each(FIXES)('$name', ({ role, facts = {}, kinds, grants }) => {
    // Act
    const result = plan(role, facts);

    // Assert
    expect(result.refusals).toEqual([]);
    expect(result.changes.map((planned) => planned.kind)).toEqual(kinds);
    if (grants !== undefined) expect(change(result, 'putOwnedInlinePolicy').added).toEqual(grants);
  });

  it.each(FIXES)(
    'is idempotent: after applying, $name plans nothing and the role is compliant',
    ({ role, facts = {} }) => {
      // Arrange
      const first = plan(role, facts);
      const repaired = applyPlanToSnapshot(role, first.changes);

      // Act
      const second = plan(repaired, facts);
      const { assessment } = assess(repaired, withDefaults(facts));

      // Assert
      expect(second).toEqual({ changes: [], refusals: [] });
      expect(assessment.evaluation.compliance).toBe('COMPLIANT');
    },
  );

  it('plans nothing for a compliant role', () => {
    expect(plan(aRole(), { jobs: [aJobDefinition()] })).toEqual({ changes: [], refusals: [] });
  });

  it('attaches the managed policy in the role partition', () => {
    // Act
    const result = plan(aRole({ ...NO_MANAGED, partition: 'aws-cn' }));

    // Assert
    expect(change(result, 'attachManagedPolicy').policyArn).toBe(
      'arn:aws-cn:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
    );
  });
});

describe('the trust statement', () => {
  it.each([
    { requireCondition: 'false', condition: undefined },
    {
      requireCondition: 'true',
      condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } },
    },
  ])(
    'allows only ecs-tasks to sts:AssumeRole (RequireConfusedDeputyCondition=$requireCondition)',
    ({ requireCondition, condition }) => {
      // Act
      const trust = change(
        plan(aRole({ trust: EC2_TRUST }), { params: { RequireConfusedDeputyCondition: requireCondition } }),
        'addTrustStatement',
      );

      // Assert
      const expected = {
        Sid: 'ExecutionRoleCheckEcsTasks',
        Effect: 'Allow',
        Principal: { Service: 'ecs-tasks.amazonaws.com' },
        Action: 'sts:AssumeRole',
        ...(condition ? { Condition: condition } : {}),
      };
      expect(trust.statement).toEqual(expected);
      expect(statementsOf(trust.document)).toEqual([EC2_TRUST.Statement[0], expected]);
    },
  );

  it('keeps every existing statement byte for byte, whatever its formatting', () => {
    // Arrange
    const ec2 =
      '{ "Sid" : "Ec2",\t"Effect":"Allow", "Principal" : {"Service":"ec2.amazonaws.com"}, "Action":"sts:AssumeRole" }';
    const saml = `{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::${ACCOUNT}:saml-provider/\\u0041corp"},"Action":"sts:AssumeRoleWithSAML"}`;
    const prefix = `{\n    "Version" : "2012-10-17",\n    "Id": "custom",\n    "Statement": [\n        ${ec2},\n        ${saml}`;
    const suffix = '\n    ]\n}\n';
    const role = aRole({ trust: encodeURIComponent(prefix + suffix) });

    // Act
    const { document } = change(plan(role), 'addTrustStatement');

    // Assert
    expect(document.startsWith(prefix + ',\n        {')).toBe(true);
    expect(document.endsWith(suffix)).toBe(true);
    expect(statementsOf(document)).toHaveLength(3);
  });

  it('turns a single statement object into a list, keeping the object as written', () => {
    // Arrange
    const single = '{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}';
    const role = aRole({ trust: `{"Version":"2012-10-17","Statement":${single}}` });

    // Act
    const { document } = change(plan(role), 'addTrustStatement');

    // Assert
    expect(document.startsWith(`{"Version":"2012-10-17","Statement":[${single}, {"Sid":`)).toBe(true);
    expect(statementsOf(document)).toHaveLength(2);
  });
});

describe('merging with the owned inline policy', () => {
  it('keeps what it already grants and adds the missing resources, sorted', () => {
    // Arrange
    const owned = policy(
      { Sid: 'ExecutionRoleCheckSecretsManager', ...allow('secretsmanager:GetSecretValue', OTHER_SECRET) },
      { Sid: 'AddedByHand', ...allow('s3:GetObject', 'arn:aws:s3:::bucket/key') },
    );
    const role = aRole({ inline: { 'execution-role-check-grants': owned } });
    const jobs = [jobWithSecrets({ A: SECRET, B: OTHER_SECRET, C: '/prod/db/password' })];

    // Act
    const put = change(plan(role, { jobs }), 'putOwnedInlinePolicy');

    // Assert
    expect(put.added).toEqual([
      { action: 'secretsmanager:GetSecretValue', resource: SECRET },
      { action: 'ssm:GetParameters', resource: PARAMETER },
    ]);
    expect(JSON.parse(put.document)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ExecutionRoleCheckSecretsManager',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: [OTHER_SECRET, SECRET].sort(),
        },
        { Sid: 'AddedByHand', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bucket/key' },
        { Sid: 'ExecutionRoleCheckSsm', Effect: 'Allow', Action: 'ssm:GetParameters', Resource: [PARAMETER] },
      ],
    });
  });

  it('never writes any inline policy but its own', () => {
    // Arrange
    const role = aRole({ inline: { team: policy(allow('s3:GetObject', 'arn:aws:s3:::b/k')) } });

    // Act
    const result = plan(role, { jobs: [jobWithSecrets({ A: SECRET })] });

    // Assert
    expect(change(result, 'putOwnedInlinePolicy').policyName).toBe('execution-role-check-grants');
  });
});

interface RefusalCase {
  readonly name: string;
  readonly role: RoleSnapshot;
  readonly facts?: Facts;
  readonly findingId: string;
  readonly message: RegExp;
  /** Changes still planned for the other findings (apply() then applies nothing anyway). */
  readonly kinds?: readonly PlannedChange['kind'][];
}

const bigInlinePolicy = policy(
  allow(
    's3:GetObject',
    Array.from(
      { length: 240 },
      (_, index) => `arn:aws:s3:::bucket-with-a-long-name/${String(index).padStart(4, '0')}`,
    ),
  ),
);

const REFUSALS: readonly RefusalCase[] = [
  {
    name: 'an explicit Deny on a base action',
    role: aRole({ inline: { 'deny-logs': policy(deny('logs:PutLogEvents')) } }),
    findingId: 'EXEC_PERMISSIONS',
    message: /denied by .*deny-logs.*explicit Deny/,
  },
  {
    name: 'an explicit Deny on a secret',
    role: aRole({ inline: { 'deny-secrets': policy(deny('secretsmanager:*')) } }),
    facts: { jobs: [jobWithSecrets({ A: SECRET })] },
    findingId: 'SECRETS_MANAGER',
    message: /denied by/,
  },
  {
    name: 'a permissions boundary that does not allow the secret',
    role: aRole({ boundary: { document: policy(allow(['ecr:*', 'logs:*'])) } }),
    facts: { jobs: [jobWithSecrets({ A: SECRET })] },
    findingId: 'SECRETS_MANAGER',
    message: /permissions boundary/,
  },
  {
    name: 'a permissions boundary that blocks a base action',
    role: aRole({ boundary: { document: policy(allow('ecr:*')) } }),
    findingId: 'EXEC_PERMISSIONS',
    message: /permissions boundary/,
  },
  {
    name: 'a conditional grant',
    role: aRole({
      inline: {
        conditional: policy(
          allow('secretsmanager:GetSecretValue', SECRET, {
            Condition: { StringEquals: { 'aws:PrincipalTag/team': 'data' } },
          }),
        ),
      },
    }),
    facts: { jobs: [jobWithSecrets({ A: SECRET })] },
    findingId: 'SECRETS_MANAGER',
    message: /only under conditions/,
  },
  {
    name: 'registry credentials named without their suffix (the exact ARN is unknown)',
    role: aRole(),
    facts: {
      jobs: [aJobDefinition({ image: 'registry.example.com/etl:1', credentialsParameter: 'prod/registry' })],
    },
    findingId: 'REGISTRY_CREDENTIALS',
    message: /exact ARN is unknown.*never grants a wildcard/,
  },
  {
    name: 'a Parameter Store pass-through to a secret (its suffix is unknown)',
    role: aRole(),
    facts: { jobs: [jobWithSecrets({ A: '/aws/reference/secretsmanager/prod/partial' })] },
    findingId: 'SECRETS_MANAGER',
    message: /exact ARN is unknown/,
    kinds: ['putOwnedInlinePolicy'],
  },
  {
    name: 'a wildcard SecretArns rule parameter',
    role: aRole(),
    facts: { params: { SecretArns: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shared/*` } },
    findingId: 'SECRETS_MANAGER',
    message: /exact ARN is unknown/,
  },
  {
    name: 'a secret whose KMS key is unknown',
    role: aRole(),
    facts: { jobs: [jobWithSecrets({ A: SECRET })], keys: new Map() },
    findingId: 'KMS_DECRYPT',
    message: /could not be determined/,
    kinds: ['putOwnedInlinePolicy'],
  },
  {
    name: 'an unreadable inline policy',
    role: aRole({
      ...NO_MANAGED,
      inline: { broken: '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}' },
    }),
    findingId: 'POLICY_UNREADABLE',
    message: /cannot be read/,
    // The other finding is still planned for; remediate() applies nothing while any refusal stands.
    kinds: ['attachManagedPolicy'],
  },
  {
    name: 'a trust policy that Denies ecs-tasks',
    role: aRole({
      trust: policy(
        { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
        { Effect: 'Deny', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ),
    }),
    findingId: 'TRUST_ECS_TASKS',
    message: /denied by|Deny/,
  },
  {
    name: 'a bare ecs-tasks trust under RequireConfusedDeputyCondition (only editing it would help)',
    role: aRole(),
    facts: { params: { RequireConfusedDeputyCondition: 'true' } },
    findingId: 'TRUST_CONFUSED_DEPUTY',
    message: /never edits existing statements.*aws:SourceAccount/,
  },
  {
    name: "inline policies that would exceed IAM's 10,240 characters",
    role: aRole({ inline: { big: bigInlinePolicy } }),
    facts: { jobs: [jobWithSecrets({ A: SECRET })] },
    findingId: 'SECRETS_MANAGER',
    message: new RegExp(`over IAM's limit of ${ROLE_INLINE_POLICY_LIMIT}`),
  },
  {
    name: 'an administrator role that ecs-tasks cannot yet assume',
    role: aRole({ trust: EC2_TRUST, inline: { admin: policy(allow('*')) } }),
    findingId: 'TRUST_ECS_TASKS',
    message: /iam:PassRole.*dedicated execution role/,
  },
  {
    name: 'a role that may pass roles, even under an unresolved condition',
    role: aRole({
      trust: EC2_TRUST,
      inline: {
        pass: policy(
          allow('iam:PassRole', '*', {
            Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
          }),
        ),
      },
    }),
    findingId: 'TRUST_ECS_TASKS',
    message: /iam:PassRole/,
  },
  {
    name: 'a role that may attach policies to some roles only (scoped IAM writes still escalate)',
    role: aRole({
      trust: EC2_TRUST,
      inline: { scoped: policy(allow('iam:AttachRolePolicy', `arn:aws:iam::${ACCOUNT}:role/*`)) },
    }),
    findingId: 'TRUST_ECS_TASKS',
    message: /iam:AttachRolePolicy.*dedicated execution role/,
  },
  {
    name: 'a role that may assume other roles',
    role: aRole({
      trust: EC2_TRUST,
      inline: { hop: policy(allow('sts:AssumeRole', `arn:aws:iam::${ACCOUNT}:role/x`)) },
    }),
    findingId: 'TRUST_ECS_TASKS',
    message: /sts:AssumeRole.*dedicated execution role/,
  },
  {
    name: 'a role that may change user policies',
    role: aRole({ trust: EC2_TRUST, inline: { users: policy(allow('iam:Put*Policy')) } }),
    findingId: 'TRUST_ECS_TASKS',
    message: /iam:PutUserPolicy/,
  },
  {
    name: 'a role allowed everything but a few actions (NotAction)',
    role: aRole({
      trust: EC2_TRUST,
      inline: { most: policy({ Effect: 'Allow', NotAction: ['s3:*'], Resource: '*' }) },
    }),
    findingId: 'TRUST_ECS_TASKS',
    message: /iam:PassRole/,
  },
  {
    name: 'an owned statement edited by hand',
    role: aRole({
      inline: {
        'execution-role-check-grants': policy({
          Sid: 'ExecutionRoleCheckSecretsManager',
          ...allow('secretsmanager:GetSecretValue', OTHER_SECRET, {
            Condition: { Bool: { 'aws:SecureTransport': 'true' } },
          }),
        }),
      },
    }),
    facts: { jobs: [jobWithSecrets({ A: SECRET })] },
    findingId: 'SECRETS_MANAGER',
    message: /changed by hand/,
  },
  {
    name: 'a trust statement with our Sid that does not work',
    role: aRole({
      trust: policy(
        { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        {
          Sid: 'ExecutionRoleCheckEcsTasks',
          Effect: 'Allow',
          Principal: { Service: 'ecs-tasks.amazonaws.com' },
          Action: 'sts:TagSession',
        },
      ),
    }),
    findingId: 'TRUST_ECS_TASKS',
    message: /already holds a statement with Sid ExecutionRoleCheckEcsTasks/,
  },
];

describe('planRemediation refuses what it cannot fix safely', () => {
  it.each(REFUSALS)('$name', ({ role, facts = {}, findingId, message, kinds = [] }) => {
    // Act
    const result = plan(role, facts);

    // Assert
    expect(result.refusals).toEqual(
      expect.arrayContaining([{ findingId, message: expect.stringMatching(message) }]),
    );
    expect(result.changes.map((planned) => planned.kind)).toEqual(kinds);
  });

  it('never plans a wildcard resource or a principal other than ecs-tasks', () => {
    // Arrange: every fix case at once.
    for (const { role, facts = {} } of [...FIXES, ...REFUSALS]) {
      // Act
      const result = plan(role, facts);

      // Assert
      for (const planned of result.changes) {
        if (planned.kind === 'putOwnedInlinePolicy') {
          for (const grant of planned.added) expect(grant.resource).not.toMatch(/[*?]/);
        }
        if (planned.kind === 'addTrustStatement') {
          expect(planned.statement['Principal']).toEqual({ Service: 'ecs-tasks.amazonaws.com' });
        }
        if (planned.kind === 'attachManagedPolicy') expect(planned.policyArn).toBe(EXECUTION_ROLE_POLICY_ARN);
      }
    }
  });

  it('simulates the plan: a role whose trust text is not JSON is refused, not rewritten', () => {
    // Arrange
    const role = aRole({ trust: '{"Version":"2012-10-17","Statement":[' });

    // Act
    const result = plan(role);

    // Assert
    expect(result.changes).toEqual([]);
    expect(result.refusals.length).toBeGreaterThan(0);
    expect(policyText(role.trustPolicy)).toBe('{"Version":"2012-10-17","Statement":[');
  });
});
