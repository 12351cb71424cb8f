import { isCandidate, matchesRoleNameGlob, type CandidateRole } from '../../lib/rule/candidates';
import { DEFAULT_RULE_PARAMETERS, parseRuleParameters } from '../../lib/parameters';
import { extractUsage, type RoleUsage } from '../../lib/usage';
import { ACCOUNT, aJobDefinition, aTaskDefinition, LOCATION } from '../builders';

function role(name: string, options: { path?: string; tags?: Record<string, string> } = {}): CandidateRole {
  const path = options.path ?? '/';
  return {
    roleName: name,
    arn: `arn:aws:iam::${ACCOUNT}:role${path}${name}`,
    path,
    tags: options.tags ?? {},
  };
}

const usedBy = (name: string): RoleUsage | undefined =>
  extractUsage(
    [aJobDefinition({ executionRoleArn: name }), aJobDefinition({ executionRoleArn: name, revision: 4 })],
    [],
    LOCATION,
  ).get(name);

describe('matchesRoleNameGlob', () => {
  it.each<[string, string, boolean]>([
    ['ecsTaskExecutionRole', 'ecsTaskExecutionRole', true],
    ['ecsTaskExecutionRole', 'ECSTASKEXECUTIONROLE', true],
    ['ecsTaskExecutionRole', 'ecsTaskExecutionRole2', false],
    ['batch-*', 'batch-etl', true],
    ['batch-*', 'batch-', true],
    ['batch-*', 'my-batch-etl', false],
    ['etl-??', 'etl-01', true],
    ['etl-??', 'etl-001', false],
    ['*', 'anything', true],
    ['a.b', 'aXb', false],
    ['a+b', 'a+b', true],
  ])('%s against %s: %s', (pattern, name, expected) => {
    expect(matchesRoleNameGlob(pattern, name)).toBe(expected);
  });
});

describe('isCandidate', () => {
  it.each<[string, CandidateRole, Record<string, string>, RoleUsage | undefined, boolean, RegExp]>([
    [
      'the default name',
      role('ecsTaskExecutionRole'),
      {},
      undefined,
      true,
      /RoleNamePattern ecsTaskExecutionRole/,
    ],
    ['another name', role('app-role'), {}, undefined, false, /do not select/],
    ['a name pattern', role('batch-etl'), { RoleNamePattern: 'web-*, batch-*' }, undefined, true, /batch-\*/],
    [
      'a tag key',
      role('x', { tags: { 'batch-exec': '' } }),
      { RoleTagKey: 'batch-exec' },
      undefined,
      true,
      /tagged/,
    ],
    [
      'a tag key in other case',
      role('x', { tags: { Batch: 'yes' } }),
      { RoleTagKey: 'batch' },
      undefined,
      true,
      /tagged batch/,
    ],
    [
      'a tag key=value',
      role('x', { tags: { team: 'data' } }),
      { RoleTagKey: 'team=data' },
      undefined,
      true,
      /team=data/,
    ],
    [
      'a tag with another value',
      role('x', { tags: { team: 'web' } }),
      { RoleTagKey: 'team=data' },
      undefined,
      false,
      /do not select/,
    ],
    [
      'a tag value in other case',
      role('x', { tags: { team: 'Data' } }),
      { RoleTagKey: 'team=data' },
      undefined,
      false,
      /do not/,
    ],
    [
      'use by job definitions',
      role('etl-exec'),
      {},
      usedBy('etl-exec'),
      true,
      /job definition etl:3 and 1 more/,
    ],
    [
      'use by a task definition',
      role('web-exec'),
      {},
      extractUsage([], [aTaskDefinition({ executionRoleArn: 'web-exec' })], LOCATION).get('web-exec'),
      true,
      /task definition web:12$/,
    ],
    ['usage with no consumers', role('x'), {}, { roleArn: 'x', consumers: [] }, false, /do not select/],
    [
      'a service-linked role, whatever matches',
      role('AWSServiceRoleForBatch', { path: '/aws-service-role/batch.amazonaws.com/' }),
      { RoleNamePattern: '*' },
      usedBy('AWSServiceRoleForBatch'),
      false,
      /service-linked/,
    ],
    [
      'an excluded name, even when used',
      role('ecsTaskExecutionRole'),
      { ExcludeRoleNamePattern: 'ecs*' },
      usedBy('ecsTaskExecutionRole'),
      false,
      /ExcludeRoleNamePattern ecs\*/,
    ],
    [
      'an excluded name, even when tagged',
      role('legacy', { tags: { exec: '' } }),
      { RoleTagKey: 'exec', ExcludeRoleNamePattern: 'legacy' },
      undefined,
      false,
      /Exclude/,
    ],
    [
      'a path does not hide the name',
      role('ecsTaskExecutionRole', { path: '/service-role/' }),
      {},
      undefined,
      true,
      /Pattern/,
    ],
  ])('%s', (_label, candidateRole, rawParams, usage, expected, reason) => {
    // Arrange
    const params = parseRuleParameters(rawParams);

    // Act
    const result = isCandidate(candidateRole, params, usage);

    // Assert
    expect(result.candidate).toBe(expected);
    expect(result.reason).toMatch(reason);
  });

  it('uses the defaults when given DEFAULT_RULE_PARAMETERS', () => {
    expect(isCandidate(role('ecsTaskExecutionRole'), DEFAULT_RULE_PARAMETERS, undefined).candidate).toBe(
      true,
    );
  });
});
