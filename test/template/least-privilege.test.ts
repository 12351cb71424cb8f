import {
  actionsOf,
  asArray,
  type FoundStatement,
  iamStatements,
  isReadAction,
  type JsonObject,
  parseTemplate,
  resolveIntrinsics,
  resourceTypesOf,
  SAM_TEMPLATE,
  STACKSET_TEMPLATE,
  type Template,
  transformTemplate,
} from './support';
import { DEFAULT_RULE_PARAMETERS, parseRuleParameters } from '../../lib/parameters';
import { matchesRoleNameGlob } from '../../lib/rule/candidates';

// Writes that AWS authorises only against "*" (the Service Authorization Reference lists no resource type).
// The test below also checks that claim against cfn-lint's copy of that reference.
const WRITES_ALLOWED_ON_STAR: Readonly<Record<string, string>> = {
  'config:PutEvaluations': 'delivers the verdicts; the result token, not the policy, binds it to the rule',
};

const templates: readonly [string, Template][] = [
  ['template.yaml after the SAM transform', transformTemplate(SAM_TEMPLATE)],
  ['template.yaml as written', parseTemplate(SAM_TEMPLATE)],
  ['templates/stackset.yaml', parseTemplate(STACKSET_TEMPLATE)],
];

const allActions = [
  ...new Set(templates.flatMap(([, t]) => iamStatements(t).flatMap((s) => actionsOf(s.statement)))),
];
const resourceTypes = resourceTypesOf(allActions);

function isStar(resource: unknown): boolean {
  return resource === '*';
}

function roleStatements(template: Template, roleId: string): FoundStatement[] {
  return iamStatements(template).filter((s) => s.where.startsWith(`${roleId}/`));
}

describe.each(templates)('least privilege in %s', (_label, template) => {
  const statements = iamStatements(template);

  it('has IAM statements to check', () => {
    expect(statements.length).toBeGreaterThan(10);
  });

  it('every statement allows, has a Sid, names its actions and resources explicitly', () => {
    for (const { where, statement } of statements) {
      expect({ where, Effect: statement.Effect }).toEqual({ where, Effect: 'Allow' });
      expect({ where, Sid: typeof statement.Sid }).toEqual({ where, Sid: 'string' });
      expect({ where, NotAction: statement.NotAction, NotResource: statement.NotResource }).toEqual({
        where,
      });
    }
  });

  it('no statement has a "*" or "service:*" action, nor any wildcard in an action', () => {
    const wildcards = statements.flatMap(({ where, statement }) =>
      actionsOf(statement)
        .filter((a) => a.includes('*'))
        .map((a) => `${where}: ${a}`),
    );
    expect(wildcards).toEqual([]);
  });

  it('every action exists in the Service Authorization Reference', () => {
    const unknown = statements
      .flatMap(({ statement }) => actionsOf(statement))
      .filter((a) => !resourceTypes[a]);
    expect(unknown).toEqual([]);
  });

  it('no write action is granted on "*" (except writes AWS only authorises on "*")', () => {
    const writesOnStar = statements.flatMap(({ where, statement }) =>
      asArray(statement.Resource).some(isStar)
        ? actionsOf(statement)
            .filter((a) => !isReadAction(a) && !(a in WRITES_ALLOWED_ON_STAR))
            .map((a) => `${where}: ${a}`)
        : [],
    );
    expect(writesOnStar).toEqual([]);
  });

  it('"*" is used only for actions that support no resource-level permissions', () => {
    const scopable = statements.flatMap(({ where, statement }) =>
      asArray(statement.Resource).some(isStar)
        ? actionsOf(statement)
            .filter((a) => (resourceTypes[a] ?? []).length > 0)
            .map((a) => `${where}: ${a} could be scoped to ${String(resourceTypes[a])}`)
        : [],
    );
    expect(scopable).toEqual([]);
  });

  it('no role carries a managed policy (every permission is an inline, reviewed statement)', () => {
    const withManaged = Object.entries(template.Resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties?.ManagedPolicyArns !== undefined)
      .map(([id]) => id);
    expect(withManaged).toEqual([]);
  });

  it('never reads a secret or parameter value, and never passes or deletes anything', () => {
    const forbidden = statements.flatMap(({ where, statement }) =>
      actionsOf(statement)
        .filter((a) =>
          /^(secretsmanager:GetSecretValue|ssm:GetParameters?|kms:Decrypt|iam:PassRole)$|:(Delete|Detach|Remove)/.test(
            a,
          ),
        )
        .map((a) => `${where}: ${a}`),
    );
    expect(forbidden).toEqual([]);
  });

  it('the evaluator writes nothing but its logs and its evaluations', () => {
    const writes = roleStatements(template, 'EvaluatorRole')
      .flatMap(({ statement }) => actionsOf(statement))
      .filter((a) => !isReadAction(a));
    expect(writes.sort()).toEqual(['config:PutEvaluations', 'logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('remediation may attach AmazonECSTaskExecutionRolePolicy and no other managed policy', () => {
    const attach = roleStatements(template, 'RemediationRole').filter(({ statement }) =>
      actionsOf(statement).includes('iam:AttachRolePolicy'),
    );
    expect(attach).toHaveLength(1);
    const [{ statement }] = attach as [FoundStatement];
    expect(actionsOf(statement)).toEqual(['iam:AttachRolePolicy']);
    expect(statement.Condition).toEqual({
      ArnEquals: {
        'iam:PolicyARN': {
          'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy',
        },
      },
    });
  });

  it('remediation writes only AttachRolePolicy, UpdateAssumeRolePolicy and PutRolePolicy, on the configured roles', () => {
    // Arrange
    const rolePattern = {
      'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${RemediationRoleNamePattern}',
    };
    const writes = roleStatements(template, 'RemediationRole').filter(
      ({ statement }) => !actionsOf(statement).every(isReadAction),
    );
    const iamWrites = writes.filter(
      ({ statement }) => !actionsOf(statement).every((a) => a.startsWith('logs:')),
    );

    // Assert
    expect(iamWrites.flatMap(({ statement }) => actionsOf(statement)).sort()).toEqual([
      'iam:AttachRolePolicy',
      'iam:PutRolePolicy',
      'iam:UpdateAssumeRolePolicy',
    ]);
    for (const { statement } of iamWrites) expect(statement.Resource).toEqual(rolePattern);
  });

  it('at the defaults, remediation may write only to the roles the rule picks by its default name pattern', () => {
    // Arrange
    const values: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(template.Parameters).map(([name, p]) => [name, String(p.Default ?? '')]),
      ),
      'AWS::Partition': 'aws',
      'AWS::AccountId': '123456789012',
    };
    const writes = roleStatements(template, 'RemediationRole').filter(
      ({ statement }) =>
        !actionsOf(statement).every(isReadAction) && actionsOf(statement)[0]?.startsWith('iam:'),
    );

    // Act
    const resources = [
      ...new Set(writes.map(({ statement }) => resolveIntrinsics(template, statement.Resource, values))),
    ];
    const names = resources.map((arn) => String(arn).replace('arn:aws:iam::123456789012:role/', ''));

    // Assert: one exact role name (no wildcard), the one the rule's default RoleNamePattern matches.
    expect(names).toEqual(['ecsTaskExecutionRole']);
    const { roleNamePatterns } = parseRuleParameters({ RoleNamePattern: values['RoleNamePattern'] });
    expect(roleNamePatterns).toEqual(DEFAULT_RULE_PARAMETERS.roleNamePatterns);
    expect(roleNamePatterns.map((pattern) => matchesRoleNameGlob(pattern, names[0] ?? ''))).toEqual([true]);
  });

  it.each(['EvaluatorRole', 'RemediationRole'])(
    '%s reads the policies on the other side of each grant, each on its own resources only',
    (roleId) => {
      // Act
      const reads = Object.fromEntries(
        roleStatements(template, roleId)
          .filter(({ statement }) =>
            actionsOf(statement).some((a) =>
              /^(kms:GetKeyPolicy|secretsmanager:GetResourcePolicy|ecr:GetRepositoryPolicy|ecr:GetRegistryPolicy|s3:GetBucketPolicy)$/.test(
                a,
              ),
            ),
          )
          .map(({ statement }) => [
            actionsOf(statement).join(','),
            statement.Condition === undefined
              ? statement.Resource
              : { Resource: statement.Resource, Condition: statement.Condition },
          ]),
      );

      // Assert: this account's keys, secrets, repositories and buckets (bucket ARNs carry no account: the
      // s3:ResourceAccount condition confines them, beside bucket encryption); the registry policy takes only "*".
      expect(reads).toEqual({
        's3:GetEncryptionConfiguration,s3:GetBucketPolicy': {
          Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::*' },
          Condition: { StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } } },
        },
        'kms:GetKeyPolicy': { 'Fn::Sub': 'arn:${AWS::Partition}:kms:*:${AWS::AccountId}:key/*' },
        'secretsmanager:GetResourcePolicy': {
          'Fn::Sub': 'arn:${AWS::Partition}:secretsmanager:*:${AWS::AccountId}:secret:*',
        },
        'ecr:GetRepositoryPolicy': {
          'Fn::Sub': 'arn:${AWS::Partition}:ecr:*:${AWS::AccountId}:repository/*',
        },
        'ecr:GetRegistryPolicy': '*',
      });
    },
  );

  it('reads are confined to this account where the action allows it', () => {
    const scoped = statements.filter(
      ({ statement }) =>
        !asArray(statement.Resource).some(isStar) && actionsOf(statement).every(isReadAction),
    );
    for (const { where, statement } of scoped) {
      // S3 bucket ARNs carry no account: the s3:ResourceAccount condition confines them instead.
      const condition = (statement.Condition as JsonObject | undefined)?.['StringEquals'] as
        JsonObject | undefined;
      if (JSON.stringify(condition?.['s3:ResourceAccount']) === JSON.stringify({ Ref: 'AWS::AccountId' }))
        continue;
      for (const resource of asArray(statement.Resource)) {
        const sub = (resource as JsonObject)['Fn::Sub'];
        const text = typeof sub === 'string' ? sub : JSON.stringify(resource);
        // AWS managed policies live in the "aws" account; everything else must be this account's.
        expect(`${where}: ${text}`).toMatch(/\$\{AWS::AccountId\}|:iam::aws:policy\//);
      }
    }
  });
});

describe('WRITES_ALLOWED_ON_STAR', () => {
  it.each(Object.keys(WRITES_ALLOWED_ON_STAR))('%s really has no resource-level permissions', (action) => {
    expect(resourceTypesOf([action])[action]).toEqual([]);
  });
});

describe.each(templates)('organization policy reads in %s', (_label, template) => {
  const policies = Object.entries(template.Resources).filter(([id]) => id.endsWith('OrganizationPolicies'));
  /** Both branches of the policy's Fn::If: local reads, or the role to assume. */
  const branches = (id: string): { local: JsonObject[]; assume: JsonObject[] } => {
    const document = template.Resources[id]?.Properties?.PolicyDocument as JsonObject;
    const [condition, local, assume] = document['Fn::If'] as [string, JsonObject, JsonObject];
    expect(condition).toBe('ReadsOrganizationPoliciesLocally');
    return {
      local: asArray(local.Statement) as JsonObject[],
      assume: asArray(assume.Statement) as JsonObject[],
    };
  };

  it('exist for both functions, only when OrganizationPolicies asks for them', () => {
    expect(Object.fromEntries(policies.map(([id, r]) => [id, r.Condition]))).toEqual({
      EvaluatorOrganizationPolicies: 'ReadsOrganizationPolicies',
      RemediationOrganizationPolicies: 'RemediationReadsOrganizationPolicies',
    });
  });

  it.each(['EvaluatorOrganizationPolicies', 'RemediationOrganizationPolicies'])(
    '%s reads only, on organization resources, "*" only where no resource type exists',
    (id) => {
      const { local } = branches(id);
      const actions = local.flatMap((statement) => actionsOf(statement));
      expect(actions.sort()).toEqual([
        'organizations:DescribeOrganization',
        'organizations:DescribePolicy',
        'organizations:ListParents',
        'organizations:ListPoliciesForTarget',
      ]);
      const types = resourceTypesOf(actions);
      for (const statement of local) {
        expect(statement.Sid).toBeDefined();
        const resources = asArray(statement.Resource);
        if (resources.some(isStar)) {
          for (const action of actionsOf(statement)) expect(types[action]).toEqual([]);
        } else {
          for (const resource of resources) {
            expect(String((resource as JsonObject)['Fn::Sub'])).toMatch(
              /^arn:\$\{AWS::Partition\}:organizations::/,
            );
          }
        }
      }
    },
  );

  it.each(['EvaluatorOrganizationPolicies', 'RemediationOrganizationPolicies'])(
    '%s assumes only the role OrganizationPolicies names',
    (id) => {
      expect(branches(id).assume).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: { Ref: 'OrganizationPolicies' },
        }),
      ]);
    },
  );
});
