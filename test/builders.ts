/**
 * Small builders for tests: roles, policy documents, job and task definitions. Defaults describe a
 * correct execution role and a job that uses it, so each test states only what it changes.
 */
import type { Consumer, Finding, RoleSnapshot } from '../lib/core/model';
import type {
  BatchJobDefinition,
  ContainerLike,
  EcsTaskDefinition,
  KeyValueSecret,
  LogConfiguration,
  RuleLocation,
} from '../lib/usage/types';

export const ACCOUNT = '123456789012';
export const OTHER_ACCOUNT = '210987654321';
export const REGION = 'eu-west-1';
export const LOCATION: RuleLocation = { region: REGION, accountId: ACCOUNT, partition: 'aws' };
export const ROLE_NAME = 'ecsTaskExecutionRole';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`;

export const EXECUTION_ROLE_POLICY_ARN =
  'arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';
export const EXECUTION_ROLE_ACTIONS = [
  'ecr:GetAuthorizationToken',
  'ecr:BatchCheckLayerAvailability',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchGetImage',
  'logs:CreateLogStream',
  'logs:PutLogEvents',
] as const;

type Condition = Record<string, Record<string, string | string[]>>;

export interface StatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Condition;
}

/** A policy document (Version 2012-10-17) from statements. */
export function policy(...statements: StatementJson[]): { Version: string; Statement: StatementJson[] } {
  return { Version: '2012-10-17', Statement: statements };
}

/** An Allow statement; `Resource` defaults to `*`. */
export function allow(
  actions: string | string[],
  resources: string | string[] = '*',
  extra: Partial<StatementJson> = {},
): StatementJson {
  return { Effect: 'Allow', Action: actions, Resource: resources, ...extra };
}

/** A Deny statement; `Resource` defaults to `*`. */
export function deny(
  actions: string | string[],
  resources: string | string[] = '*',
  extra: Partial<StatementJson> = {},
): StatementJson {
  return { Effect: 'Deny', Action: actions, Resource: resources, ...extra };
}

/** A trust policy letting `service` assume the role, optionally under a condition. */
export function trustFor(service: string | string[] = 'ecs-tasks.amazonaws.com', condition?: Condition) {
  return policy({
    Effect: 'Allow',
    Principal: { Service: service },
    Action: 'sts:AssumeRole',
    ...(condition ? { Condition: condition } : {}),
  });
}

/** The document of AmazonECSTaskExecutionRolePolicy, as the spec prints it. */
export const EXECUTION_ROLE_POLICY = policy(allow([...EXECUTION_ROLE_ACTIONS]));

export interface ManagedPolicyOptions {
  readonly name: string;
  readonly arn?: string;
  readonly document: unknown;
}

/** AmazonECSTaskExecutionRolePolicy as an attached managed policy. */
export function executionRolePolicy(partition = 'aws'): ManagedPolicyOptions {
  return {
    name: 'AmazonECSTaskExecutionRolePolicy',
    arn: `arn:${partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy`,
    document: EXECUTION_ROLE_POLICY,
  };
}

export interface RoleOptions {
  readonly name?: string;
  readonly path?: string;
  readonly accountId?: string;
  readonly partition?: string;
  readonly roleId?: string;
  readonly trust?: unknown;
  /** Inline policies by name. */
  readonly inline?: Readonly<Record<string, unknown>>;
  /** Attached managed policies; defaults to AmazonECSTaskExecutionRolePolicy alone. */
  readonly managed?: readonly ManagedPolicyOptions[];
  readonly boundary?: { readonly name?: string; readonly document: unknown };
  readonly tags?: Readonly<Record<string, string>>;
}

/** A role snapshot; by default a correct `ecsTaskExecutionRole` with the managed policy attached. */
export function aRole(options: RoleOptions = {}): RoleSnapshot {
  const name = options.name ?? ROLE_NAME;
  const path = options.path ?? '/';
  const accountId = options.accountId ?? ACCOUNT;
  const partition = options.partition ?? 'aws';
  const customerPolicyArn = (policyName: string) => `arn:${partition}:iam::${accountId}:policy/${policyName}`;
  return {
    roleName: name,
    roleId: options.roleId ?? 'AROAEXAMPLEROLEID0001',
    arn: `arn:${partition}:iam::${accountId}:role${path}${name}`,
    path,
    accountId,
    partition,
    // `undefined` means "the usual trust"; `null` (a document a generator produced) is kept as given.
    trustPolicy: options.trust === undefined ? trustFor() : options.trust,
    inlinePolicies: Object.entries(options.inline ?? {}).map(([policyName, document]) => ({
      name: policyName,
      document,
    })),
    managedPolicies: (options.managed ?? [executionRolePolicy(partition)]).map((managed) => ({
      name: managed.name,
      arn: managed.arn ?? customerPolicyArn(managed.name),
      document: managed.document,
    })),
    ...(options.boundary
      ? {
          permissionsBoundary: {
            arn: customerPolicyArn(options.boundary.name ?? 'boundary'),
            document: options.boundary.document,
          },
        }
      : {}),
    tags: options.tags ?? {},
  };
}

/** `secrets` from a name -> valueFrom record. */
export function secretsOf(record: Readonly<Record<string, string>>): KeyValueSecret[] {
  return Object.entries(record).map(([name, valueFrom]) => ({ name, valueFrom }));
}

/** awslogs to `group` (and optionally another region). */
export function awslogs(group: string, region?: string): LogConfiguration {
  return {
    logDriver: 'awslogs',
    options: { 'awslogs-group': group, ...(region ? { 'awslogs-region': region } : {}) },
  };
}

export interface ContainerOptions {
  readonly name?: string;
  readonly image?: string;
  readonly executionRoleArn?: string;
  /** name -> valueFrom. */
  readonly secrets?: Readonly<Record<string, string>>;
  readonly logConfiguration?: LogConfiguration;
  readonly credentialsParameter?: string;
}

export const ECR_IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/etl:latest`;
export const ECR_REPOSITORY_ARN = `arn:aws:ecr:${REGION}:${ACCOUNT}:repository/etl`;

/** A container; `executionRoleArn` is left out unless given (ECS containers do not carry one). */
export function aContainer(options: ContainerOptions = {}): ContainerLike {
  return {
    ...(options.name !== undefined ? { name: options.name } : {}),
    image: options.image ?? ECR_IMAGE,
    ...(options.executionRoleArn !== undefined ? { executionRoleArn: options.executionRoleArn } : {}),
    ...(options.secrets ? { secrets: secretsOf(options.secrets) } : {}),
    ...(options.logConfiguration ? { logConfiguration: options.logConfiguration } : {}),
    ...(options.credentialsParameter !== undefined
      ? { repositoryCredentials: { credentialsParameter: options.credentialsParameter } }
      : {}),
  };
}

export interface JobDefinitionOptions extends ContainerOptions {
  readonly jobDefinitionName?: string;
  readonly revision?: number;
  readonly status?: string;
}

/** A single-container Batch job definition `etl:3` using ROLE_ARN, with the given container settings. */
export function aJobDefinition(options: JobDefinitionOptions = {}): BatchJobDefinition {
  const name = options.jobDefinitionName ?? 'etl';
  const revision = options.revision ?? 3;
  return {
    jobDefinitionName: name,
    jobDefinitionArn: `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/${name}:${revision}`,
    revision,
    status: options.status ?? 'ACTIVE',
    type: 'container',
    containerProperties: aContainer({ ...options, executionRoleArn: options.executionRoleArn ?? ROLE_ARN }),
  };
}

export interface TaskDefinitionOptions {
  readonly family?: string;
  readonly revision?: number;
  readonly status?: string;
  readonly executionRoleArn?: string;
  readonly containers?: readonly ContainerOptions[];
}

/** An ECS task definition `web:12` using ROLE_ARN, with one container by default. */
export function aTaskDefinition(options: TaskDefinitionOptions = {}): EcsTaskDefinition {
  const family = options.family ?? 'web';
  const revision = options.revision ?? 12;
  return {
    family,
    revision,
    taskDefinitionArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}:${revision}`,
    status: options.status ?? 'ACTIVE',
    executionRoleArn: options.executionRoleArn ?? ROLE_ARN,
    containerDefinitions: (options.containers ?? [{ name: 'app' }]).map((container, index) =>
      aContainer({ name: `c${index}`, ...container }),
    ),
  };
}

/** A finding; defaults to EXEC_PERMISSIONS logs:PutLogEvents on `*` with no allowing statement. */
export function aFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    id: 'EXEC_PERMISSIONS',
    action: 'logs:PutLogEvents',
    resource: '*',
    reason: { kind: 'noAllow' },
    neededBy: [],
    message: 'logs:PutLogEvents is not granted: no statement allows it',
    ...overrides,
  };
}

/** A job definition consumer `name` (`etl:3`). */
export const jobDefinition = (name: string): Consumer => ({ kind: 'batch-job-definition', name });
