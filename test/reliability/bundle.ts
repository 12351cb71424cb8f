/**
 * Runs the built evaluator (`dist/evaluate/index.js`) in a child process as Lambda would, capturing stdout
 * AND stderr (the handler logs failures to stderr), with a context whose remaining time is fixed.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export type BundleRun =
  | { readonly ok: true; readonly result: unknown; readonly output: string }
  | {
      readonly ok: false;
      readonly errorName: string;
      readonly errorMessage: string;
      readonly output: string;
    };

const MARKER = '@@reliability-outcome@@';

const RUNNER = `
const [file, event, remaining] = process.argv.slice(1);
const context = { getRemainingTimeInMillis: () => Number(remaining) };
Promise.resolve()
  .then(() => require(file).handler(JSON.parse(event), context))
  .then(
    (result) => process.stdout.write('\\n${MARKER}' + JSON.stringify({ ok: true, result })),
    (error) => process.stdout.write('\\n${MARKER}' + JSON.stringify({ ok: false, errorName: error.name, errorMessage: error.message })),
  );
`;

/** Invokes the evaluator bundle with `event` and only `env` (plus PATH) in its environment. */
export function invokeEvaluator(
  event: unknown,
  env: Readonly<Record<string, string>>,
  remainingTimeMs = 900_000,
): Promise<BundleRun> {
  const file = join(__dirname, '..', '..', 'dist', 'evaluate', 'index.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', RUNNER, file, JSON.stringify(event), String(remainingTimeMs)],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const at = stdout.lastIndexOf(MARKER);
        if (at < 0) {
          reject(
            new Error(`the evaluator bundle ended without an outcome: ${error?.message ?? ''}\n${stderr}`),
          );
          return;
        }
        const outcome = JSON.parse(stdout.slice(at + MARKER.length)) as Omit<BundleRun, 'output'>;
        resolve({ ...outcome, output: `${stdout.slice(0, at)}\n${stderr}` } as BundleRun);
      },
    );
  });
}
