/**
 * Runs a built Lambda bundle (`dist/<name>/index.js`) in a child process, as Lambda would: a fresh module
 * scope, only the environment given (plus PATH), an event and a context in; the result or the thrown error
 * out, with everything the function printed on stdout and stderr.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MOTO_ACCOUNT_ID, MOTO_REGION } from './moto';

/** What one invocation returned or threw, and the function's log lines. */
export type BundleOutcome =
  | { readonly ok: true; readonly result: unknown; readonly logs: string }
  | { readonly ok: false; readonly errorName: string; readonly errorMessage: string; readonly logs: string };

const MARKER = '@@bundle-outcome@@';

// The child prints its outcome after a marker, so the function's own log lines can share stdout.
const RUNNER = `
const [file, event, functionName, remaining] = process.argv.slice(1);
const context = {
  functionName,
  invokedFunctionArn: 'arn:aws:lambda:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:function:' + functionName,
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => Number(remaining),
};
Promise.resolve()
  .then(() => require(file).handler(JSON.parse(event), context))
  .then(
    (result) => process.stdout.write('\\n${MARKER}' + JSON.stringify({ ok: true, result })),
    (error) => process.stdout.write('\\n${MARKER}' + JSON.stringify({ ok: false, errorName: error.name, errorMessage: error.message })),
  );
`;

/** Lambda's timeouts in the template: the evaluator 900 s, the remediation 120 s. */
const TIMEOUT_MS = { evaluate: 900_000, remediate: 120_000 } as const;

/** Invokes `handler` of dist/`name`/index.js with `event`; `npm test` builds the bundles first (pretest). */
export function invokeBundle(
  name: 'evaluate' | 'remediate',
  event: unknown,
  env: Readonly<Record<string, string>>,
  remainingTimeMs: number = TIMEOUT_MS[name],
): Promise<BundleOutcome> {
  const file = join(__dirname, '..', '..', 'dist', name, 'index.js');
  if (!existsSync(file)) return Promise.reject(new Error(`${file} is missing: run npm run build`));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', RUNNER, file, JSON.stringify(event), `execution-role-check-${name}`, String(remainingTimeMs)],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, maxBuffer: 32 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const at = stdout.lastIndexOf(MARKER);
        if (at < 0) {
          reject(new Error(`bundle ${name} ended without an outcome: ${error?.message ?? ''}\n${stderr}`));
          return;
        }
        const outcome = JSON.parse(stdout.slice(at + MARKER.length)) as Omit<BundleOutcome, 'logs'>;
        resolve({ ...outcome, logs: `${stdout.slice(0, at)}\n${stderr}` } as BundleOutcome);
      },
    );
  });
}
