/** Ref and Fn::GetAtt of every modelled resource type, as each type's "Return values" section documents. */
import {
  attributeOfResource,
  placeholderKeyId,
  refOfResource,
  SECRET_SUFFIX_PLACEHOLDER,
  type Resolved,
  type ResourceContext,
} from '../../lib/template/resources';
import { isUnknown } from '../../lib/template/unknown';

const ENV = { partition: 'aws', region: 'eu-west-1', accountId: '111122223333', urlSuffix: 'amazonaws.com' };

function resource(type: string, properties: Record<string, Resolved> = {}): ResourceContext {
  return { logicalId: 'Thing', type, env: ENV, keyIdSeed: '', property: (name) => properties[name] };
}

const KEY_ID = placeholderKeyId('Thing', false);

describe('Ref', () => {
  it.each<[string, Record<string, Resolved>, Resolved]>([
    ['AWS::IAM::Role', { RoleName: 'exec' }, 'exec'],
    ['AWS::IAM::Role', {}, 'Thing'],
    [
      'AWS::IAM::ManagedPolicy',
      { ManagedPolicyName: 'reads', Path: '/team/' },
      'arn:aws:iam::111122223333:policy/team/reads',
    ],
    ['AWS::IAM::InstanceProfile', { InstanceProfileName: 'batch' }, 'batch'],
    [
      'AWS::SecretsManager::Secret',
      { Name: 'prod/db' },
      `arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/db-${SECRET_SUFFIX_PLACEHOLDER}`,
    ],
    ['AWS::KMS::Key', {}, KEY_ID],
    ['AWS::KMS::Alias', { AliasName: 'alias/app' }, 'alias/app'],
    ['AWS::SSM::Parameter', { Name: '/prod/db' }, '/prod/db'],
    ['AWS::Logs::LogGroup', { LogGroupName: '/ecs/app' }, '/ecs/app'],
    ['AWS::ECR::Repository', {}, 'thing'],
    ['AWS::S3::Bucket', { BucketName: 'configs' }, 'configs'],
  ])('of a %s with %j is %j', (type, properties, expected) => {
    expect(refOfResource(resource(type, properties))).toEqual(expected);
  });

  it('of a type not modelled is unknown, naming the resource and type', () => {
    const value = refOfResource(resource('AWS::SQS::Queue'));
    expect(isUnknown(value)).toBe(true);
    expect(JSON.stringify(value)).toContain('Ref Thing: what Ref returns for a AWS::SQS::Queue');
  });
});

describe('Fn::GetAtt', () => {
  it.each<[string, string, Record<string, Resolved>, Resolved]>([
    [
      'AWS::IAM::Role',
      'Arn',
      { RoleName: 'exec', Path: '/batch/' },
      'arn:aws:iam::111122223333:role/batch/exec',
    ],
    [
      'AWS::IAM::ManagedPolicy',
      'PolicyArn',
      { ManagedPolicyName: 'reads' },
      'arn:aws:iam::111122223333:policy/reads',
    ],
    ['AWS::IAM::InstanceProfile', 'Arn', {}, 'arn:aws:iam::111122223333:instance-profile/Thing'],
    [
      'AWS::SecretsManager::Secret',
      'Id',
      { Name: 'db' },
      `arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-${SECRET_SUFFIX_PLACEHOLDER}`,
    ],
    ['AWS::KMS::Key', 'Arn', {}, `arn:aws:kms:eu-west-1:111122223333:key/${KEY_ID}`],
    ['AWS::KMS::Key', 'KeyId', {}, KEY_ID],
    ['AWS::SSM::Parameter', 'Type', { Type: 'String' }, 'String'],
    ['AWS::SSM::Parameter', 'Value', { Value: 'v1' }, 'v1'],
    [
      'AWS::Logs::LogGroup',
      'Arn',
      { LogGroupName: '/ecs/app' },
      'arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/app:*',
    ],
    [
      'AWS::ECR::Repository',
      'Arn',
      { RepositoryName: 'base' },
      'arn:aws:ecr:eu-west-1:111122223333:repository/base',
    ],
    [
      'AWS::ECR::Repository',
      'RepositoryUri',
      { RepositoryName: 'base' },
      '111122223333.dkr.ecr.eu-west-1.amazonaws.com/base',
    ],
    ['AWS::S3::Bucket', 'Arn', { BucketName: 'configs' }, 'arn:aws:s3:::configs'],
  ])('of a %s .%s with %j is %j', (type, attribute, properties, expected) => {
    expect(attributeOfResource(resource(type, properties), attribute)).toEqual(expected);
  });

  it.each<[string, string, Record<string, Resolved>, string]>([
    ['AWS::IAM::Role', 'RoleId', {}, 'IAM assigns the role id at creation'],
    ['AWS::SSM::Parameter', 'Type', {}, 'no Type property'],
    ['AWS::SSM::Parameter', 'Value', {}, 'no Value property'],
    ['AWS::KMS::Alias', 'Arn', {}, 'a AWS::KMS::Alias has no attribute Arn (it has none)'],
    ['AWS::IAM::Role', 'Nope', {}, 'has no attribute Nope (it has Arn, RoleId)'],
    ['AWS::SQS::Queue', 'Arn', {}, 'the attribute of a AWS::SQS::Queue is not determined offline'],
  ])('of a %s .%s with %j is unknown: %s', (type, attribute, properties, reason) => {
    const value = attributeOfResource(resource(type, properties), attribute);
    expect(isUnknown(value)).toBe(true);
    expect(JSON.stringify(value)).toContain(reason);
  });

  it('an unknown name makes the ARN unknown', () => {
    const name = attributeOfResource(resource('AWS::IAM::Role', { RoleName: 'x' }), 'RoleId');
    const value = attributeOfResource(resource('AWS::IAM::Role', { RoleName: name }), 'Arn');
    expect(isUnknown(value)).toBe(true);
  });
});

describe('placeholderKeyId', () => {
  it('is shaped like a key id, and a seed (another template judged beside) gives another', () => {
    // Act
    const seeded = placeholderKeyId('Thing', false, '1:');

    // Assert
    expect(seeded).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(seeded).not.toBe(KEY_ID);
    expect(placeholderKeyId('Thing', false, '')).toBe(KEY_ID);
  });
});
