/**
 * IAM's size limits, filled to the brim, through every path the rule reads a role: a change notification
 * carrying the whole item, an oversized notification (GetResourceConfigHistory) and a periodic sweep. The
 * verdict is the same on every path, the deciding statement sits at the very end of the largest documents,
 * and annotations stay within Config's 256 characters however many findings there are.
 *
 * Limits (IAM and STS quotas): inline policies of a role 10,240 characters in total; a managed policy 6,144;
 * 20 managed policies attached per role by default; a role trust policy 2,048 by default, more with a quota
 * increase (up to 8,192), so 6,144 is a real, raised-quota trust policy. IAM does not count white space:
 * the documents below are compact JSON, so their length is what IAM counts.
 */
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { MAX_ANNOTATION_LENGTH } from '../../lib/findings/annotation';
import { mapWithConcurrency } from '../../lib/aws/concurrency';
import {
  apiConfigurationItem,
  eventConfigurationItem,
  roleConfigurationFromIam,
} from '../support/configuration-items';
import { MOTO_ACCOUNT_ID } from '../support/moto';
import {
  EXECUTION_ROLE_POLICY_ARN,
  seedJobDefinition,
  seedManagedPolicy,
  seedRole,
  type SeededRole,
} from '../support/seed';
import { Figures } from './figures';
import {
  ruleEvent,
  runInProcess,
  scheduledEvent,
  startStack,
  stopStack,
  verdictsOf,
  type Stack,
} from './support';
import { EXECUTION_ROLE_ACTIONS } from '../builders';

const INLINE_TOTAL = 10_240;
const MANAGED_POLICY_SIZE = 6_144;
const ATTACHED_POLICIES = 20;
const DEFAULT_TRUST_SIZE = 2_048;
const RAISED_TRUST_SIZE = 6_144;

type Statement = Record<string, unknown>;

/** A compact policy document of exactly `size` characters: `statements` padded before the last one. */
function documentOfSize(statements: readonly Statement[], size: number, principal = false): string {
  const padding = (filler: string): Statement =>
    principal
      ? {
          Effect: 'Allow',
          Principal: { AWS: `arn:aws:iam::${MOTO_ACCOUNT_ID}:role/${filler}` },
          Action: 'sts:AssumeRole',
        }
      : { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::padding/${filler}` };
  // The padding goes first, so the statements that decide are at the very end of the document.
  const text = (filler: string) =>
    JSON.stringify({ Version: '2012-10-17', Statement: [padding(filler), ...statements] });
  const room = size - text('').length;
  if (room < 1) throw new Error(`statements alone exceed ${size} characters`);
  const document = text('p'.repeat(room));
  if (document.length !== size) throw new Error(`padding missed: ${document.length} != ${size}`);
  return document;
}

const ECS_TRUST: Statement = {
  Effect: 'Allow',
  Principal: { Service: 'ecs-tasks.amazonaws.com' },
  Action: 'sts:AssumeRole',
};
const SIX_ACTIONS: Statement = {
  Effect: 'Allow',
  Action: [...EXECUTION_ROLE_ACTIONS],
  Resource: '*',
};

let stack: Stack;
let secretArn: string;
const roles: Record<string, SeededRole> = {};
const figures = new Figures('size-limits');

/**
 * A role at every limit: a trust policy of `trustSize` with ecs-tasks last, five inline policies of 2,048
 * characters (10,240 in all) with the secret grant (and `lastStatement`, if any) at the end of the last one,
 * AmazonECSTaskExecutionRolePolicy plus 19 customer managed policies of 6,144 characters each.
 */
async function seedRoleAtLimits(
  name: string,
  trustSize: number,
  lastStatement?: Statement,
): Promise<SeededRole> {
  const inlineSize = INLINE_TOTAL / 5;
  const secretGrant: Statement = {
    Effect: 'Allow',
    Action: 'secretsmanager:GetSecretValue',
    Resource: secretArn,
  };
  const inline: Record<string, string> = {
    'limits-0': documentOfSize([SIX_ACTIONS], inlineSize),
    'limits-1': documentOfSize([], inlineSize),
    'limits-2': documentOfSize([], inlineSize),
    'limits-3': documentOfSize([], inlineSize),
    'limits-4': documentOfSize([secretGrant, ...(lastStatement ? [lastStatement] : [])], inlineSize),
  };
  const managed = await mapWithConcurrency(
    Array.from({ length: ATTACHED_POLICIES - 1 }, (_, index) => index),
    4,
    (index) =>
      seedManagedPolicy(stack.direct.iam, {
        name: `${name}-managed-${index}`,
        document: JSON.parse(documentOfSize([], MANAGED_POLICY_SIZE)) as object,
      }),
  );
  const role = await seedRole(stack.direct.iam, {
    name,
    trust: JSON.parse(documentOfSize([ECS_TRUST], trustSize, true)) as object,
    inline: Object.fromEntries(
      Object.entries(inline).map(([key, text]) => [key, JSON.parse(text) as object]),
    ),
    managedPolicyArns: [...managed, EXECUTION_ROLE_POLICY_ARN],
  });
  await seedJobDefinition(stack.direct.batch, {
    name: `job-${name}`,
    executionRoleArn: role.arn,
    secrets: [{ name: 'DB_PASSWORD', valueFrom: secretArn }],
  });
  return role;
}

/** A role whose jobs need far more than it has: 30 long-named job definitions, 10 long-named secrets each. */
async function seedRoleWithManyFindings(): Promise<SeededRole> {
  const role = await seedRole(stack.direct.iam, { name: `exec-${'n'.repeat(59)}` });
  const secretNames = Array.from({ length: 10 }, (_, index) => `team/${'s'.repeat(180)}/${index}`);
  const arns = await mapWithConcurrency(secretNames, 4, async (Name) => {
    const answer = await stack.direct.secretsManager.send(
      new CreateSecretCommand({ Name, SecretString: 'x' }),
    );
    return answer.ARN ?? '';
  });
  await mapWithConcurrency(
    Array.from({ length: 30 }, (_, index) => index),
    4,
    (index) =>
      seedJobDefinition(stack.direct.batch, {
        name: `${'j'.repeat(120)}-${index}`,
        executionRoleArn: role.arn,
        secrets: arns.map((valueFrom, position) => ({ name: `S${position}`, valueFrom })),
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': `/team/${'g'.repeat(400)}/${index}` },
        },
      }),
  );
  return role;
}

beforeAll(async () => {
  stack = await startStack();
  stack.faults.setFaults([]);
  const secret = await stack.direct.secretsManager.send(
    new CreateSecretCommand({ Name: 'prod/limits/db', SecretString: 'x' }),
  );
  secretArn = secret.ARN ?? '';
  roles['compliant, raised-quota trust'] = await seedRoleAtLimits('exec-limits-raised', RAISED_TRUST_SIZE);
  roles['compliant, default-quota trust'] = await seedRoleAtLimits('exec-limits-default', DEFAULT_TRUST_SIZE);
  roles['denied in the last statement'] = await seedRoleAtLimits('exec-limits-denied', DEFAULT_TRUST_SIZE, {
    Sid: 'DenyDbSecretAtTheVeryEnd',
    Effect: 'Deny',
    Action: 'secretsmanager:GetSecretValue',
    Resource: secretArn,
  });
  roles['many findings'] = await seedRoleWithManyFindings();
}, 120_000);

afterAll(async () => {
  figures.write();
  await stopStack(stack);
});

const CAPTURE_TIME = new Date('2026-11-28T09:15:42Z');

async function changeVerdict(role: SeededRole): Promise<{ verdict: string; eventSize: number }> {
  stack.recorder.clear();
  const configuration = await roleConfigurationFromIam(stack.direct.iam, role.roleName);
  const event = ruleEvent({
    configurationItem: eventConfigurationItem(configuration, { captureTime: CAPTURE_TIME }),
    notificationCreationTime: '2026-11-28T09:16:01.552Z',
    messageType: 'ConfigurationItemChangeNotification',
    recordVersion: '1.3',
  });
  const run = await runInProcess(stack, event);
  if (run.error !== undefined) throw run.error;
  return { verdict: only(role), eventSize: JSON.stringify(event).length };
}

async function oversizedVerdict(role: SeededRole): Promise<string> {
  stack.recorder.clear();
  const configuration = await roleConfigurationFromIam(stack.direct.iam, role.roleName);
  stack.recorder.setConfigurationItem(apiConfigurationItem(configuration, { captureTime: CAPTURE_TIME }));
  const run = await runInProcess(
    stack,
    ruleEvent({
      configurationItemSummary: {
        changeType: 'UPDATE',
        configurationItemCaptureTime: CAPTURE_TIME.toISOString(),
        awsAccountId: MOTO_ACCOUNT_ID,
        configurationItemStatus: 'OK',
        resourceType: 'AWS::IAM::Role',
        resourceId: role.roleId,
        resourceName: role.roleName,
        ARN: role.arn,
        awsRegion: 'global',
      },
      notificationCreationTime: '2026-11-28T09:16:01.552Z',
      messageType: 'OversizedConfigurationItemChangeNotification',
      recordVersion: '1.0',
    }),
  );
  if (run.error !== undefined) throw run.error;
  return only(role);
}

function only(role: SeededRole): string {
  const verdict = verdictsOf(stack.recorder.deliveredEvaluations()).get(role.roleId);
  if (verdict === undefined) throw new Error(`no verdict for ${role.roleName}`);
  return verdict;
}

describe('the documents are at the limits', () => {
  it('inline policies total 10,240 characters, managed ones 6,144 each, trusts 2,048 and 6,144', () => {
    expect(documentOfSize([SIX_ACTIONS], INLINE_TOTAL / 5)).toHaveLength(2_048);
    expect(documentOfSize([], MANAGED_POLICY_SIZE)).toHaveLength(6_144);
    expect(documentOfSize([ECS_TRUST], RAISED_TRUST_SIZE, true)).toHaveLength(6_144);
    expect(
      documentOfSize([ECS_TRUST], DEFAULT_TRUST_SIZE, true).endsWith(`${JSON.stringify(ECS_TRUST)}]}`),
    ).toBe(true);
  });
});

describe.each([
  ['compliant, raised-quota trust', 'COMPLIANT'],
  ['compliant, default-quota trust', 'COMPLIANT'],
  ['denied in the last statement', 'NON_COMPLIANT'],
  ['many findings', 'NON_COMPLIANT'],
])('a role at the limits: %s', (label, compliance) => {
  let change: string;

  it(`a change notification carrying the whole item judges it ${compliance}`, async () => {
    const role = roles[label] as SeededRole;
    const result = await changeVerdict(role);
    change = result.verdict;
    expect(change.split(' | ')[0]).toBe(compliance);
    figures.max('largestChangeEventCharacters', result.eventSize);
  });

  it('an oversized notification (GetResourceConfigHistory) gives the same verdict', async () => {
    expect(await oversizedVerdict(roles[label] as SeededRole)).toBe(change);
  });

  it('the annotation fits 256 characters', () => {
    const annotation = change.split(' | ')[1] ?? '';
    expect(annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
    if (compliance === 'NON_COMPLIANT') expect(annotation.length).toBeGreaterThan(0);
  });
});

describe('findings at the limits', () => {
  it('the Deny at the very end of 10,240 characters of inline policy is the one named', async () => {
    const { verdict } = await changeVerdict(roles['denied in the last statement'] as SeededRole);
    expect(verdict).toContain('GetSecretValue');
    expect(verdict).toContain('denied by inline policy limits-4');
  });

  it('a role needing 300 grants it lacks is summarised within 256 characters', async () => {
    const { verdict } = await changeVerdict(roles['many findings'] as SeededRole);
    expect(verdict).toMatch(/\(\+\d+ more\)/);
  });

  it('a periodic sweep over all of them gives the same verdicts as the change notifications', async () => {
    // Arrange
    const expected = new Map<string, string>();
    for (const role of Object.values(roles)) expected.set(role.roleId, (await changeVerdict(role)).verdict);
    stack.recorder.clear();

    // Act
    const run = await runInProcess(stack, scheduledEvent());

    // Assert
    expect(run.error).toBeUndefined();
    expect(verdictsOf(stack.recorder.deliveredEvaluations())).toEqual(expected);
    figures.add('rolesAtLimits', Object.keys(roles).length);
  });
});
