import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLiveStatus, parseConfigRuleEvent } from '../../lib/config/event';
import { InvalidEventError } from '../../lib/core/errors';

const sample = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', name), 'utf8')) as Record<string, unknown>;

function withInvoking(base: Record<string, unknown>, change: (invoking: Record<string, unknown>) => void) {
  const invoking = JSON.parse(base['invokingEvent'] as string) as Record<string, unknown>;
  change(invoking);
  return { ...base, invokingEvent: JSON.stringify(invoking) };
}

describe('parseConfigRuleEvent', () => {
  it.each([
    ['change.json', 'change'],
    ['change-deleted.json', 'change'],
    ['oversized.json', 'oversized'],
    ['scheduled.json', 'scheduled'],
  ])('reads events/%s as a %s notification', (file, kind) => {
    const parsed = parseConfigRuleEvent(sample(file));
    expect(parsed.notification.kind).toBe(kind);
    expect(parsed.configRuleName).toBe('execution-role-check');
    expect(parsed.accountId).toBe('123456789012');
    expect(parsed.testMode).toBe(true);
    expect(parsed.partition).toBe('aws');
  });

  it('takes the capture time and resource id of a change notification', () => {
    const parsed = parseConfigRuleEvent(sample('change.json'));
    if (parsed.notification.kind !== 'change') throw new Error('expected change');
    expect(parsed.notification.summary).toEqual({
      resourceType: 'AWS::IAM::Role',
      resourceId: 'AROAEXAMPLEEXECROLE01',
      status: 'OK',
      captureTime: new Date('2026-11-28T09:15:42.113Z'),
    });
  });

  it('reads the periodic notification time', () => {
    const parsed = parseConfigRuleEvent(sample('scheduled.json'));
    expect(parsed.notification).toEqual({
      kind: 'scheduled',
      notificationCreationTime: new Date('2026-11-28T00:00:00.000Z'),
    });
  });

  it('sets testMode only for the TESTMODE token', () => {
    const parsed = parseConfigRuleEvent({ ...sample('scheduled.json'), resultToken: 'eyJhbGciOi...' });
    expect(parsed.testMode).toBe(false);
  });

  it('takes the partition from the rule ARN', () => {
    const event = {
      ...sample('scheduled.json'),
      configRuleArn: 'arn:aws-cn:config:cn-north-1:123456789012:config-rule/config-rule-x',
    };
    expect(parseConfigRuleEvent(event).partition).toBe('aws-cn');
  });

  it('ignores snapshot deliveries', () => {
    const event = withInvoking(sample('scheduled.json'), (i) => {
      i['messageType'] = 'ConfigurationSnapshotDeliveryCompleted';
    });
    expect(parseConfigRuleEvent(event).notification).toEqual({
      kind: 'ignored',
      messageType: 'ConfigurationSnapshotDeliveryCompleted',
    });
  });

  const base = sample('change.json');
  it.each<[string, unknown, string]>([
    ['a non-object event', 'hello', 'event'],
    ['a missing invokingEvent', { ...base, invokingEvent: undefined }, 'invokingEvent'],
    ['an invokingEvent that is not JSON', { ...base, invokingEvent: '{nope' }, 'invokingEvent'],
    ['an invokingEvent that is an array', { ...base, invokingEvent: '[]' }, 'invokingEvent'],
    ['a missing resultToken', { ...base, resultToken: '' }, 'resultToken'],
    ['a missing configRuleName', { ...base, configRuleName: undefined }, 'configRuleName'],
    ['a bad accountId', { ...base, accountId: '12345' }, 'accountId'],
    ['ruleParameters that are an object', { ...base, ruleParameters: {} }, 'ruleParameters'],
    ['eventLeftScope that is a string', { ...base, eventLeftScope: 'true' }, 'eventLeftScope'],
    [
      'an unknown message type',
      withInvoking(base, (i) => (i['messageType'] = 'Nope')),
      'invokingEvent.messageType',
    ],
    [
      'a change without configurationItem',
      withInvoking(base, (i) => delete i['configurationItem']),
      'invokingEvent.configurationItem',
    ],
    [
      'an item without resourceId',
      withInvoking(base, (i) => delete (i['configurationItem'] as Record<string, unknown>)['resourceId']),
      'invokingEvent.configurationItem.resourceId',
    ],
    [
      'an item with a bad capture time',
      withInvoking(
        base,
        (i) =>
          ((i['configurationItem'] as Record<string, unknown>)['configurationItemCaptureTime'] = 'yesterday'),
      ),
      'invokingEvent.configurationItem.configurationItemCaptureTime',
    ],
    [
      'an oversized event without its summary',
      withInvoking(sample('oversized.json'), (i) => delete i['configurationItemSummary']),
      'invokingEvent.configurationItemSummary',
    ],
    [
      'a periodic event without notificationCreationTime',
      withInvoking(sample('scheduled.json'), (i) => delete i['notificationCreationTime']),
      'invokingEvent.notificationCreationTime',
    ],
  ])('rejects %s, naming the field', (_name, event, field) => {
    let error: unknown;
    try {
      parseConfigRuleEvent(event);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidEventError);
    expect((error as InvalidEventError).field).toBe(field);
    expect((error as Error).message).toContain(field);
  });
});

describe('isLiveStatus', () => {
  it.each([
    ['OK', true],
    ['ResourceDiscovered', true],
    ['ResourceNotRecorded', false],
    ['ResourceDeleted', false],
    ['ResourceDeletedNotRecorded', false],
  ])('%s -> %s', (status, live) => {
    expect(isLiveStatus(status)).toBe(live);
  });
});
