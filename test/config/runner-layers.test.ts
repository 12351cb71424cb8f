/**
 * runRule with the layers beyond the role: each distinct key, secret and repository policy read once per invocation
 * (a sweep shares them across roles), a change event reads only its role's, and the verdict names the layer.
 */
import { runRule } from '../../lib/config/runner';
import { aJobDefinition, allow, aRole, ECR_REPOSITORY_ARN, policy, REGION, ACCOUNT } from '../builders';
import { changeEvent, FakeAccount, scheduledEvent } from '../support/fakes';

const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`;
const OTHER_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/other-AbCdEf`;

const reading = (...arns: string[]) =>
  aRole({ inline: { secrets: policy(allow(['secretsmanager:GetSecretValue', 'kms:Decrypt'], arns)) } });

function accountWithTwoRoles(): FakeAccount {
  const account = new FakeAccount();
  const first = {
    ...reading(SECRET, OTHER_SECRET, KEY),
    roleName: 'exec-a',
    roleId: 'AROAA',
    arn: `arn:aws:iam::${ACCOUNT}:role/exec-a`,
  };
  const second = {
    ...reading(SECRET, KEY),
    roleName: 'exec-b',
    roleId: 'AROAB',
    arn: `arn:aws:iam::${ACCOUNT}:role/exec-b`,
  };
  account.roles = [first, second];
  account.jobDefinitions = [
    aJobDefinition({
      jobDefinitionName: 'a',
      executionRoleArn: first.arn,
      secrets: { DB: SECRET, X: OTHER_SECRET },
    }),
    aJobDefinition({ jobDefinitionName: 'b', executionRoleArn: second.arn, secrets: { DB: SECRET } }),
  ];
  account.keys.set(SECRET, KEY);
  account.keys.set(OTHER_SECRET, KEY);
  return account;
}

describe('runRule with layers', () => {
  it('a sweep reads each distinct key, secret and repository policy once for every role', async () => {
    // Arrange
    const account = accountWithTwoRoles();

    // Act
    const outcome = await runRule(scheduledEvent(), account.deps());

    // Assert
    expect(outcome.evaluations.map((e) => e.complianceType)).toEqual(['COMPLIANT', 'COMPLIANT']);
    expect([...account.layerReads].sort()).toEqual(
      [
        `keyPolicy ${KEY}`,
        `secretPolicy ${SECRET}`,
        `secretPolicy ${OTHER_SECRET}`,
        // Both jobs pull from this account's etl repository: its policy is read once.
        `repositoryPolicy ${ECR_REPOSITORY_ARN}`,
      ].sort(),
    );
  });

  it('a change event reads only the layers of its role', async () => {
    const account = accountWithTwoRoles();
    const second = account.roles[1];
    if (!second) throw new Error('no role');
    await runRule(changeEvent(second), account.deps());
    expect([...account.layerReads].sort()).toEqual(
      [`keyPolicy ${KEY}`, `repositoryPolicy ${ECR_REPOSITORY_ARN}`, `secretPolicy ${SECRET}`].sort(),
    );
  });

  it('a key policy that does not delegate makes the roles NON_COMPLIANT, naming the key policy', async () => {
    // Arrange
    const account = accountWithTwoRoles();
    account.resourcePolicies.set(`keyPolicy ${KEY}`, {
      status: 'read',
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/admins` },
            Action: 'kms:*',
            Resource: '*',
          },
        ],
      }),
    });

    // Act
    const outcome = await runRule(scheduledEvent(), account.deps());

    // Assert
    expect(outcome.evaluations.map((e) => e.complianceType)).toEqual(['NON_COMPLIANT', 'NON_COMPLIANT']);
    expect(outcome.evaluations[1]?.annotation).toContain('not allowed by its key policy');
  });

  it('UnreadableLayers=report puts COMPLIANT with the unread layer in the annotation', async () => {
    const account = accountWithTwoRoles();
    account.resourcePolicies.set(`keyPolicy ${KEY}`, {
      status: 'unreadable',
      reason: 'AccessDenied',
      detail: `the rule's role lacks kms:GetKeyPolicy on ${KEY}`,
    });
    const failing = await runRule(scheduledEvent(), account.deps());
    const reported = await runRule(
      scheduledEvent({ ruleParameters: JSON.stringify({ UnreadableLayers: 'report' }) }),
      account.deps(),
    );
    expect(failing.evaluations.map((e) => e.complianceType)).toEqual(['NON_COMPLIANT', 'NON_COMPLIANT']);
    expect(reported.evaluations.map((e) => e.complianceType)).toEqual(['COMPLIANT', 'COMPLIANT']);
    expect(reported.evaluations[1]?.annotation).toBe(
      'Key policy of ...:key/1234abcd-12ab-34cd-56ef-1234567890ab not read (AccessDenied) for job definition b:3',
    );
  });
});

describe('runRule with layers that never answer', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('a sweep whose layer reads outlast the time left fails loudly, putting nothing', async () => {
    // Arrange
    const account = accountWithTwoRoles();
    account.resources.keyPolicy = () => new Promise(() => undefined);

    // Act
    const run = runRule(scheduledEvent(), account.deps({ remainingTimeMs: () => 65_000 })).then(
      () => undefined,
      (error: unknown) => error,
    );
    await jest.advanceTimersByTimeAsync(5_000);

    // Assert
    expect(String(await run)).toContain('no evaluations were put');
    expect(account.puts).toEqual([]);
  });
});
