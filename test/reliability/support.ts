/**
 * The reliability suites' stack and account: moto_server, the recording proxy (plays Config, records every
 * PutEvaluations) and the fault proxy in front of it. The rule runs in-process through `runRule` with the
 * production adapters, built from clients pointed at the fault proxy.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AwsResourcePolicyReader } from '../../lib/aws/layers';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { createClients, type AwsClients, type SharedClientConfig } from '../../lib/aws/clients';
import { AwsConfigGateway } from '../../lib/aws/config';
import { AwsIamReader } from '../../lib/aws/iam';
import { ManagedPolicyCache } from '../../lib/aws/managed-policy-cache';
import { mapWithConcurrency } from '../../lib/aws/concurrency';
import { AwsUsageReader } from '../../lib/aws/usage';
import { runRule, type RuleOutcome } from '../../lib/config/runner';
import { startFaultProxy, type FaultProxy, type ObservedRequest } from '../support/fault-proxy';
import { clientsFor, MOTO_ACCOUNT_ID, MOTO_REGION, startMoto, type MotoServer } from '../support/moto';
import {
  startRecordingProxy,
  type RecordingProxy,
  type SentEvaluation,
  type StoredResult,
} from '../support/recording-proxy';
import {
  allow,
  EXECUTION_ROLE_POLICY_ARN,
  parameterArn,
  seedJobDefinition,
  seedManagedPolicy,
  seedRole,
  type SeededRole,
} from '../support/seed';
import { EXECUTION_ROLE_ACTIONS } from '../builders';

export const CONFIG_RULE_NAME = 'execution-role-check';
/** Every candidate's name starts with `exec-`; `other-` roles are not candidates. */
export const RULE_PARAMETERS = JSON.stringify({ RoleNamePattern: 'exec-*' });
/**
 * A secret access key no log may ever show. moto accepts any credentials; the clients sign with this one,
 * so a log line that leaked credentials would contain it.
 */
export const SECRET_KEY_CANARY = 'wJalrXUtnFEMI-K7MDENG-reliability-canary-key';
/** The value stored in every seeded secret and parameter: the rule never reads it, so no log may show it. */
export const SECRET_VALUE_CANARY = 'db-password-7f3c9e-reliability-canary-value';
/** Operations that read secret values: the rule has no business calling them. */
export const SECRET_READING_OPERATIONS = [
  'secretsmanager:GetSecretValue',
  'secretsmanager:BatchGetSecretValue',
  'ssm:GetParameter',
  'ssm:GetParameters',
  'ssm:GetParametersByPath',
  'kms:Decrypt',
];

/** moto, then the recording proxy, then the fault proxy: clients talk to `faults.endpoint`. */
export interface Stack {
  readonly moto: MotoServer;
  readonly recorder: RecordingProxy;
  readonly faults: FaultProxy;
  /** Clients straight to moto, for seeding and for changing roles behind the rule's back. */
  readonly direct: AwsClients;
}

/** Starts the three servers. */
export async function startStack(): Promise<Stack> {
  const moto = await startMoto();
  const recorder = await startRecordingProxy(moto.endpoint, { configRuleName: CONFIG_RULE_NAME });
  const faults = await startFaultProxy(recorder.endpoint);
  return { moto, recorder, faults, direct: clientsFor(moto.endpoint) };
}

/** Stops whatever started. */
export async function stopStack(stack: Stack | undefined): Promise<void> {
  await stack?.faults.stop();
  await stack?.recorder.stop();
  await stack?.moto.stop();
}

/** What the seeded account holds, and what each candidate's verdict must be. */
export interface SeededAccount {
  readonly candidates: readonly SeededRole[];
  readonly others: readonly SeededRole[];
  /** Results Config holds before each run: one for a deleted role, one for a role no longer a candidate. */
  readonly staleResults: readonly StoredResult[];
  /** ARNs of the seeded secret and parameter (their value is SECRET_VALUE_CANARY). */
  readonly secretArn: string;
  readonly parameterArn: string;
}

// A customer managed key (created in moto by seedAccount, with moto's default key policy delegating to the
// account root): DescribeSecret/DescribeParameters report it, so kms:Decrypt becomes a requirement, and the
// rule reads its key policy.
const SEED_CONCURRENCY = 8;
const EC2_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
const SIX_ACTIONS = [...EXECUTION_ROLE_ACTIONS];
const DENY_LOGS = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Deny', Action: 'logs:PutLogEvents', Resource: '*' }],
};

/**
 * Seeds `candidateCount` candidate roles in six shapes (compliant by managed policy, wrong trust, no grants,
 * compliant by inline policy, denied logs, used by a Batch job with a secret, half of them without the
 * grant), 20 non-candidates, a customer managed policy, job definitions and a KMS-protected secret/parameter.
 */
export async function seedAccount(
  stack: Pick<Stack, 'direct' | 'moto'>,
  candidateCount = 300,
): Promise<SeededAccount> {
  const { direct } = stack;
  const key = await new KMSClient({
    endpoint: stack.moto.endpoint,
    region: MOTO_REGION,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  }).send(new CreateKeyCommand({}));
  const CUSTOMER_KEY_ID = key.KeyMetadata?.KeyId ?? '';
  const CUSTOMER_KEY_ARN = key.KeyMetadata?.Arn ?? '';
  const secret = await direct.secretsManager.send(
    new CreateSecretCommand({
      Name: 'prod/reliability/db',
      SecretString: SECRET_VALUE_CANARY,
      KmsKeyId: CUSTOMER_KEY_ID,
    }),
  );
  const secretArn = secret.ARN ?? '';
  await direct.ssm.send(
    new PutParameterCommand({
      Name: '/prod/reliability/token',
      Value: SECRET_VALUE_CANARY,
      Type: 'SecureString',
      KeyId: CUSTOMER_KEY_ID,
    }),
  );
  const tokenArn = parameterArn('/prod/reliability/token');
  const grants = await seedManagedPolicy(direct.iam, {
    name: 'reliability-secret-grants',
    document: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secretArn },
        { Effect: 'Allow', Action: 'ssm:GetParameters', Resource: tokenArn },
        { Effect: 'Allow', Action: 'kms:Decrypt', Resource: CUSTOMER_KEY_ARN },
      ],
    },
  });

  // Seeded a few at a time: moto answers concurrent requests, and 300 roles one by one take long.
  const candidates = await mapWithConcurrency(
    Array.from({ length: candidateCount }, (_, index) => index),
    SEED_CONCURRENCY,
    async (index) => {
      const name = `exec-${String(index).padStart(3, '0')}`;
      const shape = index % 6;
      const role = await seedRole(direct.iam, {
        name,
        ...(shape === 1 && { trust: EC2_TRUST }),
        ...(shape === 3 && { inline: { 'six-actions': allow(SIX_ACTIONS) } }),
        ...(shape === 4 && { inline: { 'deny-logs': DENY_LOGS } }),
        ...(shape !== 2 &&
          shape !== 3 && {
            managedPolicyArns: [
              EXECUTION_ROLE_POLICY_ARN,
              // Every other job-using role holds the grants its secret and parameter need.
              ...(shape === 5 && index % 12 === 5 ? [grants] : []),
            ],
          }),
      });
      if (shape === 5) {
        await seedJobDefinition(direct.batch, {
          name: `job-${name}`,
          executionRoleArn: role.arn,
          secrets: [
            { name: 'DB_PASSWORD', valueFrom: secretArn },
            { name: 'API_TOKEN', valueFrom: '/prod/reliability/token' },
          ],
        });
      }
      return role;
    },
  );
  const others = await mapWithConcurrency(
    Array.from({ length: 20 }, (_, index) => `other-${String(index).padStart(2, '0')}`),
    SEED_CONCURRENCY,
    (name) => seedRole(direct.iam, { name }),
  );
  const formerCandidate = others[3];
  if (formerCandidate === undefined) throw new Error('seeding made no other roles');
  return {
    candidates,
    others,
    secretArn,
    parameterArn: tokenArn,
    staleResults: [
      { resourceType: 'AWS::IAM::Role', resourceId: 'AROAGONEGONEGONEGONE1', complianceType: 'COMPLIANT' },
      { resourceType: 'AWS::IAM::Role', resourceId: formerCandidate.roleId, complianceType: 'NON_COMPLIANT' },
    ],
  };
}

/** A ScheduledNotification event for the rule. */
export function scheduledEvent(
  notificationCreationTime = '2026-11-28T00:00:00.000Z',
): Record<string, unknown> {
  return ruleEvent({
    awsAccountId: MOTO_ACCOUNT_ID,
    notificationCreationTime,
    messageType: 'ScheduledNotification',
    recordVersion: '1.0',
  });
}

/** A change (or oversized) notification with `invoking` as the invoking event. */
export function ruleEvent(
  invoking: Record<string, unknown>,
  resultToken = 'reliability-token',
): Record<string, unknown> {
  return {
    version: '1.0',
    invokingEvent: JSON.stringify(invoking),
    ruleParameters: RULE_PARAMETERS,
    resultToken,
    eventLeftScope: false,
    executionRoleArn: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/config-role`,
    configRuleArn: `arn:aws:config:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:config-rule/config-rule-reliability`,
    configRuleName: CONFIG_RULE_NAME,
    configRuleId: 'config-rule-reliability',
    accountId: MOTO_ACCOUNT_ID,
    evaluationMode: 'DETECTIVE',
  };
}

/** The outcome of one in-process invocation, with its log lines and the requests the fault proxy saw. */
export interface Run {
  readonly outcome?: RuleOutcome;
  readonly error?: unknown;
  readonly logs: readonly string[];
  readonly requests: readonly ObservedRequest[];
}

export interface RunOptions {
  /** Overrides of the production client settings (adaptive retries, 8 attempts); tests say why. */
  readonly clientConfig?: Partial<SharedClientConfig>;
  readonly remainingTimeMs?: () => number;
}

/**
 * Runs the rule once in-process, as the handler would, with fresh clients (so no retry quota, rate limiter
 * or managed policy cache carries over from another run) pointed at the fault proxy.
 */
export async function runInProcess(stack: Stack, event: unknown, options: RunOptions = {}): Promise<Run> {
  stack.faults.clearRequests();
  const clients = createClients({
    clientConfig: {
      endpoint: stack.faults.endpoint,
      region: MOTO_REGION,
      credentials: { accessKeyId: 'AKIARELIABILITYTEST1', secretAccessKey: SECRET_KEY_CANARY },
      ...options.clientConfig,
    },
  });
  const logs: string[] = [];
  const deps = {
    iam: new AwsIamReader(clients.iam, { managedPolicyCache: new ManagedPolicyCache() }),
    config: new AwsConfigGateway(clients.config),
    usage: new AwsUsageReader(clients, { accountId: MOTO_ACCOUNT_ID }),
    // The layers as the handler reads them, through the same faults.
    layers: () => ({
      resources: new AwsResourcePolicyReader({
        accountId: MOTO_ACCOUNT_ID,
        clientConfig: {
          endpoint: stack.faults.endpoint,
          region: MOTO_REGION,
          credentials: { accessKeyId: 'AKIARELIABILITYTEST1', secretAccessKey: SECRET_KEY_CANARY },
          ...options.clientConfig,
        },
      }),
    }),
    region: MOTO_REGION,
    log: (message: string, detail: Record<string, unknown> = {}) =>
      logs.push(JSON.stringify({ message, ...detail })),
    ...(options.remainingTimeMs && { remainingTimeMs: options.remainingTimeMs }),
  };
  // Whatever the SDK or the rule writes to the console is part of the logs too.
  const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((method) =>
    jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logs.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    }),
  );
  try {
    const outcome = await runRule(event, deps);
    return { outcome, logs, requests: stack.faults.requests() };
  } catch (error) {
    logs.push(
      JSON.stringify({ level: 'error', message: error instanceof Error ? error.message : String(error) }),
    );
    return { error, logs, requests: stack.faults.requests() };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** One verdict per resource id, as Config received it; throws if any resource got more than one. */
export function verdictsOf(delivered: readonly SentEvaluation[]): Map<string, string> {
  const verdicts = new Map<string, string>();
  for (const evaluation of delivered) {
    if (verdicts.has(evaluation.ComplianceResourceId)) {
      throw new Error(`more than one verdict for ${evaluation.ComplianceResourceId}`);
    }
    verdicts.set(
      evaluation.ComplianceResourceId,
      `${evaluation.ComplianceType}${evaluation.Annotation === undefined ? '' : ` | ${evaluation.Annotation}`}`,
    );
  }
  return verdicts;
}

/** Ids whose verdict differs from (or is missing against) `expected`, plus ids that should not be there. */
export function lostOrWrong(
  expected: ReadonlyMap<string, string>,
  actual: ReadonlyMap<string, string>,
): string[] {
  const problems: string[] = [];
  for (const [id, verdict] of expected) if (actual.get(id) !== verdict) problems.push(id);
  for (const id of actual.keys()) if (!expected.has(id)) problems.push(id);
  return problems;
}

/** Requests that read a secret value, across `requests`. */
export function secretReads(requests: readonly ObservedRequest[]): string[] {
  const forbidden = SECRET_READING_OPERATIONS.map((operation) => operation.toLowerCase());
  return requests.map((request) => request.operation).filter((op) => forbidden.includes(op.toLowerCase()));
}
