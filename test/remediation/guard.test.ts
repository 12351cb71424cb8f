import { assertSafeChanges, UnsafePlanError } from '../../lib/remediation/guard';
import type { PlannedChange, RoleDocuments } from '../../lib/remediation/types';

const EC2 = { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' };
const ECS = {
  Sid: 'ExecutionRoleCheckEcsTasks',
  Effect: 'Allow',
  Principal: { Service: 'ecs-tasks.amazonaws.com' },
  Action: 'sts:AssumeRole',
};
const SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf';
const OWNED_SECRETS = {
  Sid: 'ExecutionRoleCheckSecretsManager',
  Effect: 'Allow',
  Action: 'secretsmanager:GetSecretValue',
  Resource: [SECRET],
};
const HAND_WRITTEN = { Sid: 'Team', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/k' };
const doc = (...statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });

const BEFORE: RoleDocuments = {
  trustPolicy: doc(EC2),
  ownedInlinePolicy: doc(OWNED_SECRETS, HAND_WRITTEN),
  attachedPolicyArns: [],
};
const EXECUTION_POLICY = 'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';

const trust = (document: string): PlannedChange => ({ kind: 'addTrustStatement', statement: ECS, document });
const owned = (document: string): PlannedChange => ({
  kind: 'putOwnedInlinePolicy',
  policyName: 'execution-role-check-grants',
  document,
  added: [],
});

describe('assertSafeChanges', () => {
  it.each([
    { name: 'appending the ecs-tasks statement', changes: [trust(doc(EC2, ECS))] },
    {
      name: 'the ecs-tasks statement with aws:SourceAccount',
      changes: [
        trust(doc(EC2, { ...ECS, Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } } })),
      ],
    },
    {
      name: 'attaching the execution policy',
      changes: [{ kind: 'attachManagedPolicy', policyArn: EXECUTION_POLICY }],
    },
    {
      name: 'adding an exact resource to the owned statement',
      changes: [owned(doc({ ...OWNED_SECRETS, Resource: [SECRET, `${SECRET}x`] }, HAND_WRITTEN))],
    },
    {
      name: 'a new owned statement for ssm:GetParameters',
      changes: [
        owned(
          doc(OWNED_SECRETS, HAND_WRITTEN, {
            Sid: 'ExecutionRoleCheckSsm',
            Effect: 'Allow',
            Action: ['ssm:GetParameters'],
            Resource: ['arn:aws:ssm:eu-west-1:123456789012:parameter/p'],
          }),
        ),
      ],
    },
  ] as { name: string; changes: PlannedChange[] }[])('accepts $name', ({ changes }) => {
    expect(() => assertSafeChanges(changes, BEFORE, 'aws')).not.toThrow();
  });

  it.each([
    {
      name: 'another principal in the added trust statement',
      changes: [trust(doc(EC2, { ...ECS, Principal: { Service: 'ecs-tasks.amazonaws.com', AWS: '*' } }))],
    },
    { name: 'a wildcard principal', changes: [trust(doc(EC2, { ...ECS, Principal: '*' }))] },
    { name: 'a changed existing trust statement', changes: [trust(doc({ ...EC2, Action: 'sts:*' }, ECS))] },
    { name: 'a removed trust statement', changes: [trust(doc(ECS))] },
    { name: 'two added trust statements', changes: [trust(doc(EC2, ECS, ECS))] },
    {
      name: 'another action in the trust statement',
      changes: [trust(doc(EC2, { ...ECS, Action: 'sts:*' }))],
    },
    {
      name: 'attaching another policy',
      changes: [{ kind: 'attachManagedPolicy', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
    },
    {
      name: 'writing another inline policy',
      changes: [
        { kind: 'putOwnedInlinePolicy', policyName: 'team', document: doc(OWNED_SECRETS), added: [] },
      ],
    },
    {
      name: 'a wildcard resource',
      changes: [owned(doc({ ...OWNED_SECRETS, Resource: [SECRET, '*'] }, HAND_WRITTEN))],
    },
    {
      name: 'a partial resource pattern',
      changes: [
        owned(doc({ ...OWNED_SECRETS, Resource: [SECRET, `${SECRET.slice(0, -6)}??????`] }, HAND_WRITTEN)),
      ],
    },
    { name: 'a dropped hand-written statement', changes: [owned(doc(OWNED_SECRETS))] },
    { name: 'a dropped resource', changes: [owned(doc({ ...OWNED_SECRETS, Resource: [] }, HAND_WRITTEN))] },
    {
      name: 'an unexpected action',
      changes: [
        owned(doc(OWNED_SECRETS, HAND_WRITTEN, { ...OWNED_SECRETS, Sid: 'X', Action: 'iam:PassRole' })),
      ],
    },
    {
      name: 'a condition on a new grant',
      changes: [
        owned(
          doc(
            { ...OWNED_SECRETS, Resource: [SECRET, `${SECRET}x`], Condition: { Bool: { a: 'true' } } },
            HAND_WRITTEN,
          ),
        ),
      ],
    },
    {
      name: 'the same change twice',
      changes: [
        { kind: 'attachManagedPolicy', policyArn: EXECUTION_POLICY },
        { kind: 'attachManagedPolicy', policyArn: EXECUTION_POLICY },
      ],
    },
  ] as { name: string; changes: PlannedChange[] }[])('rejects $name', ({ changes }) => {
    expect(() => assertSafeChanges(changes, BEFORE, 'aws')).toThrow(UnsafePlanError);
  });
});
