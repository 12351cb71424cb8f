/**
 * The input of the SARIF and JUnit writers: roles with their verdicts, and where each role and each of its
 * consumers is written. A small shape of its own so that template, offline and live audits can all fill it.
 */

/** A place in a file: what SARIF points a code-scanning alert at. */
export interface SourceLocation {
  /** As the user passed it (relative paths stay relative: SARIF resolves them against the checkout). */
  readonly file: string;
  /** 1-based; absent when only the file is known. */
  readonly line?: number;
}

/** A job or task definition that needs the role, and where it is written when it comes from a template. */
export interface RelatedConsumer {
  readonly kind: 'batch-job-definition' | 'ecs-task-definition' | 'rule-parameter' | 'base';
  /** The name findings use in `neededBy` (`nightly-report:1`), used to pick each finding's related consumers. */
  readonly name: string;
  readonly logicalId?: string;
  readonly location?: SourceLocation;
}

/** One finding as the audit reports it. */
export interface JudgedFinding {
  /** A stable finding id (`SECRETS_MANAGER`): one SARIF rule per id. */
  readonly id: string;
  readonly message: string;
  readonly action?: string;
  readonly resource?: string;
  /** The consumers that need what is missing; none means every related consumer (or the role itself). */
  readonly neededBy?: readonly { readonly kind: string; readonly name: string }[];
}

/** One role's verdict, filled from the audit's report by cli/audit-template.ts (template, `--input` or `--live`). */
export interface JudgedRole {
  readonly roleName: string;
  /** Set for roles read from a template. */
  readonly logicalId?: string;
  /** Set for roles read from an account (`--input`, `--live`): their logical location in SARIF. */
  readonly arn?: string;
  readonly compliance: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';
  readonly findings: readonly JudgedFinding[];
  /** Where the role is written (template audits). */
  readonly location?: SourceLocation;
  readonly related?: readonly RelatedConsumer[];
  /** Why the role was (or was not) judged: shown for NOT_APPLICABLE roles. */
  readonly reason?: string;
}

/** The consumers a finding names in `neededBy`, or every consumer when it names none. */
export function consumersOf(role: JudgedRole, finding: JudgedFinding): readonly RelatedConsumer[] {
  const related = role.related ?? [];
  if (finding.neededBy === undefined || finding.neededBy.length === 0) return related;
  return related.filter((consumer) =>
    finding.neededBy?.some((needed) => needed.kind === consumer.kind && needed.name === consumer.name),
  );
}

/** How people name a role in reports: `ExportExecutionRole (export-prod-execution)` or the name alone. */
export function displayName(role: JudgedRole): string {
  return role.logicalId !== undefined && role.logicalId !== role.roleName
    ? `${role.logicalId} (${role.roleName})`
    : role.roleName;
}
