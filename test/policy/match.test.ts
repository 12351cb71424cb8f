import {
  arnOverlaps,
  matchesActionPattern,
  matchesArnPattern,
  matchesPrincipal,
  type PrincipalBlock,
  type PrincipalRef,
} from '../../lib/policy';

describe('matchesActionPattern', () => {
  it.each([
    ['logs:PutLogEvents', 'logs:PutLogEvents', true],
    ['exact match ignores case', 'LOGS:putlogevents', true],
    ['* matches every action', '*', true],
    ['service:* matches the service', 'logs:*', true],
    ['service:* is anchored to the service', 'log:*', false],
    ['prefix glob', 'logs:Put*', true],
    ['prefix glob, other action', 'logs:Create*', false],
    ['? is exactly one character', 'logs:PutLogEvent?', true],
    ['? does not match nothing', 'logs:PutLogEvents?', false],
    ['glob in the middle', 'logs:*Log*', true],
    ['anchored at the start', 'PutLogEvents', false],
    ['anchored at the end', 'logs:PutLog', false],
    ['a comma inside one string matches nothing', 'logs:PutLogEvents,logs:CreateLogStream', false],
    ['a comma even with a wildcard', '*,logs:*', false],
    ['regex characters are literal', 'logs:Put.ogEvents', false],
    ['an empty pattern matches nothing', '', false],
  ])('%s: %s -> %s', (_label, pattern, expected) => {
    expect(matchesActionPattern(pattern, 'logs:PutLogEvents')).toBe(expected);
  });

  it('treats the dot in a pattern as a literal dot', () => {
    expect(matchesActionPattern('a:b.c', 'a:b.c')).toBe(true);
    expect(matchesActionPattern('a:b.c', 'a:bxc')).toBe(false);
  });
});

const STREAM = 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/batch/job:log-stream:abc';
const ANY_STREAM = 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/batch/job:log-stream:*';

describe('matchesArnPattern: concrete resources', () => {
  it.each([
    ['* matches anything', '*', STREAM, true],
    ['the same ARN', STREAM, STREAM, true],
    [
      'a trailing * crosses colons and slashes',
      'arn:aws:logs:us-east-1:123456789012:log-group:/aws/batch/job:*',
      STREAM,
      true,
    ],
    ['a * inside the resource crosses slashes', 'arn:aws:logs:*:*:log-group:/aws/*', STREAM, true],
    ['* in region and account', 'arn:aws:logs:*:*:log-group:/aws/batch/job:log-stream:*', STREAM, true],
    ['a * in the region stays in the region', 'arn:aws:logs:*:log-group:/aws/batch/job:*', STREAM, false],
    ['another log group', 'arn:aws:logs:*:*:log-group:/ecs/app:*', STREAM, false],
    [
      'the log group ARN without :* does not cover its streams',
      'arn:aws:logs:us-east-1:123456789012:log-group:/aws/batch/job',
      STREAM,
      false,
    ],
    ['another account', 'arn:aws:logs:*:210987654321:log-group:*', STREAM, false],
    ['another region', 'arn:aws:logs:eu-west-1:*:*', STREAM, false],
    ['resource part is case-sensitive', 'arn:aws:logs:*:*:log-group:/AWS/batch/job:*', STREAM, false],
    ['service is case-insensitive', 'arn:aws:LOGS:*:*:log-group:/aws/batch/job:*', STREAM, true],
    ['partition is case-insensitive', 'arn:AWS:logs:*:*:*', STREAM, true],
    ['another partition', 'arn:aws-cn:logs:*:*:*', STREAM, false],
    [
      '? matches one character in the resource',
      'arn:aws:logs:*:*:log-group:/aws/batch/jo?:log-stream:abc',
      STREAM,
      true,
    ],
    ['? does not match a colon in a middle segment', 'arn:aws:logs:us-east-1?123456789012:*', STREAM, false],
    [
      'an empty region segment matches only an empty region',
      'arn:aws:s3:::bucket/*',
      'arn:aws:s3:::bucket/key',
      true,
    ],
    ['S3 bucket vs object', 'arn:aws:s3:::bucket', 'arn:aws:s3:::bucket/key', false],
    ['regex characters are literal', 'arn:aws:s3:::b.cket/*', 'arn:aws:s3:::bucket/key', false],
    ['a pattern of several stars matches all', '**', STREAM, true],
    ['a short pattern: last segment * crosses colons', 'arn:aws:logs:*', STREAM, true],
    [
      'secret suffix wildcard',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-??????',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf',
      true,
    ],
    ['ARN pattern does not match the literal "*" request', 'arn:aws:ecr:*:*:repository/*', '*', false],
  ])('%s', (_label, pattern, arn, expected) => {
    expect(matchesArnPattern(pattern, arn)).toBe(expected);
  });
});

describe('matchesArnPattern: request resources with * (a set of resources)', () => {
  it.each([
    ['pattern * covers every stream', '*', ANY_STREAM, true],
    [
      'the group pattern :* covers every stream',
      'arn:aws:logs:us-east-1:123456789012:log-group:/aws/batch/job:*',
      ANY_STREAM,
      true,
    ],
    [
      'log-stream:* covers log-stream:*',
      'arn:aws:logs:*:*:log-group:/aws/batch/job:log-stream:*',
      ANY_STREAM,
      true,
    ],
    [
      'log-stream:abc* does not cover every stream',
      'arn:aws:logs:*:*:log-group:/aws/batch/job:log-stream:abc*',
      ANY_STREAM,
      false,
    ],
    [
      '? cannot stand for the request *',
      'arn:aws:logs:*:*:log-group:/aws/batch/job:log-stream:?',
      ANY_STREAM,
      false,
    ],
    ['a literal cannot stand for the request *', STREAM, ANY_STREAM, false],
    ['the literal request * needs pattern *', 'arn:aws:ecr:*:*:*', '*', false],
    ['the literal request * with pattern *', '*', '*', true],
    [
      'a * inside the request region needs * in the region',
      'arn:aws:ecs:us-east-1:1:*',
      'arn:aws:ecs:*:1:*',
      false,
    ],
    ['region * covers a request * in the region', 'arn:aws:ecs:*:1:*', 'arn:aws:ecs:*:1:*', true],
    [
      'NAME-?????? covers the name-only secret request',
      'arn:aws:secretsmanager:us-east-1:1:secret:prod/db-??????',
      'arn:aws:secretsmanager:us-east-1:1:secret:prod/db-??????',
      true,
    ],
    [
      'NAME-* covers the name-only secret request',
      'arn:aws:secretsmanager:us-east-1:1:secret:prod/db-*',
      'arn:aws:secretsmanager:us-east-1:1:secret:prod/db-??????',
      true,
    ],
    [
      'one full secret ARN does not cover every suffix',
      'arn:aws:secretsmanager:us-east-1:1:secret:prod/db-AbCdEf',
      'arn:aws:secretsmanager:us-east-1:1:secret:prod/db-??????',
      false,
    ],
  ])('%s', (_label, pattern, arn, expected) => {
    expect(matchesArnPattern(pattern, arn)).toBe(expected);
  });
});

describe('arnOverlaps (for Deny statements: could the pattern hit some resource of the set?)', () => {
  it.each([
    [
      'a narrower stream pattern overlaps every stream',
      'arn:aws:logs:*:*:log-group:/aws/batch/job:log-stream:abc*',
      ANY_STREAM,
      true,
    ],
    ['a single stream overlaps every stream', STREAM, ANY_STREAM, true],
    [
      'the full ARN of a secret overlaps its name-only request NAME-??????',
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-AbCdEf',
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????',
      true,
    ],
    [
      'a secret with a longer name does not overlap NAME-??????',
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-extra-AbCdEf',
      'arn:aws:secretsmanager:us-east-1:111122223333:secret:prod/db-??????',
      false,
    ],
    ['another group does not overlap', 'arn:aws:logs:*:*:log-group:/ecs/app:*', ANY_STREAM, false],
    ['another account does not overlap', 'arn:aws:logs:*:999999999999:*', ANY_STREAM, false],
    [
      'a repository pattern misses the bare request * (compared literally)',
      'arn:aws:ecr:us-east-1:1:repository/x',
      '*',
      false,
    ],
    ['the pattern * hits the bare request *', '*', '*', true],
    ['a concrete request: overlap is a match', STREAM, STREAM, true],
    ['a concrete request: no match, no overlap', 'arn:aws:logs:*:*:log-group:/ecs/*', STREAM, false],
  ])('%s', (_label, pattern, arn, expected) => {
    expect(arnOverlaps(pattern, arn)).toBe(expected);
  });
});

describe('matchesPrincipal', () => {
  const ecs: PrincipalRef = { type: 'Service', id: 'ecs-tasks.amazonaws.com' };
  it.each<[string, PrincipalBlock, PrincipalRef, boolean]>([
    ['"*" names everyone', '*', ecs, true],
    ['{"AWS": "*"} names everyone, services included', { AWS: ['*'] }, ecs, true],
    ['the service itself', { Service: ['ecs-tasks.amazonaws.com'] }, ecs, true],
    [
      'a service list containing it',
      { Service: ['ec2.amazonaws.com', 'ecs-tasks.amazonaws.com'] },
      ecs,
      true,
    ],
    ['service case does not matter', { Service: ['ECS-Tasks.amazonaws.com'] }, ecs, true],
    ['EC2 is not ECS tasks', { Service: ['ec2.amazonaws.com'] }, ecs, false],
    ['ecs.amazonaws.com is not ecs-tasks', { Service: ['ecs.amazonaws.com'] }, ecs, false],
    ['an account principal is not the service', { AWS: ['arn:aws:iam::123456789012:root'] }, ecs, false],
    [
      'an AWS principal by ARN',
      { AWS: ['arn:aws:iam::1:root'] },
      { type: 'AWS', id: 'arn:aws:iam::1:root' },
      true,
    ],
    [
      'an AWS principal, another ARN',
      { AWS: ['arn:aws:iam::1:root'] },
      { type: 'AWS', id: 'arn:aws:iam::2:root' },
      false,
    ],
    [
      'a federated principal',
      { Federated: ['cognito-identity.amazonaws.com'] },
      { type: 'Federated', id: 'cognito-identity.amazonaws.com' },
      true,
    ],
  ])('%s', (_label, block, principal, expected) => {
    expect(matchesPrincipal(block, principal)).toBe(expected);
  });
});
