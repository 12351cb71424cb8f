/**
 * IamReader over the IAM API. Policy documents are handed to the core exactly as IAM returns them
 * (URL-encoded JSON, or plain JSON where IAM or an emulator skips the encoding): the engine's parser reads both.
 */
import {
  GetAccountAuthorizationDetailsCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  type IAMClient,
  type Role,
  type RoleDetail,
  type Tag,
} from '@aws-sdk/client-iam';
import {
  AuthorizationDetailsError,
  policyArnsOf,
  readAuthorizationDetails,
  roleDescriptionAt,
  snapshotFromDescription,
} from '../facts/authorization-details';
import { AwsCallError, InvalidEventError } from '../core/errors';
import type { RawPolicyDocument, RoleSnapshot } from '../core/model';
import type { IamReader, ManagedPolicyDocument, RoleDescription } from '../facts/ports';
import { lastPathSegment, parseArn } from './arn';
import { mapWithConcurrency } from './concurrency';
import { callAws, callAwsUnlessAbsent } from './errors';
import { isAwsManagedPolicyArn, ManagedPolicyCache, sharedManagedPolicyCache } from './managed-policy-cache';

// GetAccountAuthorizationDetails and ListRoles accept at most 1000 items per page.
const IAM_PAGE_SIZE = 1000;
// IAM throttles per account; a few parallel reads are fast enough and stay clear of the limit.
const IAM_CONCURRENCY = 4;
const NO_SUCH_ENTITY = ['NoSuchEntityException', 'NoSuchEntity'];

/** Options for AwsIamReader; tests pass their own cache. */
export interface IamReaderOptions {
  readonly managedPolicyCache?: ManagedPolicyCache;
}

/** Reads roles and their policy documents from IAM. */
export class AwsIamReader implements IamReader {
  private readonly cache: ManagedPolicyCache;

  constructor(
    private readonly iam: IAMClient,
    options: IamReaderOptions = {},
  ) {
    this.cache = options.managedPolicyCache ?? sharedManagedPolicyCache;
  }

  async loadAllRoles(onProgress?: (rolesRead: number) => void): Promise<RoleSnapshot[]> {
    const roles: RoleDescription[] = [];
    const known = new Map<string, ManagedPolicyDocument>();
    let marker: string | undefined;
    do {
      const page = await callAws('iam:GetAccountAuthorizationDetails', () =>
        this.iam.send(
          new GetAccountAuthorizationDetailsCommand({
            Filter: ['Role', 'LocalManagedPolicy'],
            MaxItems: IAM_PAGE_SIZE,
            Marker: marker,
          }),
        ),
      );
      const details = readAnswer(() => readAuthorizationDetails(page, { complete: false }));
      roles.push(...details.roles);
      for (const [arn, policy] of details.policies) known.set(arn, policy);
      onProgress?.(roles.length);
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker !== undefined);

    const missing = new Set<string>();
    for (const role of roles) {
      for (const arn of policyArnsOf(role)) if (!known.has(arn)) missing.add(arn);
    }
    const fetched = await mapWithConcurrency([...missing], IAM_CONCURRENCY, (arn) => this.managedPolicy(arn));
    for (const policy of fetched) known.set(policy.arn, policy);

    return roles.map((role) => snapshotOf(role, accountOf(role.arn), known));
  }

  async completeRole(description: RoleDescription, accountId: string): Promise<RoleSnapshot> {
    const arns = [...new Set(policyArnsOf(description))];
    const fetched = await mapWithConcurrency(arns, IAM_CONCURRENCY, (arn) => this.managedPolicy(arn));
    return snapshotOf(description, accountId, new Map(fetched.map((policy) => [policy.arn, policy])));
  }

  async findRole(idNameOrArn: string): Promise<RoleSnapshot | undefined> {
    const role = await this.getRole(idNameOrArn);
    if (role === undefined) return undefined;
    const description = await this.describe(role);
    return this.completeRole(description, accountOf(description.arn));
  }

  /** GetRole by name; a RoleId is looked up with ListRoles first; an ARN must match the answer exactly. */
  private async getRole(idNameOrArn: string): Promise<Role | undefined> {
    let roleName = idNameOrArn.startsWith('arn:') ? lastPathSegment(idNameOrArn) : idNameOrArn;
    // A RoleId is AROA + 17 characters; a role may also be *named* like one, hence the name fallback.
    if (/^AROA[A-Z0-9]{17}$/.test(idNameOrArn)) {
      roleName = (await this.roleNameForId(idNameOrArn)) ?? idNameOrArn;
    }
    const answer = await callAwsUnlessAbsent('iam:GetRole', NO_SUCH_ENTITY, () =>
      this.iam.send(new GetRoleCommand({ RoleName: roleName })),
    );
    const role = answer?.Role;
    // An ARN names one account and path: a same-named role elsewhere is not the role asked for.
    if (role === undefined || (idNameOrArn.startsWith('arn:') && role.Arn !== idNameOrArn)) return undefined;
    return role;
  }

  private async roleNameForId(roleId: string): Promise<string | undefined> {
    let marker: string | undefined;
    do {
      const page = await callAws('iam:ListRoles', () =>
        this.iam.send(new ListRolesCommand({ MaxItems: IAM_PAGE_SIZE, Marker: marker })),
      );
      const match = page.Roles?.find((role) => role.RoleId === roleId);
      if (match !== undefined) return match.RoleName;
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker !== undefined);
    return undefined;
  }

  /** The role's inline policies (ListRolePolicies + GetRolePolicy) and attached policy ARNs. */
  private async describe(role: Role): Promise<RoleDescription> {
    const roleName = required(role.RoleName, 'GetRole', 'Role.RoleName');
    const policyNames: string[] = [];
    let marker: string | undefined;
    do {
      const page = await callAws('iam:ListRolePolicies', () =>
        this.iam.send(new ListRolePoliciesCommand({ RoleName: roleName, Marker: marker })),
      );
      policyNames.push(...(page.PolicyNames ?? []));
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker !== undefined);
    const inlinePolicies = await mapWithConcurrency(policyNames, IAM_CONCURRENCY, async (policyName) => {
      const answer = await callAws('iam:GetRolePolicy', () =>
        this.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: policyName })),
      );
      return {
        name: policyName,
        document: required(answer.PolicyDocument, 'GetRolePolicy', 'PolicyDocument'),
      };
    });

    const attachedManagedPolicyArns: string[] = [];
    do {
      const page = await callAws('iam:ListAttachedRolePolicies', () =>
        this.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker: marker })),
      );
      for (const policy of page.AttachedPolicies ?? []) {
        attachedManagedPolicyArns.push(required(policy.PolicyArn, 'ListAttachedRolePolicies', 'PolicyArn'));
      }
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker !== undefined);

    return {
      roleName,
      roleId: required(role.RoleId, 'GetRole', 'Role.RoleId'),
      arn: required(role.Arn, 'GetRole', 'Role.Arn'),
      path: role.Path ?? '/',
      trustPolicy: required(role.AssumeRolePolicyDocument, 'GetRole', 'Role.AssumeRolePolicyDocument'),
      inlinePolicies,
      attachedManagedPolicyArns,
      ...(role.PermissionsBoundary?.PermissionsBoundaryArn !== undefined && {
        permissionsBoundaryArn: role.PermissionsBoundary.PermissionsBoundaryArn,
      }),
      tags: tagsOf(role.Tags),
    };
  }

  /**
   * The default version's document. GetPolicy is asked every time (the default version may have moved);
   * AWS managed versions are immutable, so their documents come from the cache when it has that version.
   */
  private async managedPolicy(arn: string): Promise<ManagedPolicyDocument> {
    const policy = await callAws('iam:GetPolicy', () =>
      this.iam.send(new GetPolicyCommand({ PolicyArn: arn })),
    );
    const defaultVersionId = required(
      policy.Policy?.DefaultVersionId,
      'GetPolicy',
      'Policy.DefaultVersionId',
    );
    const load = async (): Promise<RawPolicyDocument> => {
      const version = await callAws('iam:GetPolicyVersion', () =>
        this.iam.send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: defaultVersionId })),
      );
      return required(version.PolicyVersion?.Document, 'GetPolicyVersion', 'PolicyVersion.Document');
    };
    const document = isAwsManagedPolicyArn(arn)
      ? await this.cache.get(arn, defaultVersionId, load)
      : await load();
    return { arn, name: lastPathSegment(arn), defaultVersionId, document };
  }
}

/** A role from GetAccountAuthorizationDetails, before managed policy documents are attached. */
export function descriptionFromRoleDetail(detail: RoleDetail): RoleDescription {
  return readAnswer(() => roleDescriptionAt(detail, 'RoleDetailList[]', { complete: false }));
}

/** The shared converter's complaints about an answer, as the failed call they stand for. */
function readAnswer<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof AuthorizationDetailsError)) throw error;
    throw new AwsCallError('GetAccountAuthorizationDetails', `answer has ${error.message}`, { cause: error });
  }
}

function snapshotOf(
  role: RoleDescription,
  accountId: string,
  policies: ReadonlyMap<string, ManagedPolicyDocument>,
): RoleSnapshot {
  const { snapshot, missingPolicyArns } = snapshotFromDescription(role, policies, accountId);
  // Unreachable unless a caller skipped the fetch: fail rather than evaluate a role with a policy missing.
  if (missingPolicyArns.length > 0) {
    throw new AwsCallError('GetPolicyVersion', `no document for ${missingPolicyArns.join(', ')}`);
  }
  return snapshot;
}

function tagsOf(tags: readonly Tag[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) result[tag.Key] = tag.Value ?? '';
  return result;
}

function accountOf(roleArn: string): string {
  const parsed = parseArn(roleArn);
  if (parsed === undefined) throw new InvalidEventError('arn', `not a role ARN: ${JSON.stringify(roleArn)}`);
  return parsed.accountId;
}

/** AWS documents these fields as always present; a missing one means the answer cannot be trusted. */
function required<T>(value: T | undefined, operation: string, field: string): T {
  if (value === undefined) throw new AwsCallError(operation, `answer has no ${field}`);
  return value;
}
