// What `npm pack` puts in the tarball that `npx execution-role-check` installs (`npm test` builds first).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

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

  it('holds no sources, tests, Lambda bundles or source maps', () => {
    const unwanted = files.filter(
      (path) =>
        /^(test|lib|cli|handlers|bench|templates|docs|events|scripts)\//.test(path) ||
        /\.(ts|map)$/.test(path) ||
        (path.startsWith('dist/') && path !== 'dist/cli/index.js'),
    );
    expect(unwanted).toEqual([]);
  });
});
