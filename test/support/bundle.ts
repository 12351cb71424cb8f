/**
 * Runs a built Lambda function in a child process, as Lambda would: the module its `Handler` names, loaded from
 * the artifact folder (`dist/<module>/` or what `sam build` made), a fresh module scope, only the environment
 * given (plus PATH), an event and a context in; the result or the thrown error out, with everything the
 * function printed on stdout and stderr.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readLambdaFunctions } from '../../scripts/lambda-bundles.cjs';
import { MOTO_ACCOUNT_ID, MOTO_REGION } from './moto';

/** What one invocation returned or threw, and the function's log lines. */
export type BundleOutcome =
  | { readonly ok: true; readonly result: unknown; readonly logs: string }
  | { readonly ok: false; readonly errorName: string; readonly errorMessage: string; readonly logs: string };

const MARKER = '@@bundle-outcome@@';

// The child prints its outcome after a marker, so the function's own log lines can share stdout.
const RUNNER = `
const [dir, handler, event, functionName, remaining] = process.argv.slice(1);
// Lambda's resolution of Handler "module.export": module.js in the artifact's root, then its export.
const [moduleName, exportName] = handler.split('.');
const context = {
  functionName,
  invokedFunctionArn: 'arn:aws:lambda:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:function:' + functionName,
  awsRequestId: 'test-request',
  getRemainingTimeInMillis: () => Number(remaining),
};
Promise.resolve()
  .then(() => require(require('node:path').join(dir, moduleName + '.js'))[exportName](JSON.parse(event), context))
  .then(
    (result) => process.stdout.write('\\n${MARKER}' + JSON.stringify({ ok: true, result })),
    (error) => process.stdout.write('\\n${MARKER}' + JSON.stringify({ ok: false, errorName: error.name, errorMessage: error.message })),
  );
`;

/** Lambda's timeouts in the template: the evaluator 900 s, the remediation 120 s. */
const TIMEOUT_MS = { evaluate: 900_000, remediate: 120_000 } as const;

/** A built function: the folder Lambda would unpack, and the `Handler` it would resolve there. */
export interface LambdaArtifact {
  readonly dir: string;
  readonly handler: string;
}

const ROOT = join(__dirname, '..', '..');

let lambdaFunctions: ReturnType<typeof readLambdaFunctions> | undefined;

/** What `npm run build` made for the function whose bundle is `name`, with the template's `Handler`. */
export function distArtifact(name: 'evaluate' | 'remediate'): LambdaArtifact {
  // Read once per test process: every invocation of a built function needs it, and the template does not change.
  lambdaFunctions ??= readLambdaFunctions(join(ROOT, 'template.yaml'));
  const fn = lambdaFunctions.find((candidate) => candidate.module === name);
  if (fn === undefined) throw new Error(`template.yaml builds no ${name} module`);
  return { dir: join(ROOT, 'dist', fn.module), handler: fn.handler };
}

/**
 * Invokes the function `name` (dist/, as `npm run build` made it; `npm test` builds first) or the artifact
 * given, with `event`.
 */
export function invokeBundle(
  name: 'evaluate' | 'remediate',
  event: unknown,
  env: Readonly<Record<string, string>>,
  remainingTimeMs: number = TIMEOUT_MS[name],
  artifact: LambdaArtifact = distArtifact(name),
): Promise<BundleOutcome> {
  const file = join(artifact.dir, `${artifact.handler.split('.')[0] ?? ''}.js`);
  if (!existsSync(file)) {
    return Promise.reject(new Error(`${file} (Handler ${artifact.handler}) is missing: run npm run build`));
  }
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '-e',
        RUNNER,
        artifact.dir,
        artifact.handler,
        JSON.stringify(event),
        `execution-role-check-${name}`,
        String(remainingTimeMs),
      ],
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
