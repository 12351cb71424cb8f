/**
 * AWS Config custom rule entry point: change, oversized-change and periodic events for AWS::IAM::Role.
 * A failure is thrown so that AWS Config shows the invocation as failed and no verdict is put.
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../lib/aws/clients';
import { AwsConfigGateway } from '../lib/aws/config';
import { AwsIamReader } from '../lib/aws/iam';
import { AwsResourcePolicyReader, organizationPolicyReaderFor } from '../lib/aws/layers';
import { AwsUsageReader } from '../lib/aws/usage';
import { runRule, type RuleOutcome } from '../lib/config/runner';

// Built once per container: warm invocations reuse connections and the managed policy cache.
const clients = createClients();
const iam = new AwsIamReader(clients.iam);
const config = new AwsConfigGateway(clients.config);

function log(message: string, detail: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ level: 'info', message, ...detail }));
}

/** Evaluates the event's role (or every role, for a periodic event) and puts the verdicts. */
export const handler = async (
  event: unknown,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<RuleOutcome> => {
  // runRule validates the event; the account id is only read here to scope the usage reader.
  const accountId = String((event as { accountId?: unknown } | null)?.accountId ?? '');
  try {
    const outcome = await runRule(event, {
      iam,
      config,
      usage: new AwsUsageReader(clients, { accountId }),
      // New readers per invocation: a policy edited since the last one must count.
      layers: (params) => {
        const organization = organizationPolicyReaderFor(params.organizationPolicies);
        return {
          resources: new AwsResourcePolicyReader({ accountId }),
          ...(organization ? { organization } : {}),
        };
      },
      region: process.env['AWS_REGION'] ?? (await clients.defaultRegion()),
      ...(context ? { remainingTimeMs: () => context.getRemainingTimeInMillis() } : {}),
      log,
    });
    const counts: Record<string, number> = {};
    for (const evaluation of outcome.evaluations) {
      counts[evaluation.complianceType] = (counts[evaluation.complianceType] ?? 0) + 1;
    }
    log('Evaluations put', { messageType: outcome.messageType, complete: outcome.complete, counts });
    return outcome;
  } catch (error) {
    console.error(
      JSON.stringify({
        level: 'error',
        message: error instanceof Error ? error.message : String(error),
        errorName: error instanceof Error ? error.name : undefined,
      }),
    );
    throw error;
  }
};
