/**
 * Mutated events: start from the sample events in events/, delete, retype or garble their fields (inside
 * the JSON strings too), and run the rule over in-memory ports. The outcome is a named error or verdicts
 * that are never COMPLIANT for a role that is not, nor for one whose policy documents were corrupted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { snapshotFromDescription } from '../../lib/facts/authorization-details';
import { descriptionFromConfigurationItem } from '../../lib/config/configuration-item';
import { AwsCallError, InvalidEventError, InvalidRuleParametersError } from '../../lib/core/errors';
import type { RoleSnapshot } from '../../lib/core/model';
import type { ConfigEvaluation, ConfigGateway, EventConfigurationItem } from '../../lib/config/ports';
import type { IamReader, ManagedPolicyDocument, RoleDescription, UsageReader } from '../../lib/facts/ports';
import { runRule } from '../../lib/config/runner';
import type { BatchJobDefinition, KeyMetadata } from '../../lib/usage/types';
import { EXECUTION_ROLE_POLICY, EXECUTION_ROLE_POLICY_ARN } from '../builders';
import { Figures } from './figures';

const REGION = 'us-east-1';
const figures = new Figures('hostile-events');
afterAll(() => figures.write());

type Json = Record<string, unknown>;

function sample(name: string): Json {
  return JSON.parse(readFileSync(join(__dirname, '..', '..', 'events', `${name}.json`), 'utf8')) as Json;
}

/** The event with its invokingEvent parsed, for editing; `restring` turns it back. */
function opened(event: Json): Json {
  return {
    ...event,
    invokingEvent: JSON.parse(event['invokingEvent'] as string) as unknown,
    ruleParameters: JSON.parse(event['ruleParameters'] as string) as unknown,
  };
}

const COMPLIANT_CHANGE = sample('change');
const CHANGE_ITEM = (opened(COMPLIANT_CHANGE)['invokingEvent'] as Json)['configurationItem'] as Json;
const ROLE_ARN = (CHANGE_ITEM['configuration'] as Json)['arn'] as string;

/** The sample change with the managed policy detached: the six execution actions are missing. */
const NON_COMPLIANT_ITEM: Json = {
  ...CHANGE_ITEM,
  configuration: { ...(CHANGE_ITEM['configuration'] as Json), attachedManagedPolicies: [] },
};
function withItem(item: Json): Json {
  const open = opened(COMPLIANT_CHANGE);
  return {
    ...COMPLIANT_CHANGE,
    invokingEvent: JSON.stringify({ ...(open['invokingEvent'] as Json), configurationItem: item }),
  };
}

// A job that uses the sample role and the secret its inline policy grants: that grant is needed.
const JOB: BatchJobDefinition = {
  jobDefinitionName: 'etl',
  revision: 3,
  status: 'ACTIVE',
  type: 'container',
  containerProperties: {
    image: 'public.ecr.aws/docker/library/busybox:latest',
    executionRoleArn: ROLE_ARN,
    secrets: [
      { name: 'DB', valueFrom: `arn:aws:secretsmanager:${REGION}:123456789012:secret:prod/db-AbCdEf` },
    ],
  },
};
const KEYS: KeyMetadata = new Map([
  [`arn:aws:secretsmanager:${REGION}:123456789012:secret:prod/db-AbCdEf`, null],
]);

/** In-memory AWS: IAM knows only AmazonECSTaskExecutionRolePolicy, Config holds the non-compliant item. */
class FakeAws implements IamReader, UsageReader, ConfigGateway {
  readonly put: ConfigEvaluation[] = [];

  async completeRole(description: RoleDescription, accountId: string): Promise<RoleSnapshot> {
    const known = new Map<string, ManagedPolicyDocument>([
      [
        EXECUTION_ROLE_POLICY_ARN,
        {
          arn: EXECUTION_ROLE_POLICY_ARN,
          name: 'AmazonECSTaskExecutionRolePolicy',
          defaultVersionId: 'v1',
          document: EXECUTION_ROLE_POLICY,
        },
      ],
    ]);
    const { snapshot, missingPolicyArns } = snapshotFromDescription(description, known, accountId);
    // As IAM would answer GetPolicy for a policy that does not exist.
    if (missingPolicyArns.length > 0)
      throw new AwsCallError('GetPolicy', `NoSuchEntity: ${missingPolicyArns.join(', ')}`);
    return snapshot;
  }
  async loadAllRoles(): Promise<RoleSnapshot[]> {
    return [await this.completeRole(descriptionFromConfigurationItem(NON_COMPLIANT_ITEM), '123456789012')];
  }
  async findRole(): Promise<RoleSnapshot | undefined> {
    return undefined;
  }
  async listActiveJobDefinitions(): Promise<BatchJobDefinition[]> {
    return [JOB];
  }
  async listLatestTaskDefinitions() {
    return [];
  }
  async describeKeys(): ReturnType<UsageReader['describeKeys']> {
    return { keys: KEYS, resolvedArns: new Map() };
  }
  async pullThroughCachePrefixes(): Promise<readonly string[]> {
    return [];
  }
  async bucketEncryption(): ReturnType<UsageReader['bucketEncryption']> {
    return { status: 'read', algorithm: 'AES256' };
  }
  async putEvaluations(evaluations: readonly ConfigEvaluation[]): Promise<void> {
    for (const evaluation of evaluations) {
      // What PutEvaluations itself would reject (AWS Config API reference).
      const id = evaluation.complianceResourceId;
      if (id.length < 1 || id.length > 768 || (evaluation.annotation?.length ?? 1) > 256) {
        throw new AwsCallError('PutEvaluations', `ValidationException for ${id.slice(0, 40)}`);
      }
      if (Number.isNaN(evaluation.orderingTimestamp.getTime())) {
        throw new AwsCallError('PutEvaluations', 'ValidationException: OrderingTimestamp');
      }
    }
    this.put.push(...evaluations);
  }
  async listResults() {
    return [];
  }
  async getConfigurationItem(): Promise<EventConfigurationItem | undefined> {
    return NON_COMPLIANT_ITEM;
  }
}

type Outcome =
  | { readonly kind: 'error'; readonly error: unknown }
  | { readonly kind: 'verdicts'; readonly evaluations: readonly ConfigEvaluation[] };

async function run(event: unknown): Promise<Outcome> {
  const aws = new FakeAws();
  try {
    await runRule(event, { iam: aws, usage: aws, config: aws, region: REGION });
    return { kind: 'verdicts', evaluations: aws.put };
  } catch (error) {
    return { kind: 'error', error };
  }
}

/** A clear error: one of the rule's named errors, naming the field, parameter or call. */
function expectClearError(error: unknown): void {
  if (error instanceof InvalidEventError) expect(error.field).not.toBe('');
  else if (error instanceof InvalidRuleParametersError) expect(error.parameter).not.toBe('');
  else if (error instanceof AwsCallError) expect(error.operation).not.toBe('');
  else throw new Error(`not a clear error: ${String(error)}`, { cause: error });
}

// ------------------------------------------------------------------ mutations

type Path = readonly (string | number)[];

/** Every path in `value` (objects and arrays, not the root). */
function pathsOf(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const entries = Array.isArray(value)
    ? value.map((item, index) => [index, item] as const)
    : Object.entries(value);
  return entries.flatMap(([key, child]) => [[...prefix, key], ...pathsOf(child, [...prefix, key])]);
}

const garbage = fc.oneof(
  fc.jsonValue(),
  fc.string(),
  fc.constantFrom<unknown>(
    '',
    null,
    0,
    -1,
    true,
    [],
    {},
    'x'.repeat(10_000),
    '%E0%A4%A',
    '\u0000',
    'arn:aws:iam::*:role/*',
  ),
);

type Mutation =
  | { readonly kind: 'delete'; readonly at: number }
  | { readonly kind: 'replace'; readonly at: number; readonly value: unknown }
  | { readonly kind: 'retype'; readonly at: number }
  | { readonly kind: 'garble'; readonly at: number; readonly text: string };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: garbage }),
  fc.record({ kind: fc.constant('retype' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('garble' as const), at: fc.nat(), text: fc.string({ minLength: 1 }) }),
);

function retyped(value: unknown): unknown {
  if (typeof value === 'string') return Number.isNaN(Number(value)) ? value.length : Number(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return Object.fromEntries(value.map((item, index) => [String(index), item]));
  if (value === null) return 'null';
  return Object.values(value as Json);
}

function mutateAt(
  root: Json,
  path: Path,
  change: (parent: Json | unknown[], key: string | number) => void,
): void {
  let parent: unknown = root;
  for (const key of path.slice(0, -1)) parent = (parent as Json)[key as string];
  change(parent as Json, path[path.length - 1] as string | number);
}

/**
 * Applies the mutations to the opened event (invokingEvent and ruleParameters as objects, so their insides
 * can be reached), then writes those two back as JSON strings unless a mutation replaced them outright.
 * `only` restricts the paths that may be touched.
 */
function mutated(event: Json, mutations: readonly Mutation[], only?: (path: Path) => boolean): Json {
  const open = structuredClone(opened(event));
  const replacedWhole = new Set<string>();
  for (const mutation of mutations) {
    const paths = pathsOf(open).filter((path) => only === undefined || only(path));
    const path = paths[mutation.at % Math.max(paths.length, 1)];
    if (path === undefined) continue;
    if (path.length === 1) replacedWhole.add(String(path[0]));
    mutateAt(open, path, (parent, key) => {
      const target = parent as Record<string | number, unknown>;
      switch (mutation.kind) {
        case 'delete':
          if (Array.isArray(parent) && typeof key === 'number') parent.splice(key, 1);
          else delete target[key];
          break;
        case 'replace':
          target[key] = mutation.value;
          break;
        case 'retype':
          target[key] = retyped(target[key]);
          break;
        case 'garble': {
          const current = target[key];
          target[key] =
            typeof current === 'string'
              ? `${current.slice(0, mutation.text.length % (current.length + 1))}${mutation.text}`
              : mutation.text;
          break;
        }
      }
    });
  }
  for (const key of ['invokingEvent', 'ruleParameters']) {
    if (!replacedWhole.has(key) && key in open) open[key] = JSON.stringify(open[key]);
  }
  return open;
}

/** Breaks the JSON text of invokingEvent or ruleParameters itself. */
function truncatedText(event: Json, key: 'invokingEvent' | 'ruleParameters', at: number): Json {
  const text = event[key] as string;
  return { ...event, [key]: text.slice(0, at % text.length) };
}

// ------------------------------------------------------------------ properties

const NON_COMPLIANT_BASES: readonly [string, Json][] = [
  ['change of a role missing its execution permissions', withItem(NON_COMPLIANT_ITEM)],
  ['oversized change of that role', sample('oversized')],
  ['periodic sweep over that role', sample('scheduled')],
  ['deletion', sample('change-deleted')],
];

describe('the unmutated events', () => {
  it.each(NON_COMPLIANT_BASES)('%s: no COMPLIANT verdict', async (_label, event) => {
    const outcome = await run(event);
    expect(outcome.kind).toBe('verdicts');
    if (outcome.kind === 'verdicts') {
      expect(outcome.evaluations.map((evaluation) => evaluation.complianceType)).not.toContain('COMPLIANT');
    }
  });

  it('the sample change itself is COMPLIANT (so corrupting its documents has something to break)', async () => {
    const outcome = await run(COMPLIANT_CHANGE);
    expect(outcome).toMatchObject({ kind: 'verdicts', evaluations: [{ complianceType: 'COMPLIANT' }] });
  });
});

describe('mutated events', () => {
  it.each(NON_COMPLIANT_BASES)(
    '%s, with fields deleted, retyped or garbled: a named error or verdicts, never COMPLIANT',
    async (label, event) => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutationArb, { minLength: 1, maxLength: 3 }), async (mutations) => {
          const outcome = await run(mutated(event, mutations));
          if (outcome.kind === 'error') {
            expectClearError(outcome.error);
            figures.add('outcome.error', 1);
            return;
          }
          for (const evaluation of outcome.evaluations) {
            expect(evaluation.complianceType).not.toBe('COMPLIANT');
            figures.add(`outcome.${evaluation.complianceType}`, 1);
          }
        }),
        { numRuns: 300 },
      );
      figures.add('inputs', 300);
      figures.add(`inputs.${label}`, 300);
    },
  );

  it.each(NON_COMPLIANT_BASES)(
    '%s, with its JSON strings cut short: a named error',
    async (_label, event) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('invokingEvent' as const, 'ruleParameters' as const),
          fc.nat(),
          async (key, at) => {
            const outcome = await run(truncatedText(event, key, at));
            if (outcome.kind === 'error') expectClearError(outcome.error);
            else
              for (const evaluation of outcome.evaluations)
                expect(evaluation.complianceType).not.toBe('COMPLIANT');
          },
        ),
        { numRuns: 100 },
      );
      figures.add('inputs', 100);
    },
  );

  it('the compliant change with a policy document or attachment corrupted: a named error or NON_COMPLIANT', async () => {
    // Only what carries policy: the trust policy, the inline policy, the attachments, the boundary.
    const policyBearing = (path: Path): boolean => {
      const text = path.join('.');
      return (
        text.startsWith('invokingEvent.configurationItem.configuration.') &&
        /\.(assumeRolePolicyDocument|rolePolicyList|attachedManagedPolicies|permissionsBoundary)(\.|$)/.test(
          text,
        ) &&
        !text.endsWith('.policyName')
      );
    };
    await fc.assert(
      fc.asyncProperty(fc.array(mutationArb, { minLength: 1, maxLength: 2 }), async (mutations) => {
        const event = mutated(COMPLIANT_CHANGE, mutations, policyBearing);
        const outcome = await run(event);
        if (outcome.kind === 'error') {
          expectClearError(outcome.error);
          figures.add('corrupted.error', 1);
          return;
        }
        // A mutation may happen to leave the documents meaning the same (deleting a null boundary).
        const before = descriptionFromConfigurationItem(CHANGE_ITEM);
        const item = (JSON.parse(event['invokingEvent'] as string) as Json)['configurationItem'] as Json;
        const after = descriptionFromConfigurationItem(item);
        const same = JSON.stringify(before) === JSON.stringify(after);
        for (const evaluation of outcome.evaluations) {
          if (!same) expect(evaluation.complianceType).toBe('NON_COMPLIANT');
          figures.add(same ? 'corrupted.sameMeaning' : `corrupted.${evaluation.complianceType}`, 1);
        }
      }),
      { numRuns: 300 },
    );
    figures.add('inputs', 300);
  });
});
