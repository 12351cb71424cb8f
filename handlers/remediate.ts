/**
 * SSM Automation remediation entry point (`aws:invokeLambdaFunction`). Returns the report as the payload;
 * any failure is thrown so Lambda reports a FunctionError and the automation step fails.
 */
import type { Context } from 'aws-lambda';
import { createClients } from '../lib/aws/clients';
import { AwsIamReader } from '../lib/aws/iam';
import { createIamWriter } from '../lib/aws/iam-writer';
import { AwsResourcePolicyReader, organizationPolicyReaderFor } from '../lib/aws/layers';
import { AwsUsageReader } from '../lib/aws/usage';
import { remediate } from '../lib/remediation/apply';
import { scopeFromFunctionArn } from '../lib/remediation/request';
import type { RemediationReport } from '../lib/remediation/types';

// Built once per container: warm invocations reuse connections and the managed policy cache.
const clients = createClients();
const iam = new AwsIamReader(clients.iam);
const writer = createIamWriter(clients.iam);

/** Remediates the role named by `event.ResourceId` in the function's own account. */
export const handler = async (
  event: unknown,
  context: Pick<Context, 'invokedFunctionArn'>,
): Promise<RemediationReport> => {
  const { accountId, partition } = scopeFromFunctionArn(context.invokedFunctionArn);
  return remediate(event, {
    iam,
    usage: new AwsUsageReader(clients, { accountId }),
    writer,
    // Read per call, never written: a key, resource or organization policy that refuses is reported.
    layers: (params) => {
      const organization = organizationPolicyReaderFor(params.organizationPolicies);
      return {
        resources: new AwsResourcePolicyReader({ accountId }),
        ...(organization ? { organization } : {}),
      };
    },
    location: { region: process.env['AWS_REGION'] ?? (await clients.defaultRegion()), accountId, partition },
    // The same InputParameters as the Config rule (the template passes them to both functions).
    ruleParameters: process.env['RULE_PARAMETERS'],
  });
};
