import { IAM_FALLBACK_REGION, createClients } from '../../lib/aws/clients';

// The handlers build clients at module scope from the environment; these pin down what that gives.
const ENV_KEYS = [
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_PROFILE',
  'AWS_CONFIG_FILE',
  'AWS_SDK_LOAD_CONFIG',
];
let saved: Record<string, string | undefined>;

beforeEach(() => {
  saved = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  for (const key of ENV_KEYS) delete process.env[key];
  // No shared config file either, so "no region" really means none.
  process.env['AWS_CONFIG_FILE'] = '/nonexistent/aws-config';
});
afterEach(() => {
  for (const key of ENV_KEYS) {
    if (saved[key] === undefined) delete process.env[key];
    else process.env[key] = saved[key];
  }
});

describe('createClients', () => {
  it('uses adaptive retries with a bounded number of attempts on every client', async () => {
    process.env['AWS_REGION'] = 'eu-west-1';
    const clients = createClients();
    for (const client of [
      clients.iam,
      clients.config,
      clients.batch,
      clients.ecs,
      clients.secretsManager,
      clients.ssm,
    ]) {
      const strategy = await client.config.retryStrategy();
      expect(strategy).toMatchObject({ mode: 'adaptive' });
      await expect(client.config.maxAttempts()).resolves.toBe(8);
    }
  });

  it('IAM follows the configured region', async () => {
    process.env['AWS_REGION'] = 'eu-west-1';
    const clients = createClients();
    await expect(clients.iam.config.region()).resolves.toBe('eu-west-1');
    await expect(clients.defaultRegion()).resolves.toBe('eu-west-1');
  });

  it('IAM falls back to us-east-1 when no region is configured; regional clients do not', async () => {
    const clients = createClients();
    await expect(clients.iam.config.region()).resolves.toBe(IAM_FALLBACK_REGION);
    await expect(clients.batch.config.region()).rejects.toThrow(/region/i);
  });

  it('builds clients for another region once and reuses the default ones for the home region', async () => {
    process.env['AWS_REGION'] = 'eu-west-1';
    const clients = createClients();
    const home = await clients.regional('eu-west-1');
    const other = await clients.regional('ap-southeast-2');
    expect(home.ssm).toBe(clients.ssm);
    expect(home.secretsManager).toBe(clients.secretsManager);
    await expect(other.ssm.config.region()).resolves.toBe('ap-southeast-2');
    await expect(other.secretsManager.config.region()).resolves.toBe('ap-southeast-2');
    expect(await clients.regional('ap-southeast-2')).toBe(other);
  });

  it('overrides replace clients and shared settings apply to the built ones', async () => {
    const clients = createClients({ clientConfig: { region: 'us-west-2', maxAttempts: 3 } });
    await expect(clients.iam.config.region()).resolves.toBe('us-west-2');
    await expect(clients.ssm.config.maxAttempts()).resolves.toBe(3);
    expect(await clients.ssm.config.retryStrategy()).toMatchObject({ mode: 'adaptive' });
  });
});
