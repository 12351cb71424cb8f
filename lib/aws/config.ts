/** ConfigGateway over the AWS Config API: put evaluations, list the rule's results, fetch an item. */
import {
  GetComplianceDetailsByConfigRuleCommand,
  GetResourceConfigHistoryCommand,
  PutEvaluationsCommand,
  type ConfigServiceClient,
  type ConfigurationItem,
  type Evaluation,
  type ResourceType,
} from '@aws-sdk/client-config-service';
import { AwsCallError, EvaluationsNotDeliveredError } from '../core/errors';
import type {
  ConfigEvaluation,
  ConfigGateway,
  EventConfigurationItem,
  ExistingResult,
} from '../config/ports';
import { callAws, callAwsUnlessAbsent } from './errors';

/** PutEvaluations takes at most 100 evaluations per call (AWS Config API reference). */
export const EVALUATIONS_PER_CALL = 100;
// GetComplianceDetailsByConfigRule returns at most 100 results per page.
const RESULTS_PER_PAGE = 100;
// INSUFFICIENT_DATA is returned by Config but cannot be used as a filter value.
const ALL_COMPLIANCE_TYPES = ['COMPLIANT', 'NON_COMPLIANT', 'NOT_APPLICABLE'] as const;

/** Tuning for AwsConfigGateway; tests set the delay to zero. */
export interface ConfigGatewayOptions {
  /** How many more times evaluations listed in FailedEvaluations are sent. */
  readonly failedEvaluationRetries?: number;
  /** Pause before retry n is `n * retryDelayMs`, giving Config's internal hiccup time to pass. */
  readonly retryDelayMs?: number;
}

/** Talks to AWS Config for the runner. */
export class AwsConfigGateway implements ConfigGateway {
  private readonly retries: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly config: ConfigServiceClient,
    options: ConfigGatewayOptions = {},
  ) {
    this.retries = options.failedEvaluationRetries ?? 3;
    this.retryDelayMs = options.retryDelayMs ?? 200;
  }

  async putEvaluations(
    evaluations: readonly ConfigEvaluation[],
    resultToken: string,
    testMode: boolean,
  ): Promise<void> {
    const undelivered: string[] = [];
    for (let start = 0; start < evaluations.length; start += EVALUATIONS_PER_CALL) {
      let pending = evaluations.slice(start, start + EVALUATIONS_PER_CALL).map(toSdkEvaluation);
      for (let attempt = 0; pending.length > 0 && attempt <= this.retries; attempt++) {
        if (attempt > 0) await sleep(attempt * this.retryDelayMs);
        const batch = pending;
        const answer = await callAws('config:PutEvaluations', () =>
          this.config.send(
            new PutEvaluationsCommand({
              Evaluations: batch,
              ResultToken: resultToken,
              ...(testMode && { TestMode: true }),
            }),
          ),
        );
        const failed = new Set((answer.FailedEvaluations ?? []).map(evaluationKey));
        pending = batch.filter((evaluation) => failed.has(evaluationKey(evaluation)));
      }
      undelivered.push(...pending.map((evaluation) => evaluation.ComplianceResourceId ?? '?'));
    }
    if (undelivered.length > 0) throw new EvaluationsNotDeliveredError(undelivered);
  }

  async listResults(configRuleName: string): Promise<ExistingResult[]> {
    const results: ExistingResult[] = [];
    let nextToken: string | undefined;
    do {
      const page = await callAws('config:GetComplianceDetailsByConfigRule', () =>
        this.config.send(
          new GetComplianceDetailsByConfigRuleCommand({
            ConfigRuleName: configRuleName,
            ComplianceTypes: [...ALL_COMPLIANCE_TYPES],
            Limit: RESULTS_PER_PAGE,
            NextToken: nextToken,
          }),
        ),
      );
      for (const result of page.EvaluationResults ?? []) {
        const qualifier = result.EvaluationResultIdentifier?.EvaluationResultQualifier;
        const resourceType = qualifier?.ResourceType;
        const resourceId = qualifier?.ResourceId;
        if (resourceType === undefined || resourceId === undefined || result.ComplianceType === undefined) {
          throw new AwsCallError(
            'GetComplianceDetailsByConfigRule',
            'answer has a result without resource or type',
          );
        }
        results.push({ resourceType, resourceId, complianceType: result.ComplianceType });
      }
      nextToken = page.NextToken;
    } while (nextToken !== undefined && nextToken !== '');
    return results;
  }

  async getConfigurationItem(
    resourceType: string,
    resourceId: string,
  ): Promise<EventConfigurationItem | undefined> {
    const answer = await callAwsUnlessAbsent(
      'config:GetResourceConfigHistory',
      ['ResourceNotDiscoveredException'],
      () =>
        this.config.send(
          new GetResourceConfigHistoryCommand({
            resourceType: resourceType as ResourceType,
            resourceId,
            limit: 1,
          }),
        ),
    );
    const item = answer?.configurationItems?.[0];
    return item === undefined ? undefined : toEventConfigurationItem(item);
  }
}

/**
 * The API shape of a configuration item (GetResourceConfigHistory, BatchGetResourceConfig) in the shape
 * the change notification carries: `configuration` parsed, fields renamed, timestamps as ISO strings.
 */
export function toEventConfigurationItem(item: ConfigurationItem): EventConfigurationItem {
  const {
    version,
    accountId,
    arn,
    configurationItemMD5Hash,
    configurationItemCaptureTime,
    resourceCreationTime,
    configurationItemDeliveryTime: _delivery,
    relationships,
    configuration,
    supplementaryConfiguration,
    ...same
  } = item;
  const event: Record<string, unknown> = { ...same };
  setIfDefined(event, 'configurationItemVersion', version);
  setIfDefined(event, 'awsAccountId', accountId);
  setIfDefined(event, 'ARN', arn);
  setIfDefined(event, 'configurationStateMd5Hash', configurationItemMD5Hash);
  setIfDefined(event, 'configurationItemCaptureTime', configurationItemCaptureTime?.toISOString());
  setIfDefined(event, 'resourceCreationTime', resourceCreationTime?.toISOString());
  if (relationships !== undefined) {
    event['relationships'] = relationships.map(({ relationshipName, ...rest }) => ({
      ...rest,
      ...(relationshipName !== undefined && { name: relationshipName }),
    }));
  }
  if (configuration !== undefined) event['configuration'] = parseJson(configuration, 'configuration');
  if (supplementaryConfiguration !== undefined) {
    // Each value is a JSON document serialised as a string in the API, and an object in the event.
    event['supplementaryConfiguration'] = Object.fromEntries(
      Object.entries(supplementaryConfiguration).map(([key, value]) => [key, parseJsonOrKeep(value)]),
    );
  }
  return event;
}

function toSdkEvaluation(evaluation: ConfigEvaluation): Evaluation {
  return {
    ComplianceResourceType: evaluation.complianceResourceType,
    ComplianceResourceId: evaluation.complianceResourceId,
    ComplianceType: evaluation.complianceType,
    OrderingTimestamp: evaluation.orderingTimestamp,
    // PutEvaluations rejects an empty Annotation (1 to 256 characters): leave it out instead.
    ...(evaluation.annotation !== undefined &&
      evaluation.annotation.trim() !== '' && { Annotation: evaluation.annotation }),
  };
}

function evaluationKey(evaluation: Evaluation): string {
  return `${evaluation.ComplianceResourceType ?? ''}\u0000${evaluation.ComplianceResourceId ?? ''}`;
}

function setIfDefined(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

function parseJson(text: string, field: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new AwsCallError('GetResourceConfigHistory', `${field} is not JSON`, { cause: error });
  }
}

function parseJsonOrKeep(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
