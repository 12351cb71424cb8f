/** The audit's verdicts for people (a table) and for pipelines (JSON). */
import type { RoleAssessment } from '../lib/rule/assess-role';
import type { Compliance, Consumer, Finding, FindingReason, RoleSnapshot } from '../lib/core/model';
import { missingDocumentMessage, notGrantedGroupMessage } from '../lib/findings/render';

/** One role's verdict, with the findings' messages as the audit shows them. */
export interface AuditRow {
  readonly role: RoleSnapshot;
  readonly compliance: Compliance;
  /** Why the role is (or is not) checked: the candidacy reason. */
  readonly reason: string;
  readonly findings: readonly Finding[];
  /** Layers not read that do not count against the verdict (UnreadableLayers=report). */
  readonly notes?: readonly Finding[];
}

/** The JSON shape of one role, one element of `--output json`. */
export interface AuditRoleJson {
  /** Set for roles read from a template (`--template`). */
  readonly logicalId?: string;
  readonly roleName: string;
  readonly roleId: string;
  readonly arn: string;
  readonly compliance: Compliance;
  readonly findings: readonly {
    readonly id: string;
    readonly action: string | null;
    readonly resource: string | null;
    readonly message: string;
    readonly neededBy: readonly Consumer[];
  }[];
  /** Layers not read that do not count against the verdict (UnreadableLayers=report); absent when none. */
  readonly notes?: readonly {
    readonly id: string;
    readonly resource: string | null;
    readonly message: string;
  }[];
  readonly reason: string;
}

/**
 * An assessment as a row. POLICY_UNREADABLE findings for policies whose document the input lacks get a
 * message saying so: the evaluator only knows the document is undefined, the audit knows why.
 */
export function toAuditRow(assessment: RoleAssessment, missingPolicyArns: ReadonlySet<string>): AuditRow {
  if (!assessment.applicable) {
    return { role: assessment.role, compliance: 'NOT_APPLICABLE', reason: assessment.reason, findings: [] };
  }
  const findings = assessment.evaluation.findings.map((finding) =>
    explainMissingDocument(finding, assessment.role, missingPolicyArns),
  );
  const notes = assessment.evaluation.notes ?? [];
  return {
    role: assessment.role,
    compliance: assessment.evaluation.compliance,
    reason: assessment.reason,
    findings,
    ...(notes.length > 0 && { notes }),
  };
}

function explainMissingDocument(
  finding: Finding,
  role: RoleSnapshot,
  missingPolicyArns: ReadonlySet<string>,
): Finding {
  if (finding.id !== 'POLICY_UNREADABLE' || finding.reason.kind !== 'unreadable') return finding;
  const arn = policyArnNamed(finding.reason.policyName, role);
  if (arn === undefined || !missingPolicyArns.has(arn)) return finding;
  const what = finding.reason.policyName.startsWith('boundary:') ? 'permissions boundary' : 'managed policy';
  return { ...finding, message: missingDocumentMessage(what, arn) };
}

/** `managed:NAME` / `boundary:NAME` back to the ARN of the role's policy of that name. */
function policyArnNamed(policyName: string, role: RoleSnapshot): string | undefined {
  const colon = policyName.indexOf(':');
  const kind = policyName.slice(0, colon);
  const name = policyName.slice(colon + 1);
  if (kind === 'boundary') return role.permissionsBoundary?.arn;
  if (kind === 'managed') return role.managedPolicies.find((policy) => policy.name === name)?.arn;
  return undefined;
}

const ORDER: Readonly<Record<Compliance, number>> = { NON_COMPLIANT: 0, COMPLIANT: 1, NOT_APPLICABLE: 2 };

/** Rows in reading order: what needs fixing first, then by name. */
export function sortRows(rows: readonly AuditRow[]): AuditRow[] {
  return [...rows].sort(
    (a, b) =>
      ORDER[a.compliance] - ORDER[b.compliance] ||
      a.role.roleName.localeCompare(b.role.roleName, 'en') ||
      a.role.arn.localeCompare(b.role.arn, 'en'),
  );
}

/** The JSON elements for `--output json`, sorted by role name; `logicalIdOf` names template roles. */
export function toJson(
  rows: readonly AuditRow[],
  logicalIdOf: (row: AuditRow) => string | undefined = () => undefined,
): AuditRoleJson[] {
  return [...rows]
    .sort((a, b) => a.role.roleName.localeCompare(b.role.roleName, 'en'))
    .map((row) => ({
      ...(logicalIdOf(row) !== undefined && { logicalId: logicalIdOf(row) as string }),
      roleName: row.role.roleName,
      roleId: row.role.roleId,
      arn: row.role.arn,
      compliance: row.compliance,
      findings: row.findings.map((finding) => ({
        id: finding.id,
        action: finding.action ?? null,
        resource: finding.resource ?? null,
        message: finding.message,
        neededBy: finding.neededBy,
      })),
      ...(row.notes !== undefined && {
        notes: row.notes.map((note) => ({
          id: note.id,
          resource: note.resource ?? null,
          message: note.message,
        })),
      }),
      reason: row.reason,
    }));
}

/** The table: one line per finding, the role and verdict on the first. */
export function renderTable(rows: readonly AuditRow[]): string {
  const headers = ['ROLE', 'VERDICT', 'WHAT IS MISSING'] as const;
  const roleWidth = Math.max(headers[0].length, ...rows.map((row) => row.role.roleName.length));
  const verdictWidth = Math.max(headers[1].length, ...rows.map((row) => row.compliance.length));
  const line = (role: string, verdict: string, text: string): string =>
    `${role.padEnd(roleWidth)}  ${verdict.padEnd(verdictWidth)}  ${text}`.trimEnd() + '\n';

  let out = line(...headers);
  for (const row of sortRows(rows)) {
    const details = detailLines(row);
    out += line(row.role.roleName, row.compliance, details[0] ?? '');
    for (const detail of details.slice(1)) out += line('', '', detail);
  }
  return out;
}

function detailLines(row: AuditRow): string[] {
  switch (row.compliance) {
    case 'COMPLIANT':
      return row.notes === undefined ? ['-'] : noteLines(row.notes);
    case 'NOT_APPLICABLE':
      return [`not checked: ${row.reason}`];
    case 'NON_COMPLIANT':
      return [
        ...groupedFindings(row.findings).map(({ id, message }) => `${id}: ${message}`),
        ...noteLines(row.notes ?? []),
      ];
  }
}

/** Notes shown under a verdict: they do not count, and say so. */
function noteLines(notes: readonly Finding[]): string[] {
  return notes.map((note) => `note (not counted, UnreadableLayers=report): ${note.message}`);
}

const GRANT_REASONS: ReadonlySet<FindingReason['kind']> = new Set([
  'noAllow',
  'explicitDeny',
  'boundary',
  'conditional',
]);

/**
 * Missing grants that share a finding id, a reason and consumers, as one line naming every action: a Deny
 * on `logs:*` is said once, not once per action. Other findings keep their own line.
 */
function groupedFindings(findings: readonly Finding[]): { id: string; message: string }[] {
  const lines: { id: string; message: string; grants?: Finding[] }[] = [];
  const groups = new Map<string, Finding[]>();
  for (const finding of findings) {
    if (
      finding.action === undefined ||
      finding.resource === undefined ||
      !GRANT_REASONS.has(finding.reason.kind)
    ) {
      lines.push({ id: finding.id, message: finding.message });
      continue;
    }
    const key = JSON.stringify([finding.id, finding.reason, finding.neededBy]);
    const group = groups.get(key);
    if (group) group.push(finding);
    else {
      const grants = [finding];
      groups.set(key, grants);
      lines.push({ id: finding.id, message: finding.message, grants });
    }
  }
  return lines.map(({ id, message, grants }) => {
    if (grants === undefined || grants.length === 1) return { id, message };
    const [first] = grants as [Finding, ...Finding[]];
    const subjects = grants.map((g) => ({ action: g.action as string, resource: g.resource as string }));
    return { id, message: notGrantedGroupMessage(subjects, first.reason, first.neededBy) };
  });
}

/** `10 roles: 2 compliant, 5 non-compliant, 3 not applicable (listed with --all).` */
export function summaryLine(rows: readonly AuditRow[], listedNotApplicable: boolean): string {
  const count = (compliance: Compliance): number =>
    rows.filter((row) => row.compliance === compliance).length;
  const notApplicable = count('NOT_APPLICABLE');
  const hint = notApplicable > 0 && !listedNotApplicable ? ' (listed with --all)' : '';
  return (
    `${rows.length} role${rows.length === 1 ? '' : 's'}: ${count('COMPLIANT')} compliant, ` +
    `${count('NON_COMPLIANT')} non-compliant, ${notApplicable} not applicable${hint}.\n`
  );
}
