/**
 * The remediation under attack, against moto through the fault proxy (which sees every request and can
 * change IAM behind the remediation's back): crafted ResourceIds, candidate roles holding administrator
 * access, concurrent changes between its reads and its writes, and throttling. Whatever happens, it never
 * modifies a role it was not asked to, never adds a principal other than ecs-tasks.amazonaws.com, never
 * grants a wildcard resource, and never deletes or detaches anything.
 */
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  GetAccountAuthorizationDetailsCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { createClients } from '../../lib/aws/clients';
import { AwsIamReader } from '../../lib/aws/iam';
import { createIamWriter } from '../../lib/aws/iam-writer';
import { ManagedPolicyCache } from '../../lib/aws/managed-policy-cache';
import { AwsUsageReader } from '../../lib/aws/usage';
import { InvalidEventError, RoleNotFoundError } from '../../lib/core/errors';
import { remediate } from '../../lib/remediation/apply';
import {
  ConcurrentChangeError,
  NotACandidateError,
  RemediationRefusedError,
} from '../../lib/remediation/errors';
import { ECS_TASKS_SERVICE, OWNED_POLICY_NAME, type RemediationReport } from '../../lib/remediation/types';
import type { FaultRule, ObservedRequest } from '../support/fault-proxy';
import { MOTO_ACCOUNT_ID, MOTO_REGION } from '../support/moto';
import {
  allow,
  EXECUTION_ROLE_POLICY_ARN,
  seedJobDefinition,
  seedParameter,
  seedRole,
  seedSecret,
  type SeededRole,
} from '../support/seed';
import { Figures } from './figures';
import { SECRET_KEY_CANARY, secretReads, startStack, stopStack, type Stack } from './support';

const RULE_PARAMETERS = JSON.stringify({ RoleNamePattern: 'ecsTaskExecutionRole,exec-*' });
const ADMINISTRATOR_ACCESS = 'arn:aws:iam::aws:policy/AdministratorAccess';
const EC2_TRUST = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
};
// Every IAM operation the remediation may send; anything else (Delete*, Detach*, Create*, Tag*) is a bug.
const ALLOWED_IAM_OPERATIONS = new Set([
  'iam:GetRole',
  'iam:ListRoles',
  'iam:ListRolePolicies',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
  'iam:UpdateAssumeRolePolicy',
  'iam:AttachRolePolicy',
  'iam:PutRolePolicy',
]);
const WRITES = ['iam:UpdateAssumeRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePolicy'];

let stack: Stack;
const figures = new Figures('remediation-attack');

beforeAll(async () => {
  stack = await startStack();
  await seedTargets();
}, 60_000);

afterAll(async () => {
  figures.write();
  await stopStack(stack);
});

const allRequests: ObservedRequest[] = [];
afterEach(() => {
  allRequests.push(...stack.faults.requests());
});

// No moto reset between tests (it reloads every AWS managed policy): each test seeds roles of its own.
beforeEach(() => {
  stack.recorder.clear();
  stack.faults.setFaults([]);
  stack.faults.onForward(undefined);
  stack.faults.clearRequests();
});

type Outcome = { readonly report: RemediationReport } | { readonly error: unknown };

/** Runs the remediation in-process with the production adapters, through the fault proxy. */
async function remediateThroughProxy(payload: unknown, ruleParameters = RULE_PARAMETERS): Promise<Outcome> {
  const clients = createClients({
    clientConfig: {
      endpoint: stack.faults.endpoint,
      region: MOTO_REGION,
      credentials: { accessKeyId: 'AKIARELIABILITYTEST1', secretAccessKey: SECRET_KEY_CANARY },
    },
  });
  const logs: string[] = [];
  try {
    const report = await remediate(payload, {
      iam: new AwsIamReader(clients.iam, { managedPolicyCache: new ManagedPolicyCache() }),
      usage: new AwsUsageReader(clients, { accountId: MOTO_ACCOUNT_ID }),
      writer: createIamWriter(clients.iam),
      location: { region: MOTO_REGION, accountId: MOTO_ACCOUNT_ID, partition: 'aws' },
      ruleParameters,
      log: (line) => logs.push(line),
    });
    expect(logs.join('\n')).not.toContain(SECRET_KEY_CANARY);
    return { report };
  } catch (error) {
    return { error };
  }
}

/** Every role's trust, inline policies and attachments, straight from moto. */
async function accountState(): Promise<Map<string, string>> {
  const answer = await stack.direct.iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Role'] }));
  const state = new Map<string, string>();
  for (const role of answer.RoleDetailList ?? []) {
    state.set(
      role.RoleName ?? '',
      JSON.stringify({
        trust: decode(role.AssumeRolePolicyDocument),
        inline: (role.RolePolicyList ?? []).map((policy) => [
          policy.PolicyName,
          decode(policy.PolicyDocument),
        ]),
        attached: (role.AttachedManagedPolicies ?? []).map((policy) => policy.PolicyArn).sort(),
      }),
    );
  }
  return state;
}

function decode(document: string | undefined): unknown {
  const text = document ?? '';
  return JSON.parse(text.startsWith('%') ? decodeURIComponent(text) : text) as unknown;
}

interface Write {
  readonly operation: string;
  readonly roleName: string;
  readonly params: URLSearchParams;
}

function writesIn(requests: readonly ObservedRequest[]): Write[] {
  return requests
    .filter((request) => request.fault === undefined && WRITES.includes(request.operation))
    .map((request) => {
      const params = new URLSearchParams(request.body);
      return { operation: request.operation, roleName: params.get('RoleName') ?? '', params };
    });
}

/**
 * The remediation's promises, checked on what reached IAM: only allowed operations; writes only to
 * `askedRole`; the trust gains nothing but one ecs-tasks statement and loses nothing; only the one managed
 * policy is attached; only the owned inline policy is written, with exact resources; no other role changed.
 */
function expectPromisesKept(
  askedRole: string | undefined,
  before: ReadonlyMap<string, string>,
  after: ReadonlyMap<string, string>,
): Write[] {
  const requests = stack.faults.requests();
  const iamOperations = requests.map((request) => request.operation).filter((op) => op.startsWith('iam:'));
  expect(iamOperations.filter((operation) => !ALLOWED_IAM_OPERATIONS.has(operation))).toEqual([]);
  const writes = writesIn(requests);
  for (const write of writes) {
    expect(write.roleName).toBe(askedRole);
    switch (write.operation) {
      case 'iam:UpdateAssumeRolePolicy': {
        const previous = JSON.parse(before.get(write.roleName) ?? '{}') as {
          trust: { Statement: unknown[] };
        };
        const next = JSON.parse(write.params.get('PolicyDocument') ?? '{}') as {
          Statement: Record<string, unknown>[];
        };
        const old = previous.trust.Statement.map((statement) => JSON.stringify(statement));
        const added = next.Statement.filter((statement) => !old.includes(JSON.stringify(statement)));
        expect(next.Statement.length).toBe(old.length + 1);
        expect(added).toHaveLength(1);
        expect(added[0]?.['Effect']).toBe('Allow');
        expect(added[0]?.['Principal']).toEqual({ Service: ECS_TASKS_SERVICE });
        break;
      }
      case 'iam:AttachRolePolicy':
        expect(write.params.get('PolicyArn')).toBe(EXECUTION_ROLE_POLICY_ARN);
        break;
      case 'iam:PutRolePolicy': {
        expect(write.params.get('PolicyName')).toBe(OWNED_POLICY_NAME);
        const document = JSON.parse(write.params.get('PolicyDocument') ?? '{}') as {
          Statement: { Effect: string; Resource: string | string[] }[];
        };
        for (const statement of document.Statement) {
          expect(statement.Effect).toBe('Allow');
          for (const resource of [statement.Resource].flat()) {
            expect(resource).toMatch(/^arn:/);
            expect(resource).not.toMatch(/[*?]/);
          }
        }
        break;
      }
    }
  }
  const changed = [...before.keys()].filter((name) => before.get(name) !== after.get(name));
  expect(changed.filter((name) => name !== askedRole)).toEqual([]);
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  figures.add('writesChecked', writes.length);
  figures.add('scenarios', 1);
  return writes;
}

/** The drifted role the crafted ids aim at, plus bystanders a crafted id might reach instead. */
async function seedTargets(): Promise<void> {
  await seedRole(stack.direct.iam, { name: 'ecsTaskExecutionRole', trust: EC2_TRUST });
  for (const name of ['exec-bystander', 'ecsTaskExecutionRole2', 'other-drifted']) {
    await seedRole(stack.direct.iam, { name, trust: EC2_TRUST });
  }
  await seedRole(stack.direct.iam, {
    name: 'AWSServiceRoleForECS',
    path: '/aws-service-role/ecs.amazonaws.com/',
    trust: EC2_TRUST,
  });
}

describe('crafted ResourceIds', () => {
  it.each<[string, string, new (...args: never[]) => Error]>([
    [
      "another account's ARN of the same role name",
      'arn:aws:iam::210987654321:role/ecsTaskExecutionRole',
      InvalidEventError,
    ],
    [
      'the right ARN in another partition',
      'arn:aws-cn:iam::123456789012:role/ecsTaskExecutionRole',
      InvalidEventError,
    ],
    ['a path instead of a name', '/team/ecsTaskExecutionRole', InvalidEventError],
    ['a path-traversing ARN', 'arn:aws:iam::123456789012:role/../ecsTaskExecutionRole', InvalidEventError],
    [
      'an ARN with a path the role does not have',
      'arn:aws:iam::123456789012:role/team/ecsTaskExecutionRole',
      RoleNotFoundError,
    ],
    ['a policy ARN', 'arn:aws:iam::123456789012:policy/ecsTaskExecutionRole', InvalidEventError],
    ['a trailing wildcard', 'ecsTaskExecution*', InvalidEventError],
    ['a single-character wildcard', 'ecs?askExecutionRole', InvalidEventError],
    ['a bare wildcard', '*', InvalidEventError],
    ['a wildcard ARN', 'arn:aws:iam::123456789012:role/*', InvalidEventError],
    ['JSON smuggled into the name', 'ecsTaskExecutionRole", "DryRun": false, "x": "', InvalidEventError],
    ['a URL-encoded path', 'ecsTaskExecutionRole%2F..%2Fexec-bystander', InvalidEventError],
    ['a name with spaces', 'ecsTaskExecutionRole exec-bystander', InvalidEventError],
    ['a name with a newline', 'ecsTaskExecutionRole\nexec-bystander', InvalidEventError],
    ['a look-alike name (capital I for l)', 'ecsTaskExecutionRoIe', RoleNotFoundError],
    ['a RoleId that does not exist', 'AROAAAAAAAAAAAAAAAAAA', RoleNotFoundError],
    ['a name longer than IAM allows', `ecsTaskExecutionRole${'x'.repeat(3000)}`, InvalidEventError],
    ['a role that is not a candidate', 'other-drifted', NotACandidateError],
    ['a service-linked role', 'AWSServiceRoleForECS', NotACandidateError],
  ])('%s is refused with a named error and nothing is written', async (_label, resourceId, errorClass) => {
    // Arrange
    const before = await accountState();

    // Act
    const outcome = await remediateThroughProxy({ ResourceId: resourceId, DryRun: false });

    // Assert
    expect('error' in outcome && outcome.error).toBeInstanceOf(errorClass);
    expect(expectPromisesKept(undefined, before, await accountState())).toEqual([]);
  });

  it.each([
    [
      'unknown field naming another role',
      { ResourceId: 'ecsTaskExecutionRole', DryRun: false, RoleName: 'exec-bystander' },
    ],
    ['ResourceId as a list', { ResourceId: ['ecsTaskExecutionRole', 'exec-bystander'], DryRun: false }],
    ['ResourceId as an object', { ResourceId: { RoleName: 'exec-bystander' }, DryRun: false }],
    ['DryRun missing', { ResourceId: 'ecsTaskExecutionRole' }],
    ['DryRun as a number', { ResourceId: 'ecsTaskExecutionRole', DryRun: 0 }],
    ['the payload as a JSON string', JSON.stringify({ ResourceId: 'ecsTaskExecutionRole', DryRun: false })],
  ])('a malformed payload (%s) is refused before any IAM call', async (_label, payload) => {
    // Arrange
    const before = await accountState();

    // Act
    const outcome = await remediateThroughProxy(payload);

    // Assert
    expect('error' in outcome && outcome.error).toBeInstanceOf(InvalidEventError);
    expect(stack.faults.requests()).toEqual([]);
    expectPromisesKept(undefined, before, await accountState());
  });

  it.each([
    ['name', (role: SeededRole) => role.roleName],
    ['RoleId', (role: SeededRole) => role.roleId],
    ['ARN', (role: SeededRole) => role.arn],
  ])('the control: asked by %s, it repairs that role and no other', async (label, idOf) => {
    // Arrange
    const drifted = await seedRole(stack.direct.iam, { name: `exec-control-${label}`, trust: EC2_TRUST });
    const before = await accountState();

    // Act
    const outcome = await remediateThroughProxy({ ResourceId: idOf(drifted), DryRun: false });

    // Assert
    expect('report' in outcome && outcome.report.outcome).toBe('applied');
    const writes = expectPromisesKept(drifted.roleName, before, await accountState());
    expect(writes.map((write) => write.operation).sort()).toEqual([
      'iam:AttachRolePolicy',
      'iam:UpdateAssumeRolePolicy',
    ]);
  });
});

describe('candidate roles holding administrator access', () => {
  it('with the ecs-tasks trust: COMPLIANT for execution purposes, nothing is written, nothing removed', async () => {
    // Arrange
    const role = await seedRole(stack.direct.iam, {
      name: 'exec-admin',
      managedPolicyArns: [ADMINISTRATOR_ACCESS],
    });
    const before = await accountState();

    // Act
    const outcome = await remediateThroughProxy({ ResourceId: role.roleId, DryRun: false });

    // Assert
    expect('report' in outcome && outcome.report.outcome).toBe('compliant');
    expect(expectPromisesKept(role.roleName, before, await accountState())).toEqual([]);
  });

  it('without it: refused, because trusting ecs-tasks would hand administrator access to every task', async () => {
    // Arrange
    const role = await seedRole(stack.direct.iam, {
      name: 'exec-admin-drifted',
      trust: EC2_TRUST,
      managedPolicyArns: [ADMINISTRATOR_ACCESS],
    });
    const before = await accountState();

    // Act
    const outcome = await remediateThroughProxy({ ResourceId: role.roleName, DryRun: false });

    // Assert
    expect('error' in outcome && outcome.error).toBeInstanceOf(RemediationRefusedError);
    expect(expectPromisesKept(role.roleName, before, await accountState())).toEqual([]);
  });

  it('with an inline iam:PassRole on "*" instead: refused likewise', async () => {
    // Arrange
    const role = await seedRole(stack.direct.iam, {
      name: 'exec-passrole',
      trust: EC2_TRUST,
      inline: { 'pass-any-role': allow('iam:PassRole') },
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
    });
    const before = await accountState();

    // Act
    const outcome = await remediateThroughProxy({ ResourceId: role.roleName, DryRun: false });

    // Assert
    expect('error' in outcome && outcome.error).toBeInstanceOf(RemediationRefusedError);
    expect(expectPromisesKept(role.roleName, before, await accountState())).toEqual([]);
  });
});

describe('concurrent changes between the read and the write', () => {
  /** Runs `change` against moto once, when the remediation first reads job definitions (after its reads). */
  function changeDuringUsageRead(change: () => Promise<unknown>): void {
    let done = false;
    stack.faults.onForward(async (request) => {
      if (done || request.operation !== 'batch:describejobdefinitions') return;
      done = true;
      await change();
    });
  }

  it('a trust policy edited meanwhile is not overwritten: stopped, nothing written', async () => {
    // Arrange
    const role = await seedRole(stack.direct.iam, {
      name: 'exec-race-trust',
      trust: EC2_TRUST,
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
    });
    const theirs = {
      ...EC2_TRUST,
      Statement: [
        ...EC2_TRUST.Statement,
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    };
    changeDuringUsageRead(() =>
      stack.direct.iam.send(
        new UpdateAssumeRolePolicyCommand({
          RoleName: role.roleName,
          PolicyDocument: JSON.stringify(theirs),
        }),
      ),
    );
    const before = await accountState();

    // Act
    const outcome = await remediateThroughProxy({ ResourceId: role.roleId, DryRun: false });

    // Assert: stopped, no write, and their edit is what IAM holds.
    expect('error' in outcome && outcome.error).toBeInstanceOf(ConcurrentChangeError);
    const after = await accountState();
    expect(writesIn(stack.faults.requests())).toEqual([]);
    expect((JSON.parse(after.get(role.roleName) ?? '{}') as { trust: unknown }).trust).toEqual(theirs);
    // Only their change differs from before; the remediation's promises hold for everything else.
    expectPromisesKept(role.roleName, before, after);
  });

  it('a managed policy attached meanwhile stops the attachment; it stays attached', async () => {
    // Arrange: trust is fine, the managed policy is missing; someone attaches another policy meanwhile.
    const role = await seedRole(stack.direct.iam, { name: 'exec-race-attach' });
    const policy = await stack.direct.iam.send(
      new CreatePolicyCommand({
        PolicyName: 'theirs',
        PolicyDocument: JSON.stringify(allow('s3:GetObject')),
      }),
    );
    const theirs = policy.Policy?.Arn ?? '';
    changeDuringUsageRead(() =>
      stack.direct.iam.send(new AttachRolePolicyCommand({ RoleName: role.roleName, PolicyArn: theirs })),
    );
    const before = await accountState();

    // Act
    const outcome = await remediateThroughProxy({ ResourceId: role.roleName, DryRun: false });

    // Assert
    expect('error' in outcome && outcome.error).toBeInstanceOf(ConcurrentChangeError);
    expect(writesIn(stack.faults.requests()).map((write) => write.operation)).not.toContain(
      'iam:AttachRolePolicy',
    );
    const after = await accountState();
    expect((JSON.parse(after.get(role.roleName) ?? '{}') as { attached: string[] }).attached).toEqual([
      theirs,
    ]);
    expectPromisesKept(role.roleName, before, after);
  });

  it("the tool's own inline policy written meanwhile is not overwritten", async () => {
    // Arrange: a job needs a secret the role cannot read; someone writes the owned policy meanwhile.
    const role = await seedRole(stack.direct.iam, {
      name: 'exec-race-owned',
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
    });
    const secretArn = await seedSecret(stack.direct.secretsManager, { name: 'prod/race/db' });
    await seedJobDefinition(stack.direct.batch, {
      name: 'etl-race',
      executionRoleArn: role.arn,
      secrets: [{ name: 'DB', valueFrom: secretArn }],
    });
    const theirs = allow('s3:GetObject', 'arn:aws:s3:::theirs/*');
    changeDuringUsageRead(() =>
      stack.direct.iam.send(
        new PutRolePolicyCommand({
          RoleName: role.roleName,
          PolicyName: OWNED_POLICY_NAME,
          PolicyDocument: JSON.stringify(theirs),
        }),
      ),
    );
    const before = await accountState();

    // Act
    const outcome = await remediateThroughProxy({ ResourceId: role.roleName, DryRun: false });

    // Assert
    expect('error' in outcome && outcome.error).toBeInstanceOf(ConcurrentChangeError);
    expect(writesIn(stack.faults.requests())).toEqual([]);
    const after = await accountState();
    expect(after.get(role.roleName)).toContain('arn:aws:s3:::theirs/*');
    expectPromisesKept(role.roleName, before, after);
  });
});

describe('under throttling and server errors', () => {
  const FAULTS: FaultRule[] = [{ throttle: 0.2, serverError: 0.05 }];

  it('repairs a role by usage with exact resources, each write reaching IAM once', async () => {
    // Arrange: a job using a secret by full ARN and a parameter by name; the role lacks both grants.
    const role = await seedRole(stack.direct.iam, {
      name: 'exec-usage-faults',
      managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
    });
    const secretArn = await seedSecret(stack.direct.secretsManager, { name: 'prod/faults/db' });
    const parameterArn = await seedParameter(stack.direct.ssm, {
      name: '/prod/faults/endpoint',
      type: 'String',
    });
    await seedJobDefinition(stack.direct.batch, {
      name: 'etl-faults',
      executionRoleArn: role.arn,
      secrets: [
        { name: 'DB', valueFrom: `${secretArn}:password::` },
        { name: 'ENDPOINT', valueFrom: '/prod/faults/endpoint' },
      ],
    });
    const before = await accountState();
    stack.faults.setFaults(FAULTS, 3);

    // Act
    const outcome = await remediateThroughProxy({ ResourceId: role.roleId, DryRun: false });

    // Assert
    expect('report' in outcome && outcome.report.outcome).toBe('applied');
    const writes = expectPromisesKept(role.roleName, before, await accountState());
    expect(writes.map((write) => write.operation)).toEqual(['iam:PutRolePolicy']);
    const granted = JSON.parse(writes[0]?.params.get('PolicyDocument') ?? '{}') as {
      Statement: { Resource: string[] }[];
    };
    expect(granted.Statement.flatMap((statement) => statement.Resource).sort()).toEqual(
      [parameterArn, secretArn].sort(),
    );
    expect(stack.faults.requests().some((request) => request.fault !== undefined)).toBe(true);
    for (const [kind, count] of Object.entries(stack.faults.faultCounts()))
      figures.add(`faults.${kind}`, count);
  }, 60_000);
});

describe('secrets', () => {
  it('no remediation read a secret or parameter value', () => {
    expect(allRequests.length).toBeGreaterThan(100);
    expect(secretReads(allRequests)).toEqual([]);
  });
});
