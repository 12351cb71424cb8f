import { IAMClient } from '@aws-sdk/client-iam';
import type { AwsClients } from '../../lib/aws/clients';
import { countCalls } from '../../lib/aws/call-counter';
import { AwsIamReader } from '../../lib/aws/iam';
import { ManagedPolicyCache } from '../../lib/aws/managed-policy-cache';
import { descriptionFromConfigurationItem } from '../../lib/config/configuration-item';
import type { RoleSnapshot } from '../../lib/core/model';
import { roleConfigurationFromIam } from '../support/configuration-items';
import { actionsOf } from '../support/documents';
import { clientsFor, MOTO_ACCOUNT_ID, startMoto, type MotoServer } from '../support/moto';
import {
  allow,
  EXECUTION_ROLE_POLICY_ARN,
  seedManagedPolicy,
  seedRole,
  type SeededRole,
} from '../support/seed';

// Adapter tests against a real moto_server: IAM is the part of AWS users meet first.
const POWER_USER_ARN = 'arn:aws:iam::aws:policy/PowerUserAccess';

let moto: MotoServer;
let clients: AwsClients;
let calls: Map<string, number>;
let iam: IAMClient;

beforeAll(async () => {
  moto = await startMoto();
  clients = clientsFor(moto.endpoint);
  iam = clients.iam;
  calls = new Map();
  countCalls(iam, calls);
});
afterAll(async () => {
  await moto?.stop();
});
const resetMoto = async (): Promise<void> => {
  await moto.reset();
  calls.clear();
};

const reader = (cache = new ManagedPolicyCache()): AwsIamReader =>
  new AwsIamReader(iam, { managedPolicyCache: cache });

/** A role with one of everything: inline policy, customer (2 versions) and AWS managed policy, boundary, tags. */
async function seedFullRole(name = 'exec-full'): Promise<SeededRole & { customerArn: string }> {
  const customerArn = await seedManagedPolicy(iam, {
    name: `${name}-secrets`,
    document: allow('secretsmanager:ListSecrets'),
    laterVersions: [allow('secretsmanager:GetSecretValue', 'arn:aws:secretsmanager:*:*:secret:db-*')],
  });
  const role = await seedRole(iam, {
    name,
    path: '/batch/',
    inline: { logs: allow(['logs:CreateLogStream', 'logs:PutLogEvents']) },
    managedPolicyArns: [customerArn, EXECUTION_ROLE_POLICY_ARN],
    boundaryArn: POWER_USER_ARN,
    tags: { team: 'data', 'execution-role': 'true' },
  });
  return { ...role, customerArn };
}

/** What the engine sees, with documents decoded to action lists so encodings do not matter. */
function summary(snapshot: RoleSnapshot | undefined) {
  if (snapshot === undefined) return undefined;
  return {
    roleName: snapshot.roleName,
    roleId: snapshot.roleId,
    arn: snapshot.arn,
    path: snapshot.path,
    accountId: snapshot.accountId,
    partition: snapshot.partition,
    trust: decodeTrust(snapshot.trustPolicy),
    inline: snapshot.inlinePolicies.map((policy) => [policy.name, actionsOf(policy.document)]),
    managed: snapshot.managedPolicies.map((policy) => [policy.arn, policy.name, actionsOf(policy.document)]),
    boundary: snapshot.permissionsBoundary && [
      snapshot.permissionsBoundary.arn,
      actionsOf(snapshot.permissionsBoundary.document).length > 0,
    ],
    tags: snapshot.tags,
  };
}
function decodeTrust(raw: unknown): string[] {
  return actionsOf(raw);
}

function expectedFull(role: SeededRole & { customerArn: string }) {
  return {
    roleName: role.roleName,
    roleId: role.roleId,
    arn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/batch/${role.roleName}`,
    path: '/batch/',
    accountId: MOTO_ACCOUNT_ID,
    partition: 'aws',
    trust: ['sts:AssumeRole'],
    inline: [['logs', ['logs:CreateLogStream', 'logs:PutLogEvents']]],
    managed: expect.arrayContaining([
      // The default version (v2), not the first one.
      [role.customerArn, `${role.roleName}-secrets`, ['secretsmanager:GetSecretValue']],
      [
        EXECUTION_ROLE_POLICY_ARN,
        'AmazonECSTaskExecutionRolePolicy',
        expect.arrayContaining(['ecr:GetAuthorizationToken', 'logs:PutLogEvents']),
      ],
    ]),
    boundary: [POWER_USER_ARN, true],
    tags: { team: 'data', 'execution-role': 'true' },
  };
}

describe('loadAllRoles', () => {
  beforeEach(resetMoto);

  it('reads every role with inline, customer managed, AWS managed and boundary documents and tags', async () => {
    // Arrange
    const full = await seedFullRole();
    const bare = await seedRole(iam, { name: 'bare' });
    // Act
    const roles = await reader().loadAllRoles();
    // Assert
    const byName = new Map(roles.map((role) => [role.roleName, role]));
    expect([...byName.keys()].sort()).toEqual(['bare', 'exec-full']);
    expect(summary(byName.get('exec-full'))).toEqual(expectedFull(full));
    expect(byName.get('exec-full')?.managedPolicies).toHaveLength(2);
    expect(summary(byName.get('bare'))).toMatchObject({
      roleId: bare.roleId,
      inline: [],
      managed: [],
      tags: {},
    });
    expect(byName.get('bare')?.permissionsBoundary).toBeUndefined();
  });

  it('costs one listing plus two calls per distinct AWS managed policy, however many roles share it', async () => {
    // Arrange: 12 roles share the same AWS managed policy; one also has an AWS managed boundary.
    for (let index = 0; index < 12; index++) {
      await seedRole(iam, { name: `exec-${index}`, managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN] });
    }
    await seedFullRole();
    calls.clear();
    // Act
    const roles = await reader().loadAllRoles();
    // Assert
    expect(roles).toHaveLength(13);
    expect(Object.fromEntries(calls)).toEqual({
      GetAccountAuthorizationDetails: 1,
      GetPolicy: 2,
      GetPolicyVersion: 2,
    });
  });

  it('a warm container reuses AWS managed documents: the second sweep asks only for their default versions', async () => {
    await seedFullRole();
    const warm = reader();
    await warm.loadAllRoles();
    calls.clear();
    const again = await warm.loadAllRoles();
    expect(Object.fromEntries(calls)).toEqual({ GetAccountAuthorizationDetails: 1, GetPolicy: 2 });
    expect(again).toHaveLength(1);
  });

  it('reports progress after each page', async () => {
    await seedRole(iam, { name: 'a' });
    await seedRole(iam, { name: 'b' });
    const progress: number[] = [];
    await reader().loadAllRoles((read) => progress.push(read));
    expect(progress).toEqual([2]);
  });

  it('an account without roles gives an empty list', async () => {
    await expect(reader().loadAllRoles()).resolves.toEqual([]);
  });
});

describe('findRole', () => {
  // Read-only tests: one account for all of them.
  let full: SeededRole & { customerArn: string };
  beforeAll(async () => {
    await resetMoto();
    full = await seedFullRole();
    await seedRole(iam, { name: 'other' });
  });

  it.each([
    ['RoleId', (role: SeededRole) => role.roleId],
    ['name', (role: SeededRole) => role.roleName],
    ['ARN', (role: SeededRole) => role.arn],
  ])('by %s returns the complete snapshot', async (_label, reference) => {
    const found = await reader().findRole(reference(full));
    expect(summary(found)).toEqual(expectedFull(full));
  });

  it.each([
    ['an unknown RoleId', 'AROAAAAAAAAAAAAAAAAAA'],
    ['an unknown name', 'no-such-role'],
    ['an ARN in another account', 'arn:aws:iam::210987654321:role/batch/exec-full'],
    ['an ARN with another path', 'arn:aws:iam::123456789012:role/exec-full'],
    ['the ARN of a user with the same name', 'arn:aws:iam::123456789012:user/batch/exec-full'],
  ])('%s -> undefined', async (_label, reference) => {
    await expect(reader().findRole(reference)).resolves.toBeUndefined();
  });
});

describe('completeRole', () => {
  beforeEach(resetMoto);

  it('completes a configuration item description into the same snapshot IAM gives', async () => {
    // Arrange: the description as Config would record it, with URL-encoded documents and only policy ARNs.
    const full = await seedFullRole();
    const configuration = await roleConfigurationFromIam(iam, full.roleName);
    const description = descriptionFromConfigurationItem({ configuration });
    calls.clear();
    // Act
    const snapshot = await reader().completeRole(description, MOTO_ACCOUNT_ID);
    // Assert: documents come from IAM (policy + default version), nothing else is read.
    expect(summary(snapshot)).toEqual(expectedFull(full));
    expect(Object.fromEntries(calls)).toEqual({ GetPolicy: 3, GetPolicyVersion: 3 });
  });

  it('customer managed policies are re-read every time; AWS managed ones come from the cache by version', async () => {
    const full = await seedFullRole();
    const description = descriptionFromConfigurationItem({
      configuration: await roleConfigurationFromIam(iam, full.roleName),
    });
    const warm = reader();
    await warm.completeRole(description, MOTO_ACCOUNT_ID);
    calls.clear();
    await warm.completeRole(description, MOTO_ACCOUNT_ID);
    expect(Object.fromEntries(calls)).toEqual({ GetPolicy: 3, GetPolicyVersion: 1 });
  });
});
