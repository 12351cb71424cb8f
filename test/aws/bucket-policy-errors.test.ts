/**
 * GetBucketPolicy answers and failures moto cannot show (it never denies, redirects or checks
 * ExpectedBucketOwner): each becomes a bucket policy, "no policy", an unreadable layer, or a failed call.
 */
import { GetBucketPolicyCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { AwsResourcePolicyReader } from '../../lib/aws/layers';
import { AwsCallError } from '../../lib/core/errors';

const s3Mock = mockClient(S3Client);
const ACCOUNT = '123456789012';
const BUCKET = 'arn:aws:s3:::acme-config';
const POLICY = '{"Version":"2012-10-17","Statement":[]}';
const CREDENTIALS = { accessKeyId: 'a', secretAccessKey: 'b' };
const reader = (region: string | undefined = 'us-east-1'): AwsResourcePolicyReader =>
  new AwsResourcePolicyReader({
    accountId: ACCOUNT,
    clientConfig: { ...(region ? { region } : {}), credentials: CREDENTIALS, maxAttempts: 1 },
  });
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

beforeEach(() => s3Mock.reset());

describe('AwsResourcePolicyReader.bucketPolicy', () => {
  it('reads the policy with ExpectedBucketOwner set to the rule account, once per reader', async () => {
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: POLICY });
    const once = reader();
    expect(await once.bucketPolicy(BUCKET)).toEqual({ status: 'read', policy: POLICY });
    expect(await once.bucketPolicy(BUCKET)).toEqual({ status: 'read', policy: POLICY });
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketPolicyCommand, 1);
    expect(s3Mock).toHaveReceivedCommandWith(GetBucketPolicyCommand, {
      Bucket: 'acme-config',
      ExpectedBucketOwner: ACCOUNT,
    });
  });

  it.each<[string, S3ServiceException, object]>([
    ['NoSuchBucketPolicy: no policy', s3Error('NoSuchBucketPolicy', 404), { status: 'read', policy: null }],
    [
      'NoSuchBucket: NotFound',
      s3Error('NoSuchBucket', 404),
      { status: 'unreadable', reason: 'NotFound', detail: `${BUCKET} does not exist (NoSuchBucket)` },
    ],
    [
      "AccessDenied (the rule's role lacks the read, or another account owns the bucket): unreadable",
      s3Error('AccessDenied', 403),
      {
        status: 'unreadable',
        reason: 'AccessDenied',
        detail:
          `s3:GetBucketPolicy on ${BUCKET} was denied (AccessDenied): the rule's role lacks it, or the bucket ` +
          `belongs to another account than ${ACCOUNT}, whose bucket policy this account cannot read`,
      },
    ],
  ])('%s', async (_label, error, expected) => {
    s3Mock.on(GetBucketPolicyCommand).rejects(error);
    expect(await reader().bucketPolicy(BUCKET)).toEqual(expected);
  });

  it("follows S3's redirect to the bucket's region", async () => {
    s3Mock
      .on(GetBucketPolicyCommand)
      .rejectsOnce(s3Error('PermanentRedirect', 301, { 'x-amz-bucket-region': 'eu-west-2' }))
      .resolvesOnce({ Policy: POLICY });
    expect(await reader().bucketPolicy(BUCKET)).toEqual({ status: 'read', policy: POLICY });
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketPolicyCommand, 2);
  });

  it('a redirect to the region already asked is not followed again: the failure names the call', async () => {
    s3Mock
      .on(GetBucketPolicyCommand)
      .rejects(s3Error('PermanentRedirect', 301, { 'x-amz-bucket-region': 'us-east-1' }));
    await expect(reader().bucketPolicy(BUCKET)).rejects.toThrow(AwsCallError);
    await expect(reader().bucketPolicy(BUCKET)).rejects.toThrow(/GetBucketPolicy failed/);
  });

  it('without a configured region, reads through a client of the SDK default region', async () => {
    const saved = process.env['AWS_REGION'];
    process.env['AWS_REGION'] = 'us-east-1';
    try {
      s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: POLICY });
      expect(await reader(undefined).bucketPolicy(BUCKET)).toEqual({ status: 'read', policy: POLICY });
      expect(s3Mock).toHaveReceivedCommandTimes(GetBucketPolicyCommand, 1);
    } finally {
      if (saved === undefined) delete process.env['AWS_REGION'];
      else process.env['AWS_REGION'] = saved;
    }
  });

  it('a server failure left after the retries fails the read, naming GetBucketPolicy', async () => {
    s3Mock.on(GetBucketPolicyCommand).rejects(s3Error('InternalError', 500));
    await expect(reader().bucketPolicy(BUCKET)).rejects.toThrow(/GetBucketPolicy failed/);
  });
});
