/**
 * Change and oversized notifications under injected faults, and every read the rule needs failing for good:
 * a verdict is either the fault-free one, delivered once, or the invocation fails loudly and puts nothing.
 */
import { RETRY_SETTINGS } from '../../lib/aws/clients';
import { AwsCallError } from '../../lib/core/errors';
import {
  apiConfigurationItem,
  eventConfigurationItem,
  roleConfigurationFromIam,
} from '../support/configuration-items';
import type { FaultRule } from '../support/fault-proxy';
import { Figures } from './figures';
import {
  ruleEvent,
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

const TWENTY_FIVE_PERCENT: FaultRule[] = [{ throttle: 0.2, serverError: 0.05 }];
/**
 * Exhausting retries with the production settings takes about a minute per call (throttling backoff starts
 * at one second and doubles over 7 retries, plus the adaptive rate limiter), so these tests lower the
 * attempts and use the standard strategy. The same SDK code decides; only the numbers differ.
 */
const EXHAUSTION_CLIENTS = { maxAttempts: 2, retryMode: 'standard' } as const;
// The six shapes seedAccount cycles through: index 0..5 is one role of each; 5 is used by a Batch job.
const SHAPES = [
  'compliant (managed policy)',
  'EC2 trust',
  'no grants',
  'compliant (inline)',
  'denied logs',
  'job with secrets',
];

let stack: Stack;
let account: SeededAccount;
/** The fault-free verdict of each shape's change event, and of the oversized notification. */
const expected = new Map<string, string>();
const figures = new Figures('change-events');
const allLogs: string[] = [];
const allRequests: Run['requests'][number][] = [];

function keep(run: Run): Run {
  allLogs.push(...run.logs);
  allRequests.push(...run.requests);
  return run;
}

async function changeEvent(shape: number): Promise<Record<string, unknown>> {
  const role = account.candidates[shape];
  if (role === undefined) throw new Error(`no role of shape ${shape}`);
  const configuration = await roleConfigurationFromIam(stack.direct.iam, role.roleName);
  return ruleEvent({
    configurationItem: eventConfigurationItem(configuration, {
      captureTime: new Date('2026-11-28T09:15:42Z'),
    }),
    notificationCreationTime: '2026-11-28T09:16:01.552Z',
    messageType: 'ConfigurationItemChangeNotification',
    recordVersion: '1.3',
  });
}

/** An oversized notification for the job-using role; GetResourceConfigHistory answers from a fixture. */
async function oversizedEvent(): Promise<Record<string, unknown>> {
  const role = account.candidates[5];
  if (role === undefined) throw new Error('no job-using role');
  const configuration = await roleConfigurationFromIam(stack.direct.iam, role.roleName);
  stack.recorder.setConfigurationItem(
    apiConfigurationItem(configuration, { captureTime: new Date('2026-11-28T09:15:42Z') }),
  );
  return ruleEvent({
    configurationItemSummary: {
      changeType: 'UPDATE',
      configurationItemVersion: '1.3',
      configurationItemCaptureTime: '2026-11-28T09:15:42.000Z',
      awsAccountId: configuration['arn'].split(':')[4],
      configurationItemStatus: 'OK',
      resourceType: 'AWS::IAM::Role',
      resourceId: role.roleId,
      resourceName: role.roleName,
      ARN: role.arn,
      awsRegion: 'global',
    },
    notificationCreationTime: '2026-11-28T09:16:01.552Z',
    messageType: 'OversizedConfigurationItemChangeNotification',
    recordVersion: '1.0',
  });
}

/** The one verdict Config received, as `TYPE | annotation`. */
function onlyVerdict(): string {
  const verdicts = [...verdictsOf(stack.recorder.deliveredEvaluations()).values()];
  if (verdicts.length !== 1) throw new Error(`expected one verdict, got ${verdicts.length}`);
  return verdicts[0] as string;
}

beforeAll(async () => {
  stack = await startStack();
  account = await seedAccount(stack, 12);
  stack.faults.setFaults([]);
  for (let shape = 0; shape < SHAPES.length; shape++) {
    stack.recorder.clear();
    const run = keep(await runInProcess(stack, await changeEvent(shape)));
    if (run.error !== undefined) throw run.error;
    expected.set(`change ${shape}`, onlyVerdict());
  }
  stack.recorder.clear();
  const run = keep(await runInProcess(stack, await oversizedEvent()));
  if (run.error !== undefined) throw run.error;
  expected.set('oversized', onlyVerdict());
}, 120_000);

afterAll(async () => {
  figures.write();
  await stopStack(stack);
});

describe('the fault-free verdicts (the reference)', () => {
  it.each(SHAPES.map((label, shape) => [shape, label] as const))(
    'shape %i (%s) is judged as seeded',
    (shape) => {
      // Role 5 of the six holds the grants its job's secret and parameter need (see seedAccount).
      const compliant = shape === 0 || shape === 3 || shape === 5;
      expect(expected.get(`change ${shape}`)?.split(' | ')[0]).toBe(
        compliant ? 'COMPLIANT' : 'NON_COMPLIANT',
      );
    },
  );

  it('the oversized notification is judged like the change notification of the same role', () => {
    expect(expected.get('oversized')).toBe(expected.get('change 5'));
  });
});

describe('under 20% throttling and 5% server errors', () => {
  // One seed per case, each chosen so that the case meets faults (the draws are reproducible per seed).
  const cases = [
    ['change 0', SHAPES[0], 5],
    ['change 1', SHAPES[1], 4],
    ['change 2', SHAPES[2], 6],
    ['change 3', SHAPES[3], 6],
    ['change 4', SHAPES[4], 3],
    ['change 5', SHAPES[5], 4],
    ['oversized', SHAPES[5], 4],
  ] as const;

  it.each(cases)(
    '%s (%s), seed %i: exactly the fault-free verdict, once',
    async (key, _label, seed) => {
      // Arrange
      stack.recorder.clear();
      const event =
        key === 'oversized' ? await oversizedEvent() : await changeEvent(Number(key.split(' ')[1]));
      stack.faults.setFaults(TWENTY_FIVE_PERCENT, seed);

      // Act
      const run = keep(await runInProcess(stack, event));

      // Assert
      expect(run.error).toBeUndefined();
      expect(onlyVerdict()).toBe(expected.get(key));
      const attempts = [...stack.faults.attemptsPerInvocation().values()].map((entry) => entry.attempts);
      expect(stack.faults.requests().some((request) => request.fault !== undefined)).toBe(true);
      expect(Math.max(...attempts)).toBeGreaterThan(1);
      expect(Math.max(...attempts)).toBeLessThanOrEqual(RETRY_SETTINGS.maxAttempts);
      for (const [kind, count] of Object.entries(stack.faults.faultCounts()))
        figures.add(`faults.${kind}`, count);
      figures.add('requests', run.requests.length);
      figures.add('events', 1);
      figures.add('verdictsCompared', 1);
    },
    60_000,
  );

  it('the cases above met both throttling and server errors', () => {
    expect(figures.get('faults.throttle')).toBeGreaterThan(0);
    expect(figures.get('faults.serverError')).toBeGreaterThan(0);
  });
});

describe('retries exhausted: the invocation fails loudly and puts no evaluation', () => {
  const sweepOperations = [
    'iam:GetAccountAuthorizationDetails',
    'iam:GetPolicy',
    'iam:GetPolicyVersion',
    'batch:describejobdefinitions',
    'secretsmanager:DescribeSecret',
    'ssm:DescribeParameters',
    'config:GetComplianceDetailsByConfigRule',
    'config:PutEvaluations',
  ];
  const changeOperations = [
    'iam:GetPolicy',
    'iam:GetPolicyVersion',
    'batch:describejobdefinitions',
    'secretsmanager:DescribeSecret',
    'ssm:DescribeParameters',
    'config:PutEvaluations',
  ];
  const cases = [
    ...sweepOperations.map((operation) => ['periodic sweep', operation] as const),
    ...changeOperations.map((operation) => ['change of the job-using role', operation] as const),
    ['oversized notification', 'config:GetResourceConfigHistory'] as const,
  ];

  it.each(cases)(
    '%s, %s always throttled',
    async (kind, operation) => {
      // Arrange
      stack.recorder.clear();
      const event =
        kind === 'periodic sweep'
          ? scheduledEvent()
          : kind === 'oversized notification'
            ? await oversizedEvent()
            : await changeEvent(5);
      stack.faults.setFaults([{ operation, throttle: 1 }], 1);

      // Act
      const run = keep(await runInProcess(stack, event, { clientConfig: EXHAUSTION_CLIENTS }));

      // Assert: a named failure, nothing put, and exactly maxAttempts attempts of each call of that operation.
      expect(run.error).toBeInstanceOf(AwsCallError);
      expect((run.error as Error).message).toMatch(/Throttling|ThrottlingException|TooManyRequestsException/);
      expect((run.error as Error).message.toLowerCase()).toContain(operation.split(':')[1]?.toLowerCase());
      expect(stack.recorder.putEvaluationsCalls).toEqual([]);
      const attempts = [...stack.faults.attemptsPerInvocation().values()]
        .filter((entry) => entry.operation.toLowerCase() === operation.toLowerCase())
        .map((entry) => entry.attempts);
      // Concurrent calls of the operation may still be retrying when the first one gives up.
      expect(Math.max(...attempts)).toBe(EXHAUSTION_CLIENTS.maxAttempts);
      figures.add('exhaustedOperations', 1);
      figures.add('exhaustion.throttlesAnswered', stack.faults.faultCounts().throttle);
    },
    60_000,
  );
});

describe('secrets and credentials', () => {
  it('no run read a secret or parameter value, and no log holds a secret value or the secret access key', () => {
    expect(allRequests.length).toBeGreaterThan(50);
    expect(secretReads(allRequests)).toEqual([]);
    const logs = allLogs.join('\n');
    expect(logs).toContain('failed');
    expect(logs).not.toContain(SECRET_VALUE_CANARY);
    expect(logs).not.toContain(SECRET_KEY_CANARY);
  });
});
