/** The built CLI as a process: what its streams and exit code do around the commands (npm test builds dist). */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH, JOBS, KEYS, ROOT, SAMPLE_FILES } from './audit-support';

const bin = join(ROOT, 'dist', 'cli', 'index.js');
const isolatedEnv = (extra: Record<string, string> = {}) => ({
  PATH: process.env['PATH'] ?? '',
  AWS_CONFIG_FILE: join(ROOT, 'no-such-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(ROOT, 'no-such-aws-credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  ...extra,
});

/** Runs the CLI with its stdout's reader gone before it writes (as `| head -1` once head has exited). */
function runWithClosedStdout(argv: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [bin, ...argv], { cwd: ROOT, env: isolatedEnv() });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stderr }));
  });
}

describe('the built CLI with a stdout closed early (audit ... | head -1)', () => {
  it.each([
    ['the sample audit (exit 0)', ['audit'], 0],
    ['a NON_COMPLIANT audit as JSON (exit 1)', ['audit', ...SAMPLE_FILES, '--output', 'json'], 1],
    ['a NON_COMPLIANT audit as a table (exit 1)', ['audit', ...SAMPLE_FILES], 1],
    ['audit --help (exit 0)', ['audit', '--help'], 0],
  ])('%s: ends quietly with the exit code it would have had', async (_name, argv, expected) => {
    // Act
    const { code, stderr } = await runWithClosedStdout(argv);

    // Assert
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(stderr).toBe('');
    expect(code).toBe(expected);
  });
});

describe("the built CLI's process warnings", () => {
  // A warning of another kind, emitted once the CLI runs: it must still show.
  const preload = join(mkdtempSync(join(tmpdir(), 'erc-warning-')), 'other-warning.cjs');
  writeFileSync(
    preload,
    "setImmediate(() => process.emitWarning('an unrelated warning', 'OtherTestWarning'));\n",
  );

  it.each([
    ['audit --live (SDK clients are built)', ['audit', '--live', '--region', 'eu-west-1']],
    ['audit of the sample account', ['audit']],
  ])('%s: no NodeVersionSupportWarning, while another warning still shows', (_name, argv) => {
    // Act
    const result = spawnSync(process.execPath, ['--require', preload, bin, ...argv], {
      encoding: 'utf8',
      cwd: ROOT,
      env: isolatedEnv(),
      timeout: 30000,
    });

    // Assert
    expect(result.stderr).not.toContain('NodeVersionSupportWarning');
    expect(result.stderr).toContain('OtherTestWarning: an unrelated warning');
  });

  it('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false set by the user is kept', () => {
    // Arrange
    const major = Number(process.versions.node.split('.')[0]);

    // Act
    const result = spawnSync(process.execPath, [bin, 'audit', '--live', '--region', 'eu-west-1'], {
      encoding: 'utf8',
      cwd: ROOT,
      env: isolatedEnv({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' }),
      timeout: 30000,
    });

    // Assert: the SDK warns below Node 22 only.
    expect(result.stderr.includes('NodeVersionSupportWarning')).toBe(major < 22);
  });
});

describe('the built CLI reads files as Windows PowerShell writes them (UTF-16LE with BOM)', () => {
  it.each([
    ['UTF-8', (text: string) => Buffer.from(text, 'utf8')],
    ['UTF-16LE with BOM', (text: string) => Buffer.from(`\uFEFF${text}`, 'utf16le')],
  ])('%s: the sample verdicts, exit 1', (name, encode) => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'erc-encoding-'));
    const argv: string[] = [];
    for (const [flag, source] of [
      ['--input', AUTH],
      ['--job-definitions', JOBS],
      ['--keys', KEYS],
    ] as const) {
      const path = join(dir, `${flag.slice(2)}.json`);
      writeFileSync(path, encode(readFileSync(source, 'utf8')));
      argv.push(flag, path);
    }

    // Act
    const result = spawnSync(process.execPath, [bin, 'audit', ...argv, '--output', 'json'], {
      encoding: 'utf8',
      env: isolatedEnv(),
    });

    // Assert
    expect(result.stderr).toBe('');
    expect(result.status).toBe(1);
    expect((JSON.parse(result.stdout) as unknown[]).length).toBeGreaterThan(0);
  });
});
