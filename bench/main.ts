/**
 * `npm run bench`: API economy of a periodic sweep, engine throughput, cold start and memory, each beside a
 * baseline from the same run. Prints one table and saves the raw numbers under bench/results/.
 *
 * Options (--name=value or --name value): --tiers=100,1000,5000  account sizes (roles) to sweep
 *          --naive-max=1000       largest account the naive baseline sweeps in moto; larger ones are projected
 *          --runs=11              fresh processes per bundle for the require timings
 *          --reference            also write bench/results/reference.json
 */
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { gatherUsage } from '../lib/facts/gather';
import { AwsIamReader } from '../lib/aws/iam';
import { ManagedPolicyCache } from '../lib/aws/managed-policy-cache';
import { AwsUsageReader } from '../lib/aws/usage';
import { parseRuleParameters } from '../lib/parameters';
import { MOTO_ACCOUNT_ID, MOTO_REGION, startMoto } from '../test/support/moto';
import { startRecordingProxy } from '../test/support/recording-proxy';
import { accountShape, roleSpecFor, seedRoles, seedSharedResources, type SharedResources } from './account';
import { measureColdStart, type ColdStartMeasure } from './cold-start';
import { measureEngine, type EngineFacts, type EngineMeasure } from './engine';
import { measureMemory, type MemoryMeasure } from './memory';
import { naiveIamCalls } from './naive-iam';
import {
  atLeast,
  atMost,
  costRatio,
  duration,
  kb,
  mb,
  multiple,
  num,
  perRole,
  renderTable,
  type TableLine,
} from './report';
import { benchClients, measureSweep, RULE_NAME, totalCalls, type SweepMeasure } from './sweeps';

// The targets of issue 6.
const TARGETS = {
  iamCallsPerRoleAt5000: 0.01,
  rolesPerSecond: 50_000,
  evaluatorBundleBytes: 350 * 1024,
  requireMs: 60,
  peakRssBytes: 256 * 1024 * 1024,
} as const;

interface Options {
  readonly tiers: readonly number[];
  readonly naiveMax: number;
  readonly runs: number;
  readonly reference: boolean;
}

/** A bad command line: printed without a stack trace, exit code 2. */
class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

function parseOptions(argv: readonly string[]): Options {
  let values: Record<string, string | boolean | undefined>;
  try {
    // --tiers=100 and --tiers 100 alike; an unknown or misspelt option is an error, never ignored.
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        tiers: { type: 'string' },
        'naive-max': { type: 'string' },
        runs: { type: 'string' },
        reference: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new BenchUsageError(error instanceof Error ? error.message : String(error));
  }
  const positive = (name: string, fallback: number): number => {
    const raw = values[name];
    const parsed = typeof raw === 'string' ? Number(raw) : fallback;
    if (!Number.isInteger(parsed) || parsed <= 0)
      throw new BenchUsageError(`--${name} must be a positive integer`);
    return parsed;
  };
  const tiersText = typeof values['tiers'] === 'string' ? values['tiers'] : '100,1000,5000';
  const tiers = tiersText.split(',').map((tier) => (tier.trim() === '' ? NaN : Number(tier)));
  if (tiers.some((tier) => !Number.isInteger(tier) || tier < 3)) {
    throw new BenchUsageError(
      `--tiers must be integers of at least 3 (a third of the roles are execution roles), got ${tiersText}`,
    );
  }
  return {
    tiers: [...new Set(tiers)].sort((a, b) => a - b),
    naiveMax: positive('naive-max', 1000),
    runs: positive('runs', 11),
    reference: values['reference'] === true,
  };
}

/**
 * Stops moto_server and the proxy when the bench is interrupted (SIGINT, SIGTERM): `finally` does not run
 * when a signal ends the process, and moto_server would outlive it.
 */
function stopOnSignal(stop: () => Promise<void>): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = (): void => {
      log(`${signal}: stopping moto_server`);
      void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    process.once(signal, handler);
    return [signal, handler] as const;
  });
  return () => handlers.forEach(([signal, handler]) => process.off(signal, handler));
}

/** One account size: the rule's sweeps (cold and warm managed-policy cache) and the naive baseline. */
interface TierResult {
  readonly roles: number;
  readonly seedMs: number;
  readonly ruleCold: SweepMeasure;
  readonly ruleWarm: SweepMeasure;
  /** The cold sweep again, reading the key, secret and repository policies as layers. */
  readonly ruleLayers: SweepMeasure;
  /** Measured when roles <= --naive-max, otherwise projected (see naiveProjected). */
  readonly naive: Pick<
    SweepMeasure,
    'wallMs' | 'calls' | 'awsCalls' | 'putEvaluationsBatches' | 'evaluations'
  >;
  readonly naiveProjected: boolean;
}

function specsUpTo(roles: number, shared: SharedResources) {
  return Array.from({ length: roles }, (_, index) => roleSpecFor(index, shared));
}

function sameCounts(a: Record<string, number>, b: Record<string, number>): boolean {
  const nonZero = (counts: Record<string, number>) =>
    JSON.stringify(
      Object.entries(counts)
        .filter(([, n]) => n > 0)
        .sort(([x], [y]) => x.localeCompare(y)),
    );
  return nonZero(a) === nonZero(b);
}

function withoutService(calls: Record<string, number>, service: string): Record<string, number> {
  return Object.fromEntries(Object.entries(calls).filter(([key]) => !key.startsWith(`${service}:`)));
}

function machine(): Record<string, unknown> {
  const moto = spawnSync('python3', ['-c', 'import moto; print(moto.__version__)'], { encoding: 'utf8' });
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    os: `${process.platform} ${release()}`,
    moto: moto.status === 0 ? moto.stdout.trim() : 'unknown',
  };
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();
  const loadStart = loadavg();
  log(`cold start: building variants, ${options.runs} fresh processes per bundle`);
  const coldStart = await measureColdStart(options.runs);

  log('starting moto_server');
  const moto = await startMoto();
  const proxy = await startRecordingProxy(moto.endpoint, { configRuleName: RULE_NAME });
  // Once only: a signal may arrive while the finally below is already stopping them.
  let stopping: Promise<void> | undefined;
  const stopServers = (): Promise<void> =>
    (stopping ??= (async () => {
      await proxy.stop();
      await moto.stop();
    })());
  const releaseSignals = stopOnSignal(stopServers);
  const tiers: TierResult[] = [];
  let facts: EngineFacts | undefined;
  let memory: MemoryMeasure | undefined;
  let sharedSeedMs: number | undefined;
  try {
    const clients = benchClients(moto.endpoint, proxy.endpoint);
    let mark = performance.now();
    const shared = await seedSharedResources(clients);
    sharedSeedMs = performance.now() - mark;
    const candidates: string[] = [];
    let seeded = 0;
    let largestMeasuredNaive: { calls: number; wallMs: number } | undefined;
    for (const roles of options.tiers) {
      log(`seeding roles ${seeded}..${roles - 1}`);
      mark = performance.now();
      candidates.push(...(await seedRoles(clients, shared, seeded, roles)));
      const seedMs = performance.now() - mark;
      seeded = roles;
      const shape = accountShape(roles, candidates);
      const setup = { motoEndpoint: moto.endpoint, proxy, shape };
      const cache = new ManagedPolicyCache();
      log(`sweeping ${roles} roles: rule (cold cache, then warm)`);
      const ruleCold = await measureSweep(setup, 'rule-cold', cache);
      const ruleWarm = await measureSweep(setup, 'rule-warm', cache);
      log(`sweeping ${roles} roles: rule with layers (cold cache)`);
      const ruleLayers = await measureSweep(setup, 'rule-layers', new ManagedPolicyCache());
      const projectedIam = naiveIamCalls(specsUpTo(roles, shared));
      let naive: TierResult['naive'];
      let naiveProjected = false;
      if (roles <= options.naiveMax) {
        log(`sweeping ${roles} roles: naive baseline`);
        naive = await measureSweep(setup, 'naive', new ManagedPolicyCache());
        const measuredIam = Object.fromEntries(
          Object.entries(naive.calls).filter(([key]) => key.startsWith('iam:')),
        );
        if (!sameCounts(measuredIam, projectedIam)) {
          throw new Error(
            `naive projection disagrees with the measurement at ${roles} roles: ` +
              `${JSON.stringify(projectedIam)} vs ${JSON.stringify(measuredIam)}`,
          );
        }
        largestMeasuredNaive = { calls: totalCalls(naive.calls), wallMs: naive.wallMs };
      } else {
        // Same runner, same non-IAM reads and puts as the rule; per-role IAM calls counted from the shapes.
        const calls = { ...withoutService(ruleCold.calls, 'iam'), ...projectedIam };
        const msPerCall = largestMeasuredNaive
          ? largestMeasuredNaive.wallMs / largestMeasuredNaive.calls
          : NaN;
        naive = {
          wallMs: msPerCall * totalCalls(calls),
          calls,
          awsCalls: { ...withoutService(ruleCold.awsCalls, 'iam'), ...projectedIam },
          putEvaluationsBatches: ruleCold.putEvaluationsBatches,
          evaluations: ruleCold.evaluations,
        };
        naiveProjected = true;
      }
      tiers.push({ roles, seedMs, ruleCold, ruleWarm, ruleLayers, naive, naiveProjected });

      if (roles === options.tiers[options.tiers.length - 1]) {
        log(`capturing the ${roles}-role account for the engine benchmark`);
        const params = parseRuleParameters('{}');
        const location = { region: MOTO_REGION, accountId: MOTO_ACCOUNT_ID, partition: 'aws' };
        const [loaded, usage] = await Promise.all([
          new AwsIamReader(clients.iam, { managedPolicyCache: new ManagedPolicyCache() }).loadAllRoles(),
          gatherUsage(new AwsUsageReader(clients, { accountId: MOTO_ACCOUNT_ID }), params, location),
        ]);
        facts = { roles: loaded, usage: usage.index, keys: usage.keys, params, location };
        log(`memory: the built evaluator sweeping ${roles} roles in a child process`);
        memory = await measureMemory(moto.endpoint, proxy, shape);
      }
    }
  } finally {
    releaseSignals();
    await stopServers();
  }
  if (facts === undefined || memory === undefined) throw new Error('no account was swept');

  if (!coldStart.replicaMatchesBuild) {
    log(
      'warning: the bench replica of scripts/build.mjs no longer matches dist/evaluate: proposals are relative to the replica',
    );
  }
  log('engine throughput (moto stopped)');
  const loadBeforeEngine = loadavg();
  const engine = measureEngine(facts);
  const durationMs = performance.now() - started;

  const results = {
    startedAt: new Date(Date.now() - durationMs).toISOString(),
    durationMs,
    machine: machine(),
    // Other processes on the machine skew wall times: the load average says how busy it was.
    loadAverage: { start: loadStart, beforeEngine: loadBeforeEngine, end: loadavg() },
    options,
    targets: TARGETS,
    apiEconomy: { sharedSeedMs, tiers },
    engine,
    coldStart,
    memory,
  };
  console.log(renderTable(tableLines(tiers, engine, coldStart, memory)));
  mkdirSync('bench/results', { recursive: true });
  const file = `bench/results/run-${results.startedAt.replace(/[:.]/g, '-')}.json`;
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  if (options.reference)
    writeFileSync('bench/results/reference.json', `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `\nRaw numbers: ${file}${options.reference ? ' (and bench/results/reference.json)' : ''}. ` +
      `Took ${duration(durationMs)}. Load average ${loadStart.map((n) => n.toFixed(1)).join(' ')} at start, ` +
      `${loadBeforeEngine.map((n) => n.toFixed(1)).join(' ')} before the engine benchmark (${cpus().length} cores).`,
  );
}

/** Calls that read a layer beyond the role: one per distinct key, secret, repository or registry. */
function layerReads(calls: Record<string, number>): number {
  return (
    (calls['kms:GetKeyPolicy'] ?? 0) +
    (calls['secretsmanager:GetResourcePolicy'] ?? 0) +
    (calls['ecr:GetRepositoryPolicy'] ?? 0) +
    (calls['ecr:GetRegistryPolicy'] ?? 0)
  );
}

function tableLines(
  tiers: readonly TierResult[],
  engine: EngineMeasure,
  cold: ColdStartMeasure,
  memory: MemoryMeasure,
): TableLine[] {
  const lines: TableLine[] = [
    { heading: 'API economy of a periodic sweep (moto_server; baseline: naive per-role reads)' },
  ];
  const largest = tiers[tiers.length - 1]?.roles;
  for (const tier of tiers) {
    const n = tier.roles;
    const naiveMark = tier.naiveProjected ? ' (proj.)' : '';
    const ruleIam = totalCalls(tier.ruleCold.awsCalls, 'iam') / n;
    const naiveIam = totalCalls(tier.naive.awsCalls, 'iam') / n;
    const check5000 = n === 5000 || (n === largest && n >= 5000);
    lines.push(
      {
        measure: `${num(n)} roles: IAM calls/role, AWS paging`,
        value: perRole(ruleIam),
        baseline: `${perRole(naiveIam)}${naiveMark}`,
        ratio: costRatio(ruleIam, naiveIam),
        target: check5000 ? `<= ${TARGETS.iamCallsPerRoleAt5000}` : '',
        verdict: check5000 ? atMost(ruleIam, TARGETS.iamCallsPerRoleAt5000, (x) => perRole(x)) : '',
      },
      {
        measure: `${num(n)} roles: IAM calls, warm invocation`,
        value: `${num(totalCalls(tier.ruleWarm.awsCalls, 'iam'))} (cold ${num(totalCalls(tier.ruleCold.awsCalls, 'iam'))})`,
        baseline: `${num(totalCalls(tier.naive.awsCalls, 'iam'))}${naiveMark}`,
        ratio: costRatio(totalCalls(tier.ruleWarm.awsCalls, 'iam'), totalCalls(tier.naive.awsCalls, 'iam')),
        target: '',
        verdict: '',
      },
      {
        measure: `${num(n)} roles: all calls/role, AWS paging`,
        value: perRole(totalCalls(tier.ruleCold.awsCalls) / n),
        baseline: `${perRole(totalCalls(tier.naive.awsCalls) / n)}${naiveMark}`,
        ratio: costRatio(totalCalls(tier.ruleCold.awsCalls), totalCalls(tier.naive.awsCalls)),
        target: '',
        verdict: '',
      },
      {
        measure: `${num(n)} roles: all calls/role with layers (same sweep without)`,
        value: perRole(totalCalls(tier.ruleLayers.awsCalls) / n),
        baseline: `${perRole(totalCalls(tier.ruleCold.awsCalls) / n)} without layers`,
        ratio: multiple(totalCalls(tier.ruleLayers.awsCalls), totalCalls(tier.ruleCold.awsCalls)),
        target: '',
        verdict: '',
      },
      {
        measure: `${num(n)} roles: layer reads (GetKeyPolicy, GetResourcePolicy, GetRepositoryPolicy)`,
        value: `${num(layerReads(tier.ruleLayers.calls))} (${num(tier.ruleLayers.calls['kms:GetKeyPolicy'] ?? 0)}, ${num(tier.ruleLayers.calls['secretsmanager:GetResourcePolicy'] ?? 0)}, ${num(tier.ruleLayers.calls['ecr:GetRepositoryPolicy'] ?? 0)})`,
        baseline: `${perRole(layerReads(tier.ruleLayers.calls) / n)}/role`,
        ratio: '',
        target: '',
        verdict: '',
      },
      {
        measure: `${num(n)} roles: PutEvaluations calls (evaluations)`,
        value: `${tier.ruleCold.putEvaluationsBatches} (${num(tier.ruleCold.evaluations)})`,
        baseline: `${tier.naive.putEvaluationsBatches} (${num(tier.naive.evaluations)})`,
        ratio: multiple(tier.ruleCold.putEvaluationsBatches, tier.naive.putEvaluationsBatches),
        target: '',
        verdict: '',
      },
      {
        measure: `${num(n)} roles: sweep wall time in moto`,
        value: duration(tier.ruleCold.wallMs),
        baseline: `${duration(tier.naive.wallMs)}${naiveMark}`,
        ratio: costRatio(tier.ruleCold.wallMs, tier.naive.wallMs, 'faster'),
        target: '',
        verdict: '',
      },
    );
  }

  lines.push(
    { heading: 'Engine throughput, one core (assessRole over the largest account)' },
    {
      measure: `candidates assessed/CPU-s, best round (${num(engine.candidateCount)} roles)`,
      value: `${num(engine.candidates.rolesPerSecond)} (median ${num(engine.candidates.medianRolesPerSecond)})`,
      baseline: `JSON.parse only: ${num(engine.jsonParseBaseline.rolesPerSecond)}`,
      ratio: multiple(engine.candidates.rolesPerSecond, engine.jsonParseBaseline.rolesPerSecond),
      target: `>= ${num(TARGETS.rolesPerSecond)}`,
      verdict: atLeast(engine.candidates.rolesPerSecond, TARGETS.rolesPerSecond, (x) => num(x)),
    },
    {
      measure: `whole account/CPU-s, best round (${num(engine.accountRoles)} roles)`,
      value: `${num(engine.account.rolesPerSecond)} (median ${num(engine.account.medianRolesPerSecond)})`,
      baseline: `ARN lookup only: ${num(engine.arnLookupBaseline.rolesPerSecond)}`,
      ratio: multiple(engine.account.rolesPerSecond, engine.arnLookupBaseline.rolesPerSecond),
      target: '',
      verdict: '',
    },
    { heading: 'Cold start (median of fresh Node processes; baseline: SDK external / node -e "")' },
  );
  const sdkExternal = cold.variants.find((variant) => variant.name === 'sdk-external');
  for (const name of ['evaluate', 'remediate', 'cli'] as const) {
    const bundle = cold.bundles[name];
    const isEvaluator = name === 'evaluate';
    lines.push({
      measure: `${name} bundle size (gzip ${kb(bundle.gzipBytes)})`,
      value: kb(bundle.bytes),
      baseline: isEvaluator && sdkExternal ? `SDK external: ${kb(sdkExternal.bytes)}` : '',
      ratio: isEvaluator && sdkExternal ? multiple(bundle.bytes, sdkExternal.bytes) : '',
      target: isEvaluator ? `<= ${kb(TARGETS.evaluatorBundleBytes)}` : '',
      verdict: isEvaluator ? atMost(bundle.bytes, TARGETS.evaluatorBundleBytes, kb) : '',
    });
  }
  for (const name of ['evaluate', 'remediate'] as const) {
    const timing = cold.bundles[name].timing;
    const isEvaluator = name === 'evaluate';
    lines.push(
      {
        measure: `${name}: require() in a fresh process (wall, CPU)`,
        value: `${duration(timing.requireMs)} (${duration(timing.requireCpuMs)})`,
        baseline: isEvaluator && sdkExternal ? `SDK external: ${duration(sdkExternal.timing.requireMs)}` : '',
        ratio: isEvaluator && sdkExternal ? multiple(timing.requireMs, sdkExternal.timing.requireMs) : '',
        target: `<= ${TARGETS.requireMs} ms`,
        verdict: atMost(timing.requireMs, TARGETS.requireMs, duration),
      },
      {
        measure: `${name}: whole node process`,
        value: duration(timing.processMs),
        baseline: `node -e "": ${duration(cold.emptyProcessMs)}`,
        ratio: multiple(timing.processMs, cold.emptyProcessMs),
        target: '',
        verdict: '',
      },
    );
  }
  for (const variant of cold.variants.filter((candidate) => candidate.name !== 'sdk-external')) {
    lines.push({
      measure: `proposal ${variant.name}${variant.changesBehaviour ? ' (!)' : ''}`,
      value: `${kb(variant.bytes)}, ${duration(variant.timing.requireMs)}`,
      baseline: `as built: ${kb(cold.bundles.evaluate.bytes)}, ${duration(cold.bundles.evaluate.timing.requireMs)}`,
      ratio: multiple(variant.bytes, cold.bundles.evaluate.bytes),
      target: `<= ${kb(TARGETS.evaluatorBundleBytes)}`,
      verdict: atMost(variant.bytes, TARGETS.evaluatorBundleBytes, kb),
    });
  }

  lines.push(
    { heading: `Memory (built evaluator in a child process, ${num(memory.roles)}-role sweep)` },
    {
      measure: 'peak RSS of the sweep',
      value: mb(memory.sweep.maxRssBytes),
      baseline: `bundle loaded, idle: ${mb(memory.idleBundle.maxRssBytes)}`,
      ratio: multiple(memory.sweep.maxRssBytes, memory.idleBundle.maxRssBytes),
      target: `< ${mb(TARGETS.peakRssBytes)}`,
      verdict:
        memory.sweep.maxRssBytes < TARGETS.peakRssBytes
          ? 'met'
          : atMost(memory.sweep.maxRssBytes, TARGETS.peakRssBytes, mb),
    },
    {
      measure: 'empty node process',
      value: mb(memory.emptyNodeMaxRssBytes),
      baseline: '',
      ratio: '',
      target: '',
      verdict: '',
    },
  );
  return lines;
}

main().catch((error: unknown) => {
  if (error instanceof BenchUsageError) {
    console.error(`bench: ${error.message}`);
    process.exitCode = 2;
    return;
  }
  console.error(error);
  process.exitCode = 1;
});
