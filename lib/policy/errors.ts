import { ExecutionRoleCheckError } from '../core/errors';

/** A policy document that is not valid IAM JSON. `path` names the element: `Statement[2].Effect`. */
export class PolicyParseError extends ExecutionRoleCheckError {
  override readonly name = 'PolicyParseError';
  readonly code = 'POLICY_PARSE';
  constructor(
    readonly path: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(path ? `${path}: ${problem}` : problem, problem, options);
  }
}
