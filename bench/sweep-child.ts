/**
 * Runs in its own process: requires a built handler bundle and, unless told to stay idle, invokes it with the
 * scheduled event in BENCH_EVENT, then prints its peak RSS. The parent points it at moto with AWS_ENDPOINT_URL.
 */
import { performance } from 'node:perf_hooks';
import { RESULT_PREFIX, type ChildResult } from './child-result';

interface Handler {
  handler(
    event: unknown,
    context: { getRemainingTimeInMillis(): number },
  ): Promise<{ evaluations: unknown[] }>;
}

async function main(): Promise<void> {
  const [bundle, mode] = process.argv.slice(2);
  if (bundle === undefined) throw new Error('usage: sweep-child BUNDLE [idle|sweep]');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const loaded = require(bundle) as Handler;
  let evaluations = 0;
  let wallMs = 0;
  if (mode === 'sweep') {
    const event = JSON.parse(process.env['BENCH_EVENT'] ?? 'null') as unknown;
    const started = performance.now();
    // A 15-minute Lambda: the sweep never needs to stop early here.
    const outcome = await loaded.handler(event, { getRemainingTimeInMillis: () => 900_000 });
    wallMs = performance.now() - started;
    evaluations = outcome.evaluations.length;
  }
  const result: ChildResult = {
    // resourceUsage().maxRSS is in kilobytes.
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    heapUsedBytes: process.memoryUsage().heapUsed,
    wallMs,
    evaluations,
  };
  process.stdout.write(`\n${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
