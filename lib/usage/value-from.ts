/**
 * `valueFrom` and `credentialsParameter` as the ECS agent reads them, reduced to the ARN an IAM grant
 * must name. The forms follow the "specifying sensitive data" pages:
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html and
 * https://docs.aws.amazon.com/batch/latest/userguide/specifying-sensitive-data.html
 */
import { InvalidSecretReferenceError } from './errors';
import type { RuleLocation, SecretReference } from './types';

/** Parameter Store's pass-through to Secrets Manager: needs ssm:GetParameters and secretsmanager:GetSecretValue. */
export const PASS_THROUGH_PREFIX = '/aws/reference/secretsmanager/';

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const PARTITION = /^aws(-[a-z]+)*$/;
// Secret names: letters, digits and /_+=.@- (Secrets Manager CreateSecret).
const SECRET_NAME = /^[\w/+=.@-]{1,512}$/;
// Parameter names: letters, digits and _.-/ (SSM PutParameter); at most 15 levels, 2048 characters.
const PARAMETER_NAME = /^[\w./-]{1,2048}$/;

/** How to read one reference. */
export interface ValueFromOptions {
  /** Where the reference was written, for error messages. Defaults to `valueFrom`. */
  readonly field?: string;
  /** `repositoryCredentials.credentialsParameter`: always a Secrets Manager secret; a bare name is a secret name. */
  readonly registryCredentials?: boolean;
}

/**
 * Parses a secret reference into the ARN a grant must name; names resolve in `location`. Throws
 * InvalidSecretReferenceError naming the field when the text names nothing the ECS agent can fetch.
 */
export function parseValueFrom(
  valueFrom: string,
  location: RuleLocation,
  options: ValueFromOptions = {},
): SecretReference {
  const field = options.field ?? 'valueFrom';
  const fail = (problem: string): never => {
    throw new InvalidSecretReferenceError(field, valueFrom, problem);
  };
  if (typeof valueFrom !== 'string') return fail('is not a string');
  const text = valueFrom.trim();
  if (text === '') return fail('is empty');

  if (text.startsWith('arn:')) {
    const parts = text.split(':');
    const [, partition = '', service = '', region = '', account = ''] = parts;
    if (!PARTITION.test(partition)) return fail(`has an unknown partition ${JSON.stringify(partition)}`);
    if (service === 'secretsmanager') {
      return secretFromArn(parts, field, fail);
    }
    if (service === 'ssm') {
      if (options.registryCredentials)
        return fail('is an SSM parameter; registry credentials must be a secret');
      if (!REGION.test(region) || !ACCOUNT.test(account)) return fail('is not a valid SSM parameter ARN');
      const resource = parts[5] ?? '';
      if (!resource.startsWith('parameter/'))
        return fail('is not an SSM parameter ARN (expected parameter/NAME)');
      // A `:version` or `:label` selector after the name is not part of the resource IAM authorises.
      const name = resource.slice('parameter/'.length);
      if (!isParameterName(name)) return fail('does not contain a valid parameter name');
      return parameterReference({ partition, region, accountId: account }, name, field, fail);
    }
    return fail(`is a ${service || 'malformed'} ARN, not a Secrets Manager secret or SSM parameter`);
  }

  if (options.registryCredentials) {
    // Private registry credentials live in Secrets Manager; a name resolves in the task's region.
    if (!SECRET_NAME.test(text)) return fail('is not a Secrets Manager secret name or ARN');
    return {
      service: 'secretsmanager',
      arn: `arn:${location.partition}:secretsmanager:${location.region}:${location.accountId}:secret:${text}`,
      field,
      isPartial: true,
    };
  }
  // Not an ARN: the ECS agent reads it as a Parameter Store name in the task's region.
  const name = stripSelector(text);
  if (!isParameterName(name.startsWith('/') ? name.slice(1) : name)) {
    return fail('is not a Secrets Manager ARN, SSM parameter ARN or SSM parameter name');
  }
  return parameterReference(location, name.startsWith('/') ? name.slice(1) : name, field, fail);
}

const FULL_SECRET_SUFFIX = /-[A-Za-z0-9]{6}$/;

function secretFromArn(
  parts: readonly string[],
  field: string,
  fail: (problem: string) => never,
): SecretReference {
  const [, partition = '', , region = '', account = '', resourceType = '', name = ''] = parts;
  // 7 fields, or 10 with `:json-key:version-stage:version-id` (empty fields keep their colons).
  if (parts.length < 7 || parts.length > 10 || resourceType !== 'secret') {
    return fail(
      'is not a Secrets Manager secret ARN (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME)',
    );
  }
  if (!REGION.test(region)) return fail(`has an invalid region ${JSON.stringify(region)}`);
  if (!ACCOUNT.test(account)) return fail(`has an invalid account ${JSON.stringify(account)}`);
  if (!SECRET_NAME.test(name)) return fail('has an invalid secret name');
  return {
    service: 'secretsmanager',
    arn: `arn:${partition}:secretsmanager:${region}:${account}:secret:${name}`,
    field,
    // A secret's ARN ends in `-` and six random characters; without them this is a partial ARN, which IAM
    // never matches literally: check it as NAME-?????? (or its full ARN once DescribeSecret resolves it).
    ...(FULL_SECRET_SUFFIX.test(name) ? {} : { isPartial: true }),
  };
}

/** `name` without its leading slash. */
function parameterReference(
  location: RuleLocation,
  name: string,
  field: string,
  fail: (problem: string) => never,
): SecretReference {
  const arn = `arn:${location.partition}:ssm:${location.region}:${location.accountId}:parameter/${name}`;
  const passThroughName = `/${name}`.startsWith(PASS_THROUGH_PREFIX)
    ? `/${name}`.slice(PASS_THROUGH_PREFIX.length)
    : undefined;
  if (passThroughName === undefined) return { service: 'ssm', arn, field };
  if (!SECRET_NAME.test(passThroughName))
    return fail('does not name a secret after /aws/reference/secretsmanager/');
  return {
    service: 'ssm',
    arn,
    field,
    // The pass-through names the secret without its random suffix: grants must cover NAME-??????.
    passThroughSecretArn: `arn:${location.partition}:secretsmanager:${location.region}:${location.accountId}:secret:${passThroughName}`,
  };
}

/** GetParameters accepts `name:version` and `name:label`; the colon is never part of a parameter name. */
function stripSelector(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(0, colon);
}

function isParameterName(name: string): boolean {
  return PARAMETER_NAME.test(name) && !name.includes('//') && !name.startsWith('/') && !name.endsWith('/');
}
