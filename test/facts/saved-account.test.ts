import { RoleNotFoundError } from '../../lib/core/errors';
import { gatherUsage } from '../../lib/facts/gather';
import { SavedIamReader, savedAccountReaders } from '../../lib/facts/saved-account';
import { parseRuleParameters } from '../../lib/parameters';
import type { RoleDescription } from '../../lib/facts/ports';
import { ACCOUNT, aJobDefinition, aRole, aTaskDefinition, LOCATION, REGION, ROLE_ARN } from '../builders';

const SECRET_NAME_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db`;
const SECRET_FULL_ARN = `${SECRET_NAME_ARN}-AbCdEf`;
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;

const role = aRole();
const other = aRole({ name: 'Other-Role', roleId: 'AROAEXAMPLEROLEID0002' });

function descriptionOf(arn: string): RoleDescription {
  return {
    roleName: 'x',
    roleId: 'AROAEXAMPLEROLEID0009',
    arn,
    path: '/',
    trustPolicy: {},
    inlinePolicies: [],
    attachedManagedPolicyArns: [],
    tags: {},
  };
}

describe('SavedIamReader', () => {
  const reader = new SavedIamReader([role, other]);

  it('loads every saved role and reports them all as read', async () => {
    // Arrange
    const progress: number[] = [];
    // Act
    const roles = await reader.loadAllRoles((read) => progress.push(read));
    // Assert
    expect(roles).toEqual([role, other]);
    expect(progress).toEqual([2]);
  });

  it.each([
    ['its RoleId', 'AROAEXAMPLEROLEID0002', other],
    ['its name in another case', 'other-role', other],
    ['its exact ARN', ROLE_ARN, role],
    ['an unknown name', 'nobody', undefined],
    ['an ARN of another path', ROLE_ARN.replace(':role/', ':role/team/'), undefined],
  ])('findRole by %s', async (_what, reference, expected) => {
    // Act
    const found = await reader.findRole(reference);
    // Assert
    expect(found).toBe(expected);
  });

  it('completes a description with the saved snapshot of the same ARN', async () => {
    // Act
    const completed = await reader.completeRole(descriptionOf(ROLE_ARN), ACCOUNT);
    // Assert
    expect(completed).toBe(role);
  });

  it('fails closed with RoleNotFoundError for a role the file does not hold', async () => {
    // Act
    const completing = reader.completeRole(descriptionOf(`${ROLE_ARN}-gone`), ACCOUNT);
    // Assert
    await expect(completing).rejects.toBeInstanceOf(RoleNotFoundError);
  });
});

describe('gatherUsage over saved files', () => {
  const account = {
    roles: [role],
    jobDefinitions: [
      aJobDefinition({ secrets: { DB: SECRET_NAME_ARN } }),
      aJobDefinition({ jobDefinitionName: 'old', status: 'INACTIVE' }),
    ],
    taskDefinitions: [aTaskDefinition()],
    secretMetadata: {
      keys: new Map([
        [SECRET_NAME_ARN, KEY_ARN],
        [SECRET_FULL_ARN, KEY_ARN],
      ]),
      resolvedArns: new Map([[SECRET_NAME_ARN, SECRET_FULL_ARN]]),
    },
  };

  it('indexes the ACTIVE job definitions the parameters discover and resolves named secrets', async () => {
    // Arrange
    const { usage } = savedAccountReaders(account);
    // Act
    const { index, keys } = await gatherUsage(usage, parseRuleParameters(undefined), LOCATION);
    // Assert
    const consumers = index.get(ROLE_ARN)?.consumers ?? [];
    expect(consumers.map((entry) => entry.consumer.name)).toEqual(['etl:3']);
    expect(consumers[0]?.secrets.map((secret) => secret.resolvedSecretArn)).toEqual([SECRET_FULL_ARN]);
    expect(keys.get(SECRET_NAME_ARN)).toBe(KEY_ARN);
  });

  it('reads task definitions only when DiscoverEcsTaskDefinitions is true', async () => {
    // Arrange
    const { usage } = savedAccountReaders(account);
    const params = parseRuleParameters(
      JSON.stringify({ DiscoverBatchJobDefinitions: 'false', DiscoverEcsTaskDefinitions: 'true' }),
    );
    // Act
    const { index, keys } = await gatherUsage(usage, params, LOCATION);
    // Assert
    expect(index.get(ROLE_ARN)?.consumers.map((entry) => entry.consumer.name)).toEqual(['web:12']);
    // No secret is referenced, so no key is asked for.
    expect(keys.size).toBe(0);
  });
});
