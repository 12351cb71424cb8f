import { AuditInputError } from '../../cli/audit-input';
import { SimulateInputError } from '../../cli/simulate';
import { SweepTimeoutError } from '../../lib/config/runner';
import {
  AwsCallError,
  EvaluationsNotDeliveredError,
  ExecutionRoleCheckError,
  InvalidEventError,
  InvalidRuleParametersError,
  MissingPermissionError,
  RoleNotFoundError,
  type ErrorCode,
} from '../../lib/core/errors';
import { AuthorizationDetailsError } from '../../lib/facts/authorization-details';
import { PolicyParseError } from '../../lib/policy';
import { NotACandidateError } from '../../lib/remediation/errors';
import { UnsafePlanError } from '../../lib/remediation/guard';
import { JsonTextError } from '../../lib/remediation/json-text';
import { InvalidSecretReferenceError } from '../../lib/usage';

describe('ExecutionRoleCheckError', () => {
  it.each<[string, ExecutionRoleCheckError, ErrorCode, string, string]>([
    [
      'InvalidRuleParametersError',
      new InvalidRuleParametersError('RoleTagKey', 'expected KEY or KEY=VALUE'),
      'INVALID_RULE_PARAMETERS',
      'expected KEY or KEY=VALUE',
      'Invalid rule parameter RoleTagKey: expected KEY or KEY=VALUE',
    ],
    [
      'InvalidEventError',
      new InvalidEventError('invokingEvent', 'not JSON'),
      'INVALID_EVENT',
      'not JSON',
      'Invalid event: invokingEvent: not JSON',
    ],
    [
      'MissingPermissionError',
      new MissingPermissionError('iam:GetRole', 'AccessDenied on role x'),
      'MISSING_PERMISSION',
      'AccessDenied on role x',
      "The function's execution role is missing iam:GetRole: AccessDenied on role x",
    ],
    [
      'AwsCallError',
      new AwsCallError('iam:GetRole', 'ServiceUnavailable'),
      'AWS_CALL',
      'ServiceUnavailable',
      'iam:GetRole failed: ServiceUnavailable',
    ],
    [
      'EvaluationsNotDeliveredError',
      new EvaluationsNotDeliveredError(['AROA1', 'AROA2']),
      'EVALUATIONS_NOT_DELIVERED',
      'rejected evaluations for: AROA1, AROA2',
      'PutEvaluations rejected evaluations for: AROA1, AROA2',
    ],
    [
      'RoleNotFoundError',
      new RoleNotFoundError('etl'),
      'ROLE_NOT_FOUND',
      'No IAM role "etl" in this account',
      'No IAM role "etl" in this account',
    ],
    [
      'PolicyParseError',
      new PolicyParseError('Statement[0].Effect', 'expected Allow or Deny'),
      'POLICY_PARSE',
      'expected Allow or Deny',
      'Statement[0].Effect: expected Allow or Deny',
    ],
    [
      'InvalidSecretReferenceError',
      new InvalidSecretReferenceError('secrets[DB]', 'x', 'is not an ARN', 'etl:3'),
      'INVALID_SECRET_REFERENCE',
      'is not an ARN',
      'etl:3: secrets[DB]: "x" is not an ARN',
    ],
    [
      'AuthorizationDetailsError',
      new AuthorizationDetailsError('RoleDetailList', 'expected an array'),
      'AUTHORIZATION_DETAILS',
      'expected an array',
      'RoleDetailList: expected an array',
    ],
    [
      'NotACandidateError',
      new NotACandidateError('web', 'service-linked role'),
      'NOT_A_CANDIDATE',
      'service-linked role',
      'Role web is not checked by the rule (service-linked role); nothing was changed',
    ],
    [
      'UnsafePlanError',
      new UnsafePlanError('a wildcard resource'),
      'UNSAFE_PLAN',
      'a wildcard resource',
      'Refusing to apply an unsafe plan: a wildcard resource',
    ],
    [
      'JsonTextError',
      new JsonTextError('unbalanced brackets'),
      'JSON_TEXT',
      'unbalanced brackets',
      'unbalanced brackets',
    ],
    [
      'AuditInputError',
      new AuditInputError('--input given twice'),
      'AUDIT_INPUT',
      '--input given twice',
      '--input given twice',
    ],
    ['SimulateInputError', new SimulateInputError('bad flag'), 'SIMULATE_INPUT', 'bad flag', 'bad flag'],
  ])('%s carries its code and the problem without the context', (_name, error, code, problem, message) => {
    expect(error).toBeInstanceOf(ExecutionRoleCheckError);
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe(code);
    expect(error.problem).toBe(problem);
    expect(error.message).toBe(message);
    expect(error.name).toBe(_name);
  });

  it('SweepTimeoutError states the problem inside its advice', () => {
    // Act
    const error = new SweepTimeoutError(90_000);

    // Assert
    expect(error.code).toBe('SWEEP_TIMEOUT');
    expect(error.message).toBe(
      `Periodic sweep stopped: ${error.problem}; no evaluations were put. Raise the function timeout.`,
    );
    expect(error.problem).toContain('90000 ms left when it started');
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    expect(new AwsCallError('batch:DescribeJobDefinitions', 'failed', { cause }).cause).toBe(cause);
  });
});
