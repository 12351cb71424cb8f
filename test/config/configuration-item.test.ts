import { descriptionFromConfigurationItem } from '../../lib/config/configuration-item';
import { InvalidEventError } from '../../lib/core/errors';

// A role's configuration as AWS Config records it: documents URL-encoded, attached policies as ARNs only.
const TRUST = encodeURIComponent(
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  }),
);
const INLINE = encodeURIComponent('{"Version":"2012-10-17","Statement":[]}');
const BOUNDARY = 'arn:aws:iam::aws:policy/PowerUserAccess';
const MANAGED = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';

const configuration = (changes: Record<string, unknown> = {}): Record<string, unknown> => ({
  path: '/batch/',
  roleName: 'exec',
  roleId: 'AROAEXAMPLEEXAMPLE1',
  arn: 'arn:aws:iam::123456789012:role/batch/exec',
  createDate: '2025-01-01T00:00:00.000Z',
  assumeRolePolicyDocument: TRUST,
  instanceProfileList: [],
  rolePolicyList: [{ policyName: 'logs', policyDocument: INLINE }],
  attachedManagedPolicies: [{ policyArn: MANAGED, policyName: 'AmazonECSTaskExecutionRolePolicy' }],
  permissionsBoundary: {
    permissionsBoundaryArn: BOUNDARY,
    permissionsBoundaryType: 'PermissionsBoundaryPolicy',
  },
  tags: [
    { key: 'team', value: 'data' },
    { key: 'empty', value: '' },
  ],
  roleLastUsed: null,
  ...changes,
});
const item = (changes: Record<string, unknown> = {}) => ({
  resourceType: 'AWS::IAM::Role',
  configuration: configuration(changes),
});

describe('descriptionFromConfigurationItem', () => {
  it('reads every field the rule needs, documents handed on raw', () => {
    expect(descriptionFromConfigurationItem(item())).toEqual({
      roleName: 'exec',
      roleId: 'AROAEXAMPLEEXAMPLE1',
      arn: 'arn:aws:iam::123456789012:role/batch/exec',
      path: '/batch/',
      trustPolicy: TRUST,
      inlinePolicies: [{ name: 'logs', document: INLINE }],
      attachedManagedPolicyArns: [MANAGED],
      permissionsBoundaryArn: BOUNDARY,
      tags: { team: 'data', empty: '' },
    });
  });

  it.each([
    [
      'a decoded trust policy object',
      { assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } },
      'trustPolicy',
    ],
    [
      'a decoded inline policy object',
      { rolePolicyList: [{ policyName: 'x', policyDocument: { Statement: [] } }] },
      'inlinePolicies',
    ],
  ])('accepts %s as given', (_label, changes, field) => {
    const description = descriptionFromConfigurationItem(item(changes));
    const value = field === 'trustPolicy' ? description.trustPolicy : description.inlinePolicies[0]?.document;
    expect(typeof value).toBe('object');
  });

  it.each([
    ['null', null],
    ['absent', undefined],
  ])('a %s permissions boundary means none', (_label, boundary) => {
    const description = descriptionFromConfigurationItem(item({ permissionsBoundary: boundary }));
    expect(description.permissionsBoundaryArn).toBeUndefined();
    expect('permissionsBoundaryArn' in description).toBe(false);
  });

  it.each([
    ['absent', undefined],
    ['null', null],
    ['empty', []],
  ])('%s tags mean no tags', (_label, tags) => {
    expect(descriptionFromConfigurationItem(item({ tags })).tags).toEqual({});
  });

  it.each([
    ['roleName missing', { roleName: undefined }, 'configurationItem.configuration.roleName'],
    ['roleName empty', { roleName: '' }, 'configurationItem.configuration.roleName'],
    ['roleId a number', { roleId: 7 }, 'configurationItem.configuration.roleId'],
    [
      'arn not a role ARN',
      { arn: 'arn:aws:iam::123456789012:user/exec' },
      'configurationItem.configuration.arn',
    ],
    ['path missing', { path: undefined }, 'configurationItem.configuration.path'],
    [
      'trust policy missing',
      { assumeRolePolicyDocument: undefined },
      'configurationItem.configuration.assumeRolePolicyDocument',
    ],
    [
      'trust policy a list',
      { assumeRolePolicyDocument: [] },
      'configurationItem.configuration.assumeRolePolicyDocument',
    ],
    [
      'rolePolicyList missing (could hide a Deny)',
      { rolePolicyList: undefined },
      'configurationItem.configuration.rolePolicyList',
    ],
    [
      'rolePolicyList entry not an object',
      { rolePolicyList: ['x'] },
      'configurationItem.configuration.rolePolicyList[0]',
    ],
    [
      'inline policyName missing',
      { rolePolicyList: [{ policyDocument: INLINE }] },
      'configurationItem.configuration.rolePolicyList[0].policyName',
    ],
    [
      'inline policyDocument empty',
      { rolePolicyList: [{ policyName: 'x', policyDocument: '' }] },
      'configurationItem.configuration.rolePolicyList[0].policyDocument',
    ],
    [
      'attachedManagedPolicies null',
      { attachedManagedPolicies: null },
      'configurationItem.configuration.attachedManagedPolicies',
    ],
    [
      'attached policyArn missing',
      { attachedManagedPolicies: [{ policyName: 'x' }] },
      'configurationItem.configuration.attachedManagedPolicies[0].policyArn',
    ],
    [
      'boundary a string',
      { permissionsBoundary: BOUNDARY },
      'configurationItem.configuration.permissionsBoundary',
    ],
    [
      'boundary without ARN',
      { permissionsBoundary: {} },
      'configurationItem.configuration.permissionsBoundary.permissionsBoundaryArn',
    ],
    ['tags an object', { tags: { team: 'data' } }, 'configurationItem.configuration.tags'],
    ['tag without key', { tags: [{ value: 'x' }] }, 'configurationItem.configuration.tags[0].key'],
    [
      'tag value a number',
      { tags: [{ key: 'k', value: 1 }] },
      'configurationItem.configuration.tags[0].value',
    ],
  ])('%s -> InvalidEventError naming %s', (_label, changes, field) => {
    const read = (): unknown => descriptionFromConfigurationItem(item(changes));
    expect(read).toThrow(InvalidEventError);
    expect(read).toThrow(expect.objectContaining({ field }));
  });

  it.each([
    ['missing', {}],
    ['a JSON string (API shape)', { configuration: '{"roleName":"exec"}' }],
  ])('configuration %s -> InvalidEventError', (_label, value) => {
    expect(() => descriptionFromConfigurationItem(value)).toThrow(
      expect.objectContaining({ field: 'configurationItem.configuration' }),
    );
  });

  it('names fields under the prefix the caller gives', () => {
    expect(() => descriptionFromConfigurationItem({ configuration: {} }, 'item')).toThrow(
      expect.objectContaining({ field: 'item.configuration.roleName' }),
    );
  });
});
