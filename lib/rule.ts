/**
 * The Config rule runner: turns one AWS Config event into evaluations, reading AWS through the ports.
 * Modelled on rdklib's runner: applicability first, then the rule's own evaluation, then batched puts.
 */
import { assessRole, indexUsage, secretRefsOf, type RoleAssessment, type UsageIndex } from './assess';
import { isCandidate } from './candidates';
import { isLiveStatus, parseConfigRuleEvent, type ItemSummary, type ParsedEvent } from './config/event';
import { descriptionFromConfigurationItem } from './configuration-item';
import { InvalidEventError } from './errors';
import type { RoleSnapshot } from './model';
import { parseRuleParameters, type RuleParameters } from './parameters';
import type { ConfigEvaluation, ConfigGateway, IamReader, UsageReader } from './ports';
import type { KeyMetadata, RuleLocation } from './usage/types';

export const ROLE_RESOURCE_TYPE = 'AWS::IAM::Role';

/** Service-linked roles are managed by AWS: never ours to judge. */
const SERVICE_LINKED_PATH = '/aws-service-role/';

export interface RuleDependencies {
  readonly iam: IamReader;
  readonly usage: UsageReader;
  readonly config: ConfigGateway;
  /** The region the rule runs in: SSM parameter and secret names resolve here. */
  readonly region: string;
  /** Milliseconds left before the function times out (Lambda's context.getRemainingTimeInMillis). */
  readonly remainingTimeMs?: () => number;
  readonly log?: (message: string, detail?: Record<string, unknown>) => void;
}

export interface RuleOutcome {
  readonly messageType: string;
  readonly evaluations: readonly ConfigEvaluation[];
  /** False when a periodic sweep ran out of time and put only part of the account. */
  readonly complete: boolean;
}

/** Stop a sweep when less than this is left: enough to put the evaluations already made. */
const SWEEP_SAFETY_MARGIN_MS = 60_000;

/** Reads the facts the requirements depend on: job/task definitions and the KMS keys of their secrets. */
export async function gatherUsage(
  usage: UsageReader,
  params: RuleParameters,
  location: RuleLocation,
): Promise<{ index: UsageIndex; keys: KeyMetadata }> {
  const [jobDefinitions, taskDefinitions] = await Promise.all([
    params.discoverBatchJobDefinitions ? usage.listActiveJobDefinitions() : Promise.resolve([]),
    params.discoverEcsTaskDefinitions ? usage.listLatestTaskDefinitions() : Promise.resolve([]),
  ]);
  const index = indexUsage({ jobDefinitions, taskDefinitions }, location);
  const refs = secretRefsOf(index);
  const extraSecrets = params.secretArns;
  const extraParameters = params.parameterArns;
  const keys = await usage.describeKeys({
    secretArns: [...new Set([...refs.secretArns, ...extraSecrets])],
    parameterArns: [...new Set([...refs.parameterArns, ...extraParameters])],
  });
  return { index, keys };
}

function toEvaluation(
  resourceId: string,
  compliance: ConfigEvaluation['complianceType'],
  orderingTimestamp: Date,
  annotation?: string,
): ConfigEvaluation {
  return {
    complianceResourceType: ROLE_RESOURCE_TYPE,
    complianceResourceId: resourceId,
    complianceType: compliance,
    orderingTimestamp,
    ...(annotation ? { annotation } : {}),
  };
}

/** The Config evaluation for one assessed role. */
export function toConfigEvaluation(assessment: RoleAssessment, orderingTimestamp: Date): ConfigEvaluation {
  if (!assessment.applicable) {
    return toEvaluation(assessment.role.roleId, 'NOT_APPLICABLE', orderingTimestamp);
  }
  return toEvaluation(
    assessment.role.roleId,
    assessment.evaluation.compliance,
    orderingTimestamp,
    assessment.annotation,
  );
}

async function evaluateItem(
  item: Record<string, unknown>,
  summary: ItemSummary,
  parsed: ParsedEvent,
  params: RuleParameters,
  deps: RuleDependencies,
  location: RuleLocation,
): Promise<ConfigEvaluation> {
  const notApplicable = () => toEvaluation(summary.resourceId, 'NOT_APPLICABLE', summary.captureTime);
  if (summary.resourceType !== ROLE_RESOURCE_TYPE || !isLiveStatus(summary.status)) return notApplicable();
  const description = descriptionFromConfigurationItem(item);
  if (description.path.startsWith(SERVICE_LINKED_PATH)) return notApplicable();

  // Cheap candidacy first: a role excluded by name needs no further reads.
  const byNameOrTag = isCandidate(description, params, undefined);
  const { index, keys } =
    byNameOrTag.candidate || params.discoverBatchJobDefinitions || params.discoverEcsTaskDefinitions
      ? await gatherUsage(deps.usage, params, location)
      : { index: new Map(), keys: new Map() };
  if (!isCandidate(description, params, index.get(description.arn)).candidate) return notApplicable();

  const role = await deps.iam.completeRole(description, parsed.accountId);
  const assessment = assessRole(role, index, keys, params, location);
  return toConfigEvaluation(assessment, summary.captureTime);
}

async function sweep(
  parsed: ParsedEvent,
  notificationCreationTime: Date,
  params: RuleParameters,
  deps: RuleDependencies,
  location: RuleLocation,
): Promise<{ evaluations: ConfigEvaluation[]; complete: boolean }> {
  const log = deps.log ?? (() => undefined);
  const [roles, usageFacts, existing] = await Promise.all([
    deps.iam.loadAllRoles(),
    gatherUsage(deps.usage, params, location),
    deps.config.listResults(parsed.configRuleName),
  ]);
  const previous = new Map(existing.map((result) => [result.resourceId, result]));
  const evaluations: ConfigEvaluation[] = [];
  const seen = new Set<string>();
  let evaluated = 0;
  let complete = true;

  for (const role of roles) {
    if (deps.remainingTimeMs && deps.remainingTimeMs() < SWEEP_SAFETY_MARGIN_MS) {
      complete = false;
      log('Sweep stopped before the function timeout; roles not reached keep their previous verdicts', {
        rolesEvaluated: evaluated,
        rolesTotal: roles.length,
      });
      break;
    }
    seen.add(role.roleId);
    evaluated += 1;
    const assessment: RoleAssessment = role.path.startsWith(SERVICE_LINKED_PATH)
      ? { applicable: false, role, reason: 'service-linked role' }
      : assessRole(role, usageFacts.index, usageFacts.keys, params, location);
    // Non-candidates are reported only to clear an earlier verdict: each record is billed.
    if (!assessment.applicable && !hasActiveVerdict(previous.get(role.roleId))) continue;
    evaluations.push(toConfigEvaluation(assessment, notificationCreationTime));
  }

  // Retire verdicts for roles that no longer exist (only when the sweep saw every role).
  if (complete) {
    for (const result of existing) {
      if (!seen.has(result.resourceId) && result.complianceType !== 'NOT_APPLICABLE') {
        evaluations.push({
          complianceResourceType: result.resourceType,
          complianceResourceId: result.resourceId,
          complianceType: 'NOT_APPLICABLE',
          orderingTimestamp: notificationCreationTime,
        });
      }
    }
  }
  return { evaluations, complete };
}

function hasActiveVerdict(result: { complianceType: string } | undefined): boolean {
  return result !== undefined && result.complianceType !== 'NOT_APPLICABLE';
}

/**
 * Handles one Config rule event end to end: parse, evaluate, put. Throws (and puts nothing) on a bad
 * event or rule parameters, and on any failed read: a verdict is never made from partial facts.
 */
export async function runRule(event: unknown, deps: RuleDependencies): Promise<RuleOutcome> {
  const parsed = parseConfigRuleEvent(event);
  const params = parseRuleParameters(parsed.ruleParameters);
  const location: RuleLocation = {
    region: deps.region,
    accountId: parsed.accountId,
    partition: parsed.partition,
  };
  const { notification } = parsed;

  let evaluations: ConfigEvaluation[];
  let complete = true;
  switch (notification.kind) {
    case 'ignored':
      return { messageType: notification.messageType, evaluations: [], complete: true };
    case 'change':
      evaluations = [
        parsed.eventLeftScope
          ? toEvaluation(notification.summary.resourceId, 'NOT_APPLICABLE', notification.summary.captureTime)
          : await evaluateItem(notification.item, notification.summary, parsed, params, deps, location),
      ];
      break;
    case 'oversized': {
      const { summary } = notification;
      if (
        parsed.eventLeftScope ||
        summary.resourceType !== ROLE_RESOURCE_TYPE ||
        !isLiveStatus(summary.status)
      ) {
        evaluations = [toEvaluation(summary.resourceId, 'NOT_APPLICABLE', summary.captureTime)];
        break;
      }
      const item = await deps.config.getConfigurationItem(summary.resourceType, summary.resourceId);
      if (item === undefined) {
        throw new InvalidEventError(
          'invokingEvent.configurationItemSummary.resourceId',
          `GetResourceConfigHistory has no configuration item for ${summary.resourceId}`,
        );
      }
      // The history may be newer than the notification; its own capture time orders the verdict.
      const fetched = { ...summary, ...pickSummary(item, summary) };
      evaluations = [await evaluateItem(item, fetched, parsed, params, deps, location)];
      break;
    }
    case 'scheduled': {
      const result = await sweep(parsed, notification.notificationCreationTime, params, deps, location);
      evaluations = result.evaluations;
      complete = result.complete;
      break;
    }
  }

  await deps.config.putEvaluations(evaluations, parsed.resultToken, parsed.testMode);
  return { messageType: notification.kind, evaluations, complete };
}

function pickSummary(item: Record<string, unknown>, fallback: ItemSummary): Partial<ItemSummary> {
  const capture = item['configurationItemCaptureTime'];
  const status = item['configurationItemStatus'];
  const date = typeof capture === 'string' ? new Date(capture) : undefined;
  return {
    ...(typeof status === 'string' ? { status } : {}),
    ...(date && !Number.isNaN(date.getTime())
      ? { captureTime: date }
      : { captureTime: fallback.captureTime }),
  };
}

export type { RoleSnapshot };
