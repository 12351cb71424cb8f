/**
 * What the Config runner writes and reads through besides the fact readers: PutEvaluations, the rule's current
 * results, and the configuration item of an oversized notification. lib/aws/config.ts implements it.
 */

export interface ConfigEvaluation {
  readonly complianceResourceType: string;
  readonly complianceResourceId: string;
  readonly complianceType: 'COMPLIANT' | 'NON_COMPLIANT' | 'NOT_APPLICABLE';
  readonly annotation?: string;
  readonly orderingTimestamp: Date;
}

export interface ExistingResult {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly complianceType: string;
}

/** The configuration item as the change-notification event carries it (event shape). */
export type EventConfigurationItem = Record<string, unknown>;

export interface ConfigGateway {
  /** Puts in batches of 100, retries FailedEvaluations, throws naming the ids that never landed. */
  putEvaluations(
    evaluations: readonly ConfigEvaluation[],
    resultToken: string,
    testMode: boolean,
  ): Promise<void>;
  /** Every current result of the rule (all pages of GetComplianceDetailsByConfigRule). */
  listResults(configRuleName: string): Promise<ExistingResult[]>;
  /** Latest configuration item via GetResourceConfigHistory, converted to the event shape. */
  getConfigurationItem(resourceType: string, resourceId: string): Promise<EventConfigurationItem | undefined>;
}
