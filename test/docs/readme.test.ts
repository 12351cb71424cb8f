import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { indexUsage } from '../../lib/facts/gather';
import { applyBucketEncryption, applyPullThroughCacheRules } from '../../lib/usage';
import { assessRole } from '../../lib/rule/assess-role';
import type { FindingId } from '../../lib/core/model';
import type { LayerFacts } from '../../lib/facts/layer-ports';
import { DEFAULT_RULE_PARAMETERS, RULE_PARAMETER_NAMES, type RuleParameters } from '../../lib/parameters';
import { FINDING_IDS, FINDINGS } from '../../lib/findings/registry';
import type {
  BatchJobDefinition,
  BucketEncryptions,
  ContainerLike,
  EcsTaskDefinition,
  KeyMetadata,
  PullThroughCachePrefixes,
} from '../../lib/usage/types';
import {
  ACCOUNT,
  aContainer,
  aJobDefinition,
  allow,
  aRole,
  aTaskDefinition,
  deny,
  ECR_REPOSITORY_ARN,
  LOCATION,
  OTHER_ACCOUNT,
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
const FSX_SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:fsx/admin-AbCdEf`;
/** The config bucket with SSE-S3 (no KMS key to decrypt with). */
const SSE_S3_CONFIG: BucketEncryptions = new Map([
  ['arn:aws:s3:::acme-config', { status: 'read', algorithm: 'AES256' }],
]);

/** Task definition web:12 whose container `app` also has the ECS-only `fields`. */
function webTask(
  fields: Partial<ContainerLike> = {},
  extra: Partial<EcsTaskDefinition> = {},
): EcsTaskDefinition {
  return {
    ...aTaskDefinition(),
    containerDefinitions: [{ ...aContainer({ name: 'app' }), ...fields }],
    ...extra,
  };
}

interface Scenario {
  readonly role: RoleOptions;
  readonly jobs?: readonly BatchJobDefinition[];
  readonly tasks?: readonly EcsTaskDefinition[];
  readonly keys?: KeyMetadata;
  readonly params?: Partial<RuleParameters>;
  readonly pullThroughCachePrefixes?: PullThroughCachePrefixes;
  /** What GetBucketEncryption answers for the buckets of its S3 files. */
  readonly buckets?: BucketEncryptions;
  /** The layers beyond the role, as the rule gathers them live. */
  readonly layers?: LayerFacts;
}

// A role whose ECR grants name the team's own account only, as least-privilege roles often do.
const OWN_REPOSITORIES_ONLY: RoleOptions = {
  managed: [],
  inline: {
    exec: policy(
      allow('ecr:GetAuthorizationToken'),
      allow(
        ['ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage'],
        `arn:aws:ecr:*:${ACCOUNT}:repository/*`,
      ),
      allow(['logs:CreateLogStream', 'logs:PutLogEvents'], `arn:aws:logs:*:${ACCOUNT}:log-group:*`),
    ),
  },
};

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
        [`repositoryPolicy ${ECR_REPOSITORY_ARN}`, { status: 'read', policy: null }],
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
  ENVIRONMENT_FILES: {
    role: {},
    tasks: [webTask({ environmentFiles: [{ value: 'arn:aws:s3:::acme-config/web/prod.env', type: 's3' }] })],
    buckets: SSE_S3_CONFIG,
  },
  FIRELENS_CONFIG: {
    role: { inline: { s3: policy(allow('s3:GetBucketLocation', 'arn:aws:s3:::acme-config')) } },
    tasks: [
      webTask({
        firelensConfiguration: {
          type: 'fluentbit',
          options: { 'config-file-type': 's3', 'config-file-value': 'arn:aws:s3:::acme-config/extra.conf' },
        },
      }),
    ],
    buckets: SSE_S3_CONFIG,
  },
  GMSA_CREDENTIAL_SPECS: {
    role: {},
    tasks: [webTask({ credentialSpecs: ['credentialspecdomainless:s3://acme-gmsa/web.json'] })],
  },
  FSX_WINDOWS_CREDENTIALS: {
    role: { inline: { fsx: policy(allow('secretsmanager:GetSecretValue', FSX_SECRET)) } },
    tasks: [
      webTask(
        {},
        {
          volumes: [
            {
              name: 'share',
              fsxWindowsFileServerVolumeConfiguration: {
                fileSystemId: 'fs-0123456789abcdef0',
                rootDirectory: 'share',
                authorizationConfig: { credentialsParameter: FSX_SECRET, domain: 'corp.example.com' },
              },
            },
          ],
        },
      ),
    ],
    keys: new Map([[FSX_SECRET, null]]),
  },
  TRUST_SOURCE_ARN: {
    role: {
      trust: trustFor('ecs-tasks.amazonaws.com', {
        ArnEquals: { 'aws:SourceArn': `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/prod` },
      }),
    },
  },
  PULL_THROUGH_CACHE: {
    role: {},
    jobs: [
      aJobDefinition({ image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/docker-hub/library/python:3.12` }),
    ],
    pullThroughCachePrefixes: new Map([[REGION, ['docker-hub']]]),
  },
  CROSS_ACCOUNT_IMAGE: {
    role: OWN_REPOSITORIES_ONLY,
    jobs: [aJobDefinition({ image: `${OTHER_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/platform/base:2` })],
  },
  GUARDDUTY_AGENT_IMAGE: {
    role: OWN_REPOSITORIES_ONLY,
    jobs: [{ ...aJobDefinition(), platformCapabilities: ['FARGATE'] }],
    params: { guardDutyRuntimeMonitoring: true },
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
  const params = {
    ...DEFAULT_RULE_PARAMETERS,
    ...(scenario.tasks && { discoverEcsTaskDefinitions: true }),
    ...scenario.params,
  };
  const usage = applyBucketEncryption(
    applyPullThroughCacheRules(
      indexUsage({ jobDefinitions: scenario.jobs ?? [], taskDefinitions: scenario.tasks ?? [] }, LOCATION),
      scenario.pullThroughCachePrefixes ?? new Map(),
      ACCOUNT,
    ),
    scenario.buckets ?? new Map(),
  );
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

  it.each(FINDING_IDS.map((id) => [id]))(
    '%s links to its spec section, named as the registry names it',
    (id) => {
      expect(rows.get(id)?.join(' ')).toContain(`[${FINDINGS[id].specTitle}](${FINDINGS[id].specUrl})`);
    },
  );

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
