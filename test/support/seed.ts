/** Small builders that put real resources into moto through the SDK, with sensible defaults. */
import {
  RegisterJobDefinitionCommand,
  type BatchClient,
  type ContainerProperties,
} from '@aws-sdk/client-batch';
import {
  RegisterTaskDefinitionCommand,
  type ContainerDefinition,
  type ECSClient,
  type Volume,
} from '@aws-sdk/client-ecs';
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateRoleCommand,
  PutRolePermissionsBoundaryCommand,
  PutRolePolicyCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  CreatePolicyCommand as CreateOrganizationPolicyCommand,
  DescribeCreateAccountStatusCommand,
  EnablePolicyTypeCommand,
  ListRootsCommand,
  MoveAccountCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { CreateSecretCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, type ParameterType, type SSMClient } from '@aws-sdk/client-ssm';
import { MOTO_ACCOUNT_ID, MOTO_REGION } from './moto';

/** A trust policy letting ECS tasks assume the role: what every execution role needs. */
export const ECS_TASKS_TRUST = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'ecs-tasks.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
} as const;

/** AWS's managed policy for execution roles (moto loads it with MOTO_IAM_LOAD_MANAGED_POLICIES=true). */
export const EXECUTION_ROLE_POLICY_ARN =
  'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';

/** A one-statement Allow document. */
export function allow(
  action: string | readonly string[],
  resource: string | readonly string[] = '*',
): object {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] };
}

export interface RoleSpec {
  readonly name: string;
  readonly path?: string;
  readonly trust?: object;
  readonly inline?: Readonly<Record<string, object>>;
  readonly managedPolicyArns?: readonly string[];
  readonly boundaryArn?: string;
  readonly tags?: Readonly<Record<string, string>>;
}

export interface SeededRole {
  readonly roleName: string;
  readonly roleId: string;
  readonly arn: string;
}

/** Creates a role with its inline policies, attachments, boundary and tags. */
export async function seedRole(iam: IAMClient, spec: RoleSpec): Promise<SeededRole> {
  const created = await iam.send(
    new CreateRoleCommand({
      RoleName: spec.name,
      Path: spec.path ?? '/',
      AssumeRolePolicyDocument: JSON.stringify(spec.trust ?? ECS_TASKS_TRUST),
      Tags: Object.entries(spec.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
    }),
  );
  for (const [PolicyName, document] of Object.entries(spec.inline ?? {})) {
    await iam.send(
      new PutRolePolicyCommand({ RoleName: spec.name, PolicyName, PolicyDocument: JSON.stringify(document) }),
    );
  }
  for (const PolicyArn of spec.managedPolicyArns ?? []) {
    await iam.send(new AttachRolePolicyCommand({ RoleName: spec.name, PolicyArn }));
  }
  if (spec.boundaryArn !== undefined) {
    await iam.send(
      new PutRolePermissionsBoundaryCommand({ RoleName: spec.name, PermissionsBoundary: spec.boundaryArn }),
    );
  }
  const role = created.Role;
  if (role?.RoleId === undefined || role.Arn === undefined)
    throw new Error(`CreateRole ${spec.name}: no role`);
  return { roleName: spec.name, roleId: role.RoleId, arn: role.Arn };
}

/** Creates a customer managed policy; later `versions` are added and made default in turn. Returns its ARN. */
export async function seedManagedPolicy(
  iam: IAMClient,
  spec: { readonly name: string; readonly document: object; readonly laterVersions?: readonly object[] },
): Promise<string> {
  const created = await iam.send(
    new CreatePolicyCommand({ PolicyName: spec.name, PolicyDocument: JSON.stringify(spec.document) }),
  );
  const arn = created.Policy?.Arn;
  if (arn === undefined) throw new Error(`CreatePolicy ${spec.name}: no ARN`);
  for (const document of spec.laterVersions ?? []) {
    await iam.send(
      new CreatePolicyVersionCommand({
        PolicyArn: arn,
        PolicyDocument: JSON.stringify(document),
        SetAsDefault: true,
      }),
    );
  }
  return arn;
}

export interface JobDefinitionSpec {
  readonly name: string;
  readonly executionRoleArn?: string;
  readonly image?: string;
  readonly secrets?: readonly { readonly name: string; readonly valueFrom: string }[];
  readonly logConfiguration?: ContainerProperties['logConfiguration'];
  readonly repositoryCredentialsParameter?: string;
  readonly platformCapabilities?: readonly ('EC2' | 'FARGATE')[];
}

/** Registers a container job definition (moto's Batch takes only `containerProperties`); returns `name:rev`. */
export async function seedJobDefinition(
  batch: BatchClient,
  spec: JobDefinitionSpec,
): Promise<{ readonly name: string; readonly revision: number; readonly arn: string }> {
  const answer = await batch.send(
    new RegisterJobDefinitionCommand({
      jobDefinitionName: spec.name,
      type: 'container',
      ...(spec.platformCapabilities !== undefined && {
        platformCapabilities: [...spec.platformCapabilities],
      }),
      containerProperties: {
        image: spec.image ?? 'public.ecr.aws/docker/library/busybox:latest',
        resourceRequirements: [
          { type: 'VCPU', value: '1' },
          { type: 'MEMORY', value: '512' },
        ],
        ...(spec.executionRoleArn !== undefined && { executionRoleArn: spec.executionRoleArn }),
        ...(spec.secrets !== undefined && { secrets: [...spec.secrets] }),
        ...(spec.logConfiguration !== undefined && { logConfiguration: spec.logConfiguration }),
        ...(spec.repositoryCredentialsParameter !== undefined && {
          repositoryCredentials: { credentialsParameter: spec.repositoryCredentialsParameter },
        }),
      },
    }),
  );
  const { jobDefinitionName, revision, jobDefinitionArn } = answer;
  if (jobDefinitionName === undefined || revision === undefined || jobDefinitionArn === undefined) {
    throw new Error(`RegisterJobDefinition ${spec.name}: incomplete answer`);
  }
  return { name: jobDefinitionName, revision, arn: jobDefinitionArn };
}

/** Registers an ECS task definition revision; returns its revision number. */
export async function seedTaskDefinition(
  ecs: ECSClient,
  spec: {
    readonly family: string;
    readonly executionRoleArn?: string;
    readonly containers?: readonly ContainerDefinition[];
    readonly volumes?: readonly Volume[];
  },
): Promise<number> {
  const answer = await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: spec.family,
      ...(spec.executionRoleArn !== undefined && { executionRoleArn: spec.executionRoleArn }),
      containerDefinitions: [...(spec.containers ?? [{ name: 'app', image: 'busybox', memory: 128 }])],
      ...(spec.volumes !== undefined && { volumes: [...spec.volumes] }),
    }),
  );
  const revision = answer.taskDefinition?.revision;
  if (revision === undefined) throw new Error(`RegisterTaskDefinition ${spec.family}: no revision`);
  return revision;
}

/** Creates a secret, optionally under a KMS key id, alias or ARN; returns its ARN (with the random suffix). */
export async function seedSecret(
  secretsManager: SecretsManagerClient,
  spec: { readonly name: string; readonly kmsKeyId?: string },
): Promise<string> {
  const answer = await secretsManager.send(
    new CreateSecretCommand({
      Name: spec.name,
      SecretString: 'not-a-real-secret',
      ...(spec.kmsKeyId !== undefined && { KmsKeyId: spec.kmsKeyId }),
    }),
  );
  if (answer.ARN === undefined) throw new Error(`CreateSecret ${spec.name}: no ARN`);
  return answer.ARN;
}

/** Creates a parameter; returns its ARN (moto's PutParameter does not return one, so it is built). */
export async function seedParameter(
  ssm: SSMClient,
  spec: { readonly name: string; readonly type: ParameterType; readonly keyId?: string },
): Promise<string> {
  await ssm.send(
    new PutParameterCommand({
      Name: spec.name,
      Value: 'not-a-real-value',
      Type: spec.type,
      ...(spec.keyId !== undefined && { KeyId: spec.keyId }),
    }),
  );
  return parameterArn(spec.name);
}

/** The ARN of a parameter in moto's account and region (no doubled slash for `/hierarchical` names). */
export function parameterArn(name: string, region: string = MOTO_REGION): string {
  return `arn:aws:ssm:${region}:${MOTO_ACCOUNT_ID}:parameter/${name.replace(/^\//, '')}`;
}

/** An organization as seedOrganization builds it: root -> OU "workloads" -> a member account. */
export interface SeededOrganization {
  readonly rootId: string;
  readonly ouId: string;
  /** The member account. */
  readonly accountId: string;
  /** The SCP "region-deny" attached to the OU. */
  readonly scpId: string;
}

/**
 * Creates an organization (all features, SCPs enabled; the caller's account is its management account),
 * moves a new member account into an OU "workloads" and attaches to that OU an SCP "region-deny" whose
 * content is `scp` (a policy document as JSON text).
 */
export async function seedOrganization(
  organizations: OrganizationsClient,
  scp: string,
): Promise<SeededOrganization> {
  await organizations.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await organizations.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
  await organizations.send(
    new EnablePolicyTypeCommand({ RootId: rootId, PolicyType: 'SERVICE_CONTROL_POLICY' }),
  );
  const created = await organizations.send(
    new CreateAccountCommand({ AccountName: 'workload', Email: 'workload@example.com' }),
  );
  const status = await organizations.send(
    new DescribeCreateAccountStatusCommand({ CreateAccountRequestId: created.CreateAccountStatus?.Id }),
  );
  const accountId = status.CreateAccountStatus?.AccountId ?? '';
  const ou = await organizations.send(
    new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'workloads' }),
  );
  const ouId = ou.OrganizationalUnit?.Id ?? '';
  await organizations.send(
    new MoveAccountCommand({ AccountId: accountId, SourceParentId: rootId, DestinationParentId: ouId }),
  );
  const policy = await organizations.send(
    new CreateOrganizationPolicyCommand({
      Name: 'region-deny',
      Description: 'eu-west-1 only',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: scp,
    }),
  );
  const scpId = policy.Policy?.PolicySummary?.Id ?? '';
  await organizations.send(new AttachPolicyCommand({ PolicyId: scpId, TargetId: ouId }));
  return { rootId, ouId, accountId, scpId };
}
