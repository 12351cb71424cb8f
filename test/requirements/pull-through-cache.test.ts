/**
 * PULL_THROUGH_CACHE: an image of the role's own registry whose repository starts with a pull through cache
 * rule's prefix needs ecr:BatchImportUpstreamImage and ecr:CreateRepository on that cache repository's ARN.
 */
import { indexUsage } from '../../lib/facts/gather';
import { unfixableReasonText } from '../../lib/findings/render';
import type { LayerRead } from '../../lib/facts/layer-ports';
import { DEFAULT_RULE_PARAMETERS, type RuleParameters } from '../../lib/parameters';
import { assessRole, layerTargetsForRole } from '../../lib/rule/assess-role';
import {
  applyPullThroughCacheRules,
  isPullThroughCacheRepository,
  ownRegistryRegions,
} from '../../lib/usage';
import type { BatchJobDefinition, EcsTaskDefinition, PullThroughCachePrefixes } from '../../lib/usage/types';
import {
  ACCOUNT,
  aContainer,
  aJobDefinition,
  allow,
  aRole,
  aTaskDefinition,
  deny,
  LOCATION,
  OTHER_ACCOUNT,
  policy,
  REGION,
  ROLE_ARN,
  type StatementJson,
} from '../builders';
import {
  type Consumers,
  consumersOf,
  ecsPropertiesJob,
  expectRepairedCompliant,
  findingLine,
  findingsOf,
  multiNodeJob,
  ownedPolicyAdding,
  planFor,
} from './support';

const CACHE_IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/docker-hub/library/python:3.12`;
const CACHE_REPO = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/docker-hub/library/python`;
const RULES: PullThroughCachePrefixes = new Map([[REGION, ['docker-hub', 'ecr-public']]]);

/** The PULL_THROUGH_CACHE findings of the default role with `grants`, against the consumers and rules given. */
function findings(
  consumers: Consumers,
  rules: PullThroughCachePrefixes,
  ...grants: StatementJson[]
): string[] {
  const role = aRole(grants.length > 0 ? { inline: { cache: policy(...grants) } } : {});
  return findingsOf(role, { ...consumers, pullThroughCachePrefixes: rules })
    .filter((finding) => finding.id === 'PULL_THROUGH_CACHE')
    .map((finding) => findingLine(finding, ['action', 'resource', 'reason', 'consumers']));
}

const both = (repo = CACHE_REPO, kind = 'noAllow', consumer = 'etl:3'): string[] => [
  `ecr:BatchImportUpstreamImage ${repo} ${kind} ${consumer}`,
  `ecr:CreateRepository ${repo} ${kind} ${consumer}`,
];
const job = (image: string): BatchJobDefinition => aJobDefinition({ image });

describe('isPullThroughCacheRepository', () => {
  it.each<[string, string, readonly string[], boolean]>([
    ['a name under the prefix', 'docker-hub/library/python', ['docker-hub'], true],
    ['a prefix written with its slash', 'docker-hub/library/python', ['docker-hub/'], true],
    ['a multi-level prefix', 'team/cache/nginx', ['team/cache'], true],
    ['a name that only starts with the same letters', 'docker-hubby/python', ['docker-hub'], false],
    ['the prefix alone (ECR assumes a / after it)', 'docker-hub', ['docker-hub'], false],
    ['a ROOT rule: every repository', 'any/thing', ['ROOT'], true],
    ['no rules', 'docker-hub/python', [], false],
  ])('%s', (_case, name, prefixes, expected) => {
    expect(isPullThroughCacheRepository(name, prefixes)).toBe(expected);
  });
});

describe('ownRegistryRegions: where the rules are read', () => {
  it('names each region of the own registry the usage pulls from, never another account', () => {
    const usage = indexUsage(
      {
        jobDefinitions: [
          job(CACHE_IMAGE),
          aJobDefinition({
            jobDefinitionName: 'x',
            image: `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com/a:1`,
          }),
          aJobDefinition({
            jobDefinitionName: 'y',
            image: `${OTHER_ACCOUNT}.dkr.ecr.ap-south-1.amazonaws.com/b:1`,
          }),
          aJobDefinition({ jobDefinitionName: 'z', image: 'python:3.12' }),
        ],
        taskDefinitions: [],
      },
      LOCATION,
    );
    expect(ownRegistryRegions(usage, ACCOUNT)).toEqual([REGION, 'us-west-2']);
  });
});

describe('applyPullThroughCacheRules', () => {
  it('marks the cache repositories on a plain map too, and shares what it does not change', () => {
    const index = indexUsage(
      {
        jobDefinitions: [
          job(CACHE_IMAGE),
          aJobDefinition({
            jobDefinitionName: 'other',
            executionRoleArn: `${ROLE_ARN}-2`,
            image: 'python:3',
          }),
        ],
        taskDefinitions: [],
      },
      LOCATION,
    );
    const plain = new Map(index);

    const applied = applyPullThroughCacheRules(plain, RULES, ACCOUNT);

    expect(applied.get(ROLE_ARN)?.consumers[0]?.pullThroughCacheRepositories).toEqual([CACHE_REPO]);
    expect(applied.get(`${ROLE_ARN}-2`)).toBe(plain.get(`${ROLE_ARN}-2`));
    expect(applyPullThroughCacheRules(plain, new Map([[REGION, []]]), ACCOUNT)).toBe(plain);
  });
});

describe('which consumers need the cache actions', () => {
  it.each<[string, string, PullThroughCachePrefixes, string[]]>([
    ['an image under a rule prefix', CACHE_IMAGE, RULES, both()],
    ['a digest instead of a tag', CACHE_IMAGE.replace(':3.12', '@sha256:' + 'a'.repeat(64)), RULES, both()],
    [
      'an image of a repository no rule covers',
      `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/etl:1`,
      RULES,
      [],
    ],
    ['the registry without rules', CACHE_IMAGE, new Map(), []],
    ['rules of another region only', CACHE_IMAGE, new Map([['us-west-2', ['docker-hub']]]), []],
    [
      'a ROOT rule (every repository without its own rule)',
      `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/etl:1`,
      new Map([[REGION, ['ROOT']]]),
      both(`arn:aws:ecr:${REGION}:${ACCOUNT}:repository/etl`),
    ],
    [
      "another account's registry with the same prefix (its rules are its own)",
      `${OTHER_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/docker-hub/library/python:3.12`,
      RULES,
      [],
    ],
    ['Docker Hub itself', 'docker.io/library/python:3.12', RULES, []],
    ['a malformed image URI', `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/Docker-Hub//x`, RULES, []],
  ])('a Batch container with %s', (_case, image, rules, expected) => {
    expect(findings({ jobs: [job(image)] }, rules)).toEqual(expected);
  });

  it.each<[string, BatchJobDefinition | EcsTaskDefinition]>([
    [
      'a multi-node job definition',
      multiNodeJob(aContainer({ executionRoleArn: ROLE_ARN, image: CACHE_IMAGE })),
    ],
    ['an ecsProperties job definition', ecsPropertiesJob(aContainer({ name: 'app', image: CACHE_IMAGE }))],
    ['an ECS task definition', aTaskDefinition({ containers: [{ name: 'app', image: CACHE_IMAGE }] })],
  ])('%s needs them too', (_case, consumer) => {
    const consumers = consumersOf(consumer);
    const name = 'family' in consumer ? 'web:12' : 'etl:3';
    expect(findings(consumers, RULES)).toEqual(both(CACHE_REPO, 'noAllow', name));
  });
});

describe('what grants them', () => {
  const actions = ['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'];
  it.each<[string, StatementJson[], string[]]>([
    ['both on the exact cache repository', [allow(actions, CACHE_REPO)], []],
    [
      'both on the prefix (the documented form)',
      [allow(actions, `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/docker-hub/*`)],
      [],
    ],
    ['ecr:* on *', [allow('ecr:*')], []],
    [
      'only the import',
      [allow('ecr:BatchImportUpstreamImage', CACHE_REPO)],
      [`ecr:CreateRepository ${CACHE_REPO} noAllow etl:3`],
    ],
    [
      'a grant in another region',
      [allow(actions, `arn:aws:ecr:us-west-2:${ACCOUNT}:repository/docker-hub/*`)],
      both(),
    ],
    [
      'a grant in another account',
      [allow(actions, `arn:aws:ecr:${REGION}:${OTHER_ACCOUNT}:repository/docker-hub/*`)],
      both(),
    ],
    [
      'a wildcard grant with a Deny on CreateRepository',
      [allow(actions), deny('ecr:CreateRepository')],
      [`ecr:CreateRepository ${CACHE_REPO} explicitDeny etl:3`],
    ],
  ])('%s', (_case, grants, expected) => {
    expect(findings({ jobs: [job(CACHE_IMAGE)] }, RULES, ...grants)).toEqual(expected);
  });
});

describe('remediation', () => {
  const facts = { jobs: [job(CACHE_IMAGE)], pullThroughCachePrefixes: RULES };

  it('grants both actions on the exact cache repository ARN, and the role is then compliant', () => {
    // Arrange
    const role = aRole();

    // Act
    const plan = planFor(role, facts);

    // Assert
    expect(plan.refusals).toEqual([]);
    expect(plan.changes).toEqual(
      ownedPolicyAdding([
        { action: 'ecr:BatchImportUpstreamImage', resource: CACHE_REPO },
        { action: 'ecr:CreateRepository', resource: CACHE_REPO },
      ]),
    );
    expectRepairedCompliant(role, plan, facts);
  });

  it('refuses when a Deny blocks them, writing nothing', () => {
    const role = aRole({
      inline: { 'no-cache': policy(deny(['ecr:CreateRepository', 'ecr:BatchImportUpstreamImage'])) },
    });
    const plan = planFor(role, facts);
    expect(plan.changes).toEqual([]);
    expect(plan.refusals).toEqual([
      expect.objectContaining({
        findingId: 'PULL_THROUGH_CACHE',
        message: expect.stringContaining('no-cache'),
      }),
      expect.objectContaining({
        findingId: 'PULL_THROUGH_CACHE',
        message: expect.stringContaining('no-cache'),
      }),
    ]);
  });
});

describe("the cache repository's own policy, before the first pull creates the repository", () => {
  const notFound = {
    status: 'unreadable',
    reason: 'NotFound',
    detail: `${CACHE_REPO} does not exist (RepositoryNotFoundException)`,
  } as const;

  /** The verdict with every layer read as having no policy, but the layers given. */
  function judged(
    job: BatchJobDefinition,
    layers: ReadonlyMap<string, LayerRead>,
    params: Partial<RuleParameters> = {},
  ) {
    const usage = applyPullThroughCacheRules(
      indexUsage({ jobDefinitions: [job], taskDefinitions: [] }, LOCATION),
      RULES,
      ACCOUNT,
    );
    const role = aRole({
      inline: {
        cache: policy(allow(['ecr:BatchImportUpstreamImage', 'ecr:CreateRepository'], CACHE_REPO)),
      },
    });
    const all = { ...DEFAULT_RULE_PARAMETERS, ...params };
    const targets = layerTargetsForRole(role, usage, new Map(), all, LOCATION);
    const resourcePolicies = new Map<string, LayerRead>(
      [...targets.keys()].map((key) => [key, layers.get(key) ?? { status: 'read', policy: null }]),
    );
    const assessment = assessRole(role, usage, new Map(), all, LOCATION, { resourcePolicies });
    if (!assessment.applicable) throw new Error(assessment.reason);
    return assessment.evaluation;
  }

  it('is unproven (a creation template may give it a policy): LAYER_UNREADABLE, a note with report', () => {
    const layers = new Map([[`repositoryPolicy ${CACHE_REPO}`, notFound]]);
    const failing = judged(aJobDefinition({ image: CACHE_IMAGE }), layers);
    const reporting = judged(aJobDefinition({ image: CACHE_IMAGE }), layers, { unreadableLayers: 'report' });
    const because =
      'it does not exist yet: the first pull through the cache creates it, with the policy of a repository ' +
      'creation template if one applies, which the rule does not read';
    expect(failing.compliance).toBe('NON_COMPLIANT');
    expect(failing.findings.map((finding) => [finding.id, finding.reason])).toEqual([
      [
        'LAYER_UNREADABLE',
        expect.objectContaining({ cause: 'NotCreatedYet', problem: because, subject: CACHE_REPO }),
      ],
    ]);
    expect(reporting.compliance).toBe('COMPLIANT');
    expect(reporting.notes?.map((note) => note.message)).toEqual([
      expect.stringContaining(`The repository policy of ${CACHE_REPO} could not be used (${because})`),
    ]);
  });

  it('the remediation refuses it saying how to proceed: create the repository, or UnreadableLayers=report', () => {
    const layers = new Map([[`repositoryPolicy ${CACHE_REPO}`, notFound]]);
    const evaluation = judged(aJobDefinition({ image: CACHE_IMAGE }), layers);
    const refusal = evaluation.findings
      .filter((finding) => finding.id === 'LAYER_UNREADABLE')
      .map((finding) => unfixableReasonText(finding));
    expect(refusal).toEqual([
      expect.stringContaining(
        "Create the repository (its policy is then read), or set UnreadableLayers to report so the role's own side",
      ),
    ]);
  });

  it('once the repository exists, its policy is a layer like any other: a Deny there blocks the pull', () => {
    const layers = new Map<string, LayerRead>([
      [
        `repositoryPolicy ${CACHE_REPO}`,
        {
          status: 'read',
          policy: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Sid: 'NoPulls', Effect: 'Deny', Principal: '*', Action: 'ecr:BatchGetImage' }],
          }),
        },
      ],
    ]);
    const evaluation = judged(aJobDefinition({ image: CACHE_IMAGE }), layers);
    expect(evaluation.compliance).toBe('NON_COMPLIANT');
    expect(evaluation.findings.map((finding) => `${finding.action} ${finding.reason.kind}`)).toEqual([
      'ecr:BatchGetImage layerDeny',
    ]);
  });

  it("a repository of this account that is not a cache's and does not exist stays LAYER_UNREADABLE", () => {
    const missing = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/etl`;
    const layers = new Map<string, LayerRead>([
      [
        `repositoryPolicy ${missing}`,
        { status: 'unreadable', reason: 'NotFound', detail: `${missing} does not exist` },
      ],
    ]);
    const evaluation = judged(aJobDefinition(), layers);
    expect(evaluation.compliance).toBe('NON_COMPLIANT');
    expect(evaluation.findings.map((finding) => finding.id)).toEqual(['LAYER_UNREADABLE']);
  });
});
