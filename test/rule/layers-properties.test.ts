/**
 * Properties of the layers over generated policies: no layer beyond the role turns a requirement the role's
 * own policies fail into one that passes, unless that layer is a resource policy of the role's own account
 * with an Allow naming the role (the same-account rule of the IAM evaluation logic; for KMS, the key policy
 * naming the role). SCPs, RCPs, cross-account policies and unreadable layers only ever take away.
 */
import fc from 'fast-check';
import type { PermissionRequirement, RoleSnapshot } from '../../lib/core/model';
import type { LayerFacts, LayerRead, OrganizationRead } from '../../lib/facts/layer-ports';
import { evaluateRole } from '../../lib/rule/evaluate-role';
import { layerTargetFor } from '../../lib/rule/layer-targets';
import { ACCOUNT, aRole, OTHER_ACCOUNT, policy, REGION, ROLE_ARN, type StatementJson } from '../builders';

const SECRET = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:prod/db-AbCdEf`;
const FOREIGN_SECRET = `arn:aws:secretsmanager:${REGION}:${OTHER_ACCOUNT}:secret:shared-AbCdEf`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const FOREIGN_REPO = `arn:aws:ecr:${REGION}:${OTHER_ACCOUNT}:repository/base`;

const requirement = (
  id: PermissionRequirement['id'],
  action: string,
  resource: string,
): PermissionRequirement => ({
  kind: 'permission',
  id,
  action,
  resource,
  neededBy: [],
});
const REQUIREMENTS: PermissionRequirement[] = [
  requirement('SECRETS_MANAGER', 'secretsmanager:GetSecretValue', SECRET),
  requirement('SECRETS_MANAGER', 'secretsmanager:GetSecretValue', FOREIGN_SECRET),
  requirement('KMS_DECRYPT', 'kms:Decrypt', KEY),
  requirement('EXEC_PERMISSIONS', 'ecr:BatchGetImage', FOREIGN_REPO),
];
const ACTIONS = ['secretsmanager:GetSecretValue', 'kms:Decrypt', 'ecr:BatchGetImage', '*'];
const PRINCIPALS: unknown[] = [
  { AWS: ROLE_ARN },
  { AWS: `arn:aws:iam::${ACCOUNT}:root` },
  { AWS: ACCOUNT },
  { AWS: `arn:aws:iam::${ACCOUNT}:role/other` },
  { AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` },
  '*',
];

const statement = fc.record({
  Effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Deny'),
  Principal: fc.constantFrom(...PRINCIPALS),
  Action: fc.constantFrom(...ACTIONS),
  Resource: fc.constant('*'),
  Condition: fc.option(
    fc.constantFrom(
      { StringEquals: { 'aws:PrincipalArn': ROLE_ARN } },
      { StringNotEquals: { 'aws:PrincipalArn': ROLE_ARN } },
      { StringEquals: { 'kms:ViaService': `secretsmanager.${REGION}.amazonaws.com` } },
      { StringEquals: { 'aws:SourceVpce': 'vpce-1' } },
    ),
    { nil: undefined },
  ),
});
const identityStatement = fc.record({
  Effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Allow', 'Deny'),
  Action: fc.constantFrom(...ACTIONS),
  Resource: fc.constant('*'),
});

const layerRead: fc.Arbitrary<LayerRead> = fc.oneof(
  fc.array(statement, { maxLength: 3 }).map((statements) => ({
    status: 'read' as const,
    policy: JSON.stringify(policy(...(statements as StatementJson[]))),
  })),
  fc.constant({ status: 'read' as const, policy: null }),
  fc.constant({ status: 'read' as const, policy: '{not json' }),
  fc.constant({ status: 'unreadable' as const, reason: 'AccessDenied' as const, detail: 'denied' }),
);
const scpLevel = fc.array(
  fc.record({
    Effect: fc.constantFrom<'Allow' | 'Deny'>('Allow', 'Deny'),
    Action: fc.constantFrom(...ACTIONS),
    Resource: fc.constant('*'),
  }),
  { maxLength: 2 },
);
const organization: fc.Arbitrary<OrganizationRead | undefined> = fc.option(
  fc.array(scpLevel, { minLength: 1, maxLength: 3 }).map((levels): OrganizationRead => ({
    status: 'read',
    policies: {
      managementAccountId: '999999999999',
      scps: {
        levels: levels.map((statements, i) => ({
          targetId: i === 0 ? 'r-root' : `ou-${i}`,
          policies: [{ id: `p-${i}`, name: `p-${i}`, content: JSON.stringify(policy(...statements)) }],
        })),
      },
      rcps: {
        levels: levels.map((statements, i) => ({
          targetId: i === 0 ? 'r-root' : `ou-${i}`,
          policies: [{ id: `p-r${i}`, name: `p-r${i}`, content: JSON.stringify(policy(...statements)) }],
        })),
      },
    },
  })),
  { nil: undefined },
);

/** Whether `read` is a parseable policy with an Allow for `action` whose principal may be the role. */
function grantsTheRole(read: LayerRead | undefined, action: string): boolean {
  if (read?.status !== 'read' || read.policy === null) return false;
  try {
    const document = JSON.parse(read.policy) as { Statement: StatementJson[] };
    return document.Statement.some(
      (s) =>
        s.Effect === 'Allow' &&
        (s.Action === '*' || s.Action === action) &&
        (s.Principal === '*' || (s.Principal as { AWS?: string }).AWS === ROLE_ARN),
    );
  } catch {
    return false;
  }
}

describe('layers never grant what they do not grant', () => {
  it('a requirement the role fails alone passes with layers only through a same-account Allow naming the role', () => {
    fc.assert(
      fc.property(
        fc.array(identityStatement, { maxLength: 3 }),
        fc.boolean(),
        fc.array(layerRead, { minLength: 4, maxLength: 4 }),
        organization,
        fc.constantFrom<'fail' | 'report'>('fail', 'report'),
        (identity, bounded, reads, org, mode) => {
          const role: RoleSnapshot = aRole({
            managed: [],
            inline: identity.length > 0 ? { grants: policy(...(identity as StatementJson[])) } : {},
            ...(bounded
              ? { boundary: { document: policy({ Effect: 'Allow', Action: 'kms:*', Resource: '*' }) } }
              : {}),
          });
          const resourcePolicies = new Map<string, LayerRead>();
          REQUIREMENTS.forEach((r, i) => {
            const target = layerTargetFor(r, ACCOUNT);
            if (target) resourcePolicies.set(target.key, reads[i] as LayerRead);
          });
          const layers: LayerFacts = { resourcePolicies, ...(org ? { organization: org } : {}) };
          const alone = evaluateRole(role, REQUIREMENTS, { region: REGION });
          const layered = evaluateRole(role, REQUIREMENTS, {
            region: REGION,
            layers: { layers, unreadableLayers: mode },
          });
          const failing = (findings: typeof alone.findings) =>
            new Set(findings.filter((f) => f.resource !== undefined).map((f) => `${f.action} ${f.resource}`));
          const before = failing(alone.findings);
          const after = failing(layered.findings);
          for (const r of REQUIREMENTS) {
            const key = `${r.action} ${r.resource}`;
            if (!before.has(key) || after.has(key)) continue;
            // It passed only with the layers: its own resource policy, in the role's account, grants the role.
            const target = layerTargetFor(r, ACCOUNT);
            expect(target?.ownerAccountId).toBe(ACCOUNT);
            expect(grantsTheRole(target && resourcePolicies.get(target.key), r.action)).toBe(true);
          }
          // And the role as a whole: COMPLIANT with layers only if COMPLIANT alone, or through such a grant.
          if (alone.compliance === 'NON_COMPLIANT' && layered.compliance === 'COMPLIANT') {
            expect([...before].every((key) => !after.has(key))).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
