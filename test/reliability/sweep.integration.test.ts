/**
 * A periodic sweep of 300 candidate roles under injected faults: every role gets exactly one verdict, the
 * same as in a fault-free run, with the production retry settings (adaptive, 8 attempts); FailedEvaluations
 * are retried or name the ids that never landed; a sweep short of time stops cleanly and says how far it got.
 */
import { EvaluationsNotDeliveredError } from '../../lib/core/errors';
import { RETRY_SETTINGS } from '../../lib/aws/clients';
import { SweepTimeoutError } from '../../lib/config/runner';
import type { FaultRule } from '../support/fault-proxy';
import { awsEnv } from '../support/moto';
import { invokeBundle } from '../support/bundle';
import { Figures } from './figures';
import {
  lostOrWrong,
  runInProcess,
  scheduledEvent,
  secretReads,
  SECRET_KEY_CANARY,
  SECRET_VALUE_CANARY,
  seedAccount,
  startStack,
  stopStack,
  verdictsOf,
  type Run,
  type SeededAccount,
  type Stack,
} from './support';

const CANDIDATES = 300;
const ROLES_IN_ACCOUNT = CANDIDATES + 20;
// The evaluator's configured timeout (template.yaml: Timeout 900).
const FUNCTION_TIMEOUT_MS = 900_000;
const TWENTY_FIVE_PERCENT: FaultRule[] = [{ throttle: 0.2, serverError: 0.05 }];
// A sweep makes a dozen calls: slow replies are made likelier on Config's so that some surely happen.
const WITH_RESETS_AND_SLOW: FaultRule[] = [
  { operation: 'config:*', throttle: 0.2, serverError: 0.05, reset: 0.03, slow: 0.3 },
  { throttle: 0.2, serverError: 0.05, reset: 0.03, slow: 0.05 },
];

let stack: Stack;
let account: SeededAccount;
/** The fault-free sweep's verdict per resource id. */
let expected: Map<string, string>;
const figures = new Figures('sweep');
const allLogs: string[] = [];
const allRequests: Run['requests'][number][] = [];

/** Config as it was before the sweep: no results but the two stale ones. */
function resetConfig(): void {
  stack.recorder.clear();
  stack.recorder.seedResults(account.staleResults);
}

/** A sweep that has `FUNCTION_TIMEOUT_MS` from its start, as Lambda's context reports it. */
function withinTimeout(): () => number {
  const start = Date.now();
  return () => FUNCTION_TIMEOUT_MS - (Date.now() - start);
}

function keep(run: Run): Run {
  allLogs.push(...run.logs);
  allRequests.push(...run.requests);
  return run;
}

/** What each seeded shape must be judged (see seedAccount), plus the two retired results. */
function correctCompliance(): Map<string, string> {
  const compliance = new Map<string, string>();
  account.candidates.forEach((role, index) => {
    const shape = index % 6;
    const compliant = shape === 0 || shape === 3 || (shape === 5 && index % 12 === 5);
    compliance.set(role.roleId, compliant ? 'COMPLIANT' : 'NON_COMPLIANT');
  });
  for (const stale of account.staleResults) compliance.set(stale.resourceId, 'NOT_APPLICABLE');
  return compliance;
}

beforeAll(async () => {
  stack = await startStack();
  account = await seedAccount(stack, CANDIDATES);
  resetConfig();
  stack.faults.setFaults([]);
  const baseline = keep(await runInProcess(stack, scheduledEvent(), { remainingTimeMs: withinTimeout() }));
  if (baseline.error !== undefined) throw baseline.error;
  expected = verdictsOf(stack.recorder.deliveredEvaluations());
}, 120_000);

afterAll(async () => {
  figures.write();
  await stopStack(stack);
});

describe('the fault-free sweep (the reference)', () => {
  it('judges every candidate as its shape demands and retires the two stale results', () => {
    const judged = new Map([...expected].map(([id, verdict]) => [id, verdict.split(' | ')[0]]));
    expect(judged).toEqual(correctCompliance());
    expect(expected.size).toBe(CANDIDATES + 2);
  });
});

describe('a sweep under faults', () => {
  it.each<[string, number, FaultRule[]]>([
    ['20% throttling + 5% server errors', 1, TWENTY_FIVE_PERCENT],
    ['20% throttling + 5% server errors', 12, TWENTY_FIVE_PERCENT],
    ['20% throttling + 5% server errors + 3% resets + slow replies', 3, WITH_RESETS_AND_SLOW],
  ])(
    '%s (seed %i): one verdict per role, equal to the fault-free run, within the timeout',
    async (_label, seed, rules) => {
      // Arrange
      resetConfig();
      stack.faults.setFaults(rules, seed);

      // Act
      const run = keep(await runInProcess(stack, scheduledEvent(), { remainingTimeMs: withinTimeout() }));

      // Assert: complete, nothing lost, nothing wrong, nothing twice (verdictsOf throws on duplicates).
      expect(run.error).toBeUndefined();
      expect(run.outcome?.complete).toBe(true);
      const delivered = stack.recorder.deliveredEvaluations();
      expect(delivered).toHaveLength(expected.size);
      expect(lostOrWrong(expected, verdictsOf(delivered))).toEqual([]);

      // Assert: faults were injected and every one was retried by the SDK, within the configured attempts.
      const faults = run.requests.filter(
        (request) => request.fault !== undefined && request.fault !== 'slow',
      );
      expect(faults.length).toBeGreaterThan(0);
      expect(new Set(run.requests.map((request) => request.maxAttempts))).toEqual(
        new Set([RETRY_SETTINGS.maxAttempts]),
      );
      const attempts = [...stack.faults.attemptsPerInvocation().values()];
      expect(Math.max(...attempts.map((entry) => entry.attempts))).toBeGreaterThan(1);
      expect(attempts.every((entry) => entry.attempts <= RETRY_SETTINGS.maxAttempts)).toBe(true);

      for (const [kind, count] of Object.entries(stack.faults.faultCounts()))
        figures.add(`faults.${kind}`, count);
      figures.add('requests', run.requests.length);
      figures.add('sweeps', 1);
      figures.add('verdictsCompared', expected.size);
      figures.add('verdictsLost', lostOrWrong(expected, verdictsOf(delivered)).length);
      figures.add(`maxAttemptsPerCall.seed${seed}`, Math.max(...attempts.map((entry) => entry.attempts)));
    },
    120_000,
  );

  it('the built bundle, under 20% throttling + 5% server errors, puts the same verdicts', async () => {
    // Arrange
    resetConfig();
    stack.faults.setFaults(TWENTY_FIVE_PERCENT, 4);
    stack.faults.clearRequests();

    // Act
    const run = await invokeBundle('evaluate', scheduledEvent(), {
      ...awsEnv(stack.faults.endpoint),
      AWS_ACCESS_KEY_ID: 'AKIARELIABILITYTEST1',
      AWS_SECRET_ACCESS_KEY: SECRET_KEY_CANARY,
    });
    allLogs.push(run.logs);
    allRequests.push(...stack.faults.requests());

    // Assert
    expect(run.ok).toBe(true);
    const delivered = stack.recorder.deliveredEvaluations();
    expect(lostOrWrong(expected, verdictsOf(delivered))).toEqual([]);
    expect(stack.faults.requests().some((request) => request.fault !== undefined)).toBe(true);
    for (const [kind, count] of Object.entries(stack.faults.faultCounts()))
      figures.add(`faults.${kind}`, count);
    figures.add('requests', stack.faults.requests().length);
    figures.add('sweeps', 1);
    figures.add('verdictsCompared', expected.size);
    figures.add('verdictsLost', lostOrWrong(expected, verdictsOf(delivered)).length);
  }, 120_000);
});

describe('PutEvaluations FailedEvaluations', () => {
  it('evaluations Config reports failed twice are sent again and land exactly once', async () => {
    // Arrange
    resetConfig();
    stack.faults.setFaults(TWENTY_FIVE_PERCENT, 11);
    const flaky = [0, 1, 150, 299].map((index) => account.candidates[index]?.roleId ?? '');
    stack.recorder.failEvaluations(flaky, 2);

    // Act
    const run = keep(await runInProcess(stack, scheduledEvent(), { remainingTimeMs: withinTimeout() }));

    // Assert
    expect(run.error).toBeUndefined();
    expect(lostOrWrong(expected, verdictsOf(stack.recorder.deliveredEvaluations()))).toEqual([]);
    const answeredWithFailures = stack.recorder.putEvaluationsCalls.filter((call) =>
      call.Evaluations.some((evaluation) => flaky.includes(evaluation.ComplianceResourceId)),
    );
    expect(answeredWithFailures.length).toBeGreaterThanOrEqual(3);
    figures.add('failedEvaluationsRetried', flaky.length * 2);
  }, 120_000);

  it('an evaluation Config keeps rejecting fails the invocation naming its resource id; the rest land', async () => {
    // Arrange
    resetConfig();
    stack.faults.setFaults([]);
    const rejected = account.candidates[7]?.roleId ?? '';
    stack.recorder.failEvaluations([rejected], 100);

    // Act
    const run = keep(await runInProcess(stack, scheduledEvent(), { remainingTimeMs: withinTimeout() }));

    // Assert
    expect(run.error).toBeInstanceOf(EvaluationsNotDeliveredError);
    expect((run.error as EvaluationsNotDeliveredError).resourceIds).toEqual([rejected]);
    expect((run.error as Error).message).toContain(rejected);
    const others = new Map([...expected].filter(([id]) => id !== rejected));
    expect(lostOrWrong(others, verdictsOf(stack.recorder.deliveredEvaluations()))).toEqual([]);
    figures.add('permanentFailuresReported', 1);
  }, 120_000);
});

describe('time budget', () => {
  it('with time for 150 roles only, the sweep stops, puts the verdicts it made and logs how far it got', async () => {
    // Arrange: the fake context reports plenty of time for the reads and 150 roles (one check before the
    // reads, one before the layer reads, then one per role), then less than the margin the sweep keeps for
    // putting its verdicts.
    resetConfig();
    stack.faults.setFaults([]);
    let checks = 0;
    const remainingTimeMs = (): number => (checks++ <= 151 ? 300_000 : 30_000);

    // Act
    const run = keep(await runInProcess(stack, scheduledEvent(), { remainingTimeMs }));

    // Assert: an incomplete outcome, no failure, and only correct verdicts.
    expect(run.error).toBeUndefined();
    expect(run.outcome?.complete).toBe(false);
    const delivered = verdictsOf(stack.recorder.deliveredEvaluations());
    expect(delivered.size).toBeGreaterThan(0);
    expect(delivered.size).toBeLessThanOrEqual(150);
    for (const [id, verdict] of delivered) expect({ id, verdict }).toEqual({ id, verdict: expected.get(id) });
    // Roles never reached keep their verdicts: nothing is retired from a partial view of the account.
    expect(delivered.has('AROAGONEGONEGONEGONE1')).toBe(false);
    const lines = run.logs.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toContainEqual(
      expect.objectContaining({ rolesEvaluated: 150, rolesTotal: ROLES_IN_ACCOUNT, remainingMs: 30_000 }),
    );
    figures.add('timeBudgetStops', 1);
  });

  it('with no time left to read the account, the sweep fails loudly and puts nothing', async () => {
    // Arrange
    resetConfig();
    stack.faults.setFaults([]);

    // Act
    const run = keep(await runInProcess(stack, scheduledEvent(), { remainingTimeMs: () => 30_000 }));

    // Assert
    expect(run.error).toBeInstanceOf(SweepTimeoutError);
    expect(stack.recorder.putEvaluationsCalls).toEqual([]);
    figures.add('timeBudgetStops', 1);
  });
});

describe('secrets and credentials', () => {
  it('no run read a secret or parameter value, and no log holds a secret value or the secret access key', () => {
    expect(allRequests.length).toBeGreaterThan(100);
    expect(secretReads(allRequests)).toEqual([]);
    const logs = allLogs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain(SECRET_VALUE_CANARY);
    expect(logs).not.toContain(SECRET_KEY_CANARY);
  });
});
