/**
 * The fault proxy against moto_server: each protocol's throttling and server errors are parsed by the real
 * SDK clients and retried by their configured strategy; resets are retried; decisions are reproducible.
 */
import { DescribeJobDefinitionsCommand } from '@aws-sdk/client-batch';
import { DescribeConfigRulesCommand } from '@aws-sdk/client-config-service';
import { ListTaskDefinitionFamiliesCommand } from '@aws-sdk/client-ecs';
import { GetRoleCommand, ListRolesCommand } from '@aws-sdk/client-iam';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import { createClients, type AwsClients } from '../../lib/aws/clients';
import { startFaultProxy, type FaultKind, type FaultProxy } from './fault-proxy';
import { clientsFor, MOTO_REGION, startMoto, type MotoServer } from './moto';
import { seedRole } from './seed';

let moto: MotoServer;
let proxy: FaultProxy;

beforeAll(async () => {
  moto = await startMoto();
  proxy = await startFaultProxy(moto.endpoint);
});

afterAll(async () => {
  await proxy?.stop();
  await moto?.stop();
});

beforeEach(() => {
  proxy.setFaults([], 1);
  proxy.onForward(undefined);
  proxy.clearRequests();
});

/**
 * The production clients through the proxy, with `maxAttempts` attempts per call. These tests are about the
 * proxy, so they use the standard strategy: adaptive mode's client-side rate limiter would hold every request
 * after the first throttle for up to two seconds (test/reliability covers the production settings).
 */
function clientsThroughProxy(maxAttempts: number): AwsClients {
  return createClients({
    clientConfig: {
      endpoint: proxy.endpoint,
      region: MOTO_REGION,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts,
      retryMode: 'standard',
    },
  });
}

// One cheap read per client, each speaking a different protocol or service.
const CALLS: readonly [string, string, (clients: AwsClients) => Promise<unknown>][] = [
  ['iam:ListRoles', 'query', (c) => c.iam.send(new ListRolesCommand({}))],
  ['config:DescribeConfigRules', 'json', (c) => c.config.send(new DescribeConfigRulesCommand({}))],
  ['batch:describejobdefinitions', 'rest-json', (c) => c.batch.send(new DescribeJobDefinitionsCommand({}))],
  ['ssm:DescribeParameters', 'json', (c) => c.ssm.send(new DescribeParametersCommand({}))],
  ['secretsmanager:ListSecrets', 'json', (c) => c.secretsManager.send(new ListSecretsCommand({}))],
  ['ecs:ListTaskDefinitionFamilies', 'json', (c) => c.ecs.send(new ListTaskDefinitionFamiliesCommand({}))],
];

// What the SDK makes of each protocol's throttling answer.
const THROTTLE_ANSWER: Readonly<Record<string, { name: string; status: number }>> = {
  query: { name: 'Throttling', status: 400 },
  json: { name: 'ThrottlingException', status: 400 },
  'rest-json': { name: 'TooManyRequestsException', status: 429 },
};

interface SdkFailure {
  readonly name: string;
  readonly message: string;
  readonly $metadata?: { readonly httpStatusCode?: number; readonly attempts?: number };
}

async function failureOf(call: () => Promise<unknown>): Promise<SdkFailure> {
  try {
    await call();
  } catch (error) {
    return error as SdkFailure;
  }
  throw new Error('expected the call to fail');
}

describe('service and protocol detection', () => {
  it.each(CALLS)('%s is recognised as %s', async (operation, protocol, call) => {
    // Act
    await call(clientsThroughProxy(1));

    // Assert
    const [request] = proxy.requests();
    expect(request).toMatchObject({ protocol, fault: undefined, attempt: 1, maxAttempts: 1 });
    expect(request?.operation.toLowerCase()).toBe(operation.toLowerCase());
  });
});

describe('throttling in each protocol', () => {
  it.each(CALLS)(
    '%s: the SDK reads the answer as that protocol throttling error',
    async (op, protocol, call) => {
      // Arrange
      proxy.setFaults([{ operation: op, throttle: 1 }]);

      // Act
      const failure = await failureOf(() => call(clientsThroughProxy(1)));

      // Assert
      const expected = THROTTLE_ANSWER[protocol];
      expect({ name: failure.name, status: failure.$metadata?.httpStatusCode }).toEqual(expected);
    },
  );

  it.each(CALLS)('%s: a throttled first attempt is retried by the SDK and succeeds', async (op, _p, call) => {
    // Arrange
    proxy.setFaults([{ operation: op, throttle: 1, attempts: 1 }]);

    // Act
    await call(clientsThroughProxy(3));

    // Assert: two attempts of one invocation, the first throttled, the second forwarded.
    const requests = proxy.requests();
    expect(requests.map((request) => [request.attempt, request.fault])).toEqual([
      [1, 'throttle'],
      [2, undefined],
    ]);
    expect(new Set(requests.map((request) => request.invocationId)).size).toBe(1);
  });
});

describe.each<[FaultKind, string]>([
  ['serverError', 'a 5xx answer'],
  ['reset', 'a connection reset'],
])('%s', (kind, label) => {
  it.each(CALLS)(`%s: ${label} on the first attempt is retried and succeeds`, async (op, _p, call) => {
    // Arrange
    proxy.setFaults([{ operation: op, [kind]: 1, attempts: 1 }]);

    // Act
    await call(clientsThroughProxy(3));

    // Assert
    expect(proxy.requests().map((request) => request.fault)).toEqual([kind, undefined]);
  });
});

describe('exhausted retries', () => {
  it('100% throttling: exactly maxAttempts attempts reach the proxy, then the call fails with Throttling', async () => {
    // Arrange
    proxy.setFaults([{ operation: 'iam:ListRoles', throttle: 1 }]);

    // Act
    const failure = await failureOf(() => clientsThroughProxy(3).iam.send(new ListRolesCommand({})));

    // Assert
    expect(failure.name).toBe('Throttling');
    expect(failure.$metadata?.attempts).toBe(3);
    expect(proxy.requests().map((request) => request.attempt)).toEqual([1, 2, 3]);
    expect([...proxy.attemptsPerInvocation().values()]).toEqual([
      { operation: 'iam:ListRoles', attempts: 3 },
    ]);
  });

  it('a 5xx on every attempt fails the call with the server error after maxAttempts', async () => {
    // Arrange
    proxy.setFaults([{ operation: 'batch:*', serverError: 1 }]);

    // Act
    const failure = await failureOf(() =>
      clientsThroughProxy(2).batch.send(new DescribeJobDefinitionsCommand({})),
    );

    // Assert
    expect(failure.name).toBe('ServerException');
    expect([500, 503]).toContain(failure.$metadata?.httpStatusCode);
    expect(proxy.requests()).toHaveLength(2);
  });

  it('a reset on every attempt fails the call with the SDK wrapping ECONNRESET', async () => {
    // Arrange
    proxy.setFaults([{ operation: 'iam:*', reset: 1 }]);

    // Act
    const failure = await failureOf(() => clientsThroughProxy(2).iam.send(new ListRolesCommand({})));

    // Assert
    expect(failure.message).toMatch(/ECONNRESET/);
    expect(proxy.requests()).toHaveLength(2);
  });
});

describe('slow replies and hooks', () => {
  it('a slow request is still forwarded and answered', async () => {
    // Arrange
    await seedRole(clientsFor(moto.endpoint).iam, { name: 'slow-reply-role' });
    proxy.setFaults([{ operation: 'iam:GetRole', slow: 1, slowMs: 50 }]);

    // Act
    const answer = await clientsThroughProxy(1).iam.send(new GetRoleCommand({ RoleName: 'slow-reply-role' }));

    // Assert
    expect(answer.Role?.RoleName).toBe('slow-reply-role');
    expect(proxy.faultCounts()).toEqual({ throttle: 0, serverError: 0, reset: 0, slow: 1 });
  });

  it('onForward runs before the request reaches the backend, so a test can change the backend first', async () => {
    // Arrange
    const iamAtMoto = clientsFor(moto.endpoint).iam;
    proxy.onForward(async (request) => {
      if (request.operation === 'iam:GetRole') await seedRole(iamAtMoto, { name: 'created-by-hook' });
    });

    // Act
    const answer = await clientsThroughProxy(1).iam.send(new GetRoleCommand({ RoleName: 'created-by-hook' }));

    // Assert
    expect(answer.Role?.RoleName).toBe('created-by-hook');
  });

  it('rejects shares outside 0..1 or adding up to more than 1', () => {
    expect(() => proxy.setFaults([{ throttle: 0.7, serverError: 0.4 }])).toThrow(/at most 1/);
    expect(() => proxy.setFaults([{ reset: -0.1 }])).toThrow(/within 0..1/);
  });
});

describe('shares and reproducibility', () => {
  /** The fault pattern of 120 ListRoles calls with Marker 0..119 under `seed`. */
  async function pattern(seed: number): Promise<(FaultKind | undefined)[]> {
    proxy.setFaults([{ operation: 'iam:ListRoles', throttle: 0.2, serverError: 0.05 }], seed);
    proxy.clearRequests();
    const clients = clientsThroughProxy(1);
    for (let index = 0; index < 120; index++) {
      await clients.iam.send(new ListRolesCommand({ Marker: String(index) })).catch(() => undefined);
    }
    return proxy.requests().map((request) => request.fault);
  }

  it('the same seed faults the same requests; another seed faults others; shares are roughly as asked', async () => {
    // Act
    const first = await pattern(42);
    const again = await pattern(42);
    const other = await pattern(43);

    // Assert
    expect(again).toEqual(first);
    expect(other).not.toEqual(first);
    const throttled = first.filter((fault) => fault === 'throttle').length;
    const failed = first.filter((fault) => fault === 'serverError').length;
    // 120 draws at 20% and 5% (24 and 6 expected): far outside these bounds means a broken PRNG or mapping.
    expect(throttled).toBeGreaterThan(10);
    expect(throttled).toBeLessThan(40);
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(16);
  });
});
