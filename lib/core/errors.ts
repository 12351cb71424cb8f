/** Named failures. Non-compliance is never an error: these are for broken input and failed I/O. */

/** A rule parameter is unknown or has a bad value. */
export class InvalidRuleParametersError extends Error {
  override readonly name = 'InvalidRuleParametersError';
  constructor(
    readonly parameter: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid rule parameter ${parameter}: ${problem}`, options);
  }
}

/** The Lambda event (or a payload) does not have the expected shape; `field` names the element. */
export class InvalidEventError extends Error {
  override readonly name = 'InvalidEventError';
  constructor(
    readonly field: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`Invalid event: ${field}: ${problem}`, options);
  }
}

/** The function's role lacks a permission the rule needs. Never turned into a verdict about a role. */
export class MissingPermissionError extends Error {
  override readonly name = 'MissingPermissionError';
  constructor(
    readonly permission: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`The function's execution role is missing ${permission}: ${detail}`, options);
  }
}

/** An AWS call failed after the SDK's retries. */
export class AwsCallError extends Error {
  override readonly name = 'AwsCallError';
  constructor(
    readonly operation: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${operation} failed: ${detail}`, options);
  }
}

/** PutEvaluations kept rejecting some evaluations. */
export class EvaluationsNotDeliveredError extends Error {
  override readonly name = 'EvaluationsNotDeliveredError';
  constructor(
    readonly resourceIds: readonly string[],
    options?: { cause?: unknown },
  ) {
    super(`PutEvaluations rejected evaluations for: ${resourceIds.join(', ')}`, options);
  }
}

/** No role with that RoleId, name or ARN in this account. */
export class RoleNotFoundError extends Error {
  override readonly name = 'RoleNotFoundError';
  constructor(readonly reference: string) {
    super(`No IAM role ${JSON.stringify(reference)} in this account`);
  }
}
