/**
 * decideAcrossLayers: one request across identity policies, boundary, the resource's policy and the
 * organization's SCPs and RCPs, as AWS decides it at task start.
 */
import { parsePolicyDocument, type NamedPolicy, type PolicySet, type RequestContext } from '../../lib/policy';
import {
  decideAcrossLayers,
  type LayeredRequest,
  type OrganizationLayer,
  type ResourcePolicyKind,
} from '../../lib/policy/layers';
import { ACCOUNT, allow, deny, doc, named, type Json } from './support';

const OTHER = '444455556666';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/batch/exec`;
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-AbCdEf`;
const FOREIGN_SECRET = `arn:aws:secretsmanager:us-east-1:${OTHER}:secret:db-AbCdEf`;
const KEY = `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const REPO = `arn:aws:ecr:us-east-1:${OTHER}:repository/base`;

const GET_SECRET = 'secretsmanager:GetSecretValue';
const DECRYPT = 'kms:Decrypt';
const PULL = 'ecr:BatchGetImage';

/** A resource policy (statements need a Principal). */
function resourcePolicy(
  kind: ResourcePolicyKind,
  owner: string,
  ...statements: Json[]
): LayeredRequest['resourcePolicy'] {
  const policy: NamedPolicy = {
    kind: 'custom',
    name: kind,
    document: parsePolicyDocument(doc(statements), { kind: 'resource' }),
  };
  return { kind, policy, ownerAccountId: owner };
}
const toRole = { Principal: { AWS: ROLE } };
const toAccount = { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } };
const toOther = { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/someone-else` } };
const everything = { Effect: 'Allow', Action: '*', Resource: '*' };
const organization = (...levels: Json[][]): OrganizationLayer => ({
  levels: levels.map((statements, i) =>
    statements.length === 0 ? [] : [named('custom', `level-${i}`, ...statements)],
  ),
});

interface Case {
  readonly identity?: Json[];
  readonly boundary?: Json[];
  readonly action?: string;
  readonly resource?: string;
  readonly context?: RequestContext;
  readonly resourcePolicy?: LayeredRequest['resourcePolicy'];
  readonly kms?: boolean;
  readonly scps?: OrganizationLayer;
  readonly rcps?: OrganizationLayer;
  readonly serviceLinked?: boolean;
}

function decide(c: Case): string {
  const policies: PolicySet = {
    identity: c.identity ? [named('inline', 'grants', ...c.identity)] : [],
    ...(c.boundary ? { boundary: named('boundary', 'limit', ...c.boundary) } : {}),
  };
  const result = decideAcrossLayers({
    request: { action: c.action ?? GET_SECRET, resource: c.resource ?? SECRET, context: c.context ?? {} },
    principal: { arn: ROLE, accountId: ACCOUNT, ...(c.serviceLinked ? { serviceLinked: true } : {}) },
    policies,
    ...(c.resourcePolicy ? { resourcePolicy: c.resourcePolicy } : {}),
    ...(c.kms ? { service: 'kms' as const } : {}),
    ...(c.scps ? { scps: c.scps } : {}),
    ...(c.rcps ? { rcps: c.rcps } : {}),
  });
  return [result.decision, result.conditional ? 'conditional' : '', result.deniedBy ?? '']
    .filter(Boolean)
    .join(' ');
}

describe('decideAcrossLayers', () => {
  describe('same account: the identity side or a resource policy naming the role', () => {
    it.each<[string, Case, string]>([
      ['identity allows, no resource policy', { identity: [allow(GET_SECRET, SECRET)] }, 'allowed'],
      ['nothing allows', {}, 'implicitDeny identity'],
      [
        'the secret policy names the role, no identity grant',
        { resourcePolicy: resourcePolicy('secretPolicy', ACCOUNT, allow(GET_SECRET, '*', toRole)) },
        'allowed',
      ],
      [
        'the secret policy names the role, but the boundary lacks the action',
        {
          boundary: [allow('ssm:GetParameters')],
          resourcePolicy: resourcePolicy('secretPolicy', ACCOUNT, allow(GET_SECRET, '*', toRole)),
        },
        'implicitDeny boundary',
      ],
      [
        'the secret policy names only the account: it delegates to IAM, which grants nothing',
        { resourcePolicy: resourcePolicy('secretPolicy', ACCOUNT, allow(GET_SECRET, '*', toAccount)) },
        'implicitDeny identity',
      ],
      [
        'the secret policy denies every principal but another role (a common hardening)',
        {
          identity: [allow(GET_SECRET, SECRET)],
          resourcePolicy: resourcePolicy(
            'secretPolicy',
            ACCOUNT,
            deny(GET_SECRET, '*', { NotPrincipal: toOther.Principal }),
          ),
        },
        'explicitDeny secretPolicy',
      ],
      [
        'the same Deny with NotPrincipal listing this role',
        {
          identity: [allow(GET_SECRET, SECRET)],
          resourcePolicy: resourcePolicy(
            'secretPolicy',
            ACCOUNT,
            deny(GET_SECRET, '*', { NotPrincipal: toRole.Principal }),
          ),
        },
        'allowed',
      ],
      [
        'that Deny with NotPrincipal listing this role, when the role has a boundary (it denies it anyway)',
        {
          identity: [allow(GET_SECRET, SECRET)],
          boundary: [allow('*')],
          resourcePolicy: resourcePolicy(
            'secretPolicy',
            ACCOUNT,
            deny(GET_SECRET, '*', { NotPrincipal: toRole.Principal }),
          ),
        },
        'explicitDeny secretPolicy',
      ],
      [
        'a Deny naming the account reaches the role',
        {
          identity: [allow(GET_SECRET, SECRET)],
          resourcePolicy: resourcePolicy('secretPolicy', ACCOUNT, deny(GET_SECRET, '*', toAccount)),
        },
        'explicitDeny secretPolicy',
      ],
      [
        'a Deny naming a role by unique id may be this role: not proven',
        {
          identity: [allow(GET_SECRET, SECRET)],
          resourcePolicy: resourcePolicy(
            'secretPolicy',
            ACCOUNT,
            deny(GET_SECRET, '*', { Principal: { AWS: 'AROAEXAMPLEID1234567' } }),
          ),
        },
        'allowed conditional',
      ],
      [
        'an identity Deny beats a resource grant',
        {
          identity: [deny(GET_SECRET)],
          resourcePolicy: resourcePolicy('secretPolicy', ACCOUNT, allow(GET_SECRET, '*', toRole)),
        },
        'explicitDeny identity',
      ],
      [
        'a resource grant to everyone in the account, by aws:PrincipalAccount in the context',
        {
          context: { 'aws:PrincipalAccount': [ACCOUNT] },
          resourcePolicy: resourcePolicy(
            'secretPolicy',
            ACCOUNT,
            allow(GET_SECRET, '*', {
              Principal: '*',
              Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } },
            }),
          ),
        },
        'allowed',
      ],
      [
        'the same grant when the context lacks the key: unknown, not proven',
        {
          resourcePolicy: resourcePolicy(
            'secretPolicy',
            ACCOUNT,
            allow(GET_SECRET, '*', {
              Principal: '*',
              Condition: { StringEquals: { 'aws:PrincipalAccount': ACCOUNT } },
            }),
          ),
        },
        'implicitDeny conditional identity',
      ],
    ])('%s: %s', (_case, c, expected) => {
      expect(decide(c)).toBe(expected);
    });
  });

  describe('KMS: the key policy must allow, by naming the role or by delegating to IAM', () => {
    const kms = (extra: Partial<Case>): Case => ({ action: DECRYPT, resource: KEY, kms: true, ...extra });
    it.each<[string, Case, string]>([
      [
        'the key policy delegates to IAM and the role has kms:Decrypt',
        kms({
          identity: [allow(DECRYPT, KEY)],
          resourcePolicy: resourcePolicy('keyPolicy', ACCOUNT, allow('kms:*', '*', toAccount)),
        }),
        'allowed',
      ],
      [
        'the key policy delegates to IAM, but the role lacks kms:Decrypt',
        kms({ resourcePolicy: resourcePolicy('keyPolicy', ACCOUNT, allow('kms:*', '*', toAccount)) }),
        'implicitDeny identity',
      ],
      [
        'the key policy neither delegates nor names the role ("Access to KMS is not allowed")',
        kms({
          identity: [allow(DECRYPT, KEY)],
          resourcePolicy: resourcePolicy('keyPolicy', ACCOUNT, allow('kms:*', '*', toOther)),
        }),
        'implicitDeny keyPolicy',
      ],
      [
        'the key policy names the role: no IAM grant needed',
        kms({ resourcePolicy: resourcePolicy('keyPolicy', ACCOUNT, allow(DECRYPT, '*', toRole)) }),
        'allowed',
      ],
      [
        'the key policy names the role, but its boundary leaves KMS out',
        kms({
          boundary: [allow('secretsmanager:*')],
          resourcePolicy: resourcePolicy('keyPolicy', ACCOUNT, allow(DECRYPT, '*', toRole)),
        }),
        'implicitDeny boundary',
      ],
      ['no key policy read: not proven', kms({ identity: [allow(DECRYPT, KEY)] }), 'implicitDeny keyPolicy'],
      [
        'a key policy Deny wins',
        kms({
          identity: [allow(DECRYPT, KEY)],
          resourcePolicy: resourcePolicy(
            'keyPolicy',
            ACCOUNT,
            allow('kms:*', '*', toAccount),
            deny(DECRYPT, '*', toRole),
          ),
        }),
        'explicitDeny keyPolicy',
      ],
      [
        'a grant through Secrets Manager only, and the request comes through it',
        kms({
          context: { 'kms:ViaService': ['secretsmanager.us-east-1.amazonaws.com'] },
          resourcePolicy: resourcePolicy(
            'keyPolicy',
            ACCOUNT,
            allow(DECRYPT, '*', {
              ...toRole,
              Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
            }),
          ),
        }),
        'allowed',
      ],
      [
        'that grant when the request comes through SSM',
        kms({
          context: { 'kms:ViaService': ['ssm.us-east-1.amazonaws.com'] },
          resourcePolicy: resourcePolicy(
            'keyPolicy',
            ACCOUNT,
            allow(DECRYPT, '*', {
              ...toRole,
              Condition: { StringEquals: { 'kms:ViaService': 'secretsmanager.us-east-1.amazonaws.com' } },
            }),
          ),
        }),
        'implicitDeny keyPolicy',
      ],
    ])('%s: %s', (_case, c, expected) => {
      expect(decide(c)).toBe(expected);
    });
  });

  describe('cross account: both sides must allow', () => {
    it.each<[string, Case, string]>([
      [
        "the owner's secret policy names the role's account and the role has the grant",
        {
          resource: FOREIGN_SECRET,
          identity: [allow(GET_SECRET, FOREIGN_SECRET)],
          resourcePolicy: resourcePolicy('secretPolicy', OTHER, allow(GET_SECRET, '*', toAccount)),
        },
        'allowed',
      ],
      [
        "the owner's secret policy allows nobody here",
        {
          resource: FOREIGN_SECRET,
          identity: [allow(GET_SECRET, FOREIGN_SECRET)],
          resourcePolicy: resourcePolicy('secretPolicy', OTHER, allow(GET_SECRET, '*', toOther)),
        },
        'implicitDeny secretPolicy',
      ],
      [
        "the owner's policy names the role, but the role has no grant of its own",
        {
          resource: FOREIGN_SECRET,
          resourcePolicy: resourcePolicy('secretPolicy', OTHER, allow(GET_SECRET, '*', toRole)),
        },
        'implicitDeny identity',
      ],
      [
        'an ECR repository policy (no Resource element) naming the role',
        {
          action: PULL,
          resource: REPO,
          identity: [allow(PULL, REPO)],
          resourcePolicy: resourcePolicy('repositoryPolicy', OTHER, {
            Effect: 'Allow',
            Action: PULL,
            ...toRole,
          }),
        },
        'allowed',
      ],
    ])('%s: %s', (_case, c, expected) => {
      expect(decide(c)).toBe(expected);
    });
  });

  describe('organization policies: an Allow at every level, and any Deny wins', () => {
    const regionDeny = deny(['logs:*', 'secretsmanager:*'], '*', {
      Condition: { StringNotEquals: { 'aws:RequestedRegion': 'eu-west-1' } },
    });
    const granted: Case = {
      identity: [allow(GET_SECRET, SECRET)],
      context: { 'aws:RequestedRegion': ['us-east-1'] },
    };
    it.each<[string, Case, string]>([
      [
        'full access at every level',
        { ...granted, scps: organization([everything], [everything]) },
        'allowed',
      ],
      [
        'a region-deny SCP outside its region',
        { ...granted, scps: organization([everything], [everything, regionDeny]) },
        'explicitDeny scp',
      ],
      [
        'the region-deny SCP inside its region',
        {
          ...granted,
          context: { 'aws:RequestedRegion': ['eu-west-1'] },
          scps: organization([everything], [everything, regionDeny]),
        },
        'allowed',
      ],
      ['a level without an Allow', { ...granted, scps: organization([everything], []) }, 'implicitDeny scp'],
      [
        'a level that allows only other services',
        { ...granted, scps: organization([everything], [allow('s3:*')]) },
        'implicitDeny scp',
      ],
      [
        'the management account: SCPs do not apply',
        { ...granted, scps: { ...organization([everything], []), managementAccount: true } },
        'allowed',
      ],
      [
        'a service-linked role: SCPs do not apply',
        { ...granted, serviceLinked: true, scps: organization([]) },
        'allowed',
      ],
      [
        'an RCP denying the service',
        { ...granted, rcps: organization([everything, deny('secretsmanager:*')]) },
        'explicitDeny rcp',
      ],
      [
        'a region-deny SCP when the region is unknown: not proven',
        { identity: [allow(GET_SECRET, SECRET)], scps: organization([everything, regionDeny]) },
        'allowed conditional',
      ],
    ])('%s: %s', (_case, c, expected) => {
      expect(decide(c)).toBe(expected);
    });
  });
});
