/**
 * The verdict with the layers beyond the role: key policies, secret policies, repository policies and the
 * organization's SCPs, as assessRole weighs them (lib/rule/layered-permission.ts). Each row cites the AWS
 * sentence it relies on.
 */
import type { Finding } from '../../lib/core/model';
import { indexUsage, withBucketEncryption } from '../../lib/facts/gather';
import type { LayerFacts, LayerRead, OrganizationPolicies } from '../../lib/facts/layer-ports';
import { DEFAULT_RULE_PARAMETERS, type RuleParameters } from '../../lib/parameters';
import { planRemediation } from '../../lib/remediation/plan';
import { assessRole, layerTargetsForRole } from '../../lib/rule/assess-role';
import { layerTargetOf } from '../../lib/rule/layer-targets';
import type { BatchJobDefinition, EcsTaskDefinition, KeyMetadata } from '../../lib/usage/types';
import {
  ACCOUNT,
  aContainer,
  aJobDefinition,
  allow,
  aRole,
  deny,
  ECR_REPOSITORY_ARN,
  LOCATION,
  OTHER_ACCOUNT,
  policy,
  REGION,
  ROLE_ARN,
  type RoleOptions,
  type StatementJson,
  aTaskDefinition,
} from '../builders';

const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`;
const FOREIGN_IMAGE = `${OTHER_ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/base:1`;
const FOREIGN_REPO = `arn:aws:ecr:${REGION}:${OTHER_ACCOUNT}:repository/base`;
const ROOT = `arn:aws:iam::${ACCOUNT}:root`;

const KEY_TARGET = `keyPolicy ${KEY}`;
const SECRET_TARGET = `secretPolicy ${SECRET}`;
const REPO_TARGET = `repositoryPolicy ${FOREIGN_REPO}`;
const OWN_REPO_TARGET = `repositoryPolicy ${ECR_REPOSITORY_ARN}`;

const grantsSecret = { secrets: policy(allow('secretsmanager:GetSecretValue', SECRET)) };
const grantsSecretAndKey = {
  secrets: policy(allow('secretsmanager:GetSecretValue', SECRET), allow('kms:Decrypt', KEY)),
};

/** A resource policy as text, the way GetKeyPolicy / GetResourcePolicy return it. */
const text = (...statements: StatementJson[]): LayerRead => ({
  status: 'read',
  policy: JSON.stringify(policy(...statements)),
});
const keyAdmin = (principal: string, extra: Partial<StatementJson> = {}): StatementJson => ({
  Sid: 'EnableIam',
  Effect: 'Allow',
  Principal: { AWS: principal },
  Action: 'kms:*',
  Resource: '*',
  ...extra,
});
const toRole = (
  effect: 'Allow' | 'Deny',
  action: string,
  extra: Partial<StatementJson> = {},
): StatementJson => ({
  Effect: effect,
  Principal: { AWS: ROLE_ARN },
  Action: action,
  Resource: '*',
  ...extra,
});
const DENY_OTHERS = (allowed: string): StatementJson => ({
  Sid: 'DenyOthers',
  Effect: 'Deny',
  Principal: '*',
  Action: 'secretsmanager:GetSecretValue',
  Resource: '*',
  Condition: { StringNotEquals: { 'aws:PrincipalArn': [allowed] } },
});

interface Case {
  readonly role: RoleOptions;
  readonly jobs?: readonly BatchJobDefinition[];
  readonly keys?: KeyMetadata;
  readonly layers: Record<string, LayerRead>;
  readonly organization?: LayerFacts['organization'];
  readonly params?: Partial<RuleParameters>;
}

const NO_POLICY: LayerRead = { status: 'read', policy: null };
const secretJob = [aJobDefinition({ secrets: { DB: SECRET } })];
const secretKeys: KeyMetadata = new Map([[SECRET, KEY]]);
const plainSecretKeys: KeyMetadata = new Map([[SECRET, null]]);

function assess(c: Case) {
  const params = { ...DEFAULT_RULE_PARAMETERS, ...c.params };
  const usage = indexUsage({ jobDefinitions: c.jobs ?? secretJob, taskDefinitions: [] }, LOCATION);
  const layers: LayerFacts = {
    // The secret and the job's own repository have no resource policy unless a row says otherwise.
    resourcePolicies: new Map(
      Object.entries({ [SECRET_TARGET]: NO_POLICY, [OWN_REPO_TARGET]: NO_POLICY, ...c.layers }),
    ),
    ...(c.organization ? { organization: c.organization } : {}),
  };
  const role = aRole(c.role);
  const assessment = assessRole(role, usage, c.keys ?? secretKeys, params, LOCATION, layers);
  if (!assessment.applicable) throw new Error(assessment.reason);
  return { assessment, role, params };
}

/** `ID action reason detail` per finding (and per note, prefixed). */
function summarise(finding: Finding): string {
  const r = finding.reason;
  const detail =
    r.kind === 'layerDeny'
      ? ` ${r.layer}#${r.statement}`
      : r.kind === 'layerNoAllow'
        ? ` ${r.layer}`
        : r.kind === 'layerUnreadable'
          ? ` ${r.layer} ${r.cause}`
          : r.kind === 'explicitDeny'
            ? ` ${r.policyName}#${r.statement}`
            : '';
  return `${finding.id}${finding.action ? ` ${finding.action}` : ''} ${r.kind}${detail}`;
}

function verdict(c: Case): string[] {
  const { evaluation } = assess(c).assessment;
  return [
    evaluation.compliance,
    ...evaluation.findings.map(summarise),
    ...(evaluation.notes ?? []).map((note) => `note ${summarise(note)}`),
  ];
}

describe('key policies (KMS: "IAM policies by themselves are not sufficient")', () => {
  it.each<[string, Case, string[]]>([
    [
      'root delegated and the identity grants Decrypt: allowed',
      { role: { inline: grantsSecretAndKey }, layers: { [KEY_TARGET]: text(keyAdmin(ROOT)) } },
      ['COMPLIANT'],
    ],
    [
      'root delegated, no identity grant: the role side is missing (the remediation can add it)',
      { role: { inline: grantsSecret }, layers: { [KEY_TARGET]: text(keyAdmin(ROOT)) } },
      ['NON_COMPLIANT', 'KMS_DECRYPT kms:Decrypt noAllow'],
    ],
    [
      'the account id as principal delegates like the root ARN',
      { role: { inline: grantsSecretAndKey }, layers: { [KEY_TARGET]: text(keyAdmin(ACCOUNT)) } },
      ['COMPLIANT'],
    ],
    [
      'the key policy names the role: no IAM grant needed',
      { role: { inline: grantsSecret }, layers: { [KEY_TARGET]: text(toRole('Allow', 'kms:Decrypt')) } },
      ['COMPLIANT'],
    ],
    [
      'neither the role nor the root: the identity grant does nothing',
      {
        role: { inline: grantsSecretAndKey },
        layers: { [KEY_TARGET]: text(keyAdmin(`arn:aws:iam::${ACCOUNT}:role/KeyAdmins`)) },
      },
      ['NON_COMPLIANT', 'KMS_DECRYPT kms:Decrypt layerNoAllow keyPolicy'],
    ],
    [
      'a key policy Deny wins over the root delegation',
      {
        role: { inline: grantsSecretAndKey },
        layers: {
          [KEY_TARGET]: text(keyAdmin(ROOT), toRole('Deny', 'kms:Decrypt', { Sid: 'NoDecrypt' })),
        },
      },
      ['NON_COMPLIANT', 'KMS_DECRYPT kms:Decrypt layerDeny keyPolicy#NoDecrypt'],
    ],
    [
      'kms:ViaService as Secrets Manager sends it satisfies the condition',
      {
        role: { inline: grantsSecret },
        layers: {
          [KEY_TARGET]: text(
            toRole('Allow', 'kms:Decrypt', {
              Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
            }),
          ),
        },
      },
      ['COMPLIANT'],
    ],
    [
      'kms:ViaService of another service: the statement does not apply',
      {
        role: { inline: grantsSecret },
        layers: {
          [KEY_TARGET]: text(
            toRole('Allow', 'kms:Decrypt', {
              Condition: { StringEquals: { 'kms:ViaService': `ssm.${REGION}.amazonaws.com` } },
            }),
          ),
        },
      },
      ['NON_COMPLIANT', 'KMS_DECRYPT kms:Decrypt layerNoAllow keyPolicy'],
    ],
    [
      'the SecretARN encryption context and kms:CallerAccount are known',
      {
        role: { inline: grantsSecret },
        layers: {
          [KEY_TARGET]: text(
            toRole('Allow', 'kms:Decrypt', {
              Condition: {
                StringEquals: { 'kms:EncryptionContext:SecretARN': SECRET, 'kms:CallerAccount': ACCOUNT },
              },
            }),
          ),
        },
      },
      ['COMPLIANT'],
    ],
    [
      'a condition on a key the request does not tell stays unknown: not proven',
      {
        role: { inline: grantsSecret },
        layers: {
          [KEY_TARGET]: text(
            toRole('Allow', 'kms:Decrypt', { Condition: { StringEquals: { 'aws:SourceVpce': 'vpce-1' } } }),
          ),
        },
      },
      ['NON_COMPLIANT', 'KMS_DECRYPT kms:Decrypt conditional'],
    ],
  ])('%s', (_label, c, expected) => {
    expect(verdict(c)).toEqual(expected);
  });

  it('says which layer refused, with the reason, in the message and the annotation', () => {
    // Arrange
    const c: Case = {
      role: { inline: grantsSecretAndKey },
      layers: { [KEY_TARGET]: text(keyAdmin(`arn:aws:iam::${ACCOUNT}:role/KeyAdmins`)) },
    };

    // Act
    const { assessment } = assess(c);
    if (!assessment.applicable) throw new Error('not applicable');

    // Assert
    expect(assessment.evaluation.findings[0]?.message).toBe(
      `kms:Decrypt on ${KEY} is not allowed by its key policy (no statement names the role and the account ` +
        'root is not delegated) (needed by job definition etl:3)',
    );
    expect(assessment.annotation).toBe(
      'kms:Decrypt on ...:key/1234abcd-12ab-34cd-56ef-1234567890ab not allowed by its key policy (no ' +
        'statement names the role and the account root is not delegated) for job definition etl:3',
    );
  });
});

describe('secret policies (same account: identity OR resource policy; Deny wins)', () => {
  it.each<[string, Case, string[]]>([
    [
      'DenyOthers listing another role denies this one',
      {
        role: { inline: grantsSecret },
        keys: plainSecretKeys,
        layers: { [SECRET_TARGET]: text(DENY_OTHERS(`arn:aws:iam::${ACCOUNT}:role/app`)) },
      },
      ['NON_COMPLIANT', 'SECRETS_MANAGER secretsmanager:GetSecretValue layerDeny secretPolicy#DenyOthers'],
    ],
    [
      'DenyOthers listing this role leaves the identity grant standing',
      {
        role: { inline: grantsSecret },
        keys: plainSecretKeys,
        layers: { [SECRET_TARGET]: text(DENY_OTHERS(ROLE_ARN)) },
      },
      ['COMPLIANT'],
    ],
    [
      'a same-account secret policy naming the role grants what the identity lacks',
      {
        role: {},
        keys: plainSecretKeys,
        layers: { [SECRET_TARGET]: text(toRole('Allow', 'secretsmanager:GetSecretValue')) },
      },
      ['COMPLIANT'],
    ],
    [
      'that grant still needs the permissions boundary (the role flow chart applies it)',
      {
        role: { boundary: { document: policy(allow('logs:*')) } },
        keys: plainSecretKeys,
        layers: { [SECRET_TARGET]: text(toRole('Allow', 'secretsmanager:GetSecretValue')) },
      },
      [
        'NON_COMPLIANT',
        'EXEC_PERMISSIONS ecr:GetAuthorizationToken boundary',
        'EXEC_PERMISSIONS ecr:BatchCheckLayerAvailability boundary',
        'EXEC_PERMISSIONS ecr:GetDownloadUrlForLayer boundary',
        'EXEC_PERMISSIONS ecr:BatchGetImage boundary',
        'SECRETS_MANAGER secretsmanager:GetSecretValue boundary',
      ],
    ],
    [
      'a secret without a resource policy leaves the identity side alone',
      {
        role: { inline: grantsSecret },
        keys: plainSecretKeys,
        layers: { [SECRET_TARGET]: { status: 'read', policy: null } },
      },
      ['COMPLIANT'],
    ],
  ])('%s', (_label, c, expected) => {
    expect(verdict(c)).toEqual(expected);
  });

  it('names the statement: "secret policy of SECRET denies it (statement DenyOthers)"', () => {
    const { assessment } = assess({
      role: { inline: grantsSecret },
      keys: plainSecretKeys,
      layers: { [SECRET_TARGET]: text(DENY_OTHERS(`arn:aws:iam::${ACCOUNT}:role/app`)) },
    });
    if (!assessment.applicable) throw new Error('not applicable');
    expect(assessment.evaluation.findings[0]?.message).toContain(
      `the secret policy of ${SECRET} denies it (statement DenyOthers)`,
    );
    expect(assessment.annotation).toBe(
      'Secret policy of ...:secret:prod/db-AbCdEf denies secretsmanager:GetSecretValue on ' +
        '...:secret:prod/db-AbCdEf (statement DenyOthers) for job definition etl:3',
    );
  });
});

describe("this account's repositories (same account: identity OR repository policy; Deny wins)", () => {
  // IAM User Guide, "Policy evaluation for requests within a single account": "If either the identity-based
  // policy or the resource-based policy within the same account allows the request and the other doesn't,
  // the request is still allowed", and "an explicit deny in any of the policies overrides the allow".
  const jobs = [aJobDefinition()];
  const keys: KeyMetadata = new Map();
  // The token and the logs, but no pull: only the repository policy could grant those.
  const noPulls: RoleOptions = {
    managed: [],
    inline: {
      base: policy(allow(['ecr:GetAuthorizationToken', 'logs:CreateLogStream', 'logs:PutLogEvents'])),
    },
  };
  const pullActions = ['ecr:BatchGetImage', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer'];
  const missingPulls = [
    'NON_COMPLIANT',
    'EXEC_PERMISSIONS ecr:BatchCheckLayerAvailability noAllow',
    'EXEC_PERMISSIONS ecr:GetDownloadUrlForLayer noAllow',
    'EXEC_PERMISSIONS ecr:BatchGetImage noAllow',
  ];
  const onlyCi: StatementJson = {
    Sid: 'OnlyCi',
    Effect: 'Deny',
    Principal: '*',
    Action: 'ecr:BatchGetImage',
    Condition: { StringNotEquals: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/ci` } },
  };
  it.each<[string, Case, string[]]>([
    [
      'no repository policy: the identity grant decides',
      { role: {}, jobs, keys, layers: { [OWN_REPO_TARGET]: NO_POLICY } },
      ['COMPLIANT'],
    ],
    [
      'no repository policy and no identity grant: the pulls are missing',
      { role: noPulls, jobs, keys, layers: { [OWN_REPO_TARGET]: NO_POLICY } },
      missingPulls,
    ],
    [
      'the repository policy names the role: it grants the pulls the identity lacks',
      {
        role: noPulls,
        jobs,
        keys,
        layers: {
          [OWN_REPO_TARGET]: text({
            Sid: 'Team',
            Effect: 'Allow',
            Principal: { AWS: ROLE_ARN },
            Action: pullActions,
          }),
        },
      },
      ['COMPLIANT'],
    ],
    [
      'the repository policy names only the account: it delegates to IAM and grants nothing itself',
      {
        role: noPulls,
        jobs,
        keys,
        layers: {
          [OWN_REPO_TARGET]: text({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: pullActions }),
        },
      },
      missingPulls,
    ],
    [
      "the repository policy's grant still needs the permissions boundary",
      {
        role: { ...noPulls, boundary: { document: policy(allow(['ecr:GetAuthorizationToken', 'logs:*'])) } },
        jobs,
        keys,
        layers: {
          [OWN_REPO_TARGET]: text({ Effect: 'Allow', Principal: { AWS: ROLE_ARN }, Action: pullActions }),
        },
      },
      [
        'NON_COMPLIANT',
        'EXEC_PERMISSIONS ecr:BatchCheckLayerAvailability boundary',
        'EXEC_PERMISSIONS ecr:GetDownloadUrlForLayer boundary',
        'EXEC_PERMISSIONS ecr:BatchGetImage boundary',
      ],
    ],
    [
      'a repository policy Deny wins over the managed policy',
      { role: {}, jobs, keys, layers: { [OWN_REPO_TARGET]: text(onlyCi) } },
      ['NON_COMPLIANT', 'EXEC_PERMISSIONS ecr:BatchGetImage layerDeny repositoryPolicy#OnlyCi'],
    ],
    [
      'a Deny that excludes this role leaves the managed policy standing',
      {
        role: {},
        jobs,
        keys,
        layers: {
          [OWN_REPO_TARGET]: text({
            ...onlyCi,
            Condition: {
              StringNotEquals: { 'aws:PrincipalArn': [`arn:aws:iam::${ACCOUNT}:role/ci`, ROLE_ARN] },
            },
          }),
        },
      },
      ['COMPLIANT'],
    ],
    [
      'AccessDenied reading it: LAYER_UNREADABLE by default',
      {
        role: {},
        jobs,
        keys,
        layers: {
          [OWN_REPO_TARGET]: {
            status: 'unreadable',
            reason: 'AccessDenied',
            detail: `the rule's role lacks ecr:GetRepositoryPolicy on ${ECR_REPOSITORY_ARN}`,
          },
        },
      },
      ['NON_COMPLIANT', 'LAYER_UNREADABLE layerUnreadable repositoryPolicy AccessDenied'],
    ],
    [
      'AccessDenied with UnreadableLayers=report: a note, the identity side decides',
      {
        role: {},
        jobs,
        keys,
        params: { unreadableLayers: 'report' },
        layers: {
          [OWN_REPO_TARGET]: {
            status: 'unreadable',
            reason: 'AccessDenied',
            detail: `the rule's role lacks ecr:GetRepositoryPolicy on ${ECR_REPOSITORY_ARN}`,
          },
        },
      },
      ['COMPLIANT', 'note LAYER_UNREADABLE layerUnreadable repositoryPolicy AccessDenied'],
    ],
    [
      'a repository that does not exist is named (NotFound), as a missing key or secret is',
      {
        role: {},
        jobs,
        keys,
        layers: {
          [OWN_REPO_TARGET]: {
            status: 'unreadable',
            reason: 'NotFound',
            detail: `${ECR_REPOSITORY_ARN} does not exist (RepositoryNotFoundException)`,
          },
        },
      },
      ['NON_COMPLIANT', 'LAYER_UNREADABLE layerUnreadable repositoryPolicy NotFound'],
    ],
  ])('%s', (_label, c, expected) => {
    expect(verdict(c)).toEqual(expected);
  });

  it('names the statement in the message and the annotation', () => {
    const { assessment } = assess({ role: {}, jobs, keys, layers: { [OWN_REPO_TARGET]: text(onlyCi) } });
    if (!assessment.applicable) throw new Error('not applicable');
    expect(assessment.evaluation.findings[0]?.message).toContain(
      `the repository policy of ${ECR_REPOSITORY_ARN} denies it (statement OnlyCi)`,
    );
    expect(assessment.annotation).toBe(
      'Repository policy of ...:repository/etl denies ecr:BatchGetImage on ...:repository/etl ' +
        '(statement OnlyCi) for job definition etl:3',
    );
  });
});

describe('cross-account repositories (both sides must allow)', () => {
  const jobs = [aJobDefinition({ image: FOREIGN_IMAGE })];
  // AmazonECSTaskExecutionRolePolicy grants the pulls on `*`: the identity side allows.
  const pulls = {};
  it.each<[string, Case, string[]]>([
    [
      "the owner's repository policy allows the role's account",
      {
        role: pulls,
        jobs,
        layers: {
          [REPO_TARGET]: text({
            Effect: 'Allow',
            Principal: { AWS: ROOT },
            Action: ['ecr:BatchGetImage', 'ecr:BatchCheckLayerAvailability', 'ecr:GetDownloadUrlForLayer'],
          }),
        },
      },
      ['COMPLIANT'],
    ],
    [
      'a repository without a policy grants nothing across accounts',
      { role: pulls, jobs, layers: { [REPO_TARGET]: { status: 'read', policy: null } } },
      [
        'NON_COMPLIANT',
        'CROSS_ACCOUNT_IMAGE ecr:BatchCheckLayerAvailability layerNoAllow repositoryPolicy',
        'CROSS_ACCOUNT_IMAGE ecr:GetDownloadUrlForLayer layerNoAllow repositoryPolicy',
        'CROSS_ACCOUNT_IMAGE ecr:BatchGetImage layerNoAllow repositoryPolicy',
      ],
    ],
    [
      "another account's policy cannot be read: named and failing by default",
      {
        role: pulls,
        jobs,
        layers: {
          [REPO_TARGET]: {
            status: 'unreadable',
            reason: 'OtherAccount',
            detail: `belongs to account ${OTHER_ACCOUNT}`,
          },
        },
      },
      ['NON_COMPLIANT', 'LAYER_UNREADABLE layerUnreadable repositoryPolicy OtherAccount'],
    ],
    [
      'with UnreadableLayers=report it is a note and the readable layers decide',
      {
        role: pulls,
        jobs,
        params: { unreadableLayers: 'report' },
        layers: {
          [REPO_TARGET]: {
            status: 'unreadable',
            reason: 'OtherAccount',
            detail: `belongs to account ${OTHER_ACCOUNT}`,
          },
        },
      },
      ['COMPLIANT', 'note LAYER_UNREADABLE layerUnreadable repositoryPolicy OtherAccount'],
    ],
  ])('%s', (_label, c, expected) => {
    expect(verdict(c)).toEqual(expected);
  });
});

describe('layers that cannot be used', () => {
  it.each<[string, Case, string[]]>([
    [
      'AccessDenied on the key policy fails by default',
      {
        role: { inline: grantsSecretAndKey },
        layers: {
          [KEY_TARGET]: { status: 'unreadable', reason: 'AccessDenied', detail: 'lacks kms:GetKeyPolicy' },
        },
      },
      ['NON_COMPLIANT', 'LAYER_UNREADABLE layerUnreadable keyPolicy AccessDenied'],
    ],
    [
      'AccessDenied with report: the identity side decides, the layer is noted',
      {
        role: { inline: grantsSecretAndKey },
        params: { unreadableLayers: 'report' },
        layers: {
          [KEY_TARGET]: { status: 'unreadable', reason: 'AccessDenied', detail: 'lacks kms:GetKeyPolicy' },
        },
      },
      ['COMPLIANT', 'note LAYER_UNREADABLE layerUnreadable keyPolicy AccessDenied'],
    ],
    [
      'with report, a missing identity grant still fails',
      {
        role: { inline: grantsSecret },
        params: { unreadableLayers: 'report' },
        layers: {
          [KEY_TARGET]: { status: 'unreadable', reason: 'AccessDenied', detail: 'lacks kms:GetKeyPolicy' },
        },
      },
      [
        'NON_COMPLIANT',
        'KMS_DECRYPT kms:Decrypt noAllow',
        'note LAYER_UNREADABLE layerUnreadable keyPolicy AccessDenied',
      ],
    ],
    [
      'a key policy that does not parse fails closed, even with report',
      {
        role: { inline: grantsSecretAndKey },
        params: { unreadableLayers: 'report' },
        layers: { [KEY_TARGET]: { status: 'read', policy: '{"Statement": [{"Effect": "Permit"}]}' } },
      },
      ['NON_COMPLIANT', 'LAYER_UNREADABLE layerUnreadable keyPolicy Unparseable'],
    ],
    [
      'a key policy that is not JSON fails closed',
      { role: { inline: grantsSecretAndKey }, layers: { [KEY_TARGET]: { status: 'read', policy: '{oops' } } },
      ['NON_COMPLIANT', 'LAYER_UNREADABLE layerUnreadable keyPolicy Unparseable'],
    ],
    [
      'a layer the input does not hold is NotProvided',
      { role: { inline: grantsSecretAndKey }, layers: {} },
      ['NON_COMPLIANT', 'LAYER_UNREADABLE layerUnreadable keyPolicy NotProvided'],
    ],
  ])('%s', (_label, c, expected) => {
    expect(verdict(c)).toEqual(expected);
  });

  it('names the unread layer and the reason in the annotation', () => {
    const { assessment } = assess({
      role: { inline: grantsSecretAndKey },
      params: { unreadableLayers: 'report' },
      layers: {
        [KEY_TARGET]: { status: 'unreadable', reason: 'AccessDenied', detail: 'lacks kms:GetKeyPolicy' },
      },
    });
    if (!assessment.applicable) throw new Error('not applicable');
    expect(assessment.annotation).toBe(
      'Key policy of ...:key/1234abcd-12ab-34cd-56ef-1234567890ab not read (AccessDenied) for job definition etl:3',
    );
    expect(assessment.evaluation.notes?.[0]?.message).toBe(
      `The key policy of ${KEY} could not be used (lacks kms:GetKeyPolicy), so kms:Decrypt cannot be proven ` +
        'past it (needed by job definition etl:3)',
    );
  });
});

describe('organization policies (an Allow at every level, Deny wins)', () => {
  const levels = (...perLevel: [string, { id: string; statements: StatementJson[] }[]][]) => ({
    levels: perLevel.map(([targetId, policies]) => ({
      targetId,
      policies: policies.map(({ id, statements }) => ({
        id,
        name: id,
        content: JSON.stringify(policy(...statements)),
      })),
    })),
  });
  const full = { id: 'p-FullAWSAccess', statements: [allow('*')] };
  const denyRegions = {
    id: 'p-denyregions',
    statements: [
      deny('secretsmanager:*', '*', {
        Sid: 'DenyOutsideUsEast1',
        Condition: { StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } },
      }),
    ],
  };
  const read = (
    scps: OrganizationPolicies['scps'],
    managementAccountId = '999999999999',
  ): LayerFacts['organization'] => ({
    status: 'read',
    policies: { managementAccountId, organizationId: 'o-example', ...(scps ? { scps } : {}) },
  });
  const base = {
    role: { inline: grantsSecret },
    keys: plainSecretKeys,
    layers: { [SECRET_TARGET]: { status: 'read', policy: null } as LayerRead },
  };

  it.each<[string, Case, string[]]>([
    [
      'FullAWSAccess at every level: allowed',
      {
        ...base,
        organization: read(levels(['r-root', [full]], ['ou-ab12-apps', [full]], [ACCOUNT, [full]])),
      },
      ['COMPLIANT'],
    ],
    [
      'a region-deny SCP at an OU denies Secrets Manager in eu-west-1',
      {
        ...base,
        organization: read(
          levels(['r-root', [full]], ['ou-ab12-apps', [full, denyRegions]], [ACCOUNT, [full]]),
        ),
      },
      ['NON_COMPLIANT', 'SECRETS_MANAGER secretsmanager:GetSecretValue layerDeny scp#DenyOutsideUsEast1'],
    ],
    [
      'a level without an Allow refuses',
      { ...base, organization: read(levels(['r-root', [full]], ['ou-ab12-apps', []], [ACCOUNT, [full]])) },
      [
        'NON_COMPLIANT',
        'EXEC_PERMISSIONS ecr:GetAuthorizationToken layerNoAllow scp',
        'EXEC_PERMISSIONS ecr:BatchCheckLayerAvailability layerNoAllow scp',
        'EXEC_PERMISSIONS ecr:GetDownloadUrlForLayer layerNoAllow scp',
        'EXEC_PERMISSIONS ecr:BatchGetImage layerNoAllow scp',
        'EXEC_PERMISSIONS logs:CreateLogStream layerNoAllow scp',
        'EXEC_PERMISSIONS logs:PutLogEvents layerNoAllow scp',
        'SECRETS_MANAGER secretsmanager:GetSecretValue layerNoAllow scp',
      ],
    ],
    [
      'no SCP applies in the management account',
      {
        ...base,
        organization: read(levels(['r-root', [full]], [ACCOUNT, [denyRegions]]), ACCOUNT),
      },
      ['COMPLIANT'],
    ],
    [
      'an unreadable organization is named and fails by default',
      { ...base, organization: { status: 'unreadable', detail: 'lacks organizations:ListParents' } },
      ['NON_COMPLIANT', 'LAYER_UNREADABLE layerUnreadable scp AccessDenied'],
    ],
    [
      'an SCP that does not parse fails closed',
      {
        ...base,
        organization: read({
          levels: [{ targetId: 'r-root', policies: [{ id: 'p-bad', name: 'bad', content: 'nope' }] }],
        }),
      },
      [
        'NON_COMPLIANT',
        'EXEC_PERMISSIONS ecr:GetAuthorizationToken layerNoAllow scp',
        'EXEC_PERMISSIONS ecr:BatchCheckLayerAvailability layerNoAllow scp',
        'EXEC_PERMISSIONS ecr:GetDownloadUrlForLayer layerNoAllow scp',
        'EXEC_PERMISSIONS ecr:BatchGetImage layerNoAllow scp',
        'EXEC_PERMISSIONS logs:CreateLogStream layerNoAllow scp',
        'EXEC_PERMISSIONS logs:PutLogEvents layerNoAllow scp',
        'SECRETS_MANAGER secretsmanager:GetSecretValue layerNoAllow scp',
        'LAYER_UNREADABLE layerUnreadable scp Unparseable',
      ],
    ],
  ])('%s', (_label, c, expected) => {
    expect(verdict(c)).toEqual(expected);
  });

  it('says "SCP p-xxxx at OU ou-xxxx denies it"', () => {
    const { assessment } = assess({
      ...base,
      organization: read(
        levels(['r-root', [full]], ['ou-ab12-apps', [full, denyRegions]], [ACCOUNT, [full]]),
      ),
    });
    if (!assessment.applicable) throw new Error('not applicable');
    expect(assessment.evaluation.findings[0]?.message).toContain(
      'SCP p-denyregions at OU ou-ab12-apps denies it (statement DenyOutsideUsEast1)',
    );
  });

  it('names the level that lacks an Allow', () => {
    const { assessment } = assess({
      ...base,
      organization: read(levels(['r-root', [full]], ['ou-ab12-apps', []], [ACCOUNT, [full]])),
    });
    if (!assessment.applicable) throw new Error('not applicable');
    expect(assessment.evaluation.findings[0]?.message).toBe(
      'ecr:GetAuthorizationToken is not granted: no SCP at OU ou-ab12-apps allows it (needed by job definition etl:3)',
    );
  });
});

describe('the remediation never edits the other side', () => {
  it('refuses a key policy refusal with the statement its owner must add', () => {
    // Arrange
    const { assessment, role, params } = assess({
      role: { inline: grantsSecret },
      layers: { [KEY_TARGET]: text(keyAdmin(`arn:aws:iam::${ACCOUNT}:role/KeyAdmins`)) },
    });
    if (!assessment.applicable) throw new Error('not applicable');

    // Act
    const plan = planRemediation(assessment, role, params, { region: REGION });

    // Assert
    expect(plan.changes).toEqual([]);
    expect(plan.refusals).toHaveLength(1);
    expect(plan.refusals[0]?.message).toContain(
      `the owner of ${KEY} must add this statement to its key policy (or delegate to IAM with the ` +
        `account-root statement): {"Sid":"AllowExecutionRole","Effect":"Allow","Principal":{"AWS":"${ROLE_ARN}"},` +
        '"Action":"kms:Decrypt","Resource":"*"}',
    );
  });

  it('refuses a secret policy Deny, naming the statement to remove', () => {
    const { assessment, role, params } = assess({
      role: { inline: grantsSecret },
      keys: plainSecretKeys,
      layers: { [SECRET_TARGET]: text(DENY_OTHERS(`arn:aws:iam::${ACCOUNT}:role/app`)) },
    });
    if (!assessment.applicable) throw new Error('not applicable');
    const plan = planRemediation(assessment, role, params, { region: REGION });
    expect(plan.changes).toEqual([]);
    expect(plan.refusals[0]?.message).toContain('denies it (statement DenyOthers)');
    expect(plan.refusals[0]?.message).toContain('never edits key, resource or organization policies');
  });

  it('refuses an unread key policy, saying how to let the rule read it', () => {
    const { assessment, role, params } = assess({
      role: { inline: grantsSecret },
      layers: {
        [KEY_TARGET]: { status: 'unreadable', reason: 'AccessDenied', detail: 'lacks kms:GetKeyPolicy' },
      },
    });
    if (!assessment.applicable) throw new Error('not applicable');
    const plan = planRemediation(assessment, role, params, { region: REGION });
    // The identity grant is missing either way; the refusal keeps apply from writing it (refused, nothing written).
    expect(plan.changes.map((c) => c.kind)).toEqual(['putOwnedInlinePolicy']);
    expect(plan.refusals.map((r) => r.findingId)).toEqual(['LAYER_UNREADABLE']);
    expect(plan.refusals[0]?.message).toBe(
      `the key policy of ${KEY} was not read: lacks kms:GetKeyPolicy; no change can be proven to help. Give ` +
        "the rule's role read access (or the offline audit the layer file) and run the remediation again.",
    );
  });

  it("refuses a Deny in this account's repository policy, naming the statement to remove", () => {
    const { assessment, role, params } = assess({
      role: {},
      jobs: [aJobDefinition()],
      keys: new Map(),
      layers: {
        [OWN_REPO_TARGET]: text({
          Sid: 'NoPulls',
          Effect: 'Deny',
          Principal: '*',
          Action: 'ecr:BatchGetImage',
        }),
      },
    });
    if (!assessment.applicable) throw new Error('not applicable');
    const plan = planRemediation(assessment, role, params, { region: REGION });
    expect(plan.changes).toEqual([]);
    expect(plan.refusals.map((r) => r.message)).toEqual([
      `ecr:BatchGetImage on ${ECR_REPOSITORY_ARN}: the repository policy of ${ECR_REPOSITORY_ARN} denies it ` +
        '(statement NoPulls). The remediation never edits key, resource or organization policies: its owner ' +
        'must remove or narrow that statement.',
    ]);
  });

  it('refuses a repository that does not exist, saying read access would not help', () => {
    const { assessment, role, params } = assess({
      role: {},
      jobs: [aJobDefinition()],
      keys: new Map(),
      layers: {
        [OWN_REPO_TARGET]: {
          status: 'unreadable',
          reason: 'NotFound',
          detail: `${ECR_REPOSITORY_ARN} does not exist (RepositoryNotFoundException)`,
        },
      },
    });
    if (!assessment.applicable) throw new Error('not applicable');
    const plan = planRemediation(assessment, role, params, { region: REGION });
    expect(plan.changes).toEqual([]);
    expect(plan.refusals.map((r) => r.message)).toEqual([
      `the repository policy of ${ECR_REPOSITORY_ARN} was not read: ${ECR_REPOSITORY_ARN} does not exist ` +
        '(RepositoryNotFoundException); no change can be proven to help. Create the resource or correct the ' +
        'reference to it, and run the remediation again.',
    ]);
  });

  it("refuses another account's unreadable repository policy, saying it cannot be read from here and what to do", () => {
    const { assessment, role, params } = assess({
      role: {},
      jobs: [aJobDefinition({ image: FOREIGN_IMAGE })],
      layers: {
        [REPO_TARGET]: {
          status: 'unreadable',
          reason: 'OtherAccount',
          detail: `belongs to account ${OTHER_ACCOUNT}`,
        },
      },
    });
    if (!assessment.applicable) throw new Error('not applicable');
    const plan = planRemediation(assessment, role, params, { region: REGION });
    expect(plan.refusals.map((r) => r.findingId)).toEqual(['LAYER_UNREADABLE']);
    expect(plan.refusals[0]?.message).toMatch(/No role of this account can read it: have its owner confirm/);
    expect(plan.refusals[0]?.message).toContain('set UnreadableLayers to report');
    expect(plan.refusals[0]?.message).not.toContain("Give the rule's role read access");
  });

  it('refuses an SCP level without an Allow, naming the level', () => {
    const full = { Effect: 'Allow', Action: '*', Resource: '*' };
    const { assessment, role, params } = assess({
      role: {},
      keys: plainSecretKeys,
      layers: { [SECRET_TARGET]: NO_POLICY },
      organization: {
        status: 'read',
        policies: {
          managementAccountId: '999999999999',
          scps: {
            levels: [
              {
                targetId: 'r-root',
                policies: [
                  { id: 'p-full', name: 'p-full', content: JSON.stringify(policy(full as StatementJson)) },
                ],
              },
              { targetId: 'ou-ab12-apps', policies: [] },
            ],
          },
        },
      },
    });
    if (!assessment.applicable) throw new Error('not applicable');
    const plan = planRemediation(assessment, role, params, { region: REGION });
    expect(plan.changes).toEqual([]);
    expect(plan.refusals[0]?.message).toContain(
      'The remediation never edits organization policies: an SCP at OU ou-ab12-apps must allow ecr:GetAuthorizationToken',
    );
  });

  it('grants the identity side when the key policy delegates, and the simulation with the layer clears it', () => {
    const { assessment, role, params } = assess({
      role: { inline: grantsSecret },
      layers: { [KEY_TARGET]: text(keyAdmin(ROOT)) },
    });
    if (!assessment.applicable) throw new Error('not applicable');
    const plan = planRemediation(assessment, role, params, { region: REGION });
    expect(plan.refusals).toEqual([]);
    expect(plan.changes).toHaveLength(1);
  });
});

describe('which layer decides which request (by action and resource ARN)', () => {
  it.each<[string, string, string, string | undefined]>([
    ['kms:Decrypt on a key', 'kms:Decrypt', KEY, `keyPolicy ${KEY}`],
    ['kms:Decrypt on a key pattern', 'kms:Decrypt', `arn:aws:kms:${REGION}:${ACCOUNT}:key/*`, undefined],
    ['GetSecretValue on a full ARN', 'secretsmanager:GetSecretValue', SECRET, SECRET_TARGET],
    [
      'GetSecretValue on a partial name: read by the partial ARN',
      'secretsmanager:GetSecretValue',
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-??????`,
      `secretPolicy arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db`,
    ],
    [
      'GetSecretValue on a pattern',
      'secretsmanager:GetSecretValue',
      `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/*`,
      undefined,
    ],
    [
      'a pull from this account: its repository policy can grant or deny it too',
      'ecr:BatchGetImage',
      `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/etl`,
      OWN_REPO_TARGET,
    ],
    [
      'every pull action of this account, whatever its case',
      'ECR:GetDownloadUrlForLayer',
      ECR_REPOSITORY_ARN,
      OWN_REPO_TARGET,
    ],
    [
      'BatchCheckLayerAvailability too',
      'ecr:BatchCheckLayerAvailability',
      ECR_REPOSITORY_ARN,
      OWN_REPO_TARGET,
    ],
    [
      "other ECR actions on this account's repository: not a pull, no layer",
      'ecr:PutImage',
      ECR_REPOSITORY_ARN,
      undefined,
    ],
    [
      "a pattern of this account's repositories names no one policy",
      'ecr:BatchGetImage',
      `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/team/*`,
      undefined,
    ],
    ['a pull from another account', 'ecr:BatchGetImage', FOREIGN_REPO, REPO_TARGET],
    [
      'every repository of any account',
      'ecr:BatchGetImage',
      `arn:aws:ecr:${REGION}:*:repository/*`,
      undefined,
    ],
    [
      'pull through cache import: the registry policy of the repository account and region',
      'ecr:BatchImportUpstreamImage',
      `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/ecr-public/nginx`,
      `registryPolicy ${ACCOUNT} ${REGION}`,
    ],
    [
      'pull through cache create',
      'ECR:CreateRepository',
      FOREIGN_REPO,
      `registryPolicy ${OTHER_ACCOUNT} ${REGION}`,
    ],
    [
      'logs have no resource policy layer here',
      'logs:PutLogEvents',
      `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:x:log-stream:*`,
      undefined,
    ],
    ['ecr:GetAuthorizationToken on *', 'ecr:GetAuthorizationToken', '*', undefined],
    [
      "GuardDuty's agent repository (AWS's, whose policy no account can read)",
      'ecr:BatchGetImage',
      'arn:aws:ecr:us-east-1:593207742271:repository/aws-guardduty-agent-fargate',
      undefined,
    ],
    [
      'another repository of the GuardDuty account is still a layer',
      'ecr:BatchGetImage',
      'arn:aws:ecr:us-east-1:593207742271:repository/other',
      'repositoryPolicy arn:aws:ecr:us-east-1:593207742271:repository/other',
    ],
    [
      'the agent repository name in the wrong region account is still a layer',
      'ecr:BatchGetImage',
      'arn:aws:ecr:eu-west-1:593207742271:repository/aws-guardduty-agent-fargate',
      'repositoryPolicy arn:aws:ecr:eu-west-1:593207742271:repository/aws-guardduty-agent-fargate',
    ],
  ])('%s', (_label, action, resource, key) => {
    expect(layerTargetOf(action, resource, ACCOUNT)?.key).toBe(key);
  });

  it('collects each distinct layer of a role once', () => {
    const usage = indexUsage(
      {
        jobDefinitions: [
          aJobDefinition({ secrets: { A: SECRET, B: `${SECRET}:password::` }, image: FOREIGN_IMAGE }),
        ],
        taskDefinitions: [],
      },
      LOCATION,
    );
    const targets = layerTargetsForRole(aRole(), usage, secretKeys, DEFAULT_RULE_PARAMETERS, LOCATION);
    expect([...targets.keys()]).toEqual([REPO_TARGET, SECRET_TARGET, KEY_TARGET]);
  });

  it("collects the role's own repository once for its three pulls", () => {
    const usage = indexUsage(
      { jobDefinitions: [aJobDefinition(), aJobDefinition()], taskDefinitions: [] },
      LOCATION,
    );
    const targets = layerTargetsForRole(aRole(), usage, secretKeys, DEFAULT_RULE_PARAMETERS, LOCATION);
    expect([...targets.keys()]).toEqual([OWN_REPO_TARGET]);
  });
});

describe('bucket policies (the S3 files a task fetches: "an explicit deny in any of the policies overrides the allow")', () => {
  const BUCKET = 'arn:aws:s3:::acme-config';
  const OBJECT = `${BUCKET}/web/prod.env`;
  const BUCKET_TARGET = `bucketPolicy ${BUCKET}`;
  const envTask: EcsTaskDefinition = {
    ...aTaskDefinition(),
    containerDefinitions: [
      { ...aContainer({ name: 'app' }), environmentFiles: [{ value: OBJECT, type: 's3' }] },
    ],
  };
  const grantsFiles: RoleOptions = {
    inline: { files: policy(allow('s3:GetObject', OBJECT), allow('s3:GetBucketLocation', BUCKET)) },
  };
  const both = ['s3:GetObject', 's3:GetBucketLocation'];
  const everyone = (effect: 'Allow' | 'Deny', extra: Partial<StatementJson> = {}): StatementJson => ({
    Effect: effect,
    Principal: '*',
    Action: 's3:*',
    Resource: [BUCKET, `${BUCKET}/*`],
    ...extra,
  });
  const unreadable: LayerRead = {
    status: 'unreadable',
    reason: 'AccessDenied',
    detail: `s3:GetBucketPolicy on ${BUCKET} was denied (AccessDenied)`,
  };

  function assessBucket(
    role: RoleOptions,
    layer: LayerRead | undefined,
    params: Partial<RuleParameters> = {},
  ) {
    const usage = withBucketEncryption(
      indexUsage({ jobDefinitions: [], taskDefinitions: [envTask] }, LOCATION),
      new Map([[BUCKET, { status: 'read', algorithm: 'AES256' }]]),
    );
    const layers: LayerFacts = {
      resourcePolicies: new Map([
        [OWN_REPO_TARGET, NO_POLICY],
        ...(layer ? [[BUCKET_TARGET, layer] as const] : []),
      ]),
    };
    const snapshot = aRole(role);
    const all = { ...DEFAULT_RULE_PARAMETERS, ...params };
    const assessment = assessRole(snapshot, usage, new Map(), all, LOCATION, layers);
    if (!assessment.applicable) throw new Error(assessment.reason);
    return { assessment, role: snapshot, params: all };
  }
  function bucketVerdict(
    role: RoleOptions,
    layer: LayerRead | undefined,
    params: Partial<RuleParameters> = {},
  ) {
    const { evaluation } = assessBucket(role, layer, params).assessment;
    return [
      evaluation.compliance,
      ...evaluation.findings.map(summarise),
      ...(evaluation.notes ?? []).map((note) => `note ${summarise(note)}`),
    ];
  }

  it('names the bucket policy of the bucket, also for the object, as the layer of both reads', () => {
    for (const resource of [OBJECT, BUCKET]) {
      expect(layerTargetOf('s3:GetObject', resource, ACCOUNT)).toEqual({
        kind: 'bucketPolicy',
        key: BUCKET_TARGET,
        arn: BUCKET,
        ownerAccountId: ACCOUNT,
        region: '',
      });
    }
    expect(layerTargetOf('s3:GetBucketLocation', 'arn:aws-cn:s3:::b', ACCOUNT)?.key).toBe(
      'bucketPolicy arn:aws-cn:s3:::b',
    );
    expect(layerTargetOf('s3:GetObject', 'arn:aws:s3:::acme-*/x.env', ACCOUNT)).toBeUndefined();
    expect(layerTargetOf('s3:PutObject', OBJECT, ACCOUNT)).toBeUndefined();
    expect(
      layerTargetOf('s3:GetObject', 'arn:aws:kms:eu-west-1:123456789012:key/k', ACCOUNT),
    ).toBeUndefined();
  });

  it.each<[string, RoleOptions, LayerRead | undefined, Partial<RuleParameters>, string[]]>([
    ['no bucket policy: the identity side grants', grantsFiles, NO_POLICY, {}, ['COMPLIANT']],
    [
      'no bucket policy and no identity grant: not granted',
      {},
      NO_POLICY,
      {},
      ['NON_COMPLIANT', ...both.map((action) => `ENVIRONMENT_FILES ${action} noAllow`)],
    ],
    [
      'a Deny in the bucket policy wins over the identity grant, naming its statement',
      grantsFiles,
      text(everyone('Deny', { Sid: 'OnlyPipeline' })),
      {},
      [
        'NON_COMPLIANT',
        ...both.map((action) => `ENVIRONMENT_FILES ${action} layerDeny bucketPolicy#OnlyPipeline`),
      ],
    ],
    [
      'an Allow naming the role grants in one account without an identity grant',
      {},
      text(
        toRole('Allow', 's3:GetObject', { Resource: `${BUCKET}/*` }),
        toRole('Allow', 's3:GetBucketLocation', { Resource: BUCKET }),
      ),
      {},
      ['COMPLIANT'],
    ],
    [
      'an Allow naming only the account delegates to IAM and grants nothing itself',
      {},
      text({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 's3:*', Resource: [BUCKET, `${BUCKET}/*`] }),
      {},
      ['NON_COMPLIANT', ...both.map((action) => `ENVIRONMENT_FILES ${action} noAllow`)],
    ],
    [
      'a Deny outside a VPC endpoint: aws:SourceVpce is unknown, so the grant is not proven',
      grantsFiles,
      text(
        everyone('Deny', {
          Sid: 'OnlyVpce',
          Condition: { StringNotEquals: { 'aws:SourceVpce': 'vpce-1a2b3c4d' } },
        }),
      ),
      {},
      ['NON_COMPLIANT', ...both.map((action) => `ENVIRONMENT_FILES ${action} conditional`)],
    ],
    [
      'a Deny of plain HTTP does not refuse the agent, which calls AWS over HTTPS',
      grantsFiles,
      text(everyone('Deny', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })),
      {},
      ['COMPLIANT'],
    ],
    [
      'AccessDenied reading it (or another account owns the bucket): LAYER_UNREADABLE by default',
      grantsFiles,
      unreadable,
      {},
      ['NON_COMPLIANT', 'LAYER_UNREADABLE layerUnreadable bucketPolicy AccessDenied'],
    ],
    [
      'AccessDenied with UnreadableLayers=report: a note, the identity side decides',
      grantsFiles,
      unreadable,
      { unreadableLayers: 'report' },
      ['COMPLIANT', 'note LAYER_UNREADABLE layerUnreadable bucketPolicy AccessDenied'],
    ],
    [
      'not in the layer input (offline): named as not provided',
      grantsFiles,
      undefined,
      {},
      ['NON_COMPLIANT', 'LAYER_UNREADABLE layerUnreadable bucketPolicy NotProvided'],
    ],
  ])('%s', (_label, role, layer, params, expected) => {
    expect(bucketVerdict(role, layer, params)).toEqual(expected);
  });

  it('names the bucket policy and statement in the message, and the unread layer with its cause', () => {
    const denied = assessBucket(grantsFiles, text(everyone('Deny', { Sid: 'OnlyPipeline' }))).assessment;
    if (!denied.applicable) throw new Error('not applicable');
    expect(denied.evaluation.findings[0]?.message).toContain(
      `the bucket policy of ${BUCKET} denies it (statement OnlyPipeline)`,
    );
    const unread = assessBucket(grantsFiles, unreadable).assessment;
    if (!unread.applicable) throw new Error('not applicable');
    expect(unread.evaluation.findings[0]?.message).toBe(
      `The bucket policy of ${BUCKET} could not be used (s3:GetBucketPolicy on ${BUCKET} was denied ` +
        '(AccessDenied)), so s3:GetObject, s3:GetBucketLocation cannot be proven past it (needed by task definition web:12)',
    );
  });

  it('the remediation refuses a bucket policy Deny, naming the statement to remove, and writes nothing', () => {
    const { assessment, role, params } = assessBucket({}, text(everyone('Deny', { Sid: 'OnlyPipeline' })));
    if (!assessment.applicable) throw new Error('not applicable');
    const plan = planRemediation(assessment, role, params, { region: REGION });
    expect(plan.changes).toEqual([]);
    expect(plan.refusals.map((refusal) => refusal.findingId)).toEqual([
      'ENVIRONMENT_FILES',
      'ENVIRONMENT_FILES',
    ]);
    expect(plan.refusals[0]?.message).toBe(
      `s3:GetObject on ${OBJECT}: the bucket policy of ${BUCKET} denies it (statement OnlyPipeline). The ` +
        'remediation never edits key, resource or organization policies: its owner must remove or narrow that statement.',
    );
  });
});
