import {
  AuthorizationDetailsError,
  readAuthorizationDetails,
  snapshotsFromAuthorizationDetails,
} from '../../lib/facts/authorization-details';
import { evaluateRole } from '../../lib/rule/evaluate-role';
import type { Requirement } from '../../lib/core/model';
import {
  ACCOUNT,
  allow,
  deny,
  EXECUTION_ROLE_POLICY,
  EXECUTION_ROLE_POLICY_ARN,
  policy,
  trustFor,
} from '../builders';

const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/ecsTaskExecutionRole`;
const CUSTOMER_POLICY_ARN = `arn:aws:iam::${ACCOUNT}:policy/BatchExecutionBase`;
const BOUNDARY_ARN = `arn:aws:iam::${ACCOUNT}:policy/DeveloperBoundary`;

/** IAM's API encoding of documents (the AWS CLI decodes them into objects). */
const urlEncoded = (document: unknown): string => encodeURIComponent(JSON.stringify(document));

type Json = Record<string, unknown>;

/** One RoleDetailList entry as the AWS CLI prints it; `overrides` replace or (undefined) remove fields. */
function roleDetail(overrides: Json = {}): Json {
  const detail: Json = {
    Path: '/',
    RoleName: 'ecsTaskExecutionRole',
    RoleId: 'AROAEXAMPLEROLEID0001',
    Arn: ROLE_ARN,
    CreateDate: '2024-01-01T00:00:00+00:00',
    AssumeRolePolicyDocument: trustFor(),
    InstanceProfileList: [],
    RolePolicyList: [],
    AttachedManagedPolicies: [
      { PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: EXECUTION_ROLE_POLICY_ARN },
    ],
    Tags: [],
    RoleLastUsed: {},
  };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete detail[key];
    else detail[key] = value;
  }
  return detail;
}

/** A Policies entry with its versions; the first is the default unless `defaultVersionId` says otherwise. */
function policyDetail(
  arn: string,
  versions: { id: string; document: unknown; isDefault?: boolean }[],
  defaultVersionId?: string,
): Json {
  return {
    PolicyName: arn.slice(arn.lastIndexOf('/') + 1),
    PolicyId: 'ANPAEXAMPLEPOLICY0001',
    Arn: arn,
    Path: '/',
    ...(defaultVersionId !== undefined && { DefaultVersionId: defaultVersionId }),
    AttachmentCount: 1,
    IsAttachable: true,
    PolicyVersionList: versions.map((version) => ({
      Document: version.document,
      VersionId: version.id,
      IsDefaultVersion: version.isDefault ?? false,
    })),
  };
}

function details(roles: Json[], policies: Json[] = []): Json {
  return { UserDetailList: [], GroupDetailList: [], RoleDetailList: roles, Policies: policies };
}

const EXEC_REQUIREMENTS: Requirement[] = [
  {
    kind: 'trust',
    id: 'TRUST_ECS_TASKS',
    service: 'ecs-tasks.amazonaws.com',
    requireConfusedDeputyCondition: false,
  },
  {
    kind: 'permission',
    id: 'EXEC_PERMISSIONS',
    action: 'logs:PutLogEvents',
    resource: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/aws/batch/job:log-stream:*`,
    neededBy: [],
  },
];

describe('snapshotsFromAuthorizationDetails: reading roles', () => {
  it('reads every field of a role as the AWS CLI prints it, account and partition from the ARN', () => {
    // Arrange
    const input = details(
      [
        roleDetail({
          Path: '/batch/',
          RoleName: 'payments',
          Arn: `arn:aws-us-gov:iam::${ACCOUNT}:role/batch/payments`,
          RolePolicyList: [
            { PolicyName: 'read-secrets', PolicyDocument: policy(allow('secretsmanager:GetSecretValue')) },
          ],
          AttachedManagedPolicies: [{ PolicyName: 'BatchExecutionBase', PolicyArn: CUSTOMER_POLICY_ARN }],
          PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: BOUNDARY_ARN },
          Tags: [
            { Key: 'team', Value: 'payments' },
            { Key: '__proto__', Value: 'kept as a tag' },
          ],
        }),
      ],
      [
        policyDetail(CUSTOMER_POLICY_ARN, [{ id: 'v1', document: EXECUTION_ROLE_POLICY }], 'v1'),
        policyDetail(BOUNDARY_ARN, [{ id: 'v1', document: policy(allow('*')) }], 'v1'),
      ],
    );

    // Act
    const { roles, missingPolicyArns } = snapshotsFromAuthorizationDetails(input);

    // Assert
    expect(missingPolicyArns).toEqual([]);
    expect(roles).toEqual([
      {
        roleName: 'payments',
        roleId: 'AROAEXAMPLEROLEID0001',
        arn: `arn:aws-us-gov:iam::${ACCOUNT}:role/batch/payments`,
        path: '/batch/',
        accountId: ACCOUNT,
        partition: 'aws-us-gov',
        trustPolicy: trustFor(),
        inlinePolicies: [{ name: 'read-secrets', document: policy(allow('secretsmanager:GetSecretValue')) }],
        managedPolicies: [
          { arn: CUSTOMER_POLICY_ARN, name: 'BatchExecutionBase', document: EXECUTION_ROLE_POLICY },
        ],
        permissionsBoundary: { arn: BOUNDARY_ARN, document: policy(allow('*')) },
        tags: { team: 'payments', ['__proto__']: 'kept as a tag' },
      },
    ]);
    expect(Object.getPrototypeOf(roles[0]?.tags)).toBe(Object.prototype);
  });

  it.each([
    ['decoded objects (AWS CLI output)', (document: unknown) => document],
    ['URL-encoded strings (the API answer saved as is)', urlEncoded],
  ])('documents as %s are handed to the evaluator, which reads them', (_label, encode) => {
    // Arrange
    const input = details(
      [
        roleDetail({
          AssumeRolePolicyDocument: encode(trustFor()),
          RolePolicyList: [{ PolicyName: 'no-logs', PolicyDocument: encode(policy(deny('logs:*'))) }],
          AttachedManagedPolicies: [{ PolicyName: 'BatchExecutionBase', PolicyArn: CUSTOMER_POLICY_ARN }],
        }),
      ],
      [policyDetail(CUSTOMER_POLICY_ARN, [{ id: 'v1', document: encode(EXECUTION_ROLE_POLICY) }], 'v1')],
    );

    // Act
    const [role] = snapshotsFromAuthorizationDetails(input).roles;
    const evaluation = evaluateRole(role!, EXEC_REQUIREMENTS);

    // Assert: the trust is read (no finding) and the inline Deny decides logs:PutLogEvents.
    expect(evaluation.findings.map((finding) => [finding.id, finding.reason.kind])).toEqual([
      ['EXEC_PERMISSIONS', 'explicitDeny'],
    ]);
  });

  it.each([
    [
      'DefaultVersionId names the version',
      'v2',
      [
        { id: 'v1', document: 'OLD' },
        { id: 'v2', document: 'NEW' },
      ],
      'NEW',
    ],
    [
      'DefaultVersionId wins over a stale IsDefaultVersion',
      'v1',
      [
        { id: 'v1', document: 'NEW' },
        { id: 'v2', document: 'OLD', isDefault: true },
      ],
      'NEW',
    ],
    [
      'IsDefaultVersion serves a file without DefaultVersionId',
      undefined,
      [
        { id: 'v1', document: 'OLD' },
        { id: 'v2', document: 'NEW', isDefault: true },
      ],
      'NEW',
    ],
  ])('customer managed policy: %s', (_label, defaultVersionId, versions, expected) => {
    // Arrange
    const documents = { OLD: policy(allow('s3:GetObject')), NEW: policy(allow('logs:*')) } as const;
    const input = details(
      [
        roleDetail({
          AttachedManagedPolicies: [{ PolicyName: 'BatchExecutionBase', PolicyArn: CUSTOMER_POLICY_ARN }],
        }),
      ],
      [
        policyDetail(
          CUSTOMER_POLICY_ARN,
          versions.map((version) => ({ ...version, document: documents[version.document as 'OLD' | 'NEW'] })),
          defaultVersionId,
        ),
      ],
    );

    // Act
    const { roles } = snapshotsFromAuthorizationDetails(input);

    // Assert
    expect(roles[0]?.managedPolicies[0]?.document).toEqual(documents[expected as 'OLD' | 'NEW']);
  });

  it('a path-less role gets "/" and a role without boundary has none', () => {
    // Act
    const { roles } = snapshotsFromAuthorizationDetails(details([roleDetail({ Path: undefined })]), {
      awsManagedDocuments: new Map([[EXECUTION_ROLE_POLICY_ARN, EXECUTION_ROLE_POLICY]]),
    });

    // Assert
    expect(roles[0]?.path).toBe('/');
    expect(roles[0]).not.toHaveProperty('permissionsBoundary');
  });
});

describe('snapshotsFromAuthorizationDetails: managed policy documents the file lacks', () => {
  const LAMBDA_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

  it('an AWS managed policy not in the file is left undefined and listed, never guessed', () => {
    // Arrange: a file saved with --filter Role LocalManagedPolicy has no AWS managed policies.
    const input = details([
      roleDetail({
        AttachedManagedPolicies: [
          { PolicyName: 'AmazonECSTaskExecutionRolePolicy', PolicyArn: EXECUTION_ROLE_POLICY_ARN },
          { PolicyName: 'AWSLambdaBasicExecutionRole', PolicyArn: LAMBDA_POLICY_ARN },
        ],
        PermissionsBoundary: { PermissionsBoundaryArn: BOUNDARY_ARN },
      }),
    ]);

    // Act
    const { roles, missingPolicyArns } = snapshotsFromAuthorizationDetails(input, {
      awsManagedDocuments: new Map([[EXECUTION_ROLE_POLICY_ARN, EXECUTION_ROLE_POLICY]]),
    });

    // Assert
    expect(missingPolicyArns).toEqual([LAMBDA_POLICY_ARN, BOUNDARY_ARN].sort());
    expect(roles[0]?.managedPolicies).toEqual([
      {
        arn: EXECUTION_ROLE_POLICY_ARN,
        name: 'AmazonECSTaskExecutionRolePolicy',
        document: EXECUTION_ROLE_POLICY,
      },
      { arn: LAMBDA_POLICY_ARN, name: 'AWSLambdaBasicExecutionRole', document: undefined },
    ]);
    expect(roles[0]?.permissionsBoundary).toEqual({ arn: BOUNDARY_ARN, document: undefined });
  });

  it.each([
    [
      'a managed policy',
      { AttachedManagedPolicies: [{ PolicyName: 'BatchExecutionBase', PolicyArn: CUSTOMER_POLICY_ARN }] },
      'managed:BatchExecutionBase',
    ],
    [
      'a permissions boundary',
      { PermissionsBoundary: { PermissionsBoundaryArn: BOUNDARY_ARN } },
      'boundary:DeveloperBoundary',
    ],
  ])(
    '%s without a document makes the role NON_COMPLIANT with POLICY_UNREADABLE (fail closed)',
    (_label, fields, policyName) => {
      // Arrange: the managed policy of the file grants everything the requirements ask.
      const input = details([
        roleDetail({
          RolePolicyList: [{ PolicyName: 'all', PolicyDocument: policy(allow('*')) }],
          ...fields,
        }),
      ]);
      const { roles } = snapshotsFromAuthorizationDetails(input, {
        awsManagedDocuments: new Map([[EXECUTION_ROLE_POLICY_ARN, EXECUTION_ROLE_POLICY]]),
      });

      // Act
      const evaluation = evaluateRole(roles[0]!, EXEC_REQUIREMENTS);

      // Assert
      expect(evaluation.compliance).toBe('NON_COMPLIANT');
      expect(evaluation.findings).toContainEqual(
        expect.objectContaining({
          id: 'POLICY_UNREADABLE',
          reason: expect.objectContaining({ kind: 'unreadable', policyName }),
        }),
      );
    },
  );

  it("the file's own copy of an AWS managed policy wins over the known document", () => {
    // Arrange: an unfiltered save carries attached AWS managed policies; this copy denies everything.
    const fromFile = policy(deny('*'));
    const input = details(
      [roleDetail()],
      [policyDetail(EXECUTION_ROLE_POLICY_ARN, [{ id: 'v7', document: fromFile }], 'v7')],
    );

    // Act
    const { roles, missingPolicyArns } = snapshotsFromAuthorizationDetails(input, {
      awsManagedDocuments: new Map([[EXECUTION_ROLE_POLICY_ARN, EXECUTION_ROLE_POLICY]]),
    });

    // Assert
    expect(missingPolicyArns).toEqual([]);
    expect(roles[0]?.managedPolicies[0]?.document).toEqual(fromFile);
  });

  it('a policy whose default version has no document counts as missing', () => {
    // Arrange
    const input = details(
      [
        roleDetail({
          AttachedManagedPolicies: [{ PolicyName: 'BatchExecutionBase', PolicyArn: CUSTOMER_POLICY_ARN }],
        }),
      ],
      [policyDetail(CUSTOMER_POLICY_ARN, [{ id: 'v1', document: policy(allow('*')) }], 'v2')],
    );

    // Act
    const { missingPolicyArns } = snapshotsFromAuthorizationDetails(input);

    // Assert
    expect(missingPolicyArns).toEqual([CUSTOMER_POLICY_ARN]);
  });
});

describe('snapshotsFromAuthorizationDetails: input that is not complete authorization details', () => {
  it.each<[string, unknown, string]>([
    [
      'an array',
      [],
      '(top level): expected an object such as aws iam get-account-authorization-details prints, got an array',
    ],
    [
      'a job definitions file',
      { jobDefinitions: [] },
      'RoleDetailList: expected an array, got nothing (is this the output of aws iam get-account-authorization-details?)',
    ],
    [
      'one page of several (API)',
      { ...details([]), IsTruncated: true, Marker: 'x' },
      'IsTruncated: the file holds one page only',
    ],
    [
      'one page of several (CLI --max-items)',
      { ...details([]), NextToken: 'eyJ9' },
      'NextToken: the file holds one page only',
    ],
    [
      'a role without RoleName',
      details([roleDetail(), roleDetail(), roleDetail(), roleDetail({ RoleName: undefined })]),
      'RoleDetailList[3].RoleName: expected a string, got nothing',
    ],
    [
      'an empty RoleId',
      details([roleDetail({ RoleId: '' })]),
      'RoleDetailList[0].RoleId: expected a non-empty string',
    ],
    [
      'a user ARN as role ARN',
      details([roleDetail({ Arn: `arn:aws:iam::${ACCOUNT}:user/alice` })]),
      'RoleDetailList[0].Arn: expected an IAM role ARN',
    ],
    [
      'a numeric trust policy',
      details([roleDetail({ AssumeRolePolicyDocument: 42 })]),
      'RoleDetailList[0].AssumeRolePolicyDocument: expected a policy document (a URL-encoded JSON string or an object), got number',
    ],
    [
      'no trust policy',
      details([roleDetail({ AssumeRolePolicyDocument: undefined })]),
      'RoleDetailList[0].AssumeRolePolicyDocument: expected a policy document',
    ],
    [
      'no RolePolicyList (a Deny could be missing)',
      details([roleDetail({ RolePolicyList: undefined })]),
      'RoleDetailList[0].RolePolicyList: expected an array, got nothing',
    ],
    [
      'no AttachedManagedPolicies',
      details([roleDetail({ AttachedManagedPolicies: undefined })]),
      'RoleDetailList[0].AttachedManagedPolicies: expected an array, got nothing',
    ],
    [
      'an inline policy without document',
      details([roleDetail({ RolePolicyList: [{ PolicyName: 'x' }] })]),
      'RoleDetailList[0].RolePolicyList[0].PolicyDocument: expected a policy document',
    ],
    [
      'an inline policy without name',
      details([roleDetail({ RolePolicyList: [{ PolicyDocument: policy(allow('*')) }] })]),
      'RoleDetailList[0].RolePolicyList[0].PolicyName: expected a string, got nothing',
    ],
    [
      'an attached policy with a role ARN',
      details([roleDetail({ AttachedManagedPolicies: [{ PolicyArn: ROLE_ARN }] })]),
      'RoleDetailList[0].AttachedManagedPolicies[0].PolicyArn: expected an IAM policy ARN',
    ],
    [
      'a boundary without ARN',
      details([roleDetail({ PermissionsBoundary: { PermissionsBoundaryType: 'Policy' } })]),
      'RoleDetailList[0].PermissionsBoundary.PermissionsBoundaryArn: expected a string, got nothing',
    ],
    [
      'a tag without key',
      details([roleDetail({ Tags: [{ Value: 'x' }] })]),
      'RoleDetailList[0].Tags[0].Key: expected a string, got nothing',
    ],
    ['Policies not a list', { ...details([]), Policies: {} }, 'Policies: expected an array, got an object'],
    [
      'a policy without ARN',
      details([], [{ PolicyName: 'x' }]),
      'Policies[0].Arn: expected a string, got nothing',
    ],
    [
      'a version document of the wrong type',
      details([], [policyDetail(CUSTOMER_POLICY_ARN, [{ id: 'v1', document: [] }], 'v1')]),
      'Policies[0].PolicyVersionList[0].Document: expected a policy document',
    ],
  ])('%s -> AuthorizationDetailsError naming the field', (_label, input, message) => {
    // Act
    const read = () => snapshotsFromAuthorizationDetails(input);

    // Assert
    expect(read).toThrow(AuthorizationDetailsError);
    expect(read).toThrow(message);
  });

  it('the error carries the field apart from the message', () => {
    // Act
    let caught: unknown;
    try {
      snapshotsFromAuthorizationDetails(details([roleDetail({ RoleName: 7 })]));
    } catch (error) {
      caught = error;
    }

    // Assert
    expect(caught).toMatchObject({
      field: 'RoleDetailList[0].RoleName',
      problem: 'expected a string, got number',
    });
  });
});

describe('readAuthorizationDetails: API pages (the live sweep)', () => {
  it('accepts a page without lists the SDK leaves out, and truncated pages', () => {
    // Arrange
    const page = {
      IsTruncated: true,
      Marker: 'm',
      RoleDetailList: [
        roleDetail({ RolePolicyList: undefined, AttachedManagedPolicies: undefined, Tags: undefined }),
      ],
    };

    // Act
    const { roles, policies } = readAuthorizationDetails(page, { complete: false });

    // Assert
    expect(roles).toHaveLength(1);
    expect(roles[0]).toMatchObject({ inlinePolicies: [], attachedManagedPolicyArns: [], tags: {} });
    expect(policies.size).toBe(0);
  });

  it('still names a broken field', () => {
    // Act
    const read = () =>
      readAuthorizationDetails({ RoleDetailList: [roleDetail({ Arn: 'nope' })] }, { complete: false });

    // Assert
    expect(read).toThrow('RoleDetailList[0].Arn: expected an IAM role ARN, got "nope"');
  });
});
