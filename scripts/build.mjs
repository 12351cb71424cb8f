// Bundles each entry point into one CommonJS file under dist/<name>/index.js.
// --main-fields=module,main halves bundle size and cold start for the AWS SDK v3.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const entries = {
  evaluate: 'handlers/evaluate.ts',
  remediate: 'handlers/remediate.ts',
  cli: 'cli/main.ts',
};

await Promise.all(
  Object.entries(entries).map(([name, entry]) =>
    build({
      entryPoints: [entry],
      outfile: `dist/${name}/index.js`,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      mainFields: ['module', 'main'],
      minify: true,
      sourcemap: true,
      logLevel: 'warning',
      ...(name === 'cli' ? { banner: { js: '#!/usr/bin/env node' } } : {}),
    }),
  ),
);
chmodSync('dist/cli/index.js', 0o755);
