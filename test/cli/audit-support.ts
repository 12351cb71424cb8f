/** What the audit's unit and integration suites share: the sample account's files and an in-memory CLI. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createAudit, type AuditDependencies } from '../../cli/audit';
import type { AuditRoleJson } from '../../cli/audit-report';
import type { CommandIo } from '../../cli/main';
import type { FindingId } from '../../lib/core/model';

export const ROOT = join(__dirname, '..', '..');
export const SAMPLE = join(ROOT, 'samples', 'account');
export const AUTH = join(SAMPLE, 'authorization-details.json');
export const JOBS = join(SAMPLE, 'job-definitions.json');
export const KEYS = join(SAMPLE, 'keys.json');
export const TASKS = join(SAMPLE, 'task-definitions.json');
export const CACHE_RULES = join(SAMPLE, 'pull-through-cache-rules.json');
export const BUCKETS = join(SAMPLE, 'bucket-encryption.json');
export const SAMPLE_FILES = [
  '--input',
  AUTH,
  '--job-definitions',
  JOBS,
  '--task-definitions',
  TASKS,
  '--keys',
  KEYS,
  '--pull-through-cache-rules',
  CACHE_RULES,
  '--bucket-encryption',
  BUCKETS,
];
export const SAMPLE_ACCOUNT = '111122223333';

/** Real files on disk, plus in-memory ones by path (for crafted inputs). */
export function testIo(files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = {
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    readFile: (path) => (path in files ? Promise.resolve(files[path] as string) : readFile(path, 'utf8')),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

export function deps(overrides: Partial<AuditDependencies> = {}): AuditDependencies {
  return {
    env: {},
    stderrIsTty: () => false,
    sampleDir: () => SAMPLE,
    clients: () => {
      throw new Error('this test makes no AWS calls');
    },
    useProfile: () => undefined,
    ...overrides,
  };
}

export async function audit(
  argv: string[],
  options: { files?: Record<string, string>; deps?: Partial<AuditDependencies> } = {},
) {
  const fake = testIo(options.files);
  const code = await createAudit(deps(options.deps))(argv, fake.io);
  return { code, stdout: fake.stdout(), stderr: fake.stderr() };
}

/** Role name -> verdict, from the table's first column. */
export function tableVerdicts(stdout: string): Map<string, string> {
  const verdicts = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const match = /^(\S+)\s+(NON_COMPLIANT|COMPLIANT|NOT_APPLICABLE)\b/.exec(line);
    if (match) verdicts.set(match[1] as string, match[2] as string);
  }
  return verdicts;
}

export async function auditJson(argv: string[], options: Parameters<typeof audit>[1] = {}) {
  const result = await audit([...argv, '--output', 'json'], options);
  const roles = result.code === 2 ? [] : (JSON.parse(result.stdout) as AuditRoleJson[]);
  return { ...result, roles, byName: new Map(roles.map((role) => [role.roleName, role])) };
}

export const ids = (role: AuditRoleJson | undefined): FindingId[] =>
  (role?.findings ?? []).map((finding) => finding.id as FindingId);
