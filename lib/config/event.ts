/**
 * The Lambda event AWS Config sends to a custom rule, parsed into a small tagged union. `invokingEvent`
 * and `ruleParameters` arrive as JSON strings; everything is checked here so the rule never runs on a
 * half-understood event.
 */
import { InvalidEventError } from '../core/errors';

/** The top-level event, as AWS Config sends it (`@types/aws-lambda` has no type for it). */
export interface ConfigRuleEvent {
  readonly version?: string;
  readonly invokingEvent: string;
  readonly ruleParameters?: string;
  readonly resultToken: string;
  readonly eventLeftScope?: boolean;
  readonly executionRoleArn?: string;
  readonly configRuleArn?: string;
  readonly configRuleName: string;
  readonly configRuleId?: string;
  readonly accountId: string;
  readonly evaluationMode?: string;
}

/** Configuration item statuses that describe a live, recorded resource. */
const LIVE_STATUSES: ReadonlySet<string> = new Set(['OK', 'ResourceDiscovered']);

export interface ItemSummary {
  readonly resourceType: string;
  readonly resourceId: string;
  readonly status: string;
  readonly captureTime: Date;
}

export type Notification =
  | {
      readonly kind: 'change';
      readonly item: Record<string, unknown>;
      readonly summary: ItemSummary;
    }
  | { readonly kind: 'oversized'; readonly summary: ItemSummary }
  | { readonly kind: 'scheduled'; readonly notificationCreationTime: Date }
  | { readonly kind: 'ignored'; readonly messageType: string };

export interface ParsedEvent {
  readonly notification: Notification;
  readonly ruleParameters: string | undefined;
  readonly resultToken: string;
  /** The frameworks send TestMode when the token is `TESTMODE` (PutEvaluations then accepts any token). */
  readonly testMode: boolean;
  readonly eventLeftScope: boolean;
  readonly configRuleName: string;
  readonly accountId: string;
  /** From the rule or execution role ARN; `aws` when neither says otherwise. */
  readonly partition: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(record: Record<string, unknown>, key: string, path: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '') {
    throw new InvalidEventError(`${path}${key}`, 'expected a non-empty string');
  }
  return value;
}

function requireDate(record: Record<string, unknown>, key: string, path: string): Date {
  const value = record[key];
  // The event carries ISO strings; the Config API carries epoch seconds or Dates.
  const date =
    typeof value === 'string'
      ? new Date(value)
      : typeof value === 'number'
        ? new Date(value * 1000)
        : undefined;
  if (date === undefined || Number.isNaN(date.getTime())) {
    throw new InvalidEventError(`${path}${key}`, 'expected an ISO 8601 timestamp');
  }
  return date;
}

/** Reads the type, id, status and capture time every configuration item (or summary) must carry. */
export function summarizeItem(item: Record<string, unknown>, path: string): ItemSummary {
  return {
    resourceType: requireString(item, 'resourceType', path),
    resourceId: requireString(item, 'resourceId', path),
    status: requireString(item, 'configurationItemStatus', path),
    captureTime: requireDate(item, 'configurationItemCaptureTime', path),
  };
}

/** True when the status describes a live, recorded resource (`OK`, `ResourceDiscovered`). */
export function isLiveStatus(status: string): boolean {
  return LIVE_STATUSES.has(status);
}

function partitionOf(arn: unknown): string | undefined {
  if (typeof arn !== 'string') return undefined;
  const match = /^arn:([a-z-]+):/.exec(arn);
  return match?.[1];
}

/** Parses and checks a Config rule Lambda event. Throws InvalidEventError naming the field. */
export function parseConfigRuleEvent(event: unknown): ParsedEvent {
  if (!isRecord(event)) throw new InvalidEventError('event', 'expected an object');
  const invokingEventText = requireString(event, 'invokingEvent', '');
  const resultToken = requireString(event, 'resultToken', '');
  const configRuleName = requireString(event, 'configRuleName', '');
  const accountId = requireString(event, 'accountId', '');
  if (!/^\d{12}$/.test(accountId)) throw new InvalidEventError('accountId', 'expected a 12-digit account id');
  const ruleParameters = event['ruleParameters'];
  if (ruleParameters !== undefined && ruleParameters !== null && typeof ruleParameters !== 'string') {
    throw new InvalidEventError('ruleParameters', 'expected a JSON string');
  }
  const eventLeftScope = event['eventLeftScope'];
  if (eventLeftScope !== undefined && typeof eventLeftScope !== 'boolean') {
    throw new InvalidEventError('eventLeftScope', 'expected a boolean');
  }

  let invoking: unknown;
  try {
    invoking = JSON.parse(invokingEventText);
  } catch (cause) {
    throw new InvalidEventError('invokingEvent', 'not valid JSON', { cause });
  }
  if (!isRecord(invoking)) throw new InvalidEventError('invokingEvent', 'expected a JSON object');
  const messageType = requireString(invoking, 'messageType', 'invokingEvent.');

  let notification: Notification;
  switch (messageType) {
    case 'ConfigurationItemChangeNotification': {
      const item = invoking['configurationItem'];
      if (!isRecord(item)) {
        throw new InvalidEventError('invokingEvent.configurationItem', 'expected an object');
      }
      notification = {
        kind: 'change',
        item,
        summary: summarizeItem(item, 'invokingEvent.configurationItem.'),
      };
      break;
    }
    case 'OversizedConfigurationItemChangeNotification': {
      const summary = invoking['configurationItemSummary'];
      if (!isRecord(summary)) {
        throw new InvalidEventError('invokingEvent.configurationItemSummary', 'expected an object');
      }
      notification = {
        kind: 'oversized',
        summary: summarizeItem(summary, 'invokingEvent.configurationItemSummary.'),
      };
      break;
    }
    case 'ScheduledNotification':
      notification = {
        kind: 'scheduled',
        notificationCreationTime: requireDate(invoking, 'notificationCreationTime', 'invokingEvent.'),
      };
      break;
    case 'ConfigurationSnapshotDeliveryCompleted':
      notification = { kind: 'ignored', messageType };
      break;
    default:
      throw new InvalidEventError('invokingEvent.messageType', `unsupported message type ${messageType}`);
  }

  return {
    notification,
    ruleParameters: typeof ruleParameters === 'string' ? ruleParameters : undefined,
    resultToken,
    testMode: resultToken === 'TESTMODE',
    eventLeftScope: eventLeftScope === true,
    configRuleName,
    accountId,
    partition: partitionOf(event['configRuleArn']) ?? partitionOf(event['executionRoleArn']) ?? 'aws',
  };
}
