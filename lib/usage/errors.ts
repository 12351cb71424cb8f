import { ExecutionRoleCheckError } from '../core/errors';

/** A `valueFrom` or `credentialsParameter` that names no secret or parameter the ECS agent could fetch. */
export class InvalidSecretReferenceError extends ExecutionRoleCheckError {
  override readonly name = 'InvalidSecretReferenceError';
  readonly code = 'INVALID_SECRET_REFERENCE';
  constructor(
    /** Where the reference was written: `containerProperties.secrets[DB_PASSWORD]`. */
    readonly field: string,
    readonly valueFrom: string,
    problem: string,
    /** The job or task definition (`etl:3`), when known. */
    readonly consumerName?: string,
  ) {
    super(
      `${consumerName ? `${consumerName}: ` : ''}${field}: ${JSON.stringify(valueFrom)} ${problem}`,
      problem,
    );
  }
}
