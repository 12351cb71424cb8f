import { DeregisterJobDefinitionCommand } from '@aws-sdk/client-batch';
import type { AwsClients } from '../../lib/aws/clients';
import { countCalls } from '../../lib/aws/call-counter';
import { AwsUsageReader } from '../../lib/aws/usage';
import { extractUsage, parseValueFrom, type RuleLocation } from '../../lib/usage';
import { clientsFor, MOTO_ACCOUNT_ID, startMoto, type MotoServer } from '../support/moto';
import {
  parameterArn,
  seedJobDefinition,
  seedParameter,
  seedSecret,
  seedTaskDefinition,
} from '../support/seed';

// Usage reads against a real moto_server (paging and error paths: usage-errors.test.ts).
const ROLE = `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/exec`;
const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';
const KEY_ARN = `arn:aws:kms:us-east-1:${MOTO_ACCOUNT_ID}:key/${KEY_ID}`;
const LOCATION: RuleLocation = { region: 'us-east-1', accountId: MOTO_ACCOUNT_ID, partition: 'aws' };

let moto: MotoServer;
let clients: AwsClients;
let usage: AwsUsageReader;

beforeAll(async () => {
  moto = await startMoto();
  clients = clientsFor(moto.endpoint);
  usage = new AwsUsageReader(clients, { accountId: MOTO_ACCOUNT_ID });
});
afterAll(async () => {
  await moto?.stop();
});
// Listing tests need an empty account; describeKeys tests use fresh names instead of a (slow) reset.
let serial = 0;
const fresh = (name: string): string => `${name}${++serial}`;

describe('listActiveJobDefinitions', () => {
  beforeEach(() => moto.reset());

  it('returns every ACTIVE revision with its container properties, and no deregistered one', async () => {
    // Arrange
    const old = await seedJobDefinition(clients.batch, { name: 'etl', executionRoleArn: ROLE });
    await seedJobDefinition(clients.batch, {
      name: 'etl',
      executionRoleArn: ROLE,
      secrets: [{ name: 'DB', valueFrom: '/prod/db' }],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/jobs/etl' } },
    });
    await seedJobDefinition(clients.batch, { name: 'report' });
    await clients.batch.send(new DeregisterJobDefinitionCommand({ jobDefinition: old.arn }));
    // Act
    const definitions = await usage.listActiveJobDefinitions();
    // Assert
    const names = definitions.map((d) => `${d.jobDefinitionName}:${d.revision}`).sort();
    expect(names).toEqual(['etl:2', 'report:1']);
    expect(definitions.find((d) => d.jobDefinitionName === 'etl')?.containerProperties).toMatchObject({
      executionRoleArn: ROLE,
      secrets: [{ name: 'DB', valueFrom: '/prod/db' }],
      logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/jobs/etl' } },
    });
  });

  it('an account without job definitions gives an empty list', async () => {
    await expect(usage.listActiveJobDefinitions()).resolves.toEqual([]);
  });
});

describe('listLatestTaskDefinitions', () => {
  beforeEach(() => moto.reset());

  it('returns the latest revision of each family with its execution role and containers', async () => {
    // Arrange
    await seedTaskDefinition(clients.ecs, { family: 'web', executionRoleArn: ROLE });
    await seedTaskDefinition(clients.ecs, {
      family: 'web',
      executionRoleArn: ROLE,
      containers: [
        { name: 'app', image: 'nginx', memory: 128, secrets: [{ name: 'K', valueFrom: '/web/key' }] },
      ],
    });
    await seedTaskDefinition(clients.ecs, { family: 'worker' });
    // Act
    const definitions = await usage.listLatestTaskDefinitions();
    // Assert
    expect(definitions.map((d) => `${d.family}:${d.revision}`).sort()).toEqual(['web:2', 'worker:1']);
    const web = definitions.find((d) => d.family === 'web');
    expect(web).toMatchObject({ executionRoleArn: ROLE, status: 'ACTIVE' });
    expect(web?.containerDefinitions?.[0]).toMatchObject({
      name: 'app',
      secrets: [{ name: 'K', valueFrom: '/web/key' }],
    });
  });
});

describe('listLatestTaskDefinitions: the ECS-only fields reach the usage index', () => {
  beforeEach(() => moto.reset());

  it('environment files, FireLens config, credential specs and FSx volumes as ECS stores them', async () => {
    // Arrange
    const parameter = `arn:aws:ssm:us-east-1:${MOTO_ACCOUNT_ID}:parameter/fsx/admin`;
    await seedTaskDefinition(clients.ecs, {
      family: 'win',
      executionRoleArn: ROLE,
      containers: [
        {
          name: 'app',
          image: 'nginx',
          memory: 128,
          environmentFiles: [{ value: 'arn:aws:s3:::acme-config/win.env', type: 's3' }],
          firelensConfiguration: {
            type: 'fluentbit',
            options: { 'config-file-type': 's3', 'config-file-value': 'arn:aws:s3:::acme-config/fb.conf' },
          },
          credentialSpecs: ['credentialspec:arn:aws:s3:::acme-gmsa/win.json'],
        },
      ],
      volumes: [
        {
          name: 'share',
          fsxWindowsFileServerVolumeConfiguration: {
            fileSystemId: 'fs-0123456789abcdef0',
            rootDirectory: 'share',
            authorizationConfig: { credentialsParameter: parameter, domain: 'corp.example.com' },
          },
        },
      ],
    });

    // Act
    const definitions = await usage.listLatestTaskDefinitions();
    const consumer = extractUsage([], definitions, LOCATION).get(ROLE)?.consumers[0];

    // Assert
    expect(consumer?.s3Objects.map((object) => `${object.id} ${object.objectArn}`)).toEqual([
      'ENVIRONMENT_FILES arn:aws:s3:::acme-config/win.env',
      'FIRELENS_CONFIG arn:aws:s3:::acme-config/fb.conf',
      'GMSA_CREDENTIAL_SPECS arn:aws:s3:::acme-gmsa/win.json',
    ]);
    expect(consumer?.featureSecrets.map((secret) => `${secret.id} ${secret.arn}`)).toEqual([
      `FSX_WINDOWS_CREDENTIALS ${parameter}`,
    ]);
    expect(consumer?.fsxFileSystems.map((fileSystem) => fileSystem.arn)).toEqual([
      `arn:aws:fsx:us-east-1:${MOTO_ACCOUNT_ID}:file-system/fs-0123456789abcdef0`,
    ]);
    expect(consumer?.invalidReferences).toEqual([]);
  });
});

describe('describeKeys', () => {
  it.each([
    ['no KmsKeyId (aws/secretsmanager)', undefined, null],
    ['alias/aws/secretsmanager', 'alias/aws/secretsmanager', null],
    ['a bare key id', KEY_ID, KEY_ARN],
    ['a key ARN', KEY_ARN, KEY_ARN],
    ['an alias name', 'alias/team', `arn:aws:kms:us-east-1:${MOTO_ACCOUNT_ID}:alias/team`],
  ])('secret under %s', async (_label, kmsKeyId, expected) => {
    const arn = await seedSecret(clients.secretsManager, {
      name: fresh('db'),
      ...(kmsKeyId !== undefined && { kmsKeyId }),
    });
    const { keys, resolvedArns } = await usage.describeKeys({ secretArns: [arn], parameterArns: [] });
    expect(Object.fromEntries(keys)).toEqual({ [arn]: expected });
    expect(resolvedArns).toEqual(new Map()); // a full ARN is already exact
  });

  it.each([
    ['String', '/app/url', 'String', undefined, null],
    ['StringList', '/app/hosts', 'StringList', undefined, null],
    ['SecureString with alias/aws/ssm', '/app/db', 'SecureString', undefined, null],
    ['SecureString with a key id', '/app/db', 'SecureString', KEY_ID, KEY_ARN],
    ['SecureString with a key ARN', '/app/db', 'SecureString', KEY_ARN, KEY_ARN],
    [
      'SecureString with an alias',
      '/app/db',
      'SecureString',
      'alias/team',
      `arn:aws:kms:us-east-1:${MOTO_ACCOUNT_ID}:alias/team`,
    ],
    ['a top-level name', 'plain', 'SecureString', KEY_ID, KEY_ARN],
  ] as const)('parameter: %s', async (_label, name, type, keyId, expected) => {
    const arn = await seedParameter(clients.ssm, {
      name: fresh(name),
      type,
      ...(keyId !== undefined && { keyId }),
    });
    const { keys } = await usage.describeKeys({ secretArns: [], parameterArns: [arn] });
    expect(Object.fromEntries(keys)).toEqual({ [arn]: expected });
  });

  it.each([
    ['repositoryCredentials by name', 'dockerhub', { registryCredentials: true }],
    ['a /aws/reference/secretsmanager/ pass-through', '/aws/reference/secretsmanager/prod/db', {}],
  ])('resolves a secret named without its suffix (%s) to its full ARN', async (_label, prefix, options) => {
    // Arrange: the reference names the secret as a job definition would, without the random suffix.
    const name = fresh(prefix.replace('/aws/reference/secretsmanager/', ''));
    const fullArn = await seedSecret(clients.secretsManager, { name, kmsKeyId: KEY_ID });
    const valueFrom = prefix.startsWith('/') ? `/aws/reference/secretsmanager/${name}` : name;
    const reference = parseValueFrom(valueFrom, LOCATION, options);
    const partialArn = reference.passThroughSecretArn ?? reference.arn;
    const calls = new Map<string, number>();
    countCalls(clients.secretsManager, calls);
    // Act
    const { keys, resolvedArns } = await usage.describeKeys({ secretArns: [partialArn], parameterArns: [] });
    // Assert
    expect(partialArn).toBe(`arn:aws:secretsmanager:us-east-1:${MOTO_ACCOUNT_ID}:secret:${name}`);
    expect(fullArn).toMatch(new RegExp(`:secret:${name}-[A-Za-z0-9]{6}$`));
    expect(Object.fromEntries(resolvedArns)).toEqual({ [partialArn]: fullArn });
    expect(Object.fromEntries(keys)).toEqual({ [partialArn]: KEY_ARN });
    expect(calls.get('DescribeSecret')).toBe(1); // the same call that reads the key
  });

  it('resolves nothing for a name no secret has (the NAME-?????? check stays)', async () => {
    const partialArn = `arn:aws:secretsmanager:us-east-1:${MOTO_ACCOUNT_ID}:secret:${fresh('missing')}`;
    const { keys, resolvedArns } = await usage.describeKeys({ secretArns: [partialArn], parameterArns: [] });
    expect(keys).toEqual(new Map());
    expect(resolvedArns).toEqual(new Map());
  });

  it('leaves out what does not exist or lives in another account, keyed by the ARNs passed in', async () => {
    // Arrange
    const secret = await seedSecret(clients.secretsManager, { name: fresh('real'), kmsKeyId: KEY_ID });
    const parameter = await seedParameter(clients.ssm, {
      name: '/real',
      type: 'SecureString',
      keyId: KEY_ID,
    });
    const refs = {
      secretArns: [
        secret,
        `arn:aws:secretsmanager:us-east-1:${MOTO_ACCOUNT_ID}:secret:gone-AbCdEf`,
        `arn:aws:secretsmanager:us-east-1:210987654321:secret:theirs-AbCdEf`,
        'not-an-arn',
      ],
      parameterArns: [parameter, parameterArn('/gone'), 'arn:aws:ssm:us-east-1:210987654321:parameter/real'],
    };
    const calls = new Map<string, number>();
    countCalls(clients.secretsManager, calls);
    // Act
    const { keys, resolvedArns } = await usage.describeKeys(refs);
    // Assert
    expect(Object.fromEntries(keys)).toEqual({ [secret]: KEY_ARN, [parameter]: KEY_ARN });
    expect(resolvedArns).toEqual(new Map());
    expect(calls.get('DescribeSecret')).toBe(2); // the other account's secret is never asked for
  });

  it('describes more parameters than one call takes (exact batching: usage-errors.test.ts)', async () => {
    // Arrange
    const arns: string[] = [];
    for (let index = 0; index < 12; index++) {
      arns.push(
        await seedParameter(clients.ssm, { name: fresh('/batch/p'), type: 'SecureString', keyId: KEY_ID }),
      );
    }
    arns.push(await seedParameter(clients.ssm, { name: fresh('top'), type: 'String' }));
    // Act
    const { keys } = await usage.describeKeys({ secretArns: [], parameterArns: arns });
    // Assert
    expect(Object.fromEntries(keys)).toEqual(
      Object.fromEntries(arns.map((arn, index) => [arn, index < 12 ? KEY_ARN : null])),
    );
  });

  it('describes a secret and a parameter in another region with clients for that region', async () => {
    // Arrange
    const west = await clients.regional('us-west-2');
    const secret = await seedSecret(west.secretsManager, { name: fresh('west'), kmsKeyId: KEY_ID });
    const name = fresh('/west');
    const parameter = await seedParameter(west.ssm, { name, type: 'SecureString', keyId: KEY_ID });
    const westParameter = parameterArn(name, 'us-west-2');
    // Act
    const { keys } = await usage.describeKeys({ secretArns: [secret], parameterArns: [westParameter] });
    // Assert
    const westKey = `arn:aws:kms:us-west-2:${MOTO_ACCOUNT_ID}:key/${KEY_ID}`;
    expect(secret).toContain(':us-west-2:');
    expect(parameter).not.toBe(westParameter); // seedParameter builds us-east-1 ARNs by default
    expect(Object.fromEntries(keys)).toEqual({ [secret]: westKey, [westParameter]: westKey });
    expect(await clients.regional('us-west-2')).toBe(west);
  });

  it('never asks for nothing', async () => {
    const calls = new Map<string, number>();
    countCalls(clients.ssm, calls);
    countCalls(clients.secretsManager, calls);
    await expect(usage.describeKeys({ secretArns: [], parameterArns: [] })).resolves.toEqual({
      keys: new Map(),
      resolvedArns: new Map(),
    });
    expect(calls.size).toBe(0);
  });
});
