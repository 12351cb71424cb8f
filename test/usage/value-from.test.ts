import { InvalidSecretReferenceError, parseValueFrom, type SecretReference } from '../../lib/usage';
import { ACCOUNT, LOCATION, OTHER_ACCOUNT, REGION } from '../builders';

const SM = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret`;
const SSM = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter`;

type Expected = Omit<SecretReference, 'field'>;

describe('parseValueFrom', () => {
  it.each<[string, string, Expected]>([
    [
      'a Secrets Manager ARN',
      `${SM}:prod/db-AbCdEf`,
      { service: 'secretsmanager', arn: `${SM}:prod/db-AbCdEf` },
    ],
    [
      'a Secrets Manager ARN with json-key, stage and version',
      `${SM}:prod/db-AbCdEf:password:AWSCURRENT:0123-4567`,
      { service: 'secretsmanager', arn: `${SM}:prod/db-AbCdEf` },
    ],
    [
      'a Secrets Manager ARN with a json-key and empty fields',
      `${SM}:prod/db-AbCdEf:password::`,
      { service: 'secretsmanager', arn: `${SM}:prod/db-AbCdEf` },
    ],
    [
      'a Secrets Manager ARN with only the version stage',
      `${SM}:prod/db-AbCdEf::AWSPREVIOUS:`,
      { service: 'secretsmanager', arn: `${SM}:prod/db-AbCdEf` },
    ],
    [
      'a partial Secrets Manager ARN (no six-character suffix): matched as NAME-??????',
      `${SM}:prod/db`,
      { service: 'secretsmanager', arn: `${SM}:prod/db`, isPartial: true },
    ],
    [
      'a partial Secrets Manager ARN with a json-key',
      `${SM}:prod/db:password::`,
      { service: 'secretsmanager', arn: `${SM}:prod/db`, isPartial: true },
    ],
    [
      'a cross-account, cross-region Secrets Manager ARN, kept as written',
      `arn:aws:secretsmanager:us-east-1:${OTHER_ACCOUNT}:secret:shared-XyZ123`,
      {
        service: 'secretsmanager',
        arn: `arn:aws:secretsmanager:us-east-1:${OTHER_ACCOUNT}:secret:shared-XyZ123`,
      },
    ],
    [
      'a China-partition Secrets Manager ARN',
      `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:db-AbCdEf`,
      { service: 'secretsmanager', arn: `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:db-AbCdEf` },
    ],
    ['an SSM parameter ARN', `${SSM}/prod/db`, { service: 'ssm', arn: `${SSM}/prod/db` }],
    [
      'a cross-region SSM parameter ARN',
      `arn:aws:ssm:us-west-2:${ACCOUNT}:parameter/app`,
      { service: 'ssm', arn: `arn:aws:ssm:us-west-2:${ACCOUNT}:parameter/app` },
    ],
    ['an SSM ARN with a version selector', `${SSM}/prod/db:3`, { service: 'ssm', arn: `${SSM}/prod/db` }],
    ['an SSM name with a leading slash', '/prod/db', { service: 'ssm', arn: `${SSM}/prod/db` }],
    ['an SSM name without a slash', 'prod-db', { service: 'ssm', arn: `${SSM}/prod-db` }],
    ['an SSM name with a label', '/prod/db:live', { service: 'ssm', arn: `${SSM}/prod/db` }],
    ['an SSM name with spaces around it', '  /prod/db ', { service: 'ssm', arn: `${SSM}/prod/db` }],
    [
      'a Parameter Store pass-through to Secrets Manager',
      '/aws/reference/secretsmanager/prod/db',
      {
        service: 'ssm',
        arn: `${SSM}/aws/reference/secretsmanager/prod/db`,
        passThroughSecretArn: `${SM}:prod/db`,
      },
    ],
    [
      'a pass-through written as an SSM ARN in another account',
      `arn:aws:ssm:us-east-1:${OTHER_ACCOUNT}:parameter/aws/reference/secretsmanager/x`,
      {
        service: 'ssm',
        arn: `arn:aws:ssm:us-east-1:${OTHER_ACCOUNT}:parameter/aws/reference/secretsmanager/x`,
        passThroughSecretArn: `arn:aws:secretsmanager:us-east-1:${OTHER_ACCOUNT}:secret:x`,
      },
    ],
  ])('reads %s', (_label, valueFrom, expected) => {
    // Act
    const reference = parseValueFrom(valueFrom, LOCATION, { field: 'secrets[DB]' });

    // Assert
    expect(reference).toEqual({ ...expected, field: 'secrets[DB]' });
  });

  it.each<[string, string, Expected]>([
    [
      'a secret name, as a partial ARN',
      'dockerhub/creds',
      { service: 'secretsmanager', arn: `${SM}:dockerhub/creds`, isPartial: true },
    ],
    ['a secret ARN', `${SM}:dockerhub-AbCdEf`, { service: 'secretsmanager', arn: `${SM}:dockerhub-AbCdEf` }],
  ])('reads registry credentials given as %s', (_label, valueFrom, expected) => {
    // Act
    const reference = parseValueFrom(valueFrom, LOCATION, {
      field: 'repositoryCredentials',
      registryCredentials: true,
    });

    // Assert
    expect(reference).toEqual({ ...expected, field: 'repositoryCredentials' });
  });

  it.each<[string, string, RegExp, boolean?]>([
    ['an empty string', '', /empty/],
    ['blanks', '   ', /empty/],
    ['an S3 ARN', 'arn:aws:s3:::bucket/key', /s3 ARN/],
    ['a truncated Secrets Manager ARN', `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret`, /secret ARN/],
    ['a Secrets Manager ARN with 11 fields', `${SM}:x-AbCdEf:a:b:c:d`, /secret ARN/],
    [
      'a Secrets Manager ARN for a non-secret',
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:other:x`,
      /secret ARN/,
    ],
    ['a Secrets Manager ARN without region', `arn:aws:secretsmanager::${ACCOUNT}:secret:x`, /region/],
    ['a Secrets Manager ARN with a bad account', `arn:aws:secretsmanager:${REGION}:12:secret:x`, /account/],
    ['an unknown partition', `arn:foo:ssm:${REGION}:${ACCOUNT}:parameter/x`, /partition/],
    ['an SSM ARN for a document', `arn:aws:ssm:${REGION}:${ACCOUNT}:document/x`, /parameter/],
    ['an SSM ARN with a doubled slash', `${SSM}//prod/db`, /parameter name/],
    ['a parameter name with spaces inside', 'prod db', /SSM parameter name/],
    ['a parameter name with a doubled slash', '/prod//db', /SSM parameter name/],
    ['a pass-through without a secret name', '/aws/reference/secretsmanager/', /SSM parameter name|secret/],
    ['an SSM ARN as registry credentials', `${SSM}/creds`, /registry credentials must be a secret/, true],
    ['a name with a space as registry credentials', 'my creds', /secret name/, true],
  ])('rejects %s, naming the field', (_label, valueFrom, problem, registryCredentials = false) => {
    // Act
    const parse = () => parseValueFrom(valueFrom, LOCATION, { field: 'secrets[DB]', registryCredentials });

    // Assert
    expect(parse).toThrow(InvalidSecretReferenceError);
    expect(parse).toThrow(problem);
    expect(parse).toThrow(/secrets\[DB\]/);
  });

  it('resolves names in the partition of the location', () => {
    // Arrange
    const govCloud = { region: 'us-gov-west-1', accountId: ACCOUNT, partition: 'aws-us-gov' };

    // Act
    const reference = parseValueFrom('/prod/db', govCloud);

    // Assert
    expect(reference.arn).toBe(`arn:aws-us-gov:ssm:us-gov-west-1:${ACCOUNT}:parameter/prod/db`);
  });
});
