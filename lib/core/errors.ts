/** Named failures. Non-compliance is never an error: these are for broken input and failed I/O. */

/** Every named failure's `code`, one per class (the class name, without `Error`, in SCREAMING_SNAKE). */
export type ErrorCode =
  | 'INVALID_RULE_PARAMETERS'
  | 'INVALID_EVENT'
  | 'MISSING_PERMISSION'
  | 'AWS_CALL'
  | 'EVALUATIONS_NOT_DELIVERED'
  | 'ROLE_NOT_FOUND'
  | 'POLICY_PARSE'
  | 'INVALID_SECRET_REFERENCE'
  | 'AUTHORIZATION_DETAILS'
  | 'SWEEP_TIMEOUT'
  | 'NOT_A_CANDIDATE'
  | 'REMEDIATION_REFUSED'
  | 'CONCURRENT_CHANGE'
  | 'REMEDIATION_INCOMPLETE'
  | 'UNSAFE_PLAN'
  | 'JSON_TEXT'
  | 'AUDIT_INPUT'
  | 'SIMULATE_INPUT';

/**
 * The base of every named failure: a stable `code`, and the `problem` alone, without the context the
 * message wraps it in (`Invalid rule parameter X: ` + problem), so that callers word it for their own
 * audience instead of parsing the message.
 */
export abstract class ExecutionRoleCheckError extends Error {
  abstract readonly code: ErrorCode;
  /** What went wrong, as the message states it after its context. */
  readonly problem: string;

  protected constructor(message: string, problem: string, options?: { cause?: unknown }) {
    super(message, options);
    this.problem = problem;
  }
}

/** A rule parameter is unknown or has a bad value. */
export class InvalidRuleParametersError extends ExecutionRoleCheckError {
  override readonly name = 'InvalidRuleParametersError';
  readonly code = 'INVALID_RULE_PARAMETERS';
  constructor(
    readonly parameter: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid rule parameter ${parameter}: ${problem}`, problem, options);
  }
}

/** The Lambda event (or a payload) does not have the expected shape; `field` names the element. */
export class InvalidEventError extends ExecutionRoleCheckError {
  override readonly name = 'InvalidEventError';
  readonly code = 'INVALID_EVENT';
  constructor(
    readonly field: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid event: ${field}: ${problem}`, problem, options);
  }
}

/** The function's role lacks a permission the rule needs. Never turned into a verdict about a role. */
export class MissingPermissionError extends ExecutionRoleCheckError {
  override readonly name = 'MissingPermissionError';
  readonly code = 'MISSING_PERMISSION';
  constructor(
    readonly permission: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`The function's execution role is missing ${permission}: ${detail}`, detail, options);
  }
}

/** An AWS call failed after the SDK's retries. */
export class AwsCallError extends ExecutionRoleCheckError {
  override readonly name = 'AwsCallError';
  readonly code = 'AWS_CALL';
  constructor(
    readonly operation: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} failed: ${detail}`, detail, options);
  }
}

/** PutEvaluations kept rejecting some evaluations. */
export class EvaluationsNotDeliveredError extends ExecutionRoleCheckError {
  override readonly name = 'EvaluationsNotDeliveredError';
  readonly code = 'EVALUATIONS_NOT_DELIVERED';
  constructor(
    readonly resourceIds: readonly string[],
    options?: { cause?: unknown },
  ) {
    const problem = `rejected evaluations for: ${resourceIds.join(', ')}`;
    super(`PutEvaluations ${problem}`, problem, options);
  }
}

/** No role with that RoleId, name or ARN in this account. */
export class RoleNotFoundError extends ExecutionRoleCheckError {
  override readonly name = 'RoleNotFoundError';
  readonly code = 'ROLE_NOT_FOUND';
  constructor(readonly reference: string) {
    const message = `No IAM role ${JSON.stringify(reference)} in this account`;
    super(message, message);
  }
}
