// npm run bench: compiles the TypeScript benchmarks with esbuild (dependencies stay in node_modules), then
// runs them in a fresh Node process. Arguments are passed through: `npm run bench -- --tiers=100,1000`.
import { build } from 'esbuild';
import { spawn } from 'node:child_process';

const entries = ['bench/main.ts', 'bench/sweep-child.ts'];

await build({
  entryPoints: entries,
  outdir: 'dist/bench',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // The SDK and esbuild load from node_modules as they would in any Node program; only our code is bundled.
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});

const child = spawn(
  process.execPath,
  ['--enable-source-maps', 'dist/bench/main.js', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
// Pass an interruption on, so the bench stops its moto_server before it ends.
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
