import { InvalidEventError, InvalidRuleParametersError, RoleNotFoundError } from '../../lib/core/errors';
import { remediate, type RemediationDependencies } from '../../lib/remediation/apply';
import {
  ConcurrentChangeError,
  NotACandidateError,
  RemediationIncompleteError,
  RemediationRefusedError,
} from '../../lib/remediation/errors';
import type { RemediationReport } from '../../lib/remediation/types';
import {
  ACCOUNT,
  ECR_REPOSITORY_ARN,
  aJobDefinition,
  allow,
  aRole,
  deny,
  EXECUTION_ROLE_POLICY_ARN,
  LOCATION,
  OTHER_ACCOUNT,
  policy,
  REGION,
  ROLE_ARN,
  ROLE_NAME,
  trustFor,
} from '../builders';
import { fakeUsage, FakeIam, type Facts } from './support';

const ROLE_ID = 'AROAEXAMPLEROLEID0001';
const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`;
const EC2_TRUST_TEXT = JSON.stringify(trustFor('ec2.amazonaws.com'), null, 2);
const TEAM_POLICY = policy(allow('s3:GetObject', 'arn:aws:s3:::team-bucket/*'));
const FACTS: Facts = { jobs: [aJobDefinition({ secrets: { DB: SECRET } })], keys: new Map([[SECRET, null]]) };

/** A drifted role: EC2 trust, no managed policy, a job secret it cannot read, and a policy of its own. */
function driftedRole() {
  return aRole({ trust: EC2_TRUST_TEXT, managed: [], inline: { team: TEAM_POLICY } });
}

function setUp(role = driftedRole(), facts: Facts = FACTS, ruleParameters?: string) {
  const iam = new FakeIam(role);
  const lines: string[] = [];
  const deps: RemediationDependencies = {
    iam,
    writer: iam,
    usage: fakeUsage(facts),
    location: LOCATION,
    ruleParameters,
    log: (line) => lines.push(line),
  };
  return { iam, deps, lines };
}

describe('remediate', () => {
  it('applies the planned changes, in order, and reports the documents before and after', async () => {
    // Arrange
    const { iam, deps, lines } = setUp();

    // Act
    const report = await remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);

    // Assert
    expect(iam.writes.map((write) => write.call)).toEqual([
      'attachRolePolicy',
      'putRolePolicy',
      'updateAssumeRolePolicy',
    ]);
    expect(report).toMatchObject({
      roleName: ROLE_NAME,
      roleId: ROLE_ID,
      roleArn: ROLE_ARN,
      dryRun: false,
      outcome: 'applied',
      refusals: [],
      before: { trustPolicy: EC2_TRUST_TEXT, ownedInlinePolicy: null, attachedPolicyArns: [] },
      after: { attachedPolicyArns: [EXECUTION_ROLE_POLICY_ARN] },
    });
    expect(report.changes.map((item) => item.status)).toEqual(['applied', 'applied', 'applied']);
    // The existing statement is kept byte for byte: the new text starts with the old one up to its end.
    const lastStatementEnd = EC2_TRUST_TEXT.slice(0, EC2_TRUST_TEXT.lastIndexOf(']')).trimEnd();
    expect(report.after.trustPolicy.startsWith(`${lastStatementEnd},`)).toBe(true);
    expect(JSON.parse(report.after.ownedInlinePolicy ?? 'null')).toMatchObject({
      Statement: [{ Action: 'secretsmanager:GetSecretValue', Resource: [SECRET] }],
    });
    // The team's own policy is untouched, and the report is one JSON line.
    expect(iam.role.inlinePolicies.find((item) => item.name === 'team')?.document).toBe(TEAM_POLICY);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '') as RemediationReport).toEqual(report);
  });

  it('is idempotent: a second run plans nothing and writes nothing', async () => {
    // Arrange
    const { iam, deps } = setUp();
    await remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);
    const writes = iam.writes.length;

    // Act
    const second = await remediate({ ResourceId: ROLE_ID, DryRun: 'false' }, deps);

    // Assert
    expect(second.outcome).toBe('compliant');
    expect(second.changes).toEqual([]);
    expect(iam.writes).toHaveLength(writes);
  });

  it('in a dry run plans and reports, and writes nothing', async () => {
    // Arrange
    const { iam, deps } = setUp();

    // Act
    const report = await remediate({ ResourceId: ROLE_ID, DryRun: true }, deps);

    // Assert
    expect(iam.writes).toEqual([]);
    expect(report.outcome).toBe('planned');
    expect(report.changes.map((item) => item.status)).toEqual(['planned', 'planned', 'planned']);
    expect(report.after.attachedPolicyArns).toEqual([EXECUTION_ROLE_POLICY_ARN]);
    expect(report.after.trustPolicy).not.toBe(report.before.trustPolicy);
  });

  it.each([
    { name: 'its RoleId', resourceId: ROLE_ID },
    { name: 'its name', resourceId: ROLE_NAME },
    { name: 'its ARN', resourceId: ROLE_ARN },
  ])('finds the role by $name', async ({ resourceId }) => {
    // Arrange
    const { deps } = setUp();

    // Act
    const report = await remediate({ ResourceId: resourceId, DryRun: true }, deps);

    // Assert
    expect(report.roleId).toBe(ROLE_ID);
  });

  it('grants the exact full ARN of registry credentials named without their suffix, as DescribeSecret resolved it', async () => {
    // Arrange
    const partial = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dockerhub`;
    const facts: Facts = {
      jobs: [aJobDefinition({ image: 'registry.example.com/etl:1', credentialsParameter: 'dockerhub' })],
      keys: new Map([[partial, null]]),
      resolvedArns: new Map([[partial, `${partial}-XyZ123`]]),
    };
    const { iam, deps } = setUp(aRole(), facts);

    // Act
    const report = await remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);
    const second = await remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);

    // Assert
    expect(report).toMatchObject({ outcome: 'applied', refusals: [] });
    expect(JSON.parse(report.after.ownedInlinePolicy ?? 'null')).toMatchObject({
      Statement: [{ Action: 'secretsmanager:GetSecretValue', Resource: [`${partial}-XyZ123`] }],
    });
    expect(second.outcome).toBe('compliant');
    expect(iam.writes.map((write) => write.call)).toEqual(['putRolePolicy']);
  });
});

describe('remediate refuses, changing nothing', () => {
  it('fails with every refusal when one finding cannot be fixed safely (a Deny), and applies nothing', async () => {
    // Arrange
    const role = aRole({
      trust: EC2_TRUST_TEXT,
      managed: [],
      inline: { 'deny-logs': policy(deny('logs:*')) },
    });
    const { iam, deps, lines } = setUp(role);

    // Act
    const result = remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(RemediationRefusedError);
    await expect(result).rejects.toThrow(/Nothing was changed.*\[EXEC_PERMISSIONS\].*explicit Deny/);
    expect(iam.writes).toEqual([]);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ outcome: 'refused' });
  });

  it('in a dry run returns the refusals instead of failing', async () => {
    // Arrange
    const role = aRole({ inline: { 'deny-logs': policy(deny('logs:*')) } });
    const { iam, deps } = setUp(role);

    // Act
    const report = await remediate({ ResourceId: ROLE_ID, DryRun: true }, deps);

    // Assert
    expect(report.outcome).toBe('refused');
    expect(report.refusals.map((refusal) => refusal.findingId)).toContain('EXEC_PERMISSIONS');
    expect(iam.writes).toEqual([]);
  });

  it('refuses a role the rule does not check', async () => {
    // Arrange
    const { iam, deps } = setUp(aRole({ name: 'admin', managed: [] }), { jobs: [] });

    // Act
    const result = remediate({ ResourceId: 'admin', DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(NotACandidateError);
    expect(iam.writes).toEqual([]);
  });

  it('refuses a service-linked role', async () => {
    // Arrange
    const role = aRole({ path: '/aws-service-role/ecs.amazonaws.com/', managed: [] });
    const { iam, deps } = setUp(role);

    // Act
    const result = remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(NotACandidateError);
    expect(iam.writes).toEqual([]);
  });

  it('answers RoleNotFoundError for an unknown role', async () => {
    // Arrange
    const { iam, deps } = setUp();

    // Act
    const result = remediate({ ResourceId: 'someOtherRole', DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(RoleNotFoundError);
    expect(iam.writes).toEqual([]);
  });

  it('never acts on a role the lookup returns for a different account', async () => {
    // Arrange: a reader that answers with a same-named role of another account.
    const { iam, deps } = setUp(aRole({ trust: EC2_TRUST_TEXT, accountId: OTHER_ACCOUNT }));

    // Act
    const result = remediate({ ResourceId: ROLE_NAME, DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(RoleNotFoundError);
    expect(iam.writes).toEqual([]);
  });

  it.each([
    { name: "another account's role ARN", resourceId: `arn:aws:iam::${OTHER_ACCOUNT}:role/${ROLE_NAME}` },
    { name: 'a path', resourceId: `/team/${ROLE_NAME}` },
    { name: 'a name with wildcards', resourceId: 'ecsTask*' },
    { name: 'a name with ?', resourceId: 'ecsTaskExecutionRol?' },
  ])('rejects $name before any lookup', async ({ resourceId }) => {
    // Arrange
    const { iam, deps } = setUp();

    // Act
    const result = remediate({ ResourceId: resourceId, DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(InvalidEventError);
    expect(iam.lookups).toEqual([]);
    expect(iam.writes).toEqual([]);
  });

  it('fails on invalid RULE_PARAMETERS, naming the parameter', async () => {
    // Arrange
    const { iam, deps } = setUp(driftedRole(), FACTS, '{"RoleNamePatern":"x"}');

    // Act
    const result = remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(InvalidRuleParametersError);
    await expect(result).rejects.toThrow(/RoleNamePatern/);
    expect(iam.writes).toEqual([]);
  });

  it('uses RULE_PARAMETERS like the rule does (a RoleNamePattern that excludes the role)', async () => {
    // Arrange
    const { iam, deps } = setUp(driftedRole(), { jobs: [] }, '{"RoleNamePattern":"batch-*"}');

    // Act
    const result = remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(NotACandidateError);
    expect(iam.writes).toEqual([]);
  });
});

describe('remediate under concurrent change', () => {
  it('stops before overwriting a trust policy changed after the plan, listing what was applied', async () => {
    // Arrange: someone edits the trust policy between the first read and the re-read before the write.
    const { iam, deps, lines } = setUp();
    const edited = JSON.stringify(trustFor(['ec2.amazonaws.com', 'lambda.amazonaws.com']));
    iam.onRead = (read, count) => {
      if (read === 'getTrustPolicy' && count === 2) iam.role = { ...iam.role, trustPolicy: edited };
    };

    // Act
    const result = remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(ConcurrentChangeError);
    await expect(remediateAgainFails(result)).resolves.toMatch(/trust policy.*Already applied: attaching/);
    expect(iam.writes.map((write) => write.call)).toEqual(['attachRolePolicy', 'putRolePolicy']);
    expect(iam.role.trustPolicy).toBe(edited);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      outcome: 'stopped',
      changes: [{ status: 'applied' }, { status: 'applied' }, { status: 'skipped' }],
    });
  });

  it('stops before attaching when the attachments changed after the plan', async () => {
    // Arrange
    const { iam, deps } = setUp();
    iam.onRead = (read, count) => {
      if (read === 'listAttachedPolicyArns' && count === 2) {
        iam.role = {
          ...iam.role,
          managedPolicies: [
            { arn: `arn:aws:iam::${ACCOUNT}:policy/other`, name: 'other', document: TEAM_POLICY },
          ],
        };
      }
    };

    // Act
    const result = remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toThrow(/attached managed policies.*Nothing was applied/);
    expect(iam.writes).toEqual([]);
  });

  it('stops before overwriting its own inline policy when someone else changed it', async () => {
    // Arrange
    const { iam, deps } = setUp();
    iam.onRead = (read, count) => {
      if (read === 'getRolePolicy' && count === 2) {
        iam.role = {
          ...iam.role,
          inlinePolicies: [
            ...iam.role.inlinePolicies,
            { name: 'execution-role-check-grants', document: TEAM_POLICY },
          ],
        };
      }
    };

    // Act
    const result = remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(ConcurrentChangeError);
    expect(iam.writes.map((write) => write.call)).toEqual(['attachRolePolicy']);
  });

  it('reports what was applied when a write fails part-way', async () => {
    // Arrange
    const { iam, deps } = setUp();
    iam.failWrite = 'updateAssumeRolePolicy';

    // Act
    const result = remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);

    // Assert
    await expect(result).rejects.toBeInstanceOf(RemediationIncompleteError);
    await expect(remediateAgainFails(result)).resolves.toMatch(
      /injected.*Already applied: attaching.*putting/,
    );
  });
});

async function remediateAgainFails(result: Promise<unknown>): Promise<string> {
  try {
    await result;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  throw new Error('expected a failure');
}

describe('remediate with the layers beyond the role', () => {
  const layered = (secretPolicy: string | null, repositoryPolicy: string | null = null) => {
    const { iam, deps, lines } = setUp(aRole(), { ...FACTS, keys: new Map([[SECRET, null]]) });
    const reads: string[] = [];
    const read = (key: string, policyText: string | null) => {
      reads.push(key);
      return Promise.resolve({ status: 'read' as const, policy: policyText });
    };
    const withLayers: RemediationDependencies = {
      ...deps,
      layers: () => ({
        resources: {
          keyPolicy: (arn) => read(`key ${arn}`, null),
          secretPolicy: (arn) => read(`secret ${arn}`, secretPolicy),
          repositoryPolicy: (arn) => read(`repository ${arn}`, repositoryPolicy),
          registryPolicy: (account) => read(`registry ${account}`, null),
          bucketPolicy: (arn) => read(`bucket ${arn}`, null),
        },
      }),
    };
    return { iam, deps: withLayers, lines, reads };
  };

  it('refuses with nothing written when a secret policy denies, naming the statement', async () => {
    // Arrange: the role lacks the secret grant, and the secret's own policy denies it anyway.
    const { iam, deps, reads } = layered(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyOthers',
            Effect: 'Deny',
            Principal: '*',
            Action: 'secretsmanager:GetSecretValue',
            Resource: '*',
            Condition: { StringNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/app` } },
          },
        ],
      }),
    );

    // Act
    const error = await remediate({ ResourceId: ROLE_ID, DryRun: false }, deps).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assert
    expect(error).toBeInstanceOf(RemediationRefusedError);
    expect(iam.writes).toEqual([]);
    expect(String((error as Error).message)).toContain('(statement DenyOthers)');
    expect(reads).toEqual([`repository ${ECR_REPOSITORY_ARN}`, `secret ${SECRET}`]);
  });

  it("refuses with nothing written when the role's own repository policy denies the pull, naming the statement", async () => {
    // Arrange: the managed policy grants the pulls; the same-account repository policy denies them (Deny wins).
    const { iam, deps } = layered(
      null,
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'OnlyCiPulls',
            Effect: 'Deny',
            Principal: '*',
            Action: 'ecr:BatchGetImage',
            Condition: { StringNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/ci` } },
          },
        ],
      }),
    );

    // Act
    const error = await remediate({ ResourceId: ROLE_ID, DryRun: false }, deps).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assert
    expect(error).toBeInstanceOf(RemediationRefusedError);
    expect(iam.writes).toEqual([]);
    expect(String((error as Error).message)).toContain(
      `the repository policy of ${ECR_REPOSITORY_ARN} denies it (statement OnlyCiPulls)`,
    );
    expect(String((error as Error).message)).toContain('The remediation never edits key, resource');
  });

  it('grants the identity side when the secret has no policy', async () => {
    const { iam, deps } = layered(null);
    const report = await remediate({ ResourceId: ROLE_ID, DryRun: false }, deps);
    expect(report.outcome).toBe('applied');
    expect(iam.writes.map((write) => write.call)).toEqual(['putRolePolicy']);
  });
});
