/**
 * moto_server for adapter and integration suites: each suite starts its own on a free loopback port and
 * stops it in afterAll. A missing moto_server fails the suite loudly; it never skips.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { createClients, type AwsClients } from '../../lib/aws/clients';
import { startEcrBridge, type BridgedPullThroughCacheRule } from './ecr-bridge';

/** The account moto puts every resource in. */
export const MOTO_ACCOUNT_ID = '123456789012';
/** The region the test clients and the spawned bundle use. */
export const MOTO_REGION = 'us-east-1';
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;
const START_TIMEOUT_MS = 30_000;

/** A running moto_server, behind the bridge for the calls moto lacks (ecr-bridge.ts). */
export interface MotoServer {
  /** `http://127.0.0.1:PORT` of the bridge: what every client and bundle talks to. */
  readonly endpoint: string;
  readonly port: number;
  /** moto_server itself, without the bridge: for pinning its gaps (moto-gaps.integration.test.ts). */
  readonly directEndpoint: string;
  /** What ecr:DescribePullThroughCacheRules answers in `region` (moto 5.2.1 lacks it; the bridge plays it). */
  setPullThroughCacheRules(region: string, rules: readonly BridgedPullThroughCacheRule[]): void;
  /** DescribePullThroughCacheRules requests that reached the bridge, by region. */
  pullThroughCacheReads(): ReadonlyMap<string, number>;
  /** Stops the server (its whole process group) and waits for it to exit. */
  stop(): Promise<void>;
  /** Forgets every resource (`POST /moto-api/reset`) and every bridged rule, for isolation between tests. */
  reset(): Promise<void>;
}

/** The path of `moto_server`, or a plain error saying how to get it. */
export function findMotoServer(): string {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, 'moto_server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  const where = process.env['CI'] === 'true' ? ' (CI must provide it)' : '';
  throw new Error(`moto_server not found: install moto[server]${where}`);
}

/** Starts moto_server on 127.0.0.1 with AWS managed policies loaded, resolving once it answers. */
export async function startMoto(): Promise<MotoServer> {
  const executable = findMotoServer();
  const port = await freePort();
  const child = spawn(executable, ['-H', '127.0.0.1', '-p', String(port)], {
    // Own process group, so stop() ends the interpreter a pyenv shim may have started, and nothing else.
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, MOTO_IAM_LOAD_MANAGED_POLICIES: 'true' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  try {
    await waitUntilAnswering(endpoint, child, () => stderr);
  } catch (error) {
    await stopProcess(child, exited);
    throw error;
  }
  const bridge = await startEcrBridge(endpoint, MOTO_ACCOUNT_ID);
  return {
    endpoint: bridge.endpoint,
    port: Number(new URL(bridge.endpoint).port),
    directEndpoint: endpoint,
    setPullThroughCacheRules: (region, rules) => bridge.setPullThroughCacheRules(region, rules),
    pullThroughCacheReads: () => bridge.describeCalls(),
    stop: async () => {
      await bridge.stop();
      await stopProcess(child, exited);
    },
    reset: async () => {
      bridge.clear();
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset failed: HTTP ${response.status}`);
    },
  };
}

/** Environment for a child process (the built bundle) that must talk to `endpoint` like Lambda would. */
export function awsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: MOTO_REGION,
    AWS_DEFAULT_REGION: MOTO_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    // No instance metadata on a laptop or CI runner: do not wait for it.
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** How the SDK clients of a test reach moto. */
export interface MotoClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: typeof TEST_CREDENTIALS;
  readonly maxAttempts: number;
}

/** Client configuration for `endpoint`, with fewer attempts so an emulator error fails fast. */
export function clientConfigFor(endpoint: string): MotoClientConfig {
  return { endpoint, region: MOTO_REGION, credentials: TEST_CREDENTIALS, maxAttempts: 2 };
}

/** The production clients pointed at `endpoint`, with fewer attempts so an emulator error fails fast. */
export function clientsFor(endpoint: string): AwsClients {
  return createClients({ clientConfig: clientConfigFor(endpoint) });
}

/** A suite's moto: started before all its tests, reset before each, stopped after all. */
export interface MotoSuite {
  /** The running server (inside tests and hooks only). */
  readonly server: MotoServer;
  /** `clientConfigFor` the server: for `new KMSClient(moto.config)` and the adapters' `clientConfig`. */
  readonly config: MotoClientConfig;
}

/**
 * Registers the suite's hooks; call it at the top level of a test file, before the file's own hooks, so that
 * moto is reset before they run: startMoto in beforeAll, reset in beforeEach, stop in afterAll.
 */
export function motoForSuite(): MotoSuite {
  let started: { server: MotoServer; config: MotoClientConfig } | undefined;
  const running = (): { server: MotoServer; config: MotoClientConfig } => {
    if (started === undefined) throw new Error('moto is not started: use it inside a test or hook');
    return started;
  };
  beforeAll(async () => {
    const server = await startMoto();
    started = { server, config: clientConfigFor(server.endpoint) };
  });
  afterAll(async () => {
    await started?.server.stop();
  });
  beforeEach(async () => {
    await running().server.reset();
  });
  return {
    get server() {
      return running().server;
    },
    get config() {
      return running().config;
    },
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto_server exited before answering (code ${child.exitCode}):\n${stderr()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer on ${endpoint} within ${START_TIMEOUT_MS} ms:\n${stderr()}`);
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return; // already gone
  }
  const killed = setTimeout(() => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  }, 5000);
  await exited;
  clearTimeout(killed);
}
