/**
 * Runs a built Lambda bundle (`dist/<name>/index.js`) in a child process, as Lambda would: a fresh module
 * scope, the environment given, an event and a context in, the result or the thrown error out.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { MOTO_ACCOUNT_ID, MOTO_REGION } from '../support/moto';

export type BundleOutcome =
  | { readonly ok: true; readonly result: unknown; readonly logs: string }
  | { readonly ok: false; readonly errorType: string; readonly errorMessage: string; readonly logs: string };

const MARKER = '@@bundle-outcome@@';

// The child prints its outcome after a marker, so the function's own log lines can share stdout.
const RUNNER = `
const [file, event, functionName] = process.argv.slice(1);
const context = {
  functionName,
  invokedFunctionArn: 'arn:aws:lambda:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:function:' + functionName,
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => 120000,
};
Promise.resolve()
  .then(() => require(file).handler(JSON.parse(event), context))
  .then(
    (result) => process.stdout.write('\\n${MARKER}' + JSON.stringify({ ok: true, result })),
    (error) => process.stdout.write('\\n${MARKER}' + JSON.stringify({ ok: false, errorType: error.name, errorMessage: error.message })),
  );
`;

/** Invokes `handler` of dist/`name`/index.js with `event`, in a child process with `env` added. */
export function invokeBundle(
  name: 'evaluate' | 'remediate',
  event: unknown,
  env: Readonly<Record<string, string>>,
): Promise<BundleOutcome> {
  const file = join(__dirname, '..', '..', 'dist', name, 'index.js');
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['-e', RUNNER, file, JSON.stringify(event), `execution-role-check-${name}`],
      { env: { PATH: process.env['PATH'] ?? '', ...env }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const at = stdout.lastIndexOf(MARKER);
        if (at < 0) {
          reject(new Error(`bundle ${name} ended without an outcome: ${error?.message ?? ''}\n${stderr}`));
          return;
        }
        const outcome = JSON.parse(stdout.slice(at + MARKER.length)) as Omit<BundleOutcome, 'logs'>;
        resolve({ ...outcome, logs: stdout.slice(0, at) } as BundleOutcome);
      },
    );
  });
}
