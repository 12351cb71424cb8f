// npm run build: the Lambda functions exactly as `sam build` bundles them, and the CLI.
//
// Each esbuild-built function of template.yaml is bundled by running esbuild with the arguments `sam build`
// derives from its Metadata.BuildProperties (scripts/lambda-bundles.cjs), into dist/<module>/<module>.js: the
// same file, under the same name, as .aws-sam/build/<LogicalId>/<module>.js, so the Handler resolves in both.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import bundles from './lambda-bundles.cjs';
import cli from './cli-build.cjs';

const { cliBuildOptions } = cli;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const esbuild = bundles.esbuildCommand(root);

for (const fn of bundles.readLambdaFunctions(join(root, 'template.yaml'))) {
  const outdir = join(root, 'dist', fn.module);
  rmSync(outdir, { recursive: true, force: true });
  const args = bundles.samEsbuildArgs(fn.buildProperties, outdir);
  // cwd: the function's CodeUri, where `sam build` runs esbuild (on its copy of that folder).
  const result = spawnSync(esbuild.command, [...esbuild.prefix, ...args, '--log-level=warning'], {
    cwd: join(root, fn.codeUri),
    stdio: 'inherit',
  });
  if (result.error) throw new Error(`${esbuild.command}: ${result.error.message} (run npm ci first)`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

// The CLI: the same options the package's bin/ launcher builds with (scripts/cli-build.cjs).
await build(cliBuildOptions(root));
chmodSync(join(root, 'dist', 'cli', 'index.js'), 0o755);
