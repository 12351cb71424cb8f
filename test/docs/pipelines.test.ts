import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AUDIT_USAGE } from '../../cli/audit';

const ROOT = join(__dirname, '..', '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** The long flags of a shell script, each once. */
function flags(text: string): string[] {
  return [...new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((match) => match[0]))];
}

/** Whether the audit's usage text documents the flag (as a flag, not as part of a longer one). */
function documented(flag: string): boolean {
  return new RegExp(`${flag}(?![a-z-])`).test(AUDIT_USAGE);
}

interface Step {
  readonly id?: string;
  readonly name?: string;
  readonly uses?: string;
  readonly run?: string;
  readonly if?: string;
  readonly with?: Record<string, unknown>;
}

describe('docs/examples/github-actions.yml', () => {
  const text = read('docs/examples/github-actions.yml');
  const workflow = parse(text) as {
    permissions: Record<string, string>;
    jobs: Record<string, { steps: Step[] }>;
  };
  const steps = Object.values(workflow.jobs).flatMap((job) => job.steps);
  const auditStep = steps.find((step) => step.run?.includes('execution-role-check audit'));

  it('checks out, sets up Node and may upload to code scanning', () => {
    expect(workflow.permissions['security-events']).toBe('write');
    const uses = steps.map((step) => step.uses?.replace(/@.*/, ''));
    expect(uses).toEqual(expect.arrayContaining(['actions/checkout', 'actions/setup-node']));
    expect(uses).toContain('github/codeql-action/upload-sarif');
    const node = steps.find((step) => step.uses?.startsWith('actions/setup-node@'));
    expect(Number(node?.with?.['node-version'])).toBeGreaterThanOrEqual(20);
  });

  it('audits templates into SARIF and uploads that very file', () => {
    const run = auditStep?.run ?? '';
    expect(run).toMatch(/--output sarif > (\S+)/);
    const sarifFile = /--output sarif > (\S+)/.exec(run)?.[1];
    const upload = steps.find((step) => step.uses?.startsWith('github/codeql-action/upload-sarif@'));
    expect(upload?.with?.['sarif_file']).toBe(sarifFile);
    expect(run).toContain('--template "$file"');
  });

  it('uses only flags the audit has', () => {
    const used = flags(auditStep?.run ?? '');
    expect(used).toEqual(expect.arrayContaining(['--template', '--output']));
    expect(used.filter((flag) => !documented(flag))).toEqual([]);
    expect(AUDIT_USAGE).toMatch(/--output [a-z|]*\bsarif\b/);
  });

  it('fails the job on exit 1 after the upload, and on exit 2 at once', () => {
    const run = auditStep?.run ?? '';
    expect(run).toContain('echo "status=$status" >> "$GITHUB_OUTPUT"');
    expect(run).toMatch(/if \[ "\$status" -ge 2 \]; then exit "\$status"; fi/);
    const names = steps.map((step) => step.name);
    const fail = steps.find((step) => step.if === `steps.${auditStep?.id}.outputs.status == '1'`);
    expect(fail?.run).toContain('exit 1');
    expect(names.indexOf(fail?.name)).toBeGreaterThan(
      steps.findIndex((step) => step.uses?.startsWith('github/codeql-action/upload-sarif@')),
    );
  });

  it('is the workflow docs/ci.md shows, and the README links docs/ci.md', () => {
    expect(read('docs/ci.md')).toContain('```yaml\n' + text + '```');
    expect(read('README.md')).toContain('(docs/ci.md)');
    expect(existsSync(join(ROOT, 'docs', 'ci.md'))).toBe(true);
  });
});

describe('--pull-through-cache-rules in --help and README.md', () => {
  const readme = read('README.md').replace(/\s+/g, ' ');
  const help = AUDIT_USAGE.replace(/\s+/g, ' ');

  it.each<[string, RegExp]>([
    ['the REGION=FILE form', /--pull-through-cache-rules (\[REGION=\]FILE|REGION=FILE)/],
    [
      'the ./NAME escape of a file named like REGION=FILE',
      /us-east-1=rules\.json.*\.\/(NAME|us-east-1=rules\.json)/,
    ],
    ['the ROOT prefix caching every repository', /\bROOT\b/],
  ])('both describe %s', (_what, pattern) => {
    expect(help).toMatch(pattern);
    expect(readme).toMatch(pattern);
  });
});
