/**
 * Property-based tests of the engine and the rule's core over generated policies and usage: it never throws
 * on arbitrary JSON except PolicyParseError, unreadable documents never pass, removing a needed grant never
 * leaves a role COMPLIANT, adding a Deny never turns NON_COMPLIANT into COMPLIANT, and annotations always
 * fit Config's 256 characters. Run counts are bounded so the suite takes seconds.
 */
import fc from 'fast-check';
import { MAX_ANNOTATION_LENGTH } from '../../lib/findings/annotation';
import { indexUsage } from '../../lib/facts/gather';
import { assessRole } from '../../lib/rule/assess-role';
import type { Finding, PermissionRequirement, Requirement, RoleSnapshot } from '../../lib/core/model';
import { parseRuleParameters, type RuleParameters } from '../../lib/parameters';
import {
  evaluateRequest,
  evaluateTrust,
  matchesActionPattern,
  parsePolicyDocument,
  PolicyParseError,
} from '../../lib/policy';
import { toConfigEvaluation } from '../../lib/config/runner';
import type { BatchJobDefinition, KeyMetadata } from '../../lib/usage/types';
import {
  ACCOUNT,
  aJobDefinition,
  aRole,
  awslogs,
  EXECUTION_ROLE_POLICY,
  LOCATION,
  REGION,
  type StatementJson,
} from '../builders';
import { Figures } from './figures';

const figures = new Figures('properties');
afterAll(() => figures.write());

/** fc.assert with a bounded run count, counted for docs/reliability.md. */
function check<T>(name: string, property: fc.IPropertyWithHooks<T> | fc.IProperty<T>, numRuns: number): void {
  fc.assert(property, { numRuns });
  figures.add(`inputs.${name}`, numRuns);
  figures.add('inputs', numRuns);
}

type Json = Record<string, unknown>;

// ------------------------------------------------------------------ generators: arbitrary documents

const CONDITION_OPERATORS = [
  'StringEquals',
  'StringLike',
  'StringNotEquals',
  'ArnLike',
  'ArnEquals',
  'IpAddress',
  'NotIpAddress',
  'Bool',
  'NumericLessThan',
  'DateGreaterThan',
  'Null',
  'ForAnyValue:StringEquals',
  'ForAllValues:StringLike',
  'StringEqualsIfExists',
  'BinaryEquals',
  'Nonsense',
];
const CONDITION_KEYS = [
  'aws:SourceAccount',
  'aws:SourceArn',
  'aws:PrincipalTag/team',
  'aws:SourceIp',
  'aws:CurrentTime',
  'aws:SecureTransport',
  'kms:ViaService',
  'ecr:ResourceTag/${aws:PrincipalTag/team}',
  'x',
];
const ACTIONS = [
  '*',
  'ecr:*',
  'ecr:Get*',
  'ecr:GetAuthorizationToken',
  'ecr:BatchGetImage',
  'logs:*',
  'logs:Put*',
  'logs:CreateLogStream',
  'secretsmanager:GetSecretValue',
  'ssm:GetParameter?',
  'kms:Decrypt',
  's3:GetObject',
  'sts:AssumeRole',
  'iam:*',
];

/** Statement-like objects: mostly valid shapes with arbitrary values inside, sometimes nonsense. */
const statementish = fc.record(
  {
    Sid: fc.oneof(fc.string(), fc.integer()),
    Effect: fc.constantFrom('Allow', 'Deny', 'allow', 1),
    Action: fc.oneof(fc.constantFrom(...ACTIONS), fc.array(fc.constantFrom(...ACTIONS)), fc.jsonValue()),
    NotAction: fc.oneof(fc.constantFrom(...ACTIONS), fc.jsonValue()),
    Resource: fc.oneof(fc.constant('*'), fc.string(), fc.array(fc.string()), fc.jsonValue()),
    Principal: fc.oneof(
      fc.constant('*'),
      fc.record({ Service: fc.oneof(fc.constant('ecs-tasks.amazonaws.com'), fc.string()) }),
      fc.dictionary(fc.constantFrom('AWS', 'Service', 'Federated', 'X'), fc.jsonValue()),
    ),
    Condition: fc.oneof(
      fc.dictionary(
        fc.constantFrom(...CONDITION_OPERATORS),
        fc.dictionary(
          fc.constantFrom(...CONDITION_KEYS),
          fc.oneof(fc.string(), fc.array(fc.string()), fc.jsonValue()),
        ),
      ),
      fc.jsonValue(),
    ),
  },
  { requiredKeys: ['Effect'] },
);
const documentish = fc.oneof(
  fc.jsonValue(),
  fc.record(
    {
      Version: fc.constantFrom('2012-10-17', '2008-10-17', 1),
      Statement: fc.oneof(statementish, fc.array(statementish)),
    },
    { requiredKeys: ['Statement'] },
  ),
);
/** A document as AWS may hand it over: object, JSON text, URL-encoded JSON text, or broken text. */
const rawDocument = fc.oneof(
  documentish,
  documentish.map((document) => JSON.stringify(document)),
  documentish.map((document) => encodeURIComponent(JSON.stringify(document))),
  fc.string(),
  fc.string().map((text) => `%7B${text}`),
);

function parses(document: unknown, kind: 'identity' | 'resource'): boolean {
  try {
    parsePolicyDocument(document, { kind });
    return true;
  } catch (error) {
    if (!(error instanceof PolicyParseError)) throw error;
    return false;
  }
}

describe('arbitrary JSON', () => {
  it('parsePolicyDocument returns a document or throws PolicyParseError, for identity and trust kinds', () => {
    check(
      'parse',
      fc.property(
        rawDocument,
        fc.constantFrom('identity' as const, 'resource' as const),
        (document, kind) => {
          try {
            expect(Array.isArray(parsePolicyDocument(document, { kind }).statements)).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(PolicyParseError);
          }
        },
      ),
      1000,
    );
  });

  it('evaluateRequest and evaluateTrust never throw on what parses, whatever the request', () => {
    // Well-formed shapes with arbitrary strings inside: most of these parse, so evaluation is exercised.
    const strings = fc.oneof(fc.string(), fc.array(fc.string(), { minLength: 1, maxLength: 3 }));
    const condition = fc.dictionary(
      fc.constantFrom(...CONDITION_OPERATORS),
      fc.dictionary(fc.constantFrom(...CONDITION_KEYS), strings, { minKeys: 1, maxKeys: 2 }),
      { maxKeys: 2 },
    );
    const statement = (principal: boolean) =>
      fc.record(
        {
          Effect: fc.constantFrom('Allow', 'Allow', 'Deny'),
          Action: fc.oneof(fc.constantFrom(...ACTIONS), strings),
          Resource: fc.oneof(fc.constant('*'), strings),
          Condition: condition,
          ...(principal && {
            Principal: fc.oneof(
              fc.constant('*'),
              fc.record({ Service: fc.oneof(fc.constant('ecs-tasks.amazonaws.com'), strings) }),
              fc.record({ AWS: strings }),
            ),
          }),
        },
        {
          requiredKeys: principal
            ? ['Effect', 'Action', 'Resource', 'Principal']
            : ['Effect', 'Action', 'Resource'],
        },
      );
    const documentOf = (principal: boolean) =>
      fc
        .array(statement(principal), { minLength: 1, maxLength: 4 })
        .map((statements) => ({ Version: '2012-10-17', Statement: statements }));
    const identity = documentOf(false).filter((document) => parses(document, 'identity'));
    const trust = documentOf(true).filter((document) => parses(document, 'resource'));
    check(
      'evaluate',
      fc.property(
        fc.array(identity, { maxLength: 3 }),
        fc.option(identity, { nil: undefined }),
        trust,
        fc.oneof(
          fc.constantFrom('ecr:GetAuthorizationToken', 'logs:PutLogEvents', 'kms:Decrypt'),
          fc.string(),
        ),
        fc.oneof(
          fc.constant('*'),
          fc.string(),
          fc.constant(`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/etl`),
        ),
        fc.dictionary(fc.constantFrom(...CONDITION_KEYS), fc.array(fc.string(), { maxLength: 3 })),
        fc.constantFrom('unknown' as const, 'absent' as const),
        (docs, boundary, trustDoc, action, resource, context, missingKeys) => {
          const policies = {
            identity: docs.map((document, index) => ({
              kind: 'inline' as const,
              name: `p${index}`,
              document: parsePolicyDocument(document, { kind: 'identity' }),
            })),
            ...(boundary !== undefined && {
              boundary: {
                kind: 'boundary' as const,
                name: 'b',
                document: parsePolicyDocument(boundary, { kind: 'identity' }),
              },
            }),
          };
          const result = evaluateRequest({ action, resource, context, missingKeys }, policies);
          expect(['allowed', 'implicitDeny', 'explicitDeny']).toContain(result.decision);
          figures.add(`evaluate.${result.decision}`, 1);
          const trustResult = evaluateTrust(parsePolicyDocument(trustDoc, { kind: 'resource' }), {
            service: 'ecs-tasks.amazonaws.com',
            accountId: ACCOUNT,
          });
          expect(['allowed', 'implicitDeny', 'explicitDeny']).toContain(trustResult.decision);
        },
      ),
      500,
    );
  });

  it('evaluateRole never throws, and is NON_COMPLIANT whenever a document does not parse', () => {
    check(
      'evaluateRole',
      fc.property(
        rawDocument,
        fc.array(rawDocument, { maxLength: 3 }),
        fc.option(rawDocument, { nil: undefined }),
        (trust, inline, boundary) => {
          const role = aRole({
            trust,
            inline: Object.fromEntries(inline.map((document, index) => [`p${index}`, document])),
            ...(boundary !== undefined && { boundary: { document: boundary } }),
          });
          const { index, keys, params } = noUsage();
          const assessment = assessRole(role, index, keys, params, LOCATION);
          if (!assessment.applicable) throw new Error('ecsTaskExecutionRole is always a candidate');
          // The role's own trust policy: aRole gives a null `trust` the default document.
          const unreadable =
            !parses(role.trustPolicy, 'resource') ||
            inline.some((document) => !parses(document, 'identity')) ||
            (boundary !== undefined && !parses(boundary, 'identity'));
          if (unreadable) expect(assessment.evaluation.compliance).toBe('NON_COMPLIANT');
          expect(assessment.annotation.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
        },
      ),
      500,
    );
  });
});

// ------------------------------------------------------------------ generators: compliant roles with usage

const SECRET_POOL = [
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`,
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/api-key-Zz9Yx8`,
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shared/cert-Qq1Ww2:password::`,
  `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/token`,
  '/prod/endpoint',
  '/aws/reference/secretsmanager/prod/db',
];
/** KMS key per secret / parameter ARN the pool resolves to: some AWS managed (null), some customer managed. */
const KEYS: KeyMetadata = new Map<string, string | null>([
  [
    `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`,
    `arn:aws:kms:${REGION}:${ACCOUNT}:key/k1`,
  ],
  [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/api-key-Zz9Yx8`, null],
  [
    `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:shared/cert-Qq1Ww2`,
    `arn:aws:kms:${REGION}:${ACCOUNT}:key/k2`,
  ],
  [`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/token`, `arn:aws:kms:${REGION}:${ACCOUNT}:key/k3`],
  [`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/endpoint`, null],
  [`arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/aws/reference/secretsmanager/prod/db`, null],
  [`arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db`, null],
]);
const UNRELATED_ACTIONS = [
  's3:GetObject',
  's3:PutObject',
  'sqs:SendMessage',
  'dynamodb:Query',
  'iam:PassRole',
];

function noUsage(): { index: ReturnType<typeof indexUsage>; keys: KeyMetadata; params: RuleParameters } {
  return {
    index: indexUsage({ jobDefinitions: [], taskDefinitions: [] }, LOCATION),
    keys: new Map(),
    params: parseRuleParameters(undefined),
  };
}

const jobArb: fc.Arbitrary<BatchJobDefinition> = fc
  .record({
    name: fc.constantFrom('etl', 'report', 'train'),
    revision: fc.integer({ min: 1, max: 50 }),
    secrets: fc.subarray(SECRET_POOL),
    ecr: fc.boolean(),
    logGroup: fc.option(fc.constantFrom('/team/etl', '/aws/batch/job', '/x/y'), { nil: undefined }),
  })
  .map(({ name, revision, secrets, ecr, logGroup }) =>
    aJobDefinition({
      jobDefinitionName: name,
      revision,
      ...(ecr ? {} : { image: 'public.ecr.aws/docker/library/busybox:latest' }),
      secrets: Object.fromEntries(secrets.map((valueFrom, index) => [`S${index}`, valueFrom])),
      ...(logGroup !== undefined && { logConfiguration: awslogs(logGroup) }),
    }),
  );

/** How a grant for `action` may be written: exactly, with a service wildcard, a prefix wildcard, or `*`. */
function actionForms(action: string): fc.Arbitrary<string> {
  const [service = '', name = ''] = action.split(':');
  return fc.constantFrom(
    action,
    `${service}:*`,
    `${service}:${name.slice(0, 3)}*`,
    '*',
    action.toUpperCase(),
  );
}

/** How a grant for `resource` may be written: exactly, `*`, or a prefix ending in `*` before any wildcard. */
function resourceForms(resource: string): fc.Arbitrary<string> {
  if (resource === '*') return fc.constant('*');
  const wildcardAt = resource.search(/[*?]/);
  const limit = wildcardAt < 0 ? resource.length : wildcardAt;
  return fc.oneof(
    fc.constant(resource),
    fc.constant('*'),
    fc.integer({ min: 'arn:aws:'.length, max: limit }).map((cut) => `${resource.slice(0, cut)}*`),
  );
}

interface GeneratedRole {
  readonly role: RoleSnapshot;
  readonly params: RuleParameters;
  readonly jobs: readonly BatchJobDefinition[];
  readonly requirements: readonly Requirement[];
}

/** A candidate role that meets every requirement its (generated) jobs and parameters impose. */
const compliantRoleArb: fc.Arbitrary<GeneratedRole> = fc
  .record({
    jobs: fc.array(jobArb, { maxLength: 3 }),
    requireManagedPolicy: fc.boolean(),
    requireConfusedDeputy: fc.boolean(),
    trustNoise: fc.boolean(),
    ecsPrincipalAsList: fc.boolean(),
  })
  .chain(({ jobs, requireManagedPolicy, requireConfusedDeputy, trustNoise, ecsPrincipalAsList }) => {
    const params = parseRuleParameters({
      RequireManagedPolicy: String(requireManagedPolicy),
      RequireConfusedDeputyCondition: String(requireConfusedDeputy),
    });
    const index = indexUsage({ jobDefinitions: jobs, taskDefinitions: [] }, LOCATION);
    const probe = assessRole(aRole({ managed: [] }), index, KEYS, params, LOCATION);
    if (!probe.applicable) throw new Error('ecsTaskExecutionRole is always a candidate');
    const permissions = probe.requirements.filter(
      (requirement): requirement is PermissionRequirement => requirement.kind === 'permission',
    );
    const grant = (requirement: PermissionRequirement): fc.Arbitrary<StatementJson> =>
      fc
        .tuple(actionForms(requirement.action), resourceForms(requirement.resource))
        .map(([action, resource]) => ({ Effect: 'Allow', Action: action, Resource: resource }));
    const noise = fc.constantFrom<StatementJson>(
      { Effect: 'Allow', Action: UNRELATED_ACTIONS, Resource: '*' },
      { Effect: 'Deny', Action: 's3:DeleteBucket', Resource: '*' },
      { Effect: 'Deny', Action: 'iam:*', Resource: '*' },
      { Effect: 'Allow', Action: 'sqs:*', Resource: `arn:aws:sqs:${REGION}:${ACCOUNT}:q` },
    );
    return fc
      .record({
        grants: fc.tuple(...permissions.map(grant)),
        noise: fc.array(noise, { maxLength: 3 }),
        policyCount: fc.integer({ min: 1, max: 3 }),
        attachExecutionPolicy: fc.boolean(),
        seed: fc.integer(),
      })
      .map(({ grants, noise: extra, policyCount, attachExecutionPolicy, seed }) => {
        // Spread the statements over the inline policies and one customer managed policy.
        const buckets: StatementJson[][] = Array.from({ length: policyCount + 1 }, () => []);
        [...grants, ...extra].forEach((statement, position) => {
          buckets[Math.abs(seed + position * 7) % buckets.length]?.push(statement);
        });
        const ecsStatement: StatementJson = {
          Effect: 'Allow',
          Principal: {
            Service: ecsPrincipalAsList
              ? ['ec2.amazonaws.com', 'ecs-tasks.amazonaws.com']
              : 'ecs-tasks.amazonaws.com',
          },
          Action: 'sts:AssumeRole',
          ...(requireConfusedDeputy && { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }),
        };
        const trust = {
          Version: '2012-10-17',
          Statement: [
            ...(trustNoise
              ? [
                  {
                    Effect: 'Allow',
                    Principal: { Service: 'lambda.amazonaws.com' },
                    Action: 'sts:AssumeRole',
                  },
                  {
                    Effect: 'Deny',
                    Principal: { AWS: `arn:aws:iam::210987654321:root` },
                    Action: 'sts:AssumeRole',
                  },
                ]
              : []),
            ecsStatement,
          ],
        };
        const [customer = [], ...inline] = buckets;
        const role = aRole({
          trust,
          inline: Object.fromEntries(
            inline.map((statements, position) => [
              `grants-${position}`,
              { Version: '2012-10-17', Statement: statements },
            ]),
          ),
          managed: [
            { name: 'team-grants', document: { Version: '2012-10-17', Statement: customer } },
            ...(attachExecutionPolicy || requireManagedPolicy
              ? [
                  {
                    name: 'AmazonECSTaskExecutionRolePolicy',
                    arn: 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
                    document: EXECUTION_ROLE_POLICY,
                  },
                ]
              : []),
          ],
        });
        return { role, params, jobs, requirements: probe.requirements };
      });
  });

function assess(generated: Pick<GeneratedRole, 'role' | 'params' | 'jobs'>) {
  const index = indexUsage({ jobDefinitions: generated.jobs, taskDefinitions: [] }, LOCATION);
  const assessment = assessRole(generated.role, index, KEYS, generated.params, LOCATION);
  if (!assessment.applicable) throw new Error(`not a candidate: ${assessment.reason}`);
  return assessment;
}

/** Every statement of a document object (single statements become a list). */
function statementsOf(document: unknown): Json[] {
  const statement = (document as Json)['Statement'];
  return (Array.isArray(statement) ? statement : [statement]) as Json[];
}

function withStatements(document: unknown, statements: Json[]): Json {
  return { ...(document as Json), Statement: statements };
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** The document with every Allow of `action` taken out (statements left empty are dropped). */
function withoutGrant(document: unknown, action: string): Json {
  const statements = statementsOf(document).flatMap((statement) => {
    if (statement['Effect'] !== 'Allow') return [statement];
    const actions = list(statement['Action']).filter(
      (pattern) => !(typeof pattern === 'string' && matchesActionPattern(pattern, action)),
    );
    return actions.length === 0 ? [] : [{ ...statement, Action: actions }];
  });
  return withStatements(document, statements);
}

/** The role with `requirement`'s grant removed from every policy that could provide it. */
function removeGrant(role: RoleSnapshot, requirement: Requirement): RoleSnapshot {
  switch (requirement.kind) {
    case 'permission':
      return {
        ...role,
        inlinePolicies: role.inlinePolicies.map((policy) => ({
          ...policy,
          document: withoutGrant(policy.document, requirement.action),
        })),
        managedPolicies: role.managedPolicies.map((policy) => ({
          ...policy,
          document: withoutGrant(policy.document, requirement.action),
        })),
      };
    case 'trust':
      return {
        ...role,
        trustPolicy: withStatements(
          role.trustPolicy,
          statementsOf(role.trustPolicy).filter(
            (statement) =>
              statement['Effect'] !== 'Allow' ||
              !JSON.stringify(statement['Principal']).includes('ecs-tasks.amazonaws.com'),
          ),
        ),
      };
    case 'attachment':
      return {
        ...role,
        managedPolicies: role.managedPolicies.filter(
          (policy) => !policy.arn.endsWith(':policy/service-role/AmazonECSTaskExecutionRolePolicy'),
        ),
      };
    case 'unverifiable':
      return role;
  }
}

describe('removing a needed grant', () => {
  it('generated roles are COMPLIANT to begin with (the generator is right)', () => {
    check(
      'compliantRoles',
      fc.property(compliantRoleArb, (generated) => {
        const assessment = assess(generated);
        expect(assessment.evaluation.findings).toEqual([]);
        expect(assessment.annotation).toBe('');
      }),
      300,
    );
  });

  it('never leaves the role COMPLIANT, and the finding names the requirement', () => {
    check(
      'removeGrant',
      fc.property(
        compliantRoleArb.chain((generated) =>
          fc.tuple(fc.constant(generated), fc.constantFrom(...generated.requirements)),
        ),
        ([generated, requirement]) => {
          const assessment = assess({ ...generated, role: removeGrant(generated.role, requirement) });
          expect(assessment.evaluation.compliance).toBe('NON_COMPLIANT');
          const ids = assessment.evaluation.findings.map((finding) => finding.id);
          expect(ids).toContain(requirement.id);
          if (requirement.kind === 'permission') {
            expect(assessment.evaluation.findings.map((finding) => finding.action)).toContain(
              requirement.action,
            );
          }
        },
      ),
      500,
    );
  });
});

// ------------------------------------------------------------------ adding a Deny

const DENY_ACTIONS = [
  '*',
  'ecr:*',
  'ecr:GetAuthorizationToken',
  'ecr:Batch*',
  'logs:PutLogEvents',
  'logs:*',
  'secretsmanager:GetSecretValue',
  'ssm:GetParameters',
  'kms:Decrypt',
  's3:GetObject',
];
const DENY_RESOURCES = [
  '*',
  `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/*`,
  `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/batch/job:*`,
  `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/etl`,
  `arn:aws:kms:${REGION}:${ACCOUNT}:key/k1`,
  'arn:aws:s3:::bucket/*',
];
const denyArb = fc.record(
  {
    Effect: fc.constant('Deny'),
    Action: fc.oneof(fc.constantFrom(...DENY_ACTIONS), fc.subarray(DENY_ACTIONS, { minLength: 1 })),
    Resource: fc.oneof(fc.constantFrom(...DENY_RESOURCES), fc.subarray(DENY_RESOURCES, { minLength: 1 })),
    Condition: fc.constantFrom(
      { StringEquals: { 'aws:SourceVpce': 'vpce-1' } },
      { Bool: { 'aws:SecureTransport': 'false' } },
      { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } },
      { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } },
    ),
  },
  { requiredKeys: ['Effect', 'Action', 'Resource'] },
);
const trustDenyArb = fc.record(
  {
    Effect: fc.constant('Deny'),
    Principal: fc.constantFrom<unknown>('*', { Service: 'ecs-tasks.amazonaws.com' }, { AWS: '*' }),
    Action: fc.constantFrom('sts:AssumeRole', 'sts:*', '*'),
    Condition: fc.constantFrom(
      { StringNotEquals: { 'aws:SourceAccount': ACCOUNT } },
      { Bool: { 'aws:SecureTransport': 'false' } },
    ),
  },
  { requiredKeys: ['Effect', 'Principal', 'Action'] },
);

/** Findings as comparable keys; the two trust findings are one (a Deny may turn one into the other). */
function findingKeys(findings: readonly Finding[]): Set<string> {
  return new Set(
    findings.map((finding) =>
      finding.id.startsWith('TRUST_')
        ? 'TRUST'
        : `${finding.id} ${finding.action ?? ''} ${finding.resource ?? ''}`,
    ),
  );
}

describe('adding a Deny', () => {
  // Start from a compliant role, optionally take one grant away, so both verdicts occur.
  const startArb = compliantRoleArb.chain((generated) =>
    fc.option(fc.constantFrom(...generated.requirements), { nil: undefined }).map((removed) => ({
      ...generated,
      role: removed === undefined ? generated.role : removeGrant(generated.role, removed),
    })),
  );

  it('never turns NON_COMPLIANT into COMPLIANT, and never makes a finding go away', () => {
    check(
      'addDeny',
      fc.property(
        startArb,
        fc.oneof(
          fc.record({ where: fc.constant('new inline' as const), deny: denyArb }),
          fc.record({ where: fc.constant('existing inline' as const), deny: denyArb }),
          fc.record({ where: fc.constant('boundary' as const), deny: denyArb }),
          fc.record({ where: fc.constant('trust' as const), deny: trustDenyArb }),
        ),
        (start, { where, deny }) => {
          const before = assess(start).evaluation;
          const role = start.role;
          let changed: RoleSnapshot;
          switch (where) {
            case 'new inline':
              changed = {
                ...role,
                inlinePolicies: [
                  ...role.inlinePolicies,
                  { name: 'added-deny', document: { Version: '2012-10-17', Statement: [deny] } },
                ],
              };
              break;
            case 'existing inline':
              changed = {
                ...role,
                inlinePolicies: role.inlinePolicies.map((policy, index) =>
                  index === 0
                    ? {
                        ...policy,
                        document: withStatements(policy.document, [...statementsOf(policy.document), deny]),
                      }
                    : policy,
                ),
              };
              break;
            case 'boundary':
              // A boundary that allows everything, plus the Deny: only the Deny can change anything.
              changed = {
                ...role,
                permissionsBoundary: {
                  arn: `arn:aws:iam::${ACCOUNT}:policy/boundary`,
                  document: {
                    Version: '2012-10-17',
                    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, deny],
                  },
                },
              };
              break;
            case 'trust':
              changed = {
                ...role,
                trustPolicy: withStatements(role.trustPolicy, [...statementsOf(role.trustPolicy), deny]),
              };
              break;
          }
          const after = assess({ ...start, role: changed }).evaluation;
          if (before.compliance === 'NON_COMPLIANT') expect(after.compliance).toBe('NON_COMPLIANT');
          const missing = [...findingKeys(before.findings)].filter(
            (key) => !findingKeys(after.findings).has(key),
          );
          expect(missing).toEqual([]);
          figures.add(`addDeny.${before.compliance}`, 1);
        },
      ),
      500,
    );
  });
});

// ------------------------------------------------------------------ annotations

describe('annotations', () => {
  const manyJobsArb = fc.array(
    fc
      .record({
        name: fc.stringMatching(/^[a-zA-Z0-9_-]{1,128}$/),
        revision: fc.integer({ min: 1, max: 100_000 }),
        secrets: fc.array(
          fc.oneof(
            fc
              .stringMatching(/^[a-zA-Z0-9/_+=.@-]{1,200}$/)
              .map((name) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${name}-AbCdEf`),
            fc.stringMatching(/^\/[a-zA-Z0-9/_.-]{1,200}$/),
            fc.string({ maxLength: 300 }),
          ),
          { maxLength: 12 },
        ),
        logGroup: fc.stringMatching(/^[a-zA-Z0-9/_.-]{1,512}$/),
      })
      .map(({ name, revision, secrets, logGroup }) =>
        aJobDefinition({
          jobDefinitionName: name,
          revision,
          secrets: Object.fromEntries(secrets.map((valueFrom, index) => [`S${index}`, valueFrom])),
          logConfiguration: awslogs(logGroup),
        }),
      ),
    { maxLength: 8 },
  );

  it('always 1..256 characters for a NON_COMPLIANT role, empty for a COMPLIANT one, omitted from an empty evaluation', () => {
    check(
      'annotations',
      fc.property(
        manyJobsArb,
        fc.array(rawDocument, { maxLength: 2 }),
        fc.constantFrom<unknown>({ Version: '2012-10-17', Statement: [] }, 'not json', undefined),
        (jobs, inline, trust) => {
          const role = aRole({
            ...(trust !== undefined && { trust }),
            inline: Object.fromEntries(inline.map((document, index) => [`p${index}`, document])),
          });
          const index = indexUsage({ jobDefinitions: jobs, taskDefinitions: [] }, LOCATION);
          const params = parseRuleParameters(undefined);
          const assessment = assessRole(role, index, new Map(), params, LOCATION);
          if (!assessment.applicable) throw new Error('ecsTaskExecutionRole is always a candidate');
          const evaluation = toConfigEvaluation(assessment, new Date(0));
          if (assessment.evaluation.compliance === 'NON_COMPLIANT') {
            expect(evaluation.annotation?.length ?? 0).toBeGreaterThan(0);
            expect(evaluation.annotation?.length).toBeLessThanOrEqual(MAX_ANNOTATION_LENGTH);
          } else {
            expect(evaluation.annotation).toBeUndefined();
          }
          figures.add(`annotations.findings`, assessment.evaluation.findings.length);
        },
      ),
      400,
    );
  });
});
