import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexUsage } from '../../lib/facts/gather';
import { assessRole } from '../../lib/rule/assess-role';
import type { FindingId } from '../../lib/core/model';
import type { LayerFacts } from '../../lib/facts/layer-ports';
import { DEFAULT_RULE_PARAMETERS, RULE_PARAMETER_NAMES, type RuleParameters } from '../../lib/parameters';
import { FINDING_IDS, FINDINGS } from '../../lib/findings/registry';
import type { BatchJobDefinition, KeyMetadata } from '../../lib/usage/types';
import {
  ACCOUNT,
  aJobDefinition,
  allow,
  aRole,
  deny,
  LOCATION,
  policy,
  REGION,
  trustFor,
  type RoleOptions,
} from '../builders';

const README = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The README's reference table: one row per finding id, each row's cells. */
function tableRows(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of README.split('\n')) {
    const match = /^\| `([A-Z_]+)` \|(.*)\|$/.exec(line);
    if (match?.[1] && match[2])
      rows.set(
        match[1],
        match[2].split(' | ').map((cell) => cell.trim()),
      );
  }
  return rows;
}

const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`;
const PARAMETER = `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter/prod/db/password`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const REGISTRY_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:dockerhub-Xy12Ab`;

interface Scenario {
  readonly role: RoleOptions;
  readonly jobs?: readonly BatchJobDefinition[];
  readonly keys?: KeyMetadata;
  readonly params?: Partial<RuleParameters>;
  /** The layers beyond the role, as the rule gathers them live. */
  readonly layers?: LayerFacts;
}

// One realistic role per finding id; the README's example annotation must be what the rule writes for it.
const SCENARIOS: Record<FindingId, Scenario> = {
  TRUST_ECS_TASKS: { role: { trust: trustFor('ec2.amazonaws.com') } },
  TRUST_CONFUSED_DEPUTY: { role: {}, params: { requireConfusedDeputyCondition: true } },
  EXEC_PERMISSIONS: {
    role: { inline: { 'deny-logs': policy(deny('logs:PutLogEvents')) } },
  },
  MANAGED_POLICY_ATTACHED: {
    role: {
      managed: [],
      inline: { exec: policy(allow(['ecr:*', 'logs:CreateLogStream', 'logs:PutLogEvents'])) },
    },
    params: { requireManagedPolicy: true },
  },
  REGISTRY_CREDENTIALS: {
    role: {},
    jobs: [
      aJobDefinition({
        jobDefinitionName: 'web',
        revision: 4,
        image: 'docker.io/acme/web:1',
        credentialsParameter: REGISTRY_SECRET,
      }),
    ],
    keys: new Map([[REGISTRY_SECRET, null]]),
  },
  SECRETS_SSM: {
    role: {},
    jobs: [aJobDefinition({ secrets: { DB_PASSWORD: PARAMETER } })],
    keys: new Map([[PARAMETER, null]]),
  },
  SECRETS_MANAGER: {
    role: {},
    jobs: [aJobDefinition({ secrets: { DB: `${SECRET}:password::` } })],
    keys: new Map([[SECRET, null]]),
  },
  KMS_DECRYPT: {
    role: { inline: { secrets: policy(allow('secretsmanager:GetSecretValue', SECRET)) } },
    jobs: [aJobDefinition({ secrets: { DB: SECRET } })],
    keys: new Map([[SECRET, KEY]]),
  },
  LOG_GROUP_CREATION: {
    role: {},
    jobs: [
      aJobDefinition({
        logConfiguration: {
          logDriver: 'awslogs',
          options: { 'awslogs-group': '/batch/etl', 'awslogs-create-group': 'true' },
        },
      }),
    ],
  },
  LAYER_UNREADABLE: {
    role: {
      inline: { secrets: policy(allow(['secretsmanager:GetSecretValue', 'kms:Decrypt'], [SECRET, KEY])) },
    },
    jobs: [aJobDefinition({ secrets: { DB: SECRET } })],
    keys: new Map([[SECRET, KEY]]),
    layers: {
      resourcePolicies: new Map([
        [`secretPolicy ${SECRET}`, { status: 'read', policy: null }],
        [
          `keyPolicy ${KEY}`,
          {
            status: 'unreadable',
            reason: 'AccessDenied',
            detail: `the rule's role lacks kms:GetKeyPolicy on ${KEY}`,
          },
        ],
      ]),
    },
  },
  POLICY_UNREADABLE: {
    role: {
      inline: {
        legacy: { Version: '2012-10-17', Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] },
      },
    },
  },
};

function annotationFor(scenario: Scenario): { annotation: string; ids: FindingId[] } {
  const params = { ...DEFAULT_RULE_PARAMETERS, ...scenario.params };
  const usage = indexUsage({ jobDefinitions: scenario.jobs ?? [], taskDefinitions: [] }, LOCATION);
  const assessment = assessRole(
    aRole(scenario.role),
    usage,
    scenario.keys ?? new Map(),
    params,
    LOCATION,
    scenario.layers,
  );
  if (!assessment.applicable) throw new Error(`scenario role is not a candidate: ${assessment.reason}`);
  return { annotation: assessment.annotation, ids: assessment.evaluation.findings.map((f) => f.id) };
}

describe('README.md', () => {
  const rows = tableRows();

  it('lists every finding id exactly once in the reference table', () => {
    expect([...rows.keys()].sort()).toEqual([...FINDING_IDS].sort());
  });

  it.each(FINDING_IDS.map((id) => [id]))('%s links to its spec section', (id) => {
    expect(rows.get(id)?.join(' ')).toContain(`(${FINDINGS[id].specUrl})`);
  });

  it.each(FINDING_IDS.map((id) => [id]))('%s shows the annotation the rule really writes', (id) => {
    const { annotation, ids } = annotationFor(SCENARIOS[id]);
    expect(ids).toContain(id);
    const example = rows.get(id)?.[2] ?? '';
    expect(example).toBe(`\`${annotation}\``);
  });

  it.each(RULE_PARAMETER_NAMES.map((name) => [name]))('documents the rule parameter %s', (name) => {
    expect(README).toContain(`\`${name}\``);
  });

  it('shows the two set-up commands', () => {
    expect(README).toContain('npm ci && npm start');
    expect(README).toContain('npm cit');
  });
});
