import {
  extractUsage,
  isFullSecretArnOf,
  resolveSecretReferences,
  RoleUsageIndex,
  type SecretReference,
} from '../../lib/usage';
import { ACCOUNT, aJobDefinition, LOCATION, REGION, ROLE_ARN } from '../builders';

const SM = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret`;
const OTHER_ROLE = `arn:aws:iam::${ACCOUNT}:role/other`;

describe('isFullSecretArnOf', () => {
  it.each<[string, string, boolean]>([
    ['the name plus - and six letters or digits', `${SM}:dockerhub-AbC12f`, true],
    ['the same ARN (already full)', `${SM}:dockerhub`, false],
    ['a longer name with a suffix', `${SM}:dockerhub-creds-AbC12f`, false],
    ['five characters', `${SM}:dockerhub-AbC12`, false],
    ['seven characters', `${SM}:dockerhub-AbC12fg`, false],
    ['a suffix without its hyphen', `${SM}:dockerhubAbC12fg`, false],
    ['another region', `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:dockerhub-AbC12f`, false],
  ])('%s (%s): %s', (_label, full, expected) => {
    expect(isFullSecretArnOf(`${SM}:dockerhub`, full)).toBe(expected);
  });
});

describe('resolveSecretReferences', () => {
  const jobs = [
    aJobDefinition({
      credentialsParameter: 'dockerhub',
      secrets: { DB: '/aws/reference/secretsmanager/prod/db', TOKEN: `${SM}:token-ZxCvBn`, PW: '/prod/pw' },
    }),
    aJobDefinition({
      jobDefinitionName: 'report',
      executionRoleArn: OTHER_ROLE,
      credentialsParameter: 'quay',
    }),
  ];
  const references = (index: ReadonlyMap<string, { consumers: readonly unknown[] }>, role: string) =>
    (index.get(role)?.consumers ?? []).flatMap((consumer) => {
      const { secrets, registryCredentials } = consumer as {
        secrets: SecretReference[];
        registryCredentials: SecretReference[];
      };
      return [...registryCredentials, ...secrets].map((reference) => [
        reference.field,
        reference.resolvedSecretArn,
      ]);
    });

  it('gives each partial reference DescribeSecret resolved its full ARN, and leaves the rest as they were', () => {
    // Arrange
    const index = extractUsage(jobs, [], LOCATION);
    const resolved = new Map([
      [`${SM}:dockerhub`, `${SM}:dockerhub-AbCdEf`],
      [`${SM}:prod/db`, `${SM}:prod/db-Q1w2E3`],
    ]);

    // Act
    const result = resolveSecretReferences(index, resolved);

    // Assert
    expect(references(result, ROLE_ARN)).toEqual([
      ['containerProperties.repositoryCredentials.credentialsParameter', `${SM}:dockerhub-AbCdEf`],
      ['containerProperties.secrets[DB]', `${SM}:prod/db-Q1w2E3`],
      ['containerProperties.secrets[TOKEN]', undefined],
      ['containerProperties.secrets[PW]', undefined],
    ]);
    expect(references(result, OTHER_ROLE)).toEqual([
      ['containerProperties.repositoryCredentials.credentialsParameter', undefined],
    ]);
    // The role nothing was resolved for is shared, and the input is not changed.
    expect(result.get(OTHER_ROLE)).toBe(index.get(OTHER_ROLE));
    expect(references(index, ROLE_ARN).every(([, full]) => full === undefined)).toBe(true);
  });

  it('keeps the index lookup by role ARN with a path or by bare name', () => {
    const result = resolveSecretReferences(
      extractUsage(jobs, [], LOCATION),
      new Map([[`${SM}:quay`, `${SM}:quay-AbCdEf`]]),
    );
    expect(result).toBeInstanceOf(RoleUsageIndex);
    expect(result.get(`arn:aws:iam::${ACCOUNT}:role/team/other`)).toBe(result.get(OTHER_ROLE));
    expect(references(result, 'other')).toEqual([
      ['containerProperties.repositoryCredentials.credentialsParameter', `${SM}:quay-AbCdEf`],
    ]);
  });

  it('returns the same index when nothing is resolved', () => {
    const index = extractUsage(jobs, [], LOCATION);
    expect(resolveSecretReferences(index, new Map())).toBe(index);
  });
});
