// Bundles each entry point into one CommonJS file under dist/<name>/index.js.
// --main-fields=module,main halves bundle size and cold start for the AWS SDK v3.
import { build } from 'esbuild';
import { chmodSync, readFileSync } from 'node:fs';
import { URL } from 'node:url';

// Credential providers the SDK reaches only through import(): Lambda (and `sam local`) hand credentials over
// in environment variables, so the Lambda bundles never load them; leaving them out cuts the evaluator by
// a sixth and its cold start by ~15 ms (bench/cold-start.ts). The CLI keeps them: it runs with profiles and SSO.
// template.yaml lists the same packages for `sam build` (a test keeps them equal).
const LAMBDA_EXTERNALS = JSON.parse(
  readFileSync(new URL('./lambda-externals.json', import.meta.url), 'utf8'),
);

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
      ...(name === 'cli' ? { banner: { js: '#!/usr/bin/env node' } } : { external: LAMBDA_EXTERNALS }),
    }),
  ),
);
chmodSync('dist/cli/index.js', 0o755);
