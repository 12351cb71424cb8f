/**
 * Configuration items for a role that exists in moto, shaped as AWS Config records them (moto's own
 * GetResourceConfigHistory answer is unusable: see MOTO-GAPS.md). Use the API shape as a fixture for the
 * recording proxy's GetResourceConfigHistory, the event shape inside a change notification.
 */
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  type IAMClient,
} from '@aws-sdk/client-iam';
import { MOTO_ACCOUNT_ID } from './moto';
import type { ApiConfigurationItem } from './recording-proxy';

/** `configuration` of an AWS::IAM::Role item: policy documents URL-encoded, as Config delivers them. */
export type RoleConfiguration = Record<string, unknown> & {
  readonly roleName: string;
  readonly roleId: string;
  readonly arn: string;
};

/** Item-level settings; defaults describe a live, recorded role captured now. */
export interface ItemOptions {
  readonly status?:
    'OK' | 'ResourceDiscovered' | 'ResourceNotRecorded' | 'ResourceDeleted' | 'ResourceDeletedNotRecorded';
  readonly captureTime?: Date;
}

/** Reads a role from IAM into the `configuration` Config would record for it. */
export async function roleConfigurationFromIam(iam: IAMClient, roleName: string): Promise<RoleConfiguration> {
  const role = (await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
  if (role?.RoleId === undefined || role.Arn === undefined) throw new Error(`GetRole ${roleName}: no role`);
  const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  const rolePolicyList = [];
  for (const policyName of names) {
    const answer = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName }));
    rolePolicyList.push({ policyName, policyDocument: urlEncoded(answer.PolicyDocument ?? '') });
  }
  const attached =
    (await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? [];
  return {
    path: role.Path ?? '/',
    roleName,
    roleId: role.RoleId,
    arn: role.Arn,
    createDate: (role.CreateDate ?? new Date()).toISOString(),
    assumeRolePolicyDocument: urlEncoded(role.AssumeRolePolicyDocument ?? ''),
    instanceProfileList: [],
    rolePolicyList,
    attachedManagedPolicies: attached.map((policy) => ({
      policyArn: policy.PolicyArn,
      policyName: policy.PolicyName,
    })),
    permissionsBoundary:
      role.PermissionsBoundary?.PermissionsBoundaryArn === undefined
        ? null
        : {
            permissionsBoundaryArn: role.PermissionsBoundary.PermissionsBoundaryArn,
            permissionsBoundaryType: 'PermissionsBoundaryPolicy',
          },
    tags: (role.Tags ?? []).map((tag) => ({ key: tag.Key, value: tag.Value })),
    roleLastUsed: null,
  };
}

/** The item as GetResourceConfigHistory returns it (JSON string configuration, epoch seconds, `arn`). */
export function apiConfigurationItem(
  configuration: RoleConfiguration,
  options: ItemOptions = {},
): ApiConfigurationItem {
  const captured = (options.captureTime ?? new Date()).getTime() / 1000;
  return {
    version: '1.3',
    accountId: MOTO_ACCOUNT_ID,
    configurationItemCaptureTime: captured,
    configurationItemStatus: options.status ?? 'OK',
    configurationStateId: String(Math.floor(captured * 1000)),
    configurationItemMD5Hash: '',
    arn: configuration.arn,
    resourceType: 'AWS::IAM::Role',
    resourceId: configuration.roleId,
    resourceName: configuration.roleName,
    awsRegion: 'global',
    availabilityZone: 'Not Applicable',
    resourceCreationTime: captured,
    tags: {},
    relatedEvents: [],
    relationships: [],
    configuration: JSON.stringify(configuration),
    supplementaryConfiguration: {},
  };
}

/** The same item as a ConfigurationItemChangeNotification carries it (`ARN`, `awsAccountId`, ISO times). */
export function eventConfigurationItem(
  configuration: RoleConfiguration,
  options: ItemOptions = {},
): Record<string, unknown> {
  const captured = (options.captureTime ?? new Date()).toISOString();
  return {
    relatedEvents: [],
    relationships: [],
    configuration,
    supplementaryConfiguration: {},
    tags: {},
    configurationItemVersion: '1.3',
    configurationItemCaptureTime: captured,
    configurationStateId: Date.parse(captured),
    awsAccountId: MOTO_ACCOUNT_ID,
    configurationItemStatus: options.status ?? 'OK',
    resourceType: 'AWS::IAM::Role',
    resourceId: configuration.roleId,
    resourceName: configuration.roleName,
    ARN: configuration.arn,
    awsRegion: 'global',
    availabilityZone: 'Not Applicable',
    configurationStateMd5Hash: '',
    resourceCreationTime: captured,
  };
}

/** IAM hands documents out URL-encoded, moto sometimes not: normalise to what Config records. */
function urlEncoded(document: string): string {
  return document.startsWith('%') ? document : encodeURIComponent(document);
}
