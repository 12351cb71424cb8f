import {
  GetBucketEncryptionCommand,
  type GetBucketEncryptionCommandOutput,
  S3Client,
  S3ServiceException,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createClients } from '../../lib/aws/clients';
import { AwsUsageReader } from '../../lib/aws/usage';
import { AwsCallError } from '../../lib/core/errors';

// GetBucketEncryption answers and failures moto cannot show (it never denies, redirects or fails).
const s3Mock = mockClient(S3Client);
const ACCOUNT = '123456789012';
const BUCKET = 'arn:aws:s3:::acme-config';
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const usage = (): AwsUsageReader =>
  new AwsUsageReader(
    createClients({
      clientConfig: { region: 'us-east-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } },
    }),
    { accountId: ACCOUNT },
  );
const s3Error = (name: string, status: number, headers: Record<string, string> = {}): S3ServiceException =>
  Object.assign(
    new S3ServiceException({
      name,
      $fault: status >= 500 ? 'server' : 'client',
      $metadata: { httpStatusCode: status },
      message: `${name} answer`,
    }),
    { $response: { statusCode: status, headers, body: undefined } },
  );
const rules = (SSEAlgorithm: string, KMSMasterKeyID?: string): GetBucketEncryptionCommandOutput => ({
  $metadata: {},
  ServerSideEncryptionConfiguration: {
    Rules: [
      {
        // Cast: the unknown-algorithm case sends what the SDK's type would not allow.
        ApplyServerSideEncryptionByDefault: {
          SSEAlgorithm: SSEAlgorithm as ServerSideEncryption,
          KMSMasterKeyID,
        },
        BucketKeyEnabled: true,
      },
    ],
  },
});

beforeEach(() => s3Mock.reset());

describe('bucketEncryption', () => {
  it.each<[string, GetBucketEncryptionCommandOutput, object]>([
    ['SSE-S3', rules('AES256'), { status: 'read', algorithm: 'AES256', region: 'us-east-1' }],
    [
      'SSE-KMS with a customer key',
      rules('aws:kms', KEY),
      { status: 'read', algorithm: 'aws:kms', kmsKeyId: KEY, region: 'us-east-1' },
    ],
    [
      'SSE-KMS with the AWS managed key',
      rules('aws:kms'),
      { status: 'read', algorithm: 'aws:kms', region: 'us-east-1' },
    ],
    [
      'DSSE-KMS',
      rules('aws:kms:dsse', KEY),
      { status: 'read', algorithm: 'aws:kms:dsse', kmsKeyId: KEY, region: 'us-east-1' },
    ],
    [
      'no rules',
      { $metadata: {}, ServerSideEncryptionConfiguration: { Rules: [] } },
      { status: 'read', algorithm: 'none', region: 'us-east-1' },
    ],
    [
      'an algorithm the rule does not know (fail closed)',
      rules('aws:fancy'),
      { status: 'unreadable', detail: 'its SSEAlgorithm "aws:fancy" is not one the rule knows' },
    ],
  ])('%s', async (_case, answer, expected) => {
    // Arrange
    s3Mock.on(GetBucketEncryptionCommand).resolves(answer);
    // Act
    const result = await usage().bucketEncryption(BUCKET);
    // Assert
    expect(result).toEqual(expected);
    expect(s3Mock).toHaveReceivedCommandWith(GetBucketEncryptionCommand, {
      Bucket: 'acme-config',
      ExpectedBucketOwner: ACCOUNT,
    });
  });

  it('asks once per bucket per reader', async () => {
    s3Mock.on(GetBucketEncryptionCommand).resolves(rules('AES256'));
    const reader = usage();
    await Promise.all([reader.bucketEncryption(BUCKET), reader.bucketEncryption(BUCKET)]);
    await reader.bucketEncryption(BUCKET);
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketEncryptionCommand, 1);
  });

  it('a bucket without default encryption configured (older buckets) needs no key', async () => {
    s3Mock
      .on(GetBucketEncryptionCommand)
      .rejects(s3Error('ServerSideEncryptionConfigurationNotFoundError', 404));
    expect(await usage().bucketEncryption(BUCKET)).toEqual({
      status: 'read',
      algorithm: 'none',
      region: 'us-east-1',
    });
  });

  it('a bucket of another region: asked again where S3 says it is, and the region kept for bare key ids', async () => {
    s3Mock
      .on(GetBucketEncryptionCommand)
      .rejectsOnce(s3Error('PermanentRedirect', 301, { 'x-amz-bucket-region': 'eu-west-2' }))
      .resolves(rules('aws:kms', '1234abcd-12ab-34cd-56ef-1234567890ab'));
    expect(await usage().bucketEncryption(BUCKET)).toEqual({
      status: 'read',
      algorithm: 'aws:kms',
      kmsKeyId: '1234abcd-12ab-34cd-56ef-1234567890ab',
      region: 'eu-west-2',
    });
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketEncryptionCommand, 2);
  });

  it.each<[string, S3ServiceException, RegExp]>([
    [
      'AccessDenied (no permission, or a bucket of another account)',
      s3Error('AccessDenied', 403),
      /^s3:GetEncryptionConfiguration on arn:aws:s3:::acme-config was denied \(AccessDenied: AccessDenied answer\); S3 refuses it too for a bucket of another account than 123456789012$/,
    ],
    ['NoSuchBucket', s3Error('NoSuchBucket', 404), /^bucket acme-config does not exist \(NoSuchBucket\)$/],
  ])('%s: unreadable, naming why', async (_case, error, detail) => {
    s3Mock.on(GetBucketEncryptionCommand).rejects(error);
    const result = await usage().bucketEncryption(BUCKET);
    expect(result.status).toBe('unreadable');
    expect(result.status === 'unreadable' && result.detail).toMatch(detail);
  });

  it('another failure throws, naming the call, and is asked again next time', async () => {
    s3Mock
      .on(GetBucketEncryptionCommand)
      .rejectsOnce(s3Error('InternalError', 500))
      .resolves(rules('AES256'));
    const reader = usage();
    const failure = await reader.bucketEncryption(BUCKET).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AwsCallError);
    expect((failure as Error).message).toMatch(/GetEncryptionConfiguration.*InternalError/);
    expect(await reader.bucketEncryption(BUCKET)).toMatchObject({ status: 'read', algorithm: 'AES256' });
  });
});
