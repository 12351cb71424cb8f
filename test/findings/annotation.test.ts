import fc from 'fast-check';
import { buildAnnotation, MAX_ANNOTATION_LENGTH } from '../../lib/findings/annotation';
import { shortArn } from '../../lib/findings/render';
import type { Finding } from '../../lib/core/model';
import { ACCOUNT, aFinding, EXECUTION_ROLE_ACTIONS, jobDefinition, REGION } from '../builders';

const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`;
const STREAMS = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/etl:log-stream:*`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd`;

const denyLogs = aFinding({
  reason: { kind: 'explicitDeny', policyName: 'inline:deny-logs', statement: '0' },
});
const secretMissing = aFinding({
  id: 'SECRETS_MANAGER',
  action: 'secretsmanager:GetSecretValue',
  resource: SECRET,
  neededBy: [jobDefinition('etl:3')],
});
const trustMissing = aFinding({
  id: 'TRUST_ECS_TASKS',
  reason: { kind: 'noAllow' },
  action: undefined,
  resource: undefined,
});
const notAttached = aFinding({
  id: 'MANAGED_POLICY_ATTACHED',
  reason: { kind: 'notAttached' },
  action: undefined,
  resource: undefined,
});
const kmsMissing = aFinding({
  id: 'KMS_DECRYPT',
  action: 'kms:Decrypt',
  resource: KEY,
  neededBy: [jobDefinition('etl:3')],
});

describe('buildAnnotation', () => {
  it('is empty without findings', () => {
    expect(buildAnnotation([])).toBe('');
  });

  it.each<[string, Finding[], string]>([
    [
      'the example of the issue',
      [denyLogs, secretMissing],
      'Missing logs:PutLogEvents (denied by inline policy deny-logs); secretsmanager:GetSecretValue on ' +
        '...:secret:prod/db-AbCdEf for job definition etl:3',
    ],
    [
      'most important first, whatever the input order',
      [notAttached, kmsMissing, secretMissing, trustMissing],
      'Trust policy does not allow ecs-tasks.amazonaws.com. Missing secretsmanager:GetSecretValue on ' +
        '...:secret:prod/db-AbCdEf, kms:Decrypt on ...:key/1234abcd for job definition etl:3. ' +
        'AmazonECSTaskExecutionRolePolicy not attached',
    ],
    [
      'the six actions, one service prefix per run',
      EXECUTION_ROLE_ACTIONS.map((action) => aFinding({ action })),
      'Missing ecr:GetAuthorizationToken, BatchCheckLayerAvailability, GetDownloadUrlForLayer, BatchGetImage, ' +
        'logs:CreateLogStream, PutLogEvents',
    ],
    [
      'actions on one log group together, shown by its group',
      ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) =>
        aFinding({ action, resource: STREAMS, neededBy: [jobDefinition('etl:3'), jobDefinition('etl:4')] }),
      ),
      'Missing logs:CreateLogStream, PutLogEvents on ...:log-group:/etl for job definitions etl:3, etl:4',
    ],
    [
      'many consumers counted',
      [aFinding({ neededBy: ['a:1', 'b:1', 'c:1', 'd:1'].map(jobDefinition) })],
      'Missing logs:PutLogEvents for job definitions a:1, b:1 and 2 more',
    ],
    [
      'task definitions and rule parameters named as such',
      [
        aFinding({
          neededBy: [
            { kind: 'ecs-task-definition', name: 'web:12' },
            { kind: 'rule-parameter', name: 'SecretArns' },
          ],
        }),
      ],
      'Missing logs:PutLogEvents for task definition web:12, rule parameter SecretArns',
    ],
    [
      'boundary and conditions',
      [
        aFinding({ reason: { kind: 'boundary', policyName: 'boundary:guard' } }),
        aFinding({
          action: 'ecr:BatchGetImage',
          reason: {
            kind: 'conditional',
            conditions: ['StringEquals aws:SourceVpce ["v"] (x)', 'StringEquals aws:SourceVpce ["w"] (y)'],
          },
        }),
      ],
      'Missing logs:PutLogEvents (not allowed by permissions boundary guard); ecr:BatchGetImage (only under ' +
        'conditions on aws:SourceVpce)',
    ],
    [
      'a conditional Deny over several actions: said once, as a denial',
      [
        ...['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) =>
          aFinding({
            action,
            reason: {
              kind: 'conditional',
              deny: true,
              conditions: ['StringNotEquals aws:SourceVpce ["v"] (inline policy guard statement 0)'],
            },
          }),
        ),
      ],
      'Missing logs:CreateLogStream, PutLogEvents (denied under conditions on aws:SourceVpce)',
    ],
    [
      'an operator IAM does not define is named',
      [
        aFinding({
          reason: {
            kind: 'conditional',
            deny: true,
            conditions: ['StringEqualz aws:SourceVpce ["v"] (inline policy guard statement 0)'],
          },
        }),
      ],
      'Missing logs:PutLogEvents (denied under conditions on aws:SourceVpce; unknown operator StringEqualz)',
    ],
    [
      'unreadable policies in one sentence, before missing grants',
      [
        aFinding(),
        aFinding({
          id: 'POLICY_UNREADABLE',
          action: undefined,
          resource: undefined,
          reason: { kind: 'unreadable', policyName: 'inline:a', problem: 'x' },
        }),
        aFinding({
          id: 'POLICY_UNREADABLE',
          action: undefined,
          resource: undefined,
          reason: { kind: 'unreadable', policyName: 'managed:b', problem: 'y' },
        }),
      ],
      'Unreadable inline policy a, managed policy b. Missing logs:PutLogEvents',
    ],
    [
      'trust variants',
      [
        aFinding({
          id: 'TRUST_ECS_TASKS',
          action: undefined,
          resource: undefined,
          reason: { kind: 'explicitDeny', policyName: 'trust', statement: '1' },
        }),
        aFinding({
          id: 'TRUST_CONFUSED_DEPUTY',
          action: undefined,
          resource: undefined,
          reason: { kind: 'noConfusedDeputyCondition' },
        }),
      ],
      'Trust policy denies ecs-tasks.amazonaws.com (statement 1). Trust lacks aws:SourceAccount or aws:SourceArn',
    ],
    [
      'what cannot be verified',
      [
        aFinding({
          id: 'KMS_DECRYPT',
          action: 'kms:Decrypt',
          resource: undefined,
          neededBy: [jobDefinition('etl:3')],
          reason: { kind: 'unverifiable', subject: SECRET, problem: 'p' },
        }),
        aFinding({
          id: 'SECRETS_SSM',
          action: undefined,
          resource: undefined,
          neededBy: [jobDefinition('etl:3')],
          reason: { kind: 'unverifiable', subject: 'secrets[DB] "s3"', problem: 'p' },
        }),
      ],
      'Unusable secret reference secrets[DB] "s3" for job definition etl:3. Cannot verify kms:Decrypt for ' +
        '...:secret:prod/db-AbCdEf (KMS key unknown) for job definition etl:3',
    ],
    [
      'duplicate findings once',
      [secretMissing, secretMissing],
      'Missing secretsmanager:GetSecretValue on ...:secret:prod/db-AbCdEf for job definition etl:3',
    ],
  ])('%s', (_label, findings, expected) => {
    expect(buildAnnotation(findings)).toBe(expected);
  });

  it('drops whole items when too long and counts the findings left out', () => {
    // Arrange: 20 secrets, each its own item (different consumers).
    const findings = Array.from({ length: 20 }, (_, i) =>
      aFinding({ ...secretMissing, resource: `${SECRET}${i}`, neededBy: [jobDefinition(`job${i}:1`)] }),
    );

    // Act
    const annotation = buildAnnotation(findings);

    // Assert
    expect(annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    const match = /^(.*) \(\+(\d+) more\)$/.exec(annotation);
    expect(match).not.toBeNull();
    const shown = (match?.[1] ?? '').split('; ').length;
    expect(shown + Number(match?.[2])).toBe(20);
    expect(buildAnnotation(findings, Infinity).startsWith(match?.[1] ?? '')).toBe(true);
  });

  it('cuts a single overlong item at a word boundary', () => {
    // Arrange
    const conditions = Array.from(
      { length: 30 },
      (_, i) => `StringEquals aws:PrincipalTag/key${i} ["v"] (x)`,
    );
    const findings = [
      aFinding({ reason: { kind: 'conditional', conditions } }),
      aFinding({ action: 'ecr:BatchGetImage' }),
    ];

    // Act
    const annotation = buildAnnotation(findings);

    // Assert
    expect(annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    expect(annotation).toMatch(/[^ ]\.\.\. \(\+1 more\)$/);
    const kept = annotation.replace(/\.\.\. \(\+1 more\)$/, '');
    expect(buildAnnotation(findings, Infinity).startsWith(kept)).toBe(true);
    expect([' ', ',']).toContain(buildAnnotation(findings, Infinity).charAt(kept.length));
  });

  it('always fits the limit, and truncated text is a prefix of the full text ending at an item', () => {
    const findingArb = fc.record({
      id: fc.constantFrom(
        'EXEC_PERMISSIONS',
        'SECRETS_MANAGER',
        'SECRETS_SSM',
        'KMS_DECRYPT',
        'TRUST_ECS_TASKS' as const,
      ),
      action: fc.constantFrom('logs:PutLogEvents', 'ssm:GetParameters', 'kms:Decrypt'),
      resource: fc.stringMatching(/^[a-z0-9/-]{1,60}$/).map((name) => `${SECRET}${name}`),
      consumer: fc.stringMatching(/^[a-z]{1,30}:[0-9]{1,3}$/),
      deny: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(findingArb, { minLength: 1, maxLength: 40 }), (raw) => {
        // Arrange
        const findings = raw.map((f) =>
          aFinding({
            id: f.id,
            action: f.action,
            resource: f.resource,
            neededBy: [jobDefinition(f.consumer)],
            reason: f.deny
              ? { kind: 'explicitDeny', policyName: 'inline:d', statement: '0' }
              : { kind: 'noAllow' },
          }),
        );

        // Act
        const annotation = buildAnnotation(findings);
        const full = buildAnnotation(findings, Infinity);

        // Assert
        expect(annotation.length).toBeGreaterThan(0);
        expect(annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
        if (annotation !== full) {
          const kept = annotation.replace(/(\.\.\.)? \(\+\d+ more\)$/, '');
          expect(annotation).toMatch(/\(\+\d+ more\)$/);
          expect(full.startsWith(kept)).toBe(true);
          expect([' ', ';', '.', ',']).toContain(full.charAt(kept.length));
        }
      }),
    );
  });
});

describe('shortArn', () => {
  it.each([
    [SECRET, '...:secret:prod/db-AbCdEf'],
    [STREAMS, '...:log-group:/etl'],
    [`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/team/app`, '...:repository/team/app'],
    ['*', '*'],
    ['arn:aws:s3', 'arn:aws:s3'],
  ])('%s -> %s', (arn, expected) => {
    expect(shortArn(arn)).toBe(expected);
  });
});
