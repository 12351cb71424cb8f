#!/usr/bin/env node
// The package's command. It runs the bundled CLI, dist/cli/index.js, which `npm pack` builds (prepack). An
// install that runs no lifecycle scripts has none: pre-commit's `language: node` installs the hook repository
// with `npm install -g git+file://...`, and npm 11 runs a git dependency's scripts only when allowed. Then the
// bundle is built here, once, from the sources the package ships, with esbuild (a dependency) and the same
// options as `npm run build` (scripts/cli-build.cjs).
'use strict';
const { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } = require('node:fs');
const { dirname, join } = require('node:path');

const root = join(__dirname, '..');
const bundle = join(root, 'dist', 'cli', 'index.js');

function build() {
  const { buildSync } = require('esbuild');
  const { cliBuildOptions } = require('../scripts/cli-build.cjs');
  const { outputFiles } = buildSync({ ...cliBuildOptions(root), write: false });
  mkdirSync(dirname(bundle), { recursive: true });
  // Written aside and renamed: two first runs at once never load a half-written bundle.
  for (const file of outputFiles) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  chmodSync(bundle, 0o755);
}

if (!existsSync(bundle)) {
  try {
    build();
  } catch (error) {
    process.stderr.write(
      `execution-role-check: the CLI is not built and building it failed (${error.message.split('\n')[0]}); ` +
        `run "npm run build" in ${root}, or reinstall from a tarball made by "npm pack"\n`,
    );
    process.exit(2);
  }
}
require(bundle).main();
