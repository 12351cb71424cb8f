import type { FindingReason } from '../../lib/core/model';
import {
  conditionalReason,
  describeReason,
  notGrantedGroupMessage,
  unfixableReasonText,
  unknownOperatorHints,
} from '../../lib/findings/render';
import type { UnresolvedCondition } from '../../lib/policy';
import { aFinding, jobDefinition } from '../builders';

const condition = (effect: 'Allow' | 'Deny', operator = 'StringEquals'): UnresolvedCondition => ({
  policyKind: 'inline',
  policyName: 'guard',
  statementIndex: 1,
  effect,
  operator,
  key: 'aws:SourceVpce',
  values: ['vpce-1'],
});

describe('conditionalReason: whose conditions they are', () => {
  it.each<[string, UnresolvedCondition[], boolean | undefined]>([
    ['an Allow that grants only under them', [condition('Allow')], undefined],
    ['a Deny that may refuse', [condition('Deny')], true],
    ['both (layers): not a pure denial', [condition('Allow'), condition('Deny')], undefined],
    ['none', [], undefined],
  ])('%s', (_label, unresolved, deny) => {
    // Act
    const reason = conditionalReason(unresolved);

    // Assert
    expect(reason.kind === 'conditional' && reason.deny).toBe(deny);
    expect(reason).toMatchObject({
      conditions: unresolved.map(() => expect.stringContaining('aws:SourceVpce')),
    });
  });
});

describe('conditional reasons in words', () => {
  const allowReason = conditionalReason([condition('Allow')]);
  const denyReason = conditionalReason([condition('Deny')]);
  const typoReason = conditionalReason([
    condition('Deny', 'StringEqualz'),
    condition('Deny', 'StringEqualz'),
  ]);
  it.each<[string, FindingReason, string]>([
    [
      'an Allow',
      allowReason,
      'allowed only under conditions the rule cannot verify: StringEquals aws:SourceVpce ["vpce-1"] (inline policy guard statement 1)',
    ],
    [
      'a Deny',
      denyReason,
      'denied under conditions the rule cannot verify, so not proven allowed: StringEquals aws:SourceVpce ["vpce-1"] (inline policy guard statement 1)',
    ],
    [
      'an operator IAM does not define, hinted once',
      typoReason,
      'denied under conditions the rule cannot verify, so not proven allowed: ' +
        'StringEqualz aws:SourceVpce ["vpce-1"] (inline policy guard statement 1); ' +
        'StringEqualz aws:SourceVpce ["vpce-1"] (inline policy guard statement 1); ' +
        'StringEqualz is not an IAM condition operator (did you mean StringEquals?)',
    ],
  ])('%s', (_label, reason, text) => {
    expect(describeReason(reason)).toBe(text);
  });

  it('gives no hint for what the engine reports that is not an operator (a Resource with a variable)', () => {
    expect(unknownOperatorHints(['Resource aws:username ["arn:aws:s3:::b/${aws:username}"] (x)'])).toEqual(
      [],
    );
  });

  it('groups actions that share a reason: one sentence, resources kept apart', () => {
    // Act
    const message = notGrantedGroupMessage(
      [
        { action: 'ecr:GetAuthorizationToken', resource: '*' },
        { action: 'logs:CreateLogStream', resource: 'arn:aws:logs:us-east-1:1:log-group:/x:log-stream:*' },
        { action: 'logs:PutLogEvents', resource: 'arn:aws:logs:us-east-1:1:log-group:/x:log-stream:*' },
      ],
      denyReason,
      [jobDefinition('etl:3')],
    );

    // Assert
    expect(message).toBe(
      'ecr:GetAuthorizationToken; logs:CreateLogStream, PutLogEvents on arn:aws:logs:us-east-1:1:log-group:/x:log-stream:* ' +
        'are not granted: denied under conditions the rule cannot verify, so not proven allowed: ' +
        'StringEquals aws:SourceVpce ["vpce-1"] (inline policy guard statement 1) (needed by job definition etl:3)',
    );
  });

  it.each<[string, FindingReason, RegExp]>([
    [
      'an Allow: no unconditional grant beside a deliberate condition',
      allowReason,
      /granted only under conditions/,
    ],
    [
      'a Deny: no added grant overrides it',
      denyReason,
      /is denied under conditions .*no added grant overrides a Deny/,
    ],
  ])('the remediation refuses %s', (_label, reason, text) => {
    expect(unfixableReasonText(aFinding({ reason }))).toMatch(text);
  });
});
