import { InvalidEventError } from '../../lib/core/errors';
import { parseRemediationRequest, scopeFromFunctionArn } from '../../lib/remediation/request';
import dryRunSample from '../../events/remediate-dry-run.json';
import applySample from '../../events/remediate-apply.json';

const SCOPE = { accountId: '123456789012', partition: 'aws' };

describe('parseRemediationRequest', () => {
  it.each([
    {
      sample: dryRunSample,
      expected: {
        resourceId: 'AROAEXAMPLEEXECROLE01',
        reference: { kind: 'roleId', value: 'AROAEXAMPLEEXECROLE01' },
        dryRun: true,
      },
    },
    {
      sample: applySample,
      expected: {
        resourceId: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
        reference: { kind: 'arn', value: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole' },
        dryRun: false,
      },
    },
  ])('reads the sample payloads in events/ ($expected.resourceId)', ({ sample, expected }) => {
    expect(parseRemediationRequest(sample, SCOPE)).toEqual(expected);
  });

  it.each([
    { resourceId: 'AROAEXAMPLEEXECROLE01', kind: 'roleId' },
    { resourceId: 'ecsTaskExecutionRole', kind: 'name' },
    { resourceId: 'my.role+x=y,z@w_-', kind: 'name' },
    { resourceId: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole', kind: 'arn' },
    { resourceId: 'arn:aws:iam::123456789012:role/batch/team-a/etl', kind: 'arn' },
  ])('accepts $resourceId as a $kind', ({ resourceId, kind }) => {
    expect(parseRemediationRequest({ ResourceId: resourceId, DryRun: false }, SCOPE).reference).toEqual({
      kind,
      value: resourceId,
    });
  });

  it.each([
    { dryRun: true, expected: true },
    { dryRun: false, expected: false },
    { dryRun: 'true', expected: true },
    { dryRun: 'false', expected: false },
  ])('reads DryRun $dryRun as $expected', ({ dryRun, expected }) => {
    expect(parseRemediationRequest({ ResourceId: 'r', DryRun: dryRun }, SCOPE).dryRun).toBe(expected);
  });

  it.each([
    { name: 'not an object', event: 'ecsTaskExecutionRole', field: 'event' },
    { name: 'a list', event: [], field: 'event' },
    { name: 'null', event: null, field: 'event' },
    { name: 'unknown keys', event: { ResourceId: 'r', DryRun: true, Force: 1, x: 2 }, field: 'Force, x' },
    { name: 'no ResourceId', event: { DryRun: true }, field: 'ResourceId' },
    { name: 'an empty ResourceId', event: { ResourceId: ' ', DryRun: true }, field: 'ResourceId' },
    { name: 'a number ResourceId', event: { ResourceId: 7, DryRun: true }, field: 'ResourceId' },
    {
      name: 'a too long ResourceId',
      event: { ResourceId: 'a'.repeat(2049), DryRun: true },
      field: 'ResourceId',
    },
    { name: 'a name with *', event: { ResourceId: 'ecs*', DryRun: true }, field: 'ResourceId' },
    {
      name: 'a name with ?',
      event: { ResourceId: 'ecsTaskExecutionRol?', DryRun: true },
      field: 'ResourceId',
    },
    {
      name: 'an ARN with a wildcard',
      event: { ResourceId: 'arn:aws:iam::123456789012:role/*', DryRun: true },
      field: 'ResourceId',
    },
    {
      name: "another account's role ARN",
      event: { ResourceId: 'arn:aws:iam::210987654321:role/ecsTaskExecutionRole', DryRun: true },
      field: 'ResourceId',
    },
    {
      name: 'a role ARN of another partition',
      event: { ResourceId: 'arn:aws-cn:iam::123456789012:role/ecsTaskExecutionRole', DryRun: true },
      field: 'ResourceId',
    },
    {
      name: 'a non-role ARN',
      event: { ResourceId: 'arn:aws:iam::123456789012:user/admin', DryRun: true },
      field: 'ResourceId',
    },
    {
      name: 'a role ARN with a dot-dot path',
      event: { ResourceId: 'arn:aws:iam::123456789012:role/a/../b', DryRun: true },
      field: 'ResourceId',
    },
    {
      name: 'a bare path',
      event: { ResourceId: '/team/ecsTaskExecutionRole', DryRun: true },
      field: 'ResourceId',
    },
    {
      name: 'a relative path',
      event: { ResourceId: 'role/ecsTaskExecutionRole', DryRun: true },
      field: 'ResourceId',
    },
    { name: 'a name with a space', event: { ResourceId: 'ecs role', DryRun: true }, field: 'ResourceId' },
    { name: 'no DryRun', event: { ResourceId: 'r' }, field: 'DryRun' },
    { name: 'DryRun "yes"', event: { ResourceId: 'r', DryRun: 'yes' }, field: 'DryRun' },
    { name: 'DryRun 1', event: { ResourceId: 'r', DryRun: 1 }, field: 'DryRun' },
  ])('rejects $name, naming $field', ({ event, field }) => {
    // Act
    const act = () => parseRemediationRequest(event, SCOPE);

    // Assert
    expect(act).toThrow(InvalidEventError);
    expect(act).toThrow(expect.objectContaining({ field }) as Error);
  });
});

describe('scopeFromFunctionArn', () => {
  it.each([
    { arn: 'arn:aws:lambda:eu-west-1:123456789012:function:remediate', expected: SCOPE },
    {
      arn: 'arn:aws-us-gov:lambda:us-gov-west-1:123456789012:function:remediate:live',
      expected: { accountId: '123456789012', partition: 'aws-us-gov' },
    },
  ])('reads the account of $arn', ({ arn, expected }) => {
    expect(scopeFromFunctionArn(arn)).toEqual(expected);
  });

  it.each([undefined, '', 'arn:aws:iam::123456789012:role/x'])('rejects %p', (arn) => {
    expect(() => scopeFromFunctionArn(arn)).toThrow(InvalidEventError);
  });
});
