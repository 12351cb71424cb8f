/** Human names for statements, as findings and annotations print them. */
import type { PolicyKind, StatementRef } from './types';

const KIND_LABEL: Readonly<Record<PolicyKind, string>> = {
  inline: 'inline policy',
  managed: 'managed policy',
  boundary: 'permissions boundary',
  trust: 'trust policy',
  custom: 'policy',
};

/**
 * `inline policy deny-logs statement 0`, or `... statement "DenyLogs"` when the statement has a Sid.
 * A trust policy is the role's only one, so it goes unnamed: `trust policy statement 0`.
 */
export function statementLabel(ref: StatementRef): string {
  const policy =
    ref.policyKind === 'trust' ? KIND_LABEL.trust : `${KIND_LABEL[ref.policyKind]} ${ref.policyName}`;
  const statement =
    ref.sid !== undefined && ref.sid !== '' ? JSON.stringify(ref.sid) : String(ref.statementIndex);
  return `${policy} statement ${statement}`;
}
