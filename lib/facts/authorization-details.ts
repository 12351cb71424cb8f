/**
 * The output of `aws iam get-account-authorization-details` (or one page of the API answer) read into role
 * snapshots. Pure: one converter for the audit's saved files and the live sweep, so both see roles alike.
 */
import { ExecutionRoleCheckError } from '../core/errors';
import type { RawPolicyDocument, RoleSnapshot } from '../core/model';
import type { ManagedPolicyDocument, RoleDescription } from './ports';

/** The input is not authorization details; `field` names the element: `RoleDetailList[3].RoleName`. */
export class AuthorizationDetailsError extends ExecutionRoleCheckError {
  override readonly name = 'AuthorizationDetailsError';
  readonly code = 'AUTHORIZATION_DETAILS';
  constructor(
    readonly field: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${problem}`, problem, options);
  }
}

/** Roles and managed policy documents as one answer (or one saved file) lists them. */
export interface AuthorizationDetails {
  readonly roles: readonly RoleDescription[];
  /** Default versions of the managed policies the answer carries, by ARN. */
  readonly policies: ReadonlyMap<string, ManagedPolicyDocument>;
}

export interface ReadOptions {
  /**
   * A saved file must be complete: RoleDetailList, each role's RolePolicyList and AttachedManagedPolicies
   * are required (a list left out could be a Deny left out), and a truncated answer is refused. API pages
   * (the live sweep) are read leniently, as the SDK hands them over.
   */
  readonly complete: boolean;
}

/** Reads roles and managed policy documents. Throws AuthorizationDetailsError naming the field. */
export function readAuthorizationDetails(details: unknown, options: ReadOptions): AuthorizationDetails {
  const top = objectAt(
    details,
    '(top level)',
    'an object such as aws iam get-account-authorization-details prints',
  );
  if (options.complete) {
    if (top['IsTruncated'] === true || typeof top['NextToken'] === 'string') {
      throw new AuthorizationDetailsError(
        top['IsTruncated'] === true ? 'IsTruncated' : 'NextToken',
        'the file holds one page only; save every page (run the command without --max-items or --no-paginate)',
      );
    }
    if (!Array.isArray(top['RoleDetailList'])) {
      throw new AuthorizationDetailsError(
        'RoleDetailList',
        `expected an array, got ${describe(top['RoleDetailList'])} (is this the output of aws iam get-account-authorization-details?)`,
      );
    }
  }
  const roles = optionalArrayAt(top['RoleDetailList'], 'RoleDetailList').map((entry, index) =>
    roleDescriptionAt(entry, `RoleDetailList[${index}]`, options),
  );
  const policies = new Map<string, ManagedPolicyDocument>();
  optionalArrayAt(top['Policies'], 'Policies').forEach((entry, index) => {
    const policy = defaultVersionAt(entry, `Policies[${index}]`);
    if (policy !== undefined) policies.set(policy.arn, policy);
  });
  return { roles, policies };
}

/** One RoleDetailList entry (PascalCase, as the API and the AWS CLI name fields) as a RoleDescription. */
export function roleDescriptionAt(value: unknown, field: string, options: ReadOptions): RoleDescription {
  const role = objectAt(value, field);
  const at = (name: string): string => `${field}.${name}`;
  const list = (name: string): unknown[] =>
    options.complete ? arrayAt(role[name], at(name)) : optionalArrayAt(role[name], at(name));

  const boundary = role['PermissionsBoundary'];
  const permissionsBoundaryArn =
    boundary === undefined || boundary === null
      ? undefined
      : stringAt(
          objectAt(boundary, at('PermissionsBoundary'))['PermissionsBoundaryArn'],
          at('PermissionsBoundary.PermissionsBoundaryArn'),
        );
  const path = role['Path'];
  return {
    roleName: stringAt(role['RoleName'], at('RoleName')),
    roleId: stringAt(role['RoleId'], at('RoleId')),
    arn: roleArnAt(role['Arn'], at('Arn')),
    path: path === undefined ? '/' : stringAt(path, at('Path')),
    trustPolicy: documentAt(role['AssumeRolePolicyDocument'], at('AssumeRolePolicyDocument')),
    inlinePolicies: list('RolePolicyList').map((entry, index) => {
      const policyField = at(`RolePolicyList[${index}]`);
      const policy = objectAt(entry, policyField);
      return {
        name: stringAt(policy['PolicyName'], `${policyField}.PolicyName`),
        document: documentAt(policy['PolicyDocument'], `${policyField}.PolicyDocument`),
      };
    }),
    attachedManagedPolicyArns: list('AttachedManagedPolicies').map((entry, index) => {
      const policyField = at(`AttachedManagedPolicies[${index}]`);
      return policyArnAt(objectAt(entry, policyField)['PolicyArn'], `${policyField}.PolicyArn`);
    }),
    ...(permissionsBoundaryArn !== undefined && { permissionsBoundaryArn }),
    tags: tagsAt(role['Tags'], at('Tags')),
  };
}

/**
 * A Policies entry's default version, or undefined when the entry carries no document for it (the caller
 * then treats the policy as unknown). Named from the ARN: some answers omit PolicyName.
 */
export function defaultVersionAt(value: unknown, field: string): ManagedPolicyDocument | undefined {
  const policy = objectAt(value, field);
  const arn = policyArnAt(policy['Arn'], `${field}.Arn`);
  const rawDefault = policy['DefaultVersionId'];
  const defaultVersionId =
    rawDefault === undefined ? undefined : stringAt(rawDefault, `${field}.DefaultVersionId`);
  const versions = optionalArrayAt(policy['PolicyVersionList'], `${field}.PolicyVersionList`).map(
    (entry, index) => {
      const versionField = `${field}.PolicyVersionList[${index}]`;
      const version = objectAt(entry, versionField);
      const versionId = version['VersionId'];
      return {
        versionId: versionId === undefined ? undefined : stringAt(versionId, `${versionField}.VersionId`),
        isDefault: version['IsDefaultVersion'] === true,
        document: version['Document'],
        field: versionField,
      };
    },
  );
  // DefaultVersionId is authoritative; IsDefaultVersion serves files trimmed of it.
  const chosen =
    defaultVersionId === undefined
      ? versions.find((version) => version.isDefault)
      : versions.find((version) => version.versionId === defaultVersionId);
  if (chosen === undefined || chosen.document === undefined) return undefined;
  const versionId = defaultVersionId ?? chosen.versionId;
  if (versionId === undefined) return undefined;
  return {
    arn,
    name: lastSegment(arn),
    defaultVersionId: versionId,
    document: documentAt(chosen.document, `${chosen.field}.Document`),
  };
}

/** Every managed policy ARN a role needs the document of: attached ones and its boundary. */
export function policyArnsOf(role: RoleDescription): string[] {
  return role.permissionsBoundaryArn === undefined
    ? [...role.attachedManagedPolicyArns]
    : [...role.attachedManagedPolicyArns, role.permissionsBoundaryArn];
}

/**
 * A complete snapshot from a description and the managed policy documents known. A document not known is
 * never guessed: it is left `undefined`, which the evaluator reports as POLICY_UNREADABLE (fail closed),
 * and its ARN is listed in `missingPolicyArns`. `accountId` defaults to the role ARN's.
 */
export function snapshotFromDescription(
  role: RoleDescription,
  documents: ReadonlyMap<string, { readonly document: RawPolicyDocument }>,
  accountId: string = roleArnParts(role.arn, 'arn').accountId,
): { snapshot: RoleSnapshot; missingPolicyArns: string[] } {
  const { partition } = roleArnParts(role.arn, 'arn');
  const missing: string[] = [];
  const documentOf = (arn: string): RawPolicyDocument => {
    const known = documents.get(arn);
    if (known === undefined) missing.push(arn);
    return known?.document;
  };
  const boundaryArn = role.permissionsBoundaryArn;
  const snapshot: RoleSnapshot = {
    roleName: role.roleName,
    roleId: role.roleId,
    arn: role.arn,
    path: role.path,
    accountId,
    partition,
    trustPolicy: role.trustPolicy,
    inlinePolicies: role.inlinePolicies,
    managedPolicies: role.attachedManagedPolicyArns.map((arn) => ({
      arn,
      name: lastSegment(arn),
      document: documentOf(arn),
    })),
    ...(boundaryArn !== undefined && {
      permissionsBoundary: { arn: boundaryArn, document: documentOf(boundaryArn) },
    }),
    tags: role.tags,
  };
  return { snapshot, missingPolicyArns: missing };
}

export interface SnapshotOptions {
  /**
   * Documents of AWS managed policies to use when the file lacks them (it carries them only when saved
   * without a --filter that leaves out AWSManagedPolicy). The file's own copy wins.
   */
  readonly awsManagedDocuments?: ReadonlyMap<string, RawPolicyDocument>;
}

/**
 * Role snapshots from a saved `aws iam get-account-authorization-details` output (documents URL-encoded
 * or decoded, as the API and the AWS CLI give them). `missingPolicyArns`: attached or boundary policies
 * whose document is neither in the file nor in `awsManagedDocuments`; their roles fail closed.
 */
export function snapshotsFromAuthorizationDetails(
  details: unknown,
  options: SnapshotOptions = {},
): { roles: RoleSnapshot[]; missingPolicyArns: string[] } {
  const { roles, policies } = readAuthorizationDetails(details, { complete: true });
  const documents = new Map<string, { readonly document: RawPolicyDocument }>();
  for (const [arn, document] of options.awsManagedDocuments ?? []) documents.set(arn, { document });
  for (const [arn, policy] of policies) documents.set(arn, policy);

  const missing = new Set<string>();
  const snapshots = roles.map((role) => {
    const { snapshot, missingPolicyArns } = snapshotFromDescription(role, documents);
    for (const arn of missingPolicyArns) missing.add(arn);
    return snapshot;
  });
  return { roles: snapshots, missingPolicyArns: [...missing].sort() };
}

const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role\/(?:[^/]+\/)*[^/]+$/;
const POLICY_ARN = /^arn:[^:]+:iam::(?:\d{12}|aws):policy\/(?:[^/]+\/)*[^/]+$/;

/** The partition and account of a role ARN. */
function roleArnParts(arn: string, field: string): { partition: string; accountId: string } {
  const match = ROLE_ARN.exec(arn);
  if (match === null) {
    throw new AuthorizationDetailsError(field, `expected an IAM role ARN, got ${JSON.stringify(arn)}`);
  }
  return { partition: match[1] as string, accountId: match[2] as string };
}

function roleArnAt(value: unknown, field: string): string {
  const arn = stringAt(value, field);
  roleArnParts(arn, field);
  return arn;
}

function policyArnAt(value: unknown, field: string): string {
  const arn = stringAt(value, field);
  if (!POLICY_ARN.test(arn)) {
    throw new AuthorizationDetailsError(field, `expected an IAM policy ARN, got ${JSON.stringify(arn)}`);
  }
  return arn;
}

function lastSegment(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** The API hands documents over URL-encoded; the AWS CLI decodes them into objects. The engine reads both. */
function documentAt(value: unknown, field: string): RawPolicyDocument {
  if (typeof value === 'string' || (typeof value === 'object' && value !== null && !Array.isArray(value))) {
    return value;
  }
  throw new AuthorizationDetailsError(
    field,
    `expected a policy document (a URL-encoded JSON string or an object), got ${describe(value)}`,
  );
}

function tagsAt(value: unknown, field: string): Record<string, string> {
  const tags: Record<string, string> = {};
  optionalArrayAt(value, field).forEach((entry, index) => {
    const tag = objectAt(entry, `${field}[${index}]`);
    const key = stringAt(tag['Key'], `${field}[${index}].Key`);
    const tagValue = tag['Value'];
    // defineProperty: a tag key may be `__proto__`.
    Object.defineProperty(tags, key, {
      value: tagValue === undefined ? '' : stringAt(tagValue, `${field}[${index}].Value`),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  });
  return tags;
}

function objectAt(value: unknown, field: string, expected = 'an object'): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AuthorizationDetailsError(field, `expected ${expected}, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function arrayAt(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) {
    throw new AuthorizationDetailsError(field, `expected an array, got ${describe(value)}`);
  }
  return value;
}

function optionalArrayAt(value: unknown, field: string): unknown[] {
  return value === undefined || value === null ? [] : arrayAt(value, field);
}

function stringAt(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new AuthorizationDetailsError(
      field,
      value === '' ? 'expected a non-empty string' : `expected a string, got ${describe(value)}`,
    );
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
