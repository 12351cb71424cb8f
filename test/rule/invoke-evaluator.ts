/**
 * Runs the BUILT evaluator (`dist/evaluate/index.js`) in a child process, as Lambda would: a fresh module
 * scope, only the environment given, the event and a context with 15 minutes left; the result or the thrown
 * error comes back, with the function's log lines.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** What one invocation returned or threw. */
export type Invocation =
  | { readonly ok: true; readonly result: unknown; readonly logs: string }
  | { readonly ok: false; readonly errorName: string; readonly errorMessage: string; readonly logs: string };

/** The built bundle; `npm test` builds it first (pretest). */
export const EVALUATOR_BUNDLE = join(__dirname, '..', '..', 'dist', 'evaluate', 'index.js');

const MARKER = '@@evaluator-outcome@@';

// The outcome follows a marker so the function's own console output can share stdout.
const RUNNER = `
const [file, event] = process.argv.slice(1);
Promise.resolve()
  .then(() => require(file).handler(JSON.parse(event), { getRemainingTimeInMillis: () => 900000 }))
  .then(
    (result) => process.stdout.write('\\n${MARKER}' + JSON.stringify({ ok: true, result })),
    (error) => process.stdout.write('\\n${MARKER}' + JSON.stringify({ ok: false, errorName: error.name, errorMessage: error.message })),
  );
`;

/** Invokes the built evaluator's `handler` with `event`; `env` is the child's whole environment (plus PATH). */
export function invokeEvaluator(event: unknown, env: Readonly<Record<string, string>>): Promise<Invocation> {
  if (!existsSync(EVALUATOR_BUNDLE)) {
    return Promise.reject(new Error(`${EVALUATOR_BUNDLE} is missing: run npm run build`));
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', RUNNER, EVALUATOR_BUNDLE, JSON.stringify(event)],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const at = stdout.lastIndexOf(MARKER);
        if (at < 0) {
          reject(new Error(`the evaluator ended without an outcome: ${error?.message ?? ''}\n${stderr}`));
          return;
        }
        const outcome = JSON.parse(stdout.slice(at + MARKER.length)) as Omit<Invocation, 'logs'>;
        resolve({ ...outcome, logs: `${stdout.slice(0, at)}${stderr}` } as Invocation);
      },
    );
  });
}
