/** The remediation's named failures. Each carries the report, so the log shows what was (not) done. */
import { ExecutionRoleCheckError } from '../core/errors';
import type { Refusal, RemediationReport } from './types';

/** The role is not one the rule checks (by name, tag or usage): the remediation never touches it. */
export class NotACandidateError extends ExecutionRoleCheckError {
  override readonly name = 'NotACandidateError';
  readonly code = 'NOT_A_CANDIDATE';
  constructor(
    readonly roleName: string,
    readonly reason: string,
  ) {
    super(`Role ${roleName} is not checked by the rule (${reason}); nothing was changed`, reason);
  }
}

/** Some findings cannot be fixed safely; nothing was changed so that an operator can act first. */
export class RemediationRefusedError extends ExecutionRoleCheckError {
  override readonly name = 'RemediationRefusedError';
  readonly code = 'REMEDIATION_REFUSED';
  constructor(
    readonly refusals: readonly Refusal[],
    readonly report: RemediationReport,
  ) {
    const problem = refusals.map((refusal) => `[${refusal.findingId}] ${refusal.message}`).join(' ');
    super(`Nothing was changed on role ${report.roleName}: ${problem}`, problem);
  }
}

/** The role changed between the read a plan was based on and a write: stopped before overwriting it. */
export class ConcurrentChangeError extends ExecutionRoleCheckError {
  override readonly name = 'ConcurrentChangeError';
  readonly code = 'CONCURRENT_CHANGE';
  constructor(
    readonly what: string,
    readonly applied: readonly string[],
    readonly report: RemediationReport,
  ) {
    super(
      `${what} of role ${report.roleName} changed while the remediation ran; stopped without overwriting it. ` +
        (applied.length === 0 ? 'Nothing was applied.' : `Already applied: ${applied.join('; ')}.`),
      `${what} changed while the remediation ran`,
    );
  }
}

/** A write failed part-way: `applied` lists what had already been written (see `cause`). */
export class RemediationIncompleteError extends ExecutionRoleCheckError {
  override readonly name = 'RemediationIncompleteError';
  readonly code = 'REMEDIATION_INCOMPLETE';
  constructor(
    readonly applied: readonly string[],
    readonly report: RemediationReport,
    options: { cause: unknown },
  ) {
    const cause = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `Remediation of role ${report.roleName} stopped: ${cause}. ` +
        (applied.length === 0 ? 'Nothing was applied.' : `Already applied: ${applied.join('; ')}.`),
      cause,
      options,
    );
  }
}
