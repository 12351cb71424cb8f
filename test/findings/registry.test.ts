import type { Finding, FindingId, FindingReason } from '../../lib/core/model';
import {
  annotationPriorityOf,
  annotationSentenceOf,
  EXPLICIT_DENY_PRIORITY,
  FINDING_IDS,
  FINDINGS,
  SPEC_SECTIONS,
  type FindingDefinition,
  SPEC_URL,
} from '../../lib/findings/registry';
import { aFinding } from '../builders';

describe('FINDINGS', () => {
  it('declares exactly the finding ids, in their order', () => {
    expect(Object.keys(FINDINGS)).toEqual([...FINDING_IDS]);
  });

  it.each(FINDING_IDS.map((id) => [id]))('describes %s with a section of the page', (id) => {
    // Act
    const entry = FINDINGS[id];

    // Assert
    expect(entry.title).not.toBe('');
    expect(entry.description).not.toBe('');
    expect(entry.specUrl).toBe(entry.docUrl ?? `${SPEC_URL}#${entry.section}`);
    if (entry.docUrl !== undefined) expect(entry.docUrl).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(SPEC_SECTIONS).toContain(entry.section);
  });

  it('refuses, at compile time, an entry without what remediation can do', () => {
    // @ts-expect-error: every part of a FindingDefinition is required (npm run typecheck covers tests)
    const incomplete: FindingDefinition = {
      title: 'Something',
      section: 'execution-IAM-role',
      specUrl: `${SPEC_URL}#execution-IAM-role`,
      description: 'Something else',
      annotationPriority: 5,
      annotationSentence: 'generic',
    };
    expect(Object.keys(incomplete)).not.toContain('remediation');
  });

  it('uses every section of the page', () => {
    const used = new Set(Object.values(FINDINGS).map((entry) => entry.section));
    expect([...used].sort()).toEqual([...SPEC_SECTIONS].sort());
  });

  it.each(FINDING_IDS.map((id) => [id]))('gives %s a whole annotation priority', (id) => {
    expect(Number.isInteger(FINDINGS[id].annotationPriority)).toBe(true);
    expect(FINDINGS[id].annotationPriority).toBeGreaterThanOrEqual(0);
  });
});

describe('annotationPriorityOf', () => {
  const finding = (id: FindingId, reason: FindingReason = { kind: 'noAllow' }): Finding =>
    aFinding({ id, reason });
  const deny: FindingReason = { kind: 'explicitDeny', policyName: 'inline:x', statement: '0' };

  it.each<[string, Finding, number]>([
    ['trust first', finding('TRUST_ECS_TASKS'), 0],
    ['then the confused deputy condition', finding('TRUST_CONFUSED_DEPUTY'), 1],
    ['then unreadable policies', finding('POLICY_UNREADABLE'), 2],
    ['then explicit Denies', finding('SECRETS_MANAGER', deny), EXPLICIT_DENY_PRIORITY],
    ['a denied trust keeps its place', finding('TRUST_ECS_TASKS', deny), 0],
    ['then the execution permissions', finding('EXEC_PERMISSIONS'), 4],
    ['then what consumers need', finding('SECRETS_SSM'), 5],
    ['then KMS keys', finding('KMS_DECRYPT'), 6],
    ['hardening last', finding('MANAGED_POLICY_ATTACHED', { kind: 'notAttached' }), 7],
  ])('%s', (_case, input, expected) => {
    expect(annotationPriorityOf(input)).toBe(expected);
  });
});

describe('annotationSentenceOf', () => {
  it.each<[string, Finding, string]>([
    [
      'a denied trust names the statement',
      aFinding({
        id: 'TRUST_ECS_TASKS',
        action: undefined,
        resource: undefined,
        reason: { kind: 'explicitDeny', policyName: 'trust', statement: 'NoEcs' },
      }),
      'Trust policy denies ecs-tasks.amazonaws.com (statement NoEcs)',
    ],
    [
      'a conditional trust names the condition keys once',
      aFinding({
        id: 'TRUST_ECS_TASKS',
        action: undefined,
        resource: undefined,
        reason: {
          kind: 'conditional',
          conditions: ['StringEquals aws:SourceVpce ["a"] (x)', 'StringLike aws:SourceVpce ["b"] (y)'],
        },
      }),
      'Trust for ecs-tasks.amazonaws.com only under conditions on aws:SourceVpce',
    ],
    [
      'a trust denied under conditions says so',
      aFinding({
        id: 'TRUST_ECS_TASKS',
        action: undefined,
        resource: undefined,
        reason: { kind: 'conditional', deny: true, conditions: ['StringNotEquals aws:SourceVpce ["a"] (x)'] },
      }),
      'Trust for ecs-tasks.amazonaws.com denied under conditions on aws:SourceVpce',
    ],
    [
      'an unreadable trust policy',
      aFinding({
        id: 'TRUST_ECS_TASKS',
        action: undefined,
        resource: undefined,
        reason: { kind: 'unreadable', policyName: 'trust', problem: 'not JSON' },
      }),
      'Unreadable trust policy',
    ],
    [
      'an unknown KMS key, with the consumers',
      aFinding({
        id: 'KMS_DECRYPT',
        action: 'kms:Decrypt',
        resource: undefined,
        neededBy: [{ kind: 'batch-job-definition', name: 'etl:3' }],
        reason: {
          kind: 'unverifiable',
          subject: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf',
          problem: 'cannot be checked',
        },
      }),
      'Cannot verify kms:Decrypt for ...:secret:db-AbCdEf (KMS key unknown) for job definition etl:3',
    ],
    [
      'an unusable secret reference',
      aFinding({
        id: 'SECRETS_MANAGER',
        action: undefined,
        resource: undefined,
        reason: { kind: 'unverifiable', subject: 'not-an-arn', problem: 'is not an ARN' },
      }),
      'Unusable secret reference not-an-arn',
    ],
  ])('%s', (_case, input, expected) => {
    expect(annotationSentenceOf(input)).toBe(expected);
  });
});
