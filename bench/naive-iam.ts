/**
 * The baseline: how custom Config rules commonly read IAM, one role at a time. ListRoles, then per role
 * GetRole (tags and boundary are not in ListRoles), ListRolePolicies + GetRolePolicy per inline policy,
 * ListAttachedRolePolicies + GetPolicy + GetPolicyVersion per attached policy and boundary. Same concurrency
 * as the rule's adapter, no cache: only the reading strategy differs from AwsIamReader.
 */
import {
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  type ListAttachedRolePoliciesCommandOutput,
  ListRolePoliciesCommand,
  ListRolesCommand,
  type IAMClient,
  type Role,
} from '@aws-sdk/client-iam';
import { policyArnsOf, snapshotFromDescription } from '../lib/facts/authorization-details';
import { mapWithConcurrency } from '../lib/aws/concurrency';
import type { RoleSnapshot } from '../lib/core/model';
import type { IamReader, RoleDescription } from '../lib/facts/ports';
import type { RoleSpec } from '../test/support/seed';

// The same limits as lib/aws/iam.ts, so the comparison isolates the strategy.
const IAM_PAGE_SIZE = 1000;
const IAM_CONCURRENCY = 4;

/** IamReader that reads every role with per-role calls; only loadAllRoles is used by a sweep. */
export class NaiveIamReader implements IamReader {
  constructor(private readonly iam: IAMClient) {}

  async loadAllRoles(): Promise<RoleSnapshot[]> {
    const listed: Role[] = [];
    let marker: string | undefined;
    do {
      const page = await this.iam.send(new ListRolesCommand({ MaxItems: IAM_PAGE_SIZE, Marker: marker }));
      listed.push(...(page.Roles ?? []));
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker !== undefined);
    return mapWithConcurrency(listed, IAM_CONCURRENCY, (role) => this.readRole(required(role.RoleName)));
  }

  completeRole(): Promise<RoleSnapshot> {
    return Promise.reject(new Error('NaiveIamReader reads whole sweeps only'));
  }

  findRole(): Promise<RoleSnapshot | undefined> {
    return Promise.reject(new Error('NaiveIamReader reads whole sweeps only'));
  }

  private async readRole(roleName: string): Promise<RoleSnapshot> {
    const role = (await this.iam.send(new GetRoleCommand({ RoleName: roleName }))).Role;
    const inlineNames: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.iam.send(new ListRolePoliciesCommand({ RoleName: roleName, Marker: marker }));
      inlineNames.push(...(page.PolicyNames ?? []));
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker !== undefined);
    const inlinePolicies = [];
    for (const name of inlineNames) {
      const answer = await this.iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
      inlinePolicies.push({ name, document: required(answer.PolicyDocument) });
    }
    const attached: string[] = [];
    do {
      const page: ListAttachedRolePoliciesCommandOutput = await this.iam.send(
        new ListAttachedRolePoliciesCommand({ RoleName: roleName, Marker: marker }),
      );
      for (const policy of page.AttachedPolicies ?? []) attached.push(required(policy.PolicyArn));
      marker = page.IsTruncated === true ? page.Marker : undefined;
    } while (marker !== undefined);

    const description: RoleDescription = {
      roleName,
      roleId: required(role?.RoleId),
      arn: required(role?.Arn),
      path: role?.Path ?? '/',
      trustPolicy: required(role?.AssumeRolePolicyDocument),
      inlinePolicies,
      attachedManagedPolicyArns: attached,
      ...(role?.PermissionsBoundary?.PermissionsBoundaryArn !== undefined && {
        permissionsBoundaryArn: role.PermissionsBoundary.PermissionsBoundaryArn,
      }),
      tags: Object.fromEntries((role?.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
    };
    const documents = new Map<string, { document: unknown }>();
    for (const arn of policyArnsOf(description)) {
      const policy = await this.iam.send(new GetPolicyCommand({ PolicyArn: arn }));
      const version = await this.iam.send(
        new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: required(policy.Policy?.DefaultVersionId) }),
      );
      documents.set(arn, { document: required(version.PolicyVersion?.Document) });
    }
    const { snapshot, missingPolicyArns } = snapshotFromDescription(description, documents);
    if (missingPolicyArns.length > 0)
      throw new Error(`naive reader: no document for ${missingPolicyArns.join(', ')}`);
    return snapshot;
  }
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('naive reader: IAM answer lacks a field AWS documents as present');
  return value;
}

/**
 * The IAM calls NaiveIamReader makes for roles seeded from `specs`, counted from their shapes: every per-role
 * list fits one page (IAM's default of 100). Projects the baseline to accounts too large to sweep naively in
 * the time budget; the benchmark checks it against the measured count wherever it does run the baseline.
 */
export function naiveIamCalls(specs: readonly RoleSpec[]): Record<string, number> {
  let inline = 0;
  let policies = 0;
  for (const spec of specs) {
    inline += Object.keys(spec.inline ?? {}).length;
    policies += (spec.managedPolicyArns ?? []).length + (spec.boundaryArn === undefined ? 0 : 1);
  }
  const roles = specs.length;
  return {
    'iam:ListRoles': Math.max(1, Math.ceil(roles / IAM_PAGE_SIZE)),
    'iam:GetRole': roles,
    'iam:ListRolePolicies': roles,
    'iam:GetRolePolicy': inline,
    'iam:ListAttachedRolePolicies': roles,
    'iam:GetPolicy': policies,
    'iam:GetPolicyVersion': policies,
  };
}
