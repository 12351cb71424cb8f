/**
 * A synthetic but realistic account for the sweep benchmarks, seeded into moto_server over HTTP. About a third
 * of the roles are execution roles named by a Batch job definition (with secrets, ECR images and log groups);
 * the rest are Lambda and EC2 roles the rule must skip. Roles are numbered so a larger account is the smaller
 * one plus more roles: the 1,000-role account is seeded on top of the 100-role one.
 */
import { mapWithConcurrency } from '../lib/aws/concurrency';
import type { AwsClients } from '../lib/aws/clients';
import { MOTO_ACCOUNT_ID, MOTO_REGION } from '../test/support/moto';
import {
  EXECUTION_ROLE_POLICY_ARN,
  seedJobDefinition,
  seedManagedPolicy,
  seedParameter,
  seedRole,
  seedSecret,
  type RoleSpec,
} from '../test/support/seed';
import { EXECUTION_ROLE_ACTIONS } from '../lib/requirements/derive';

/** AWS managed policies the non-execution roles attach (moto loads them with MOTO_IAM_LOAD_MANAGED_POLICIES). */
export const LAMBDA_BASIC_POLICY_ARN = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
export const SSM_CORE_POLICY_ARN = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';

const KEY_ARN = `arn:aws:kms:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const SECRETS = 20;
const PARAMETERS = 20;
const BOUNDARIES = 3;
const APP_POLICIES = 10;
const REPOSITORIES = 20;
// moto_server is one Python process: more parallel requests than this only queue behind its GIL.
const SEED_CONCURRENCY = 16;

/** Resources shared by many roles: secrets, parameters and customer managed policies. */
export interface SharedResources {
  readonly secretArns: readonly string[];
  readonly parameterArns: readonly string[];
  readonly parameterNames: readonly string[];
  readonly boundaryArns: readonly string[];
  readonly appPolicyArns: readonly string[];
  readonly execSecretsPolicyArn: string;
}

/** What a seeded account holds, for the AWS paging arithmetic and the sanity checks. */
export interface AccountShape {
  readonly roles: number;
  readonly executionRoles: number;
  readonly jobDefinitions: number;
  readonly customerManagedPolicies: number;
  readonly secrets: number;
  readonly parameters: number;
  /** Distinct parameters the job definitions name (every residue mod 20 is a multiple of 3 mod 20). */
  readonly referencedParameters: number;
  /** RoleIds of the roles the rule must evaluate (those named by a job definition). */
  readonly candidateRoleIds: readonly string[];
}

const policy = (...statements: object[]): object => ({ Version: '2012-10-17', Statement: statements });
const allow = (action: string | string[], resource: string | string[] = '*'): object => ({
  Effect: 'Allow',
  Action: action,
  Resource: resource,
});
const trust = (service: string): object =>
  policy({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' });

const EXECUTION_ACTIONS = [...EXECUTION_ROLE_ACTIONS];

/** Creates the secrets, parameters and customer managed policies once, before any role. */
export async function seedSharedResources(clients: AwsClients): Promise<SharedResources> {
  const indices = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
  // Half the secrets and SecureStrings use a customer managed key: those need kms:Decrypt too.
  const secretArns = await mapWithConcurrency(indices(SECRETS), SEED_CONCURRENCY, (k) =>
    seedSecret(clients.secretsManager, {
      name: `bench/secret-${k}`,
      ...(k % 2 === 0 && { kmsKeyId: KEY_ARN }),
    }),
  );
  const parameterNames = indices(PARAMETERS).map((k) => `/bench/param-${k}`);
  const parameterArns = await mapWithConcurrency(parameterNames, SEED_CONCURRENCY, (name, k) =>
    seedParameter(clients.ssm, { name, type: 'SecureString', ...(k % 2 === 0 && { keyId: KEY_ARN }) }),
  );
  const boundaryArns = await mapWithConcurrency(indices(BOUNDARIES), SEED_CONCURRENCY, (k) =>
    seedManagedPolicy(clients.iam, {
      name: `bench-boundary-${k}`,
      document: policy(
        allow(['ecr:*', 'logs:*', 'secretsmanager:GetSecretValue', 'ssm:GetParameters', 'kms:Decrypt']),
        allow(['s3:GetObject', 's3:ListBucket'], `arn:aws:s3:::bench-bucket-${k}*`),
      ),
    }),
  );
  const appPolicyArns = await mapWithConcurrency(indices(APP_POLICIES), SEED_CONCURRENCY, (k) =>
    seedManagedPolicy(clients.iam, {
      name: `bench-app-${k}`,
      document: policy(
        allow(['s3:GetObject', 's3:PutObject'], `arn:aws:s3:::bench-bucket-${k}/*`),
        allow('dynamodb:Query', `arn:aws:dynamodb:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:table/bench-${k}`),
      ),
      // A second version made default, as long-lived policies have.
      laterVersions: [policy(allow(['s3:GetObject', 's3:PutObject'], `arn:aws:s3:::bench-bucket-${k}/*`))],
    }),
  );
  const execSecretsPolicyArn = await seedManagedPolicy(clients.iam, {
    name: 'bench-exec-secrets',
    document: policy(
      allow(
        'secretsmanager:GetSecretValue',
        `arn:aws:secretsmanager:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:secret:bench/*`,
      ),
      allow('ssm:GetParameters', `arn:aws:ssm:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:parameter/bench/*`),
      allow('kms:Decrypt', KEY_ARN),
    ),
  });
  return { secretArns, parameterArns, parameterNames, boundaryArns, appPolicyArns, execSecretsPolicyArn };
}

const pick = <T>(items: readonly T[], index: number): T => items[index % items.length] as T;

/** Role `index`: every third one is an execution role in one of six shapes, the others Lambda or EC2 roles. */
export function roleSpecFor(index: number, shared: SharedResources): RoleSpec {
  const kind = index % 3;
  if (kind === 1) {
    return {
      name: `bench-lambda-${index}`,
      path: '/service/',
      trust: trust('lambda.amazonaws.com'),
      managedPolicyArns: [LAMBDA_BASIC_POLICY_ARN],
      inline: {
        data: policy(
          allow(
            ['dynamodb:GetItem', 'dynamodb:PutItem'],
            `arn:aws:dynamodb:${MOTO_REGION}:${MOTO_ACCOUNT_ID}:table/t-${index}`,
          ),
        ),
      },
      tags: { team: `team-${index % 7}` },
    };
  }
  if (kind === 2) {
    return {
      name: `bench-instance-${index}`,
      trust: trust('ec2.amazonaws.com'),
      managedPolicyArns: [SSM_CORE_POLICY_ARN, pick(shared.appPolicyArns, index)],
    };
  }
  const secret = pick(shared.secretArns, index);
  const parameter = pick(shared.parameterArns, index);
  const secretsGrant = policy(
    allow('secretsmanager:GetSecretValue', secret),
    allow('ssm:GetParameters', parameter),
    allow('kms:Decrypt', KEY_ARN),
  );
  const base = { name: `bench-exec-${index}`, trust: trust('ecs-tasks.amazonaws.com') };
  switch ((index / 3) % 6) {
    case 0: // the common shape: AWS's managed policy plus an inline grant for the job's secrets
      return { ...base, managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN], inline: { secrets: secretsGrant } };
    case 1: // the same under a permissions boundary
      return {
        ...base,
        managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
        inline: { secrets: secretsGrant },
        boundaryArn: pick(shared.boundaryArns, index),
      };
    case 2: // everything inline
      return {
        ...base,
        inline: { execution: policy(allow(EXECUTION_ACTIONS)), secrets: secretsGrant },
      };
    case 3: // secrets forgotten: NON_COMPLIANT
      return { ...base, managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN] };
    case 4: // a Deny on the secret wins: NON_COMPLIANT
      return {
        ...base,
        managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN],
        inline: {
          secrets: secretsGrant,
          guard: policy({ Effect: 'Deny', Action: 'secretsmanager:*', Resource: secret }),
        },
      };
    default: // a shared customer managed policy with wildcards
      return { ...base, managedPolicyArns: [EXECUTION_ROLE_POLICY_ARN, shared.execSecretsPolicyArn] };
  }
}

/** Seeds roles `[from, to)` and a job definition for each execution role among them; returns the candidates. */
export async function seedRoles(
  clients: AwsClients,
  shared: SharedResources,
  from: number,
  to: number,
): Promise<string[]> {
  const indices = Array.from({ length: to - from }, (_, i) => from + i);
  const seeded = await mapWithConcurrency(indices, SEED_CONCURRENCY, async (index) => {
    const role = await seedRole(clients.iam, roleSpecFor(index, shared));
    if (index % 3 !== 0) return undefined;
    const parameterName = pick(shared.parameterNames, index);
    await seedJobDefinition(clients.batch, {
      name: `bench-job-${index}`,
      executionRoleArn: role.arn,
      image: `${MOTO_ACCOUNT_ID}.dkr.ecr.${MOTO_REGION}.amazonaws.com/app-${index % REPOSITORIES}:latest`,
      secrets: [
        { name: 'DB_PASSWORD', valueFrom: pick(shared.secretArns, index) },
        // Job definitions name parameters both ways: by name (resolved in the rule's region) and by ARN.
        { name: 'API_KEY', valueFrom: index % 2 === 0 ? parameterName : pick(shared.parameterArns, index) },
      ],
      logConfiguration: {
        logDriver: 'awslogs',
        options: { 'awslogs-group': `/batch/app-${index % REPOSITORIES}` },
      },
    });
    return role.roleId;
  });
  return seeded.filter((id): id is string => id !== undefined);
}

/** The shape of an account of `roles` roles seeded by seedSharedResources and seedRoles. */
export function accountShape(roles: number, candidateRoleIds: readonly string[]): AccountShape {
  const executionRoles = Math.ceil(roles / 3);
  return {
    roles,
    executionRoles,
    jobDefinitions: executionRoles,
    customerManagedPolicies: BOUNDARIES + APP_POLICIES + 1,
    secrets: SECRETS,
    parameters: PARAMETERS,
    referencedParameters: Math.min(PARAMETERS, executionRoles),
    candidateRoleIds,
  };
}
