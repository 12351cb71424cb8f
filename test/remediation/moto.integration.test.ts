/**
 * End to end against moto_server: drifted roles are repaired by the BUILT remediation bundle, then the BUILT
 * evaluator judges the repaired role COMPLIANT, with everything else on the role intact. `npm test` builds
 * the bundles first (pretest).
 */
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { AwsClients } from '../../lib/aws/clients';
import { policyText } from '../../lib/remediation/json-text';
import type { RemediationReport } from '../../lib/remediation/types';
import { eventConfigurationItem, roleConfigurationFromIam } from '../support/configuration-items';
import { awsEnv, clientsFor, MOTO_ACCOUNT_ID, startMoto, type MotoServer } from '../support/moto';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy';
import {
  allow,
  EXECUTION_ROLE_POLICY_ARN,
  seedJobDefinition,
  seedParameter,
  seedRole,
  seedSecret,
  type SeededRole,
} from '../support/seed';
import { invokeBundle, type BundleOutcome } from '../support/bundle';

const RULE_PARAMETERS = JSON.stringify({ RoleNamePattern: 'ecsTaskExecutionRole' });
const WRITES = ['iam:updateassumerolepolicy', 'iam:attachrolepolicy', 'iam:putrolepolicy'];

// A hand-formatted trust policy for EC2 and Lambda only: the Batch console's wrong use case, plus a
// statement the team added. Every byte of it must survive the repair.
const DRIFTED_TRUST_HEAD = `{
    "Version": "2012-10-17",
    "Statement": [
        { "Sid": "Ec2", "Effect": "Allow", "Principal": { "Service": "ec2.amazonaws.com" }, "Action": "sts:AssumeRole" },
        {
            "Sid": "TeamLambda",
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com"]},
            "Action": "sts:AssumeRole"
        }`;
const DRIFTED_TRUST = `${DRIFTED_TRUST_HEAD}\n    ]\n}`;
const TEAM_POLICY = allow('s3:GetObject', 'arn:aws:s3:::team-bucket/input/*');

let moto: MotoServer;
let proxy: RecordingProxy;
let clients: AwsClients;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startRecordingProxy(moto.endpoint);
  clients = clientsFor(moto.endpoint);
});

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
  proxy.clear();
});

function remediateBundle(payload: unknown, ruleParameters = RULE_PARAMETERS): Promise<BundleOutcome> {
  return invokeBundle('remediate', payload, { ...awsEnv(proxy.endpoint), RULE_PARAMETERS: ruleParameters });
}

async function remediated(payload: unknown, ruleParameters = RULE_PARAMETERS): Promise<RemediationReport> {
  const outcome = await remediateBundle(payload, ruleParameters);
  if (!outcome.ok) throw new Error(`remediation failed: ${outcome.errorName}: ${outcome.errorMessage}`);
  return outcome.result as RemediationReport;
}

/** Runs the built evaluator on a change notification for the role as IAM holds it now; returns its verdict. */
async function evaluate(
  role: SeededRole,
  ruleParameters = RULE_PARAMETERS,
): Promise<{ complianceType: string; annotation?: string }> {
  const configuration = await roleConfigurationFromIam(clients.iam, role.roleName);
  const event = {
    version: '1.0',
    invokingEvent: JSON.stringify({
      configurationItem: eventConfigurationItem(configuration),
      notificationCreationTime: new Date().toISOString(),
      messageType: 'ConfigurationItemChangeNotification',
      recordVersion: '1.3',
    }),
    ruleParameters,
    resultToken: 'remediation-test-token',
    eventLeftScope: false,
    executionRoleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/config-role`,
    configRuleArn: `arn:aws:config:us-east-1:${MOTO_ACCOUNT_ID}:config-rule/config-rule-remediation`,
    configRuleName: 'execution-role-check',
    configRuleId: 'config-rule-remediation',
    accountId: MOTO_ACCOUNT_ID,
    evaluationMode: 'DETECTIVE',
  };
  const outcome = await invokeBundle('evaluate', event, awsEnv(proxy.endpoint));
  if (!outcome.ok) throw new Error(`evaluation failed: ${outcome.errorName}: ${outcome.errorMessage}`);
  const verdict = proxy.deliveredEvaluations().findLast((item) => item.ComplianceResourceId === role.roleId);
  if (verdict === undefined) throw new Error(`no evaluation for ${role.roleId}`);
  return {
    complianceType: verdict.ComplianceType,
    ...(verdict.Annotation !== undefined && { annotation: verdict.Annotation }),
  };
}

async function trustText(roleName: string): Promise<string> {
  const answer = await clients.iam.send(new GetRoleCommand({ RoleName: roleName }));
  return policyText(answer.Role?.AssumeRolePolicyDocument);
}

async function inlinePolicy(roleName: string, policyName: string): Promise<unknown> {
  const answer = await clients.iam.send(
    new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }),
  );
  return JSON.parse(policyText(answer.PolicyDocument));
}

async function attachedArns(roleName: string): Promise<string[]> {
  const answer = await clients.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  return (answer.AttachedPolicies ?? []).map((policy) => policy.PolicyArn ?? '');
}

function writesSeen(): string[] {
  return proxy.operations().filter((operation) => WRITES.includes(operation.toLowerCase()));
}

/** ecsTaskExecutionRole with EC2 + Lambda trust, no managed policy, and the team's own inline policy. */
async function seedDriftedByName(): Promise<SeededRole> {
  const role = await seedRole(clients.iam, {
    name: 'ecsTaskExecutionRole',
    inline: { 'team-policy': TEAM_POLICY },
  });
  await clients.iam.send(
    new UpdateAssumeRolePolicyCommand({ RoleName: role.roleName, PolicyDocument: DRIFTED_TRUST }),
  );
  return role;
}

/** etl-exec, a candidate only because a Batch job uses it, with secrets it cannot read. */
async function seedDriftedByUsage(): Promise<{ role: SeededRole; secretArn: string; parameterArn: string }> {
  const role = await seedRole(clients.iam, {
    name: 'etl-exec',
    managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
  });
  const secretArn = await seedSecret(clients.secretsManager, { name: 'prod/etl/db' });
  const parameterArn = await seedParameter(clients.ssm, { name: '/prod/etl/endpoint', type: 'String' });
  await seedJobDefinition(clients.batch, {
    name: 'etl',
    executionRoleArn: role.arn,
    secrets: [
      { name: 'DB_PASSWORD', valueFrom: `${secretArn}:password::` },
      { name: 'ENDPOINT', valueFrom: '/prod/etl/endpoint' },
    ],
  });
  return { role, secretArn, parameterArn };
}

describe('remediation bundle against moto_server', () => {
  it('repairs a wrong trust and a missing managed policy; the built evaluator then says COMPLIANT', async () => {
    // Arrange
    const role = await seedDriftedByName();
    expect((await evaluate(role)).complianceType).toBe('NON_COMPLIANT');

    // Act
    const report = await remediated({ ResourceId: role.roleId, DryRun: false });

    // Assert: the verdict.
    expect(report).toMatchObject({
      roleName: role.roleName,
      roleId: role.roleId,
      outcome: 'applied',
      refusals: [],
    });
    expect(report.changes.map((change) => [change.kind, change.status])).toEqual([
      ['attachManagedPolicy', 'applied'],
      ['addTrustStatement', 'applied'],
    ]);
    expect(await evaluate(role)).toEqual({ complianceType: 'COMPLIANT' });
    // Assert: everything else intact, the trust's existing statements byte for byte.
    const trust = await trustText(role.roleName);
    expect(trust.startsWith(`${DRIFTED_TRUST_HEAD},`)).toBe(true);
    expect(JSON.parse(trust)).toMatchObject({
      Statement: [
        { Sid: 'Ec2' },
        { Sid: 'TeamLambda' },
        { Sid: 'ExecutionRoleCheckEcsTasks', Principal: { Service: 'ecs-tasks.amazonaws.com' } },
      ],
    });
    expect(await inlinePolicy(role.roleName, 'team-policy')).toEqual(TEAM_POLICY);
    expect(await attachedArns(role.roleName)).toEqual([EXECUTION_ROLE_POLICY_ARN]);
    expect(report.after.trustPolicy).toBe(trust);
  });

  it('grants exactly the secret and parameter a job definition needs, in its own inline policy', async () => {
    // Arrange
    const { role, secretArn, parameterArn } = await seedDriftedByUsage();
    expect((await evaluate(role)).complianceType).toBe('NON_COMPLIANT');

    // Act
    const report = await remediated({ ResourceId: role.arn, DryRun: false });

    // Assert
    expect(report.outcome).toBe('applied');
    expect(await inlinePolicy(role.roleName, 'execution-role-check-grants')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ExecutionRoleCheckSecretsManager',
          Effect: 'Allow',
          Action: 'secretsmanager:GetSecretValue',
          Resource: [secretArn],
        },
        {
          Sid: 'ExecutionRoleCheckSsm',
          Effect: 'Allow',
          Action: 'ssm:GetParameters',
          Resource: [parameterArn],
        },
      ],
    });
    expect(await evaluate(role)).toEqual({ complianceType: 'COMPLIANT' });
  });

  it('grants the ECR needs on exact repository ARNs: a pull through cache and another account; then COMPLIANT', async () => {
    // Arrange: a role scoped to its own account's repositories.
    const role = await seedRole(clients.iam, {
      name: 'cache-exec',
      inline: {
        exec: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
            {
              Effect: 'Allow',
              Action: ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
              Resource: `arn:aws:ecr:*:${MOTO_ACCOUNT_ID}:repository/*`,
            },
            { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: '*' },
          ],
        },
      },
    });
    await seedJobDefinition(clients.batch, {
      name: 'backfill',
      executionRoleArn: role.arn,
      image: `${MOTO_ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com/ecr-public/docker/library/python:3.12`,
    });
    await seedJobDefinition(clients.batch, {
      name: 'platform',
      executionRoleArn: role.arn,
      image: '444455556666.dkr.ecr.us-east-1.amazonaws.com/platform/base:2',
    });
    moto.setPullThroughCacheRules('us-east-1', [
      { ecrRepositoryPrefix: 'ecr-public', upstreamRegistryUrl: 'public.ecr.aws' },
    ]);
    expect((await evaluate(role)).complianceType).toBe('NON_COMPLIANT');
    const cache = `arn:aws:ecr:us-east-1:${MOTO_ACCOUNT_ID}:repository/ecr-public/docker/library/python`;
    const other = 'arn:aws:ecr:us-east-1:444455556666:repository/platform/base';
    // The other account's repository policy cannot be read from here, and the cache repository does not exist
    // before the first pull creates it with the policy of a creation template the rule does not read: under
    // the default UnreadableLayers=fail no change can be proven to help, so nothing is written and the refusal
    // says how to proceed; with `report` both are notes and the role's side is granted.
    const refused = await remediateBundle({ ResourceId: role.roleId, DryRun: false });
    expect(refused.ok).toBe(false);
    expect(refused.ok ? '' : refused.errorMessage).toMatch(
      /^Nothing was changed on role cache-exec: \[LAYER_UNREADABLE\] the repository policy of arn:aws:ecr:us-east-1:123456789012:repository\/ecr-public\/docker\/library\/python was not read: it does not exist yet.*Create the repository \(its policy is then read\), or set UnreadableLayers to report.*\[LAYER_UNREADABLE\] the repository policy of arn:aws:ecr:us-east-1:444455556666:repository\/platform\/base was not read.*No role of this account can read it/,
    );
    await expect(inlinePolicy(role.roleName, 'execution-role-check-grants')).rejects.toMatchObject({
      name: 'NoSuchEntityException',
    });
    const reporting = JSON.stringify({ RoleNamePattern: 'ecsTaskExecutionRole', UnreadableLayers: 'report' });

    // Act
    const report = await remediated({ ResourceId: role.roleId, DryRun: false }, reporting);

    // Assert
    expect(report).toMatchObject({ outcome: 'applied', refusals: [] });
    expect(await attachedArns(role.roleName)).toEqual([]);
    const statement = (Sid: string, Action: string, resource: string) => ({
      Sid,
      Effect: 'Allow',
      Action,
      Resource: [resource],
    });
    expect(await inlinePolicy(role.roleName, 'execution-role-check-grants')).toEqual({
      Version: '2012-10-17',
      Statement: [
        statement('ExecutionRoleCheckEcrLayers', 'ecr:BatchCheckLayerAvailability', other),
        statement('ExecutionRoleCheckEcrDownloads', 'ecr:GetDownloadUrlForLayer', other),
        statement('ExecutionRoleCheckEcrImages', 'ecr:BatchGetImage', other),
        statement('ExecutionRoleCheckEcrPullThroughCache', 'ecr:BatchImportUpstreamImage', cache),
        statement('ExecutionRoleCheckEcrCacheRepositories', 'ecr:CreateRepository', cache),
      ],
    });
    expect(await evaluate(role, reporting)).toMatchObject({ complianceType: 'COMPLIANT' });
    const again = await remediated({ ResourceId: role.roleId, DryRun: false }, reporting);
    expect(again.outcome).toBe('compliant');
  });

  it('is idempotent: a second remediation plans nothing and writes nothing', async () => {
    // Arrange
    const byName = await seedDriftedByName();
    const { role: byUsage } = await seedDriftedByUsage();
    await remediated({ ResourceId: byName.roleId, DryRun: false });
    await remediated({ ResourceId: byUsage.roleId, DryRun: false });
    proxy.clear();

    // Act
    const again = [
      await remediated({ ResourceId: byName.roleId, DryRun: false }),
      await remediated({ ResourceId: byUsage.roleName, DryRun: 'false' }),
    ];

    // Assert
    expect(again.map((report) => [report.outcome, report.changes.length])).toEqual([
      ['compliant', 0],
      ['compliant', 0],
    ]);
    expect(writesSeen()).toEqual([]);
  });

  it('in a dry run reports the plan and changes nothing', async () => {
    // Arrange
    const role = await seedDriftedByName();

    // Act
    const report = await remediated({ ResourceId: role.roleId, DryRun: 'true' });

    // Assert
    expect(report.outcome).toBe('planned');
    expect(report.changes.every((change) => change.status === 'planned')).toBe(true);
    expect(writesSeen()).toEqual([]);
    expect(await trustText(role.roleName)).toBe(DRIFTED_TRUST);
    expect(await attachedArns(role.roleName)).toEqual([]);
  });

  it('refuses a role with an explicit Deny, failing the invocation and changing nothing', async () => {
    // Arrange
    const role = await seedRole(clients.iam, {
      name: 'ecsTaskExecutionRole',
      inline: {
        'deny-logs': {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'logs:*', Resource: '*' }],
        },
      },
    });

    // Act
    const outcome = await remediateBundle({ ResourceId: role.roleId, DryRun: false });

    // Assert
    expect(outcome).toMatchObject({ ok: false, errorName: 'RemediationRefusedError' });
    expect(outcome.ok ? '' : outcome.errorMessage).toMatch(/explicit Deny/);
    expect(writesSeen()).toEqual([]);
    expect(await attachedArns(role.roleName)).toEqual([]);
  });

  it.each([
    { name: "another account's role ARN", resourceId: 'arn:aws:iam::210987654321:role/ecsTaskExecutionRole' },
    { name: 'a path', resourceId: '/service/ecsTaskExecutionRole' },
    { name: 'a wildcard', resourceId: 'ecsTask*' },
  ])('rejects $name without touching any role', async ({ resourceId }) => {
    // Arrange
    const role = await seedDriftedByName();

    // Act
    const outcome = await remediateBundle({ ResourceId: resourceId, DryRun: false });

    // Assert
    expect(outcome).toMatchObject({ ok: false, errorName: 'InvalidEventError' });
    expect(proxy.operations()).toEqual([]);
    expect(await trustText(role.roleName)).toBe(DRIFTED_TRUST);
  });

  it('answers RoleNotFoundError for a RoleId that does not exist, and NotACandidateError for other roles', async () => {
    // Arrange
    await seedRole(clients.iam, { name: 'web-server', inline: { 'team-policy': TEAM_POLICY } });

    // Act
    const missing = await remediateBundle({ ResourceId: 'AROAAAAAAAAAAAAAAAAAA', DryRun: false });
    const other = await remediateBundle({ ResourceId: 'web-server', DryRun: false });

    // Assert
    expect(missing).toMatchObject({ ok: false, errorName: 'RoleNotFoundError' });
    expect(other).toMatchObject({ ok: false, errorName: 'NotACandidateError' });
    expect(writesSeen()).toEqual([]);
    const names = await clients.iam.send(new ListRolePoliciesCommand({ RoleName: 'web-server' }));
    expect(names.PolicyNames).toEqual(['team-policy']);
  });
});
