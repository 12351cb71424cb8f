/**
 * Memory: peak RSS of the built evaluator bundle sweeping the largest account, in a child process of its own
 * (so nothing of the benchmark's own heap counts), against the same bundle loaded and idle, and an empty Node.
 */
import { spawn } from 'node:child_process';
import { awsEnv } from '../test/support/moto';
import type { RecordingProxy } from '../test/support/recording-proxy';
import type { AccountShape } from './account';
import { RESULT_PREFIX, type ChildResult } from './child-result';
import { BUILT_BUNDLES } from './cold-start';
import { scheduledEvent } from './sweeps';

const CHILD = 'dist/bench/sweep-child.js';

export interface MemoryMeasure {
  readonly roles: number;
  readonly sweep: ChildResult;
  readonly idleBundle: ChildResult;
  readonly emptyNodeMaxRssBytes: number;
}

function run(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`)),
    );
  });
}

async function runChild(mode: 'idle' | 'sweep', env: Record<string, string>): Promise<ChildResult> {
  const stdout = await run([CHILD, `${process.cwd()}/${BUILT_BUNDLES.evaluate}`, mode], env);
  const line = stdout.split('\n').find((candidate) => candidate.startsWith(RESULT_PREFIX));
  if (line === undefined) throw new Error(`sweep child printed no result:\n${stdout.slice(-1000)}`);
  return JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult;
}

/** Sweeps the account in moto with the built evaluator, Config routed through `proxy`. */
export async function measureMemory(
  motoEndpoint: string,
  proxy: RecordingProxy,
  shape: AccountShape,
): Promise<MemoryMeasure> {
  proxy.clear();
  proxy.seedResults(
    shape.candidateRoleIds.map((resourceId) => ({
      resourceType: 'AWS::IAM::Role',
      resourceId,
      complianceType: 'COMPLIANT' as const,
    })),
  );
  const env = {
    PATH: process.env['PATH'] ?? '',
    ...awsEnv(motoEndpoint),
    // moto has no PutEvaluations: only Config goes through the recording proxy (SDK service id "Config Service").
    AWS_ENDPOINT_URL_CONFIG_SERVICE: proxy.endpoint,
    BENCH_EVENT: JSON.stringify(scheduledEvent()),
  };
  const sweep = await runChild('sweep', env);
  if (sweep.evaluations !== shape.candidateRoleIds.length || proxy.putEvaluationsCalls.length === 0) {
    throw new Error(
      `bundle sweep put ${sweep.evaluations} evaluations in ${proxy.putEvaluationsCalls.length} calls, ` +
        `expected ${shape.candidateRoleIds.length}`,
    );
  }
  const idleBundle = await runChild('idle', env);
  const empty = await run(['-e', 'process.stdout.write(String(process.resourceUsage().maxRSS))'], {
    PATH: env.PATH,
  });
  return { roles: shape.roles, sweep, idleBundle, emptyNodeMaxRssBytes: Number(empty) * 1024 };
}
