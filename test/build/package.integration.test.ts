// What `npm pack` puts in the tarball that `npx execution-role-check` installs (`npm test` builds first), and
// how its command starts when the install ran no lifecycle scripts (pre-commit's `language: node`).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');

interface PackResult {
  readonly files: readonly { readonly path: string }[];
}

/** The tarball's file list. --ignore-scripts: the test reads the build `npm test` made, it does not rebuild. */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const [result] = JSON.parse(out) as PackResult[];
  return (result?.files ?? []).map((file) => file.path).sort();
}

describe('npm pack', () => {
  const files = packedFiles();

  it('holds the bundled CLI and the samples it reads', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'dist/cli/index.js',
        'samples/account/authorization-details.json',
        'samples/account/job-definitions.json',
        'samples/account/task-definitions.json',
        'samples/account/keys.json',
        'samples/template/batch-stack.yaml',
      ]),
    );
  });

  it('holds the command and the sources it builds the CLI from when an install ran no scripts', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'bin/execution-role-check.cjs',
        'scripts/cli-build.cjs',
        'tsconfig.json',
        'cli/main.ts',
        'lib/policy/layers.ts',
      ]),
    );
  });

  it('holds no tests, Lambda handlers, other scripts, Lambda bundles or source maps', () => {
    const unwanted = files.filter(
      (path) =>
        /^(test|handlers|bench|templates|docs|events)\//.test(path) ||
        (path.startsWith('scripts/') && path !== 'scripts/cli-build.cjs') ||
        path.endsWith('.map') ||
        (path.endsWith('.ts') && !/^(cli|lib)\//.test(path)) ||
        (path.startsWith('dist/') && path !== 'dist/cli/index.js'),
    );
    expect(unwanted).toEqual([]);
  });
});

describe('an install that ran no lifecycle scripts (no dist/ in the package)', () => {
  // What `npm install -g git+file://REPO` leaves when npm runs none of the git dependency's scripts, as
  // pre-commit 4.6.1+ installs a `language: node` hook: the packed files, no prepack build. The dependencies
  // come from this repository's node_modules (no registry in tests).
  const dir = mkdtempSync(join(tmpdir(), 'erc-package-'));
  const pkg = join(dir, 'package');
  beforeAll(() => {
    const tarball = execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
    execFileSync('tar', ['-xzf', join(dir, tarball), '-C', dir]);
    rmSync(join(pkg, 'dist'), { recursive: true, force: true });
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const run = (args: string[]) =>
    spawnSync(process.execPath, [join(pkg, 'bin', 'execution-role-check.cjs'), ...args], {
      cwd: pkg,
      encoding: 'utf8',
    });

  it('builds the CLI on first run from the shipped sources and judges a template', () => {
    // Act
    const first = run([
      'audit',
      '--template',
      'samples/template/batch-stack.yaml',
      '--assume-aws-managed-keys',
    ]);

    // Assert
    expect(first.stderr).toBe('');
    expect(first.status).toBe(1);
    expect(first.stdout).toMatch(/^export-prod-execution\s+NON_COMPLIANT\s+SECRETS_MANAGER: /m);
    expect(existsSync(join(pkg, 'dist', 'cli', 'index.js'))).toBe(true);
  });

  it('then runs the built CLI as it is, with the exit codes of the audit', () => {
    const again = run(['audit', '--template']);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe('execution-role-check audit: --template needs a value\n');
  });
});

describe('.pre-commit-hooks.yaml', () => {
  const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Record<
    string,
    unknown
  >[];
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };

  it("runs the package's command on the templates its args name, needing a pre-commit that installs it", () => {
    expect(hooks).toEqual([
      expect.objectContaining({
        id: 'execution-role-check',
        language: 'node',
        entry: 'execution-role-check audit --template',
        pass_filenames: false,
        minimum_pre_commit_version: '4.6.1',
      }),
    ]);
    expect(Object.keys(pkg.bin)).toEqual(['execution-role-check']);
  });
});
