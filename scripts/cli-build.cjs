// How the CLI is bundled: one definition for `npm run build` (scripts/build.mjs) and for the package's bin/
// launcher, which builds the same bundle on first run when an install ran no lifecycle scripts.

/** esbuild options that bundle cli/main.ts of the package at `root` into dist/cli/index.js. */
function cliBuildOptions(root) {
  return {
    entryPoints: ['cli/main.ts'],
    absWorkingDir: root,
    outfile: 'dist/cli/index.js',
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
    // The CLI is not a Lambda function: it keeps the credential providers (profiles, SSO) and a shebang.
    banner: { js: '#!/usr/bin/env node' },
  };
}

module.exports = { cliBuildOptions };
