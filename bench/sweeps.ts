/**
 * API economy of a periodic sweep: the rule's own runner, in-process, against moto_server, with every SDK
 * client counting its calls. The baseline runs the same runner with NaiveIamReader in place of AwsIamReader,
 * so the only difference between the two columns is how IAM is read.
 */
import { performance } from 'node:perf_hooks';
import { countCalls } from '../lib/aws/call-counter';
import { createClients, type AwsClients } from '../lib/aws/clients';
import { AwsConfigGateway } from '../lib/aws/config';
import { AwsIamReader } from '../lib/aws/iam';
import { AwsResourcePolicyReader } from '../lib/aws/layers';
import { ManagedPolicyCache } from '../lib/aws/managed-policy-cache';
import { AwsUsageReader } from '../lib/aws/usage';
import type { IamReader } from '../lib/facts/ports';
import { runRule } from '../lib/config/runner';
import { MOTO_ACCOUNT_ID, MOTO_REGION } from '../test/support/moto';
import type { RecordingProxy } from '../test/support/recording-proxy';
import type { AccountShape } from './account';
import { NaiveIamReader } from './naive-iam';

export const RULE_NAME = 'execution-role-check-bench';
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** Page sizes AWS uses where moto ignores the one asked for (see test/support/MOTO-GAPS.md). */
export const AWS_PAGE_SIZES = {
  /** GetAccountAuthorizationDetails: MaxItems at most 1000 items (roles plus customer managed policies). */
  getAccountAuthorizationDetails: 1000,
  /** DescribeJobDefinitions: maxResults at most 100. */
  describeJobDefinitions: 100,
  /** DescribeParameters: at most 10 names per filter, and 10 names fit in one page of 50. */
  describeParametersNames: 10,
} as const;

/** `rule-layers`: the rule, cold, also reading the key, secret and repository policies (issue "What AWS decides at task start"). */
export type Strategy = 'rule-cold' | 'rule-warm' | 'rule-layers' | 'naive';

/** One measured sweep. Call counts are keyed `service:Operation`. */
export interface SweepMeasure {
  readonly strategy: Strategy;
  readonly roles: number;
  readonly wallMs: number;
  /** Calls as made against moto_server. */
  readonly calls: Record<string, number>;
  /** The same, with the operations whose page size moto ignores re-counted at AWS's page sizes. */
  readonly awsCalls: Record<string, number>;
  readonly putEvaluationsBatches: number;
  readonly evaluations: number;
  readonly compliance: Record<string, number>;
}

/** The scheduled event AWS Config sends for a periodic rule, with a real result token. */
export function scheduledEvent(): Record<string, unknown> {
  return {
    version: '1.0',
    invokingEvent: JSON.stringify({
      awsAccountId: MOTO_ACCOUNT_ID,
      notificationCreationTime: new Date().toISOString(),
      messageType: 'ScheduledNotification',
      recordVersion: '1.0',
    }),
    ruleParameters: '{}',
    resultToken: 'bench-result-token',
    eventLeftScope: false,
    configRuleArn: `arn:aws:config:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:config-rule/config-rule-bench`,
    configRuleName: RULE_NAME,
    configRuleId: 'config-rule-bench',
    accountId: MOTO_ACCOUNT_ID,
    evaluationMode: 'DETECTIVE',
  };
}

/** Clients for moto_server with Config routed through the recording proxy (moto lacks PutEvaluations). */
export function benchClients(motoEndpoint: string, proxyEndpoint: string): AwsClients {
  const shared = { region: MOTO_REGION, credentials: CREDENTIALS };
  const viaProxy = createClients({ clientConfig: { ...shared, endpoint: proxyEndpoint } });
  return createClients({ clientConfig: { ...shared, endpoint: motoEndpoint }, config: viaProxy.config });
}

function countEveryClient(clients: AwsClients): Map<string, Map<string, number>> {
  const byService = new Map<string, Map<string, number>>();
  const services = {
    iam: clients.iam,
    config: clients.config,
    batch: clients.batch,
    ecs: clients.ecs,
    secretsmanager: clients.secretsManager,
    ssm: clients.ssm,
  };
  for (const [service, client] of Object.entries(services)) {
    const counts = new Map<string, number>();
    countCalls(client, counts);
    byService.set(service, counts);
  }
  return byService;
}

function flatten(byService: Map<string, Map<string, number>>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [service, counts] of byService) {
    for (const [operation, count] of counts) result[`${service}:${operation}`] = count;
  }
  return result;
}

/**
 * Re-counts the operations whose page size moto ignores: how many calls the same sweep makes on AWS.
 * A lower bound: AWS documents that IAM "might return fewer than MaxItems" per page.
 */
export function awsPagedCalls(calls: Record<string, number>, shape: AccountShape): Record<string, number> {
  const result = { ...calls };
  const pages = (items: number, size: number): number => Math.max(1, Math.ceil(items / size));
  if (calls['iam:GetAccountAuthorizationDetails'] !== undefined) {
    result['iam:GetAccountAuthorizationDetails'] = pages(
      shape.roles + shape.customerManagedPolicies,
      AWS_PAGE_SIZES.getAccountAuthorizationDetails,
    );
  }
  if (calls['batch:DescribeJobDefinitions'] !== undefined) {
    result['batch:DescribeJobDefinitions'] = pages(
      shape.jobDefinitions,
      AWS_PAGE_SIZES.describeJobDefinitions,
    );
  }
  if (calls['ssm:DescribeParameters'] !== undefined) {
    result['ssm:DescribeParameters'] = pages(
      shape.referencedParameters,
      AWS_PAGE_SIZES.describeParametersNames,
    );
  }
  return result;
}

/** Sums the calls of one service (`iam`), or of all when `service` is omitted. */
export function totalCalls(calls: Record<string, number>, service?: string): number {
  let total = 0;
  for (const [key, count] of Object.entries(calls)) {
    if (service === undefined || key.startsWith(`${service}:`)) total += count;
  }
  return total;
}

export interface SweepSetup {
  readonly motoEndpoint: string;
  readonly proxy: RecordingProxy;
  readonly shape: AccountShape;
}

/**
 * Runs one periodic sweep with `strategy` and counts its calls. Every run starts from the same steady state:
 * each candidate already has a verdict, so the stale-result listing pages as it would in a live account.
 * `cache` carries AWS managed policies from one invocation to the next (rule-warm).
 */
export async function measureSweep(
  setup: SweepSetup,
  strategy: Strategy,
  cache: ManagedPolicyCache,
): Promise<SweepMeasure> {
  const { proxy, shape } = setup;
  proxy.clear();
  proxy.seedResults(
    shape.candidateRoleIds.map((resourceId) => ({
      resourceType: 'AWS::IAM::Role',
      resourceId,
      complianceType: 'COMPLIANT' as const,
    })),
  );
  const clients = benchClients(setup.motoEndpoint, proxy.endpoint);
  const byService = countEveryClient(clients);
  const iam: IamReader =
    strategy === 'naive'
      ? new NaiveIamReader(clients.iam)
      : new AwsIamReader(clients.iam, { managedPolicyCache: cache });

  const layerCounts = (service: string): Map<string, number> => {
    let counts = byService.get(service);
    if (counts === undefined) byService.set(service, (counts = new Map()));
    return counts;
  };
  const started = performance.now();
  const outcome = await runRule(scheduledEvent(), {
    iam,
    usage: new AwsUsageReader(clients, { accountId: MOTO_ACCOUNT_ID }),
    config: new AwsConfigGateway(clients.config),
    region: MOTO_REGION,
    ...(strategy === 'rule-layers' && {
      layers: () => ({
        resources: new AwsResourcePolicyReader({
          accountId: MOTO_ACCOUNT_ID,
          clientConfig: { region: MOTO_REGION, endpoint: setup.motoEndpoint, credentials: CREDENTIALS },
          instrument: (service, client) => countCalls(client, layerCounts(service)),
        }),
      }),
    }),
  });
  const wallMs = performance.now() - started;

  const compliance: Record<string, number> = {};
  for (const evaluation of outcome.evaluations) {
    compliance[evaluation.complianceType] = (compliance[evaluation.complianceType] ?? 0) + 1;
  }
  // A sweep that evaluated fewer roles than the account holds candidates measured nothing useful.
  if (outcome.evaluations.length !== shape.candidateRoleIds.length || !outcome.complete) {
    throw new Error(
      `${strategy} sweep of ${shape.roles} roles put ${outcome.evaluations.length} evaluations, ` +
        `expected ${shape.candidateRoleIds.length}`,
    );
  }
  const calls = flatten(byService);
  return {
    strategy,
    roles: shape.roles,
    wallMs,
    calls,
    awsCalls: awsPagedCalls(calls, shape),
    putEvaluationsBatches: proxy.putEvaluationsCalls.length,
    evaluations: outcome.evaluations.length,
    compliance,
  };
}
