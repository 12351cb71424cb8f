import { IAMServiceException, NoSuchEntityException } from '@aws-sdk/client-iam';
import { awsErrorName, callAws, callAwsUnlessAbsent, classifyAwsError } from '../../lib/aws/errors';
import { AwsCallError, MissingPermissionError } from '../../lib/core/errors';

const serviceError = (name: string, message = 'nope'): IAMServiceException =>
  new IAMServiceException({ name, $fault: 'client', $metadata: {}, message });
const codeOnly = (code: string): Error => Object.assign(new Error('denied'), { Code: code });

describe('classifyAwsError', () => {
  it.each([
    ['AccessDenied', serviceError('AccessDenied')],
    ['AccessDeniedException', serviceError('AccessDeniedException')],
    ['UnauthorizedOperation', serviceError('UnauthorizedOperation')],
    ['a plain Error carrying Code AccessDenied', codeOnly('AccessDenied')],
  ])('%s -> MissingPermissionError naming the action, cause kept', (_label, error) => {
    const classified = classifyAwsError(error, 'iam:GetAccountAuthorizationDetails');
    expect(classified).toBeInstanceOf(MissingPermissionError);
    expect(classified).toMatchObject({ permission: 'iam:GetAccountAuthorizationDetails', cause: error });
    expect(classified.message).toContain('missing iam:GetAccountAuthorizationDetails');
  });

  it.each([
    ['Throttling', serviceError('Throttling', 'Rate exceeded'), 'GetRole failed: Throttling: Rate exceeded'],
    [
      'a 5xx',
      serviceError('ServiceUnavailable', 'try later'),
      'GetRole failed: ServiceUnavailable: try later',
    ],
    ['a network error', new Error('connect ECONNREFUSED'), 'GetRole failed: Error: connect ECONNREFUSED'],
    ['a non-error value', 'weird', 'GetRole failed: Error: weird'],
  ])('%s -> AwsCallError naming the operation', (_label, error, message) => {
    const classified = classifyAwsError(error, 'iam:GetRole');
    expect(classified).toBeInstanceOf(AwsCallError);
    expect(classified).toMatchObject({ operation: 'GetRole', message, cause: error });
  });

  it('an already classified error passes through unchanged', () => {
    const original = new MissingPermissionError('iam:GetRole', 'denied');
    expect(classifyAwsError(original, 'config:PutEvaluations')).toBe(original);
  });
});

describe('callAws and callAwsUnlessAbsent', () => {
  it('callAws resolves with the answer and rejects classified', async () => {
    await expect(callAws('iam:GetRole', () => Promise.resolve(42))).resolves.toBe(42);
    await expect(callAws('iam:GetRole', () => Promise.reject(serviceError('AccessDenied')))).rejects.toThrow(
      MissingPermissionError,
    );
  });

  it.each([
    ['the named absent error', new NoSuchEntityException({ message: 'no role', $metadata: {} }), 'undefined'],
    ['AccessDenied', serviceError('AccessDenied'), 'MissingPermissionError'],
    ['another error', serviceError('ServiceFailure'), 'AwsCallError'],
  ])('callAwsUnlessAbsent on %s -> %s', async (_label, error, outcome) => {
    const result = callAwsUnlessAbsent('iam:GetRole', ['NoSuchEntityException'], () => Promise.reject(error));
    if (outcome === 'undefined') await expect(result).resolves.toBeUndefined();
    else await expect(result).rejects.toMatchObject({ name: outcome });
  });

  it.each([
    [serviceError('NoSuchEntity'), 'NoSuchEntity'],
    [codeOnly('AccessDenied'), 'AccessDenied'],
    [{ name: 'X' }, 'X'],
    [undefined, undefined],
  ])('awsErrorName(%p) -> %p', (error, name) => {
    expect(awsErrorName(error)).toBe(name);
  });
});
