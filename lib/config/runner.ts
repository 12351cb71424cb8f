/**
 * The Config rule runner: turns one AWS Config event into evaluations, reading AWS through the ports.
 * Modelled on rdklib's runner: applicability first, then the rule's own evaluation, then batched puts.
 */
import {
  describeKeysFor,
  gatherLayers,
  gatherUsage,
  readBucketEncryption,
  readUsageIndex,
  withBucketEncryption,
  withPullThroughCache,
  type LayerReaders,
} from '../facts/gather';
import type { LayerFacts } from '../facts/layer-ports';
import { assessRole, layerTargetsForRole, type RoleAssessment } from '../rule/assess-role';
import type { LayerTarget } from '../rule/layer-targets';
import { isCandidate, matchesRoleNameGlob, SERVICE_LINKED_PATH_PREFIX } from '../rule/candidates';
import { isLiveStatus, parseConfigRuleEvent, type ItemSummary, type ParsedEvent } from './event';
import { descriptionFromConfigurationItem } from './configuration-item';
import { ExecutionRoleCheckError, InvalidEventError } from '../core/errors';
import { parseRuleParameters, type RuleParameters } from '../parameters';
import type { IamReader, UsageReader } from '../facts/ports';
import type { ConfigEvaluation, ConfigGateway } from './ports';
import { resolveSecretReferences, type RoleUsage } from '../usage';
import type { RuleLocation } from '../usage/types';

/** The only resource type the rule judges (its Config scope). */
export const ROLE_RESOURCE_TYPE = 'AWS::IAM::Role';

/** What runRule reads and writes through, and how long it may take. */
export interface RuleDependencies {
  readonly iam: IamReader;
  readonly usage: UsageReader;
  readonly config: ConfigGateway;
  /**
   * Builds the readers of the policies beyond the role (key, secret, repository, registry policies; SCPs
   * and RCPs) for one invocation, as its parameters ask. Absent: only the role's own policies are weighed.
   */
  readonly layers?: (params: RuleParameters) => LayerReaders;
  /** The region the rule runs in: SSM parameter and secret names resolve here. */
  readonly region: string;
  /** Milliseconds left before the function times out (Lambda's context.getRemainingTimeInMillis). */
  readonly remainingTimeMs?: () => number;
  readonly log?: (message: string, detail?: Record<string, unknown>) => void;
}

/** What one invocation put, and whether a periodic sweep covered the whole account. */
export interface RuleOutcome {
  /** The invoking event's messageType (`ScheduledNotification`, ...). */
  readonly messageType: string;
  readonly evaluations: readonly ConfigEvaluation[];
  /** False when a periodic sweep ran out of time and put only part of the account. */
  readonly complete: boolean;
}

/** A periodic sweep could not read the account before the function's time ran out; nothing was put. */
export class SweepTimeoutError extends ExecutionRoleCheckError {
  override readonly name = 'SweepTimeoutError';
  readonly code = 'SWEEP_TIMEOUT';
  constructor(readonly remainingMs: number) {
    const problem =
      `reading roles and job definitions did not finish with ${SWEEP_SAFETY_MARGIN_MS} ms ` +
      `left of the function's time (${remainingMs} ms left when it started)`;
    super(
      `Periodic sweep stopped: ${problem}; no evaluations were put. Raise the function timeout.`,
      problem,
    );
  }
}

/** AWS Config's messageType for each kind of notification the runner handles. */
const MESSAGE_TYPES = {
  change: 'ConfigurationItemChangeNotification',
  oversized: 'OversizedConfigurationItemChangeNotification',
  scheduled: 'ScheduledNotification',
} as const;

/** Stop a sweep when less than this is left: enough to put the evaluations already made. */
export const SWEEP_SAFETY_MARGIN_MS = 60_000;

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

/** The Config evaluation for one assessed role; `resourceId` defaults to its RoleId. */
export function toConfigEvaluation(
  assessment: RoleAssessment,
  orderingTimestamp: Date,
  resourceId: string = assessment.role.roleId,
): ConfigEvaluation {
  if (!assessment.applicable) return toEvaluation(resourceId, 'NOT_APPLICABLE', orderingTimestamp);
  return toEvaluation(resourceId, assessment.evaluation.compliance, orderingTimestamp, assessment.annotation);
}

function isExcluded(roleName: string, params: RuleParameters): boolean {
  return params.excludeRoleNamePatterns.some((pattern) => matchesRoleNameGlob(pattern, roleName));
}

async function evaluateItem(
  item: Record<string, unknown>,
  field: string,
  summary: ItemSummary,
  parsed: ParsedEvent,
  params: RuleParameters,
  deps: RuleDependencies,
  location: RuleLocation,
): Promise<ConfigEvaluation> {
  const notApplicable = () => toEvaluation(summary.resourceId, 'NOT_APPLICABLE', summary.captureTime);
  if (summary.resourceType !== ROLE_RESOURCE_TYPE || !isLiveStatus(summary.status)) return notApplicable();
  const description = descriptionFromConfigurationItem(item, field);
  if (description.path.startsWith(SERVICE_LINKED_PATH_PREFIX)) return notApplicable();

  // Cheap candidacy first: an excluded role, or one no discovery could select, needs no further reads.
  const discovers = params.discoverBatchJobDefinitions || params.discoverEcsTaskDefinitions;
  if (isExcluded(description.roleName, params)) return notApplicable();
  if (!discovers && !isCandidate(description, params, undefined).candidate) return notApplicable();

  const index = await readUsageIndex(deps.usage, params, location);
  const roleUsage = index.get(description.arn);
  if (!isCandidate(description, params, roleUsage).candidate) return notApplicable();
  // Only this role's secrets and registries: one change must not describe every secret the account's jobs use.
  const own: ReadonlyMap<string, RoleUsage> = roleUsage ? new Map([[description.arn, roleUsage]]) : new Map();
  const [{ keys, resolvedArns }, role, cached, encryptions] = await Promise.all([
    describeKeysFor(deps.usage, own, params),
    deps.iam.completeRole(description, parsed.accountId),
    withPullThroughCache(deps.usage, index, location, own),
    readBucketEncryption(deps.usage, own),
  ]);
  const resolved = withBucketEncryption(resolveSecretReferences(cached, resolvedArns), encryptions);
  const layers = deps.layers
    ? await gatherLayers(
        deps.layers(params),
        layerTargetsForRole(role, resolved, keys, params, location).values(),
        location.accountId,
        params,
      )
    : undefined;
  const assessment = assessRole(role, resolved, keys, params, location, layers);
  return toConfigEvaluation(assessment, summary.captureTime, summary.resourceId);
}

/** Rejects with SweepTimeoutError unless `work` settles before the safety margin is reached. */
async function beforeDeadline<T>(work: Promise<T>, remainingMs: number | undefined): Promise<T> {
  if (remainingMs === undefined) return work;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new SweepTimeoutError(remainingMs)),
      Math.max(remainingMs - SWEEP_SAFETY_MARGIN_MS, 0),
    );
  });
  // The reads go on in the background after a timeout; their failures no longer matter.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function sweep(
  parsed: ParsedEvent,
  notificationCreationTime: Date,
  params: RuleParameters,
  deps: RuleDependencies,
  location: RuleLocation,
): Promise<{ evaluations: ConfigEvaluation[]; complete: boolean }> {
  const log = deps.log ?? (() => undefined);
  const timeLeft = (): number | undefined => deps.remainingTimeMs?.();
  const [roles, usageFacts, existing] = await beforeDeadline(
    Promise.all([
      deps.iam.loadAllRoles(),
      gatherUsage(deps.usage, params, location),
      deps.config.listResults(parsed.configRuleName),
    ]),
    timeLeft(),
  );
  let layers: LayerFacts | undefined;
  if (deps.layers) {
    // Every layer any candidate needs, read once for the whole sweep.
    const targets = new Map<string, LayerTarget>();
    for (const role of roles) {
      layerTargetsForRole(role, usageFacts.index, usageFacts.keys, params, location, targets);
    }
    layers = await beforeDeadline(
      gatherLayers(deps.layers(params), targets.values(), location.accountId, params),
      timeLeft(),
    );
  }
  const previous = new Map(existing.map((result) => [result.resourceId, result]));
  const evaluations: ConfigEvaluation[] = [];
  const seen = new Set<string>();
  let complete = true;

  for (const role of roles) {
    const left = timeLeft();
    if (left !== undefined && left < SWEEP_SAFETY_MARGIN_MS) {
      complete = false;
      log('Sweep stopped before the function timeout; roles not reached keep their previous verdicts', {
        rolesEvaluated: seen.size,
        rolesTotal: roles.length,
        remainingMs: left,
      });
      break;
    }
    seen.add(role.roleId);
    const assessment = assessRole(role, usageFacts.index, usageFacts.keys, params, location, layers);
    // Non-candidates are reported only to clear an earlier verdict: each record is billed.
    if (!assessment.applicable && !hasActiveVerdict(previous.get(role.roleId))) continue;
    evaluations.push(toConfigEvaluation(assessment, notificationCreationTime));
  }

  // Retire verdicts for roles that no longer exist (only when the sweep saw every role).
  if (complete) {
    for (const result of existing) {
      if (!seen.has(result.resourceId) && hasActiveVerdict(result)) {
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
    case 'change': {
      const { summary } = notification;
      evaluations = [
        parsed.eventLeftScope
          ? toEvaluation(summary.resourceId, 'NOT_APPLICABLE', summary.captureTime)
          : await evaluateItem(
              notification.item,
              'invokingEvent.configurationItem',
              summary,
              parsed,
              params,
              deps,
              location,
            ),
      ];
      break;
    }
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
      // The history may be newer than the notification; its own status and capture time decide.
      const fetched = { ...summary, ...pickSummary(item, summary) };
      evaluations = [
        await evaluateItem(
          item,
          'GetResourceConfigHistory.configurationItems[0]',
          fetched,
          parsed,
          params,
          deps,
          location,
        ),
      ];
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
  return { messageType: MESSAGE_TYPES[notification.kind], evaluations, complete };
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
