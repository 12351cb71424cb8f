/**
 * An AWS::IAM::Role configuration item (event shape) read into a RoleDescription. Pure: managed policy
 * documents are fetched later by IamReader.completeRole.
 */
import { InvalidEventError } from '../core/errors';
import type { RawPolicyDocument } from '../core/model';
import type { RoleDescription } from '../facts/ports';
import type { EventConfigurationItem } from './ports';

/**
 * Reads `configuration` of a role's configuration item. Throws InvalidEventError naming the field
 * (`configurationItem.configuration.roleName`) when one is missing or has the wrong type.
 */
export function descriptionFromConfigurationItem(
  item: EventConfigurationItem,
  field = 'configurationItem',
): RoleDescription {
  const configuration = objectAt(item['configuration'], `${field}.configuration`);
  const at = (name: string): string => `${field}.configuration.${name}`;

  const boundary = configuration['permissionsBoundary'];
  const permissionsBoundaryArn =
    boundary === null || boundary === undefined
      ? undefined
      : stringAt(
          objectAt(boundary, at('permissionsBoundary'))['permissionsBoundaryArn'],
          at('permissionsBoundary.permissionsBoundaryArn'),
        );

  return {
    roleName: stringAt(configuration['roleName'], at('roleName')),
    roleId: stringAt(configuration['roleId'], at('roleId')),
    arn: roleArnAt(configuration['arn'], at('arn')),
    path: stringAt(configuration['path'], at('path')),
    trustPolicy: documentAt(configuration['assumeRolePolicyDocument'], at('assumeRolePolicyDocument')),
    // Lists are required, not defaulted: a missing inline policy could be a missing Deny.
    inlinePolicies: arrayAt(configuration['rolePolicyList'], at('rolePolicyList')).map((entry, index) => {
      const policy = objectAt(entry, at(`rolePolicyList[${index}]`));
      return {
        name: stringAt(policy['policyName'], at(`rolePolicyList[${index}].policyName`)),
        document: documentAt(policy['policyDocument'], at(`rolePolicyList[${index}].policyDocument`)),
      };
    }),
    attachedManagedPolicyArns: arrayAt(
      configuration['attachedManagedPolicies'],
      at('attachedManagedPolicies'),
    ).map((entry, index) => {
      const policy = objectAt(entry, at(`attachedManagedPolicies[${index}]`));
      return stringAt(policy['policyArn'], at(`attachedManagedPolicies[${index}].policyArn`));
    }),
    ...(permissionsBoundaryArn !== undefined && { permissionsBoundaryArn }),
    tags: tagsAt(configuration['tags'], at('tags')),
  };
}

function objectAt(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidEventError(field, `expected an object, got ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

function arrayAt(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new InvalidEventError(field, `expected a list, got ${describe(value)}`);
  return value;
}

function stringAt(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InvalidEventError(field, `expected a non-empty string, got ${describe(value)}`);
  }
  return value;
}

function roleArnAt(value: unknown, field: string): string {
  const arn = stringAt(value, field);
  if (!/^arn:[^:]+:iam::\d{12}:role\//.test(arn)) {
    throw new InvalidEventError(field, `expected a role ARN, got ${JSON.stringify(arn)}`);
  }
  return arn;
}

/** URL-encoded JSON string (as Config sends it) or an already decoded object: the engine parses either. */
function documentAt(value: unknown, field: string): RawPolicyDocument {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value;
  throw new InvalidEventError(field, `expected a policy document, got ${describe(value)}`);
}

/** Tags only make a role a candidate; absent tags are no tags rather than an error. */
function tagsAt(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const tags: Record<string, string> = {};
  arrayAt(value, field).forEach((entry, index) => {
    const tag = objectAt(entry, `${field}[${index}]`);
    const value = tag['value'] ?? '';
    if (typeof value !== 'string')
      throw new InvalidEventError(`${field}[${index}].value`, `expected a string, got ${describe(value)}`);
    tags[stringAt(tag['key'], `${field}[${index}].key`)] = value;
  });
  return tags;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'string'
    ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value)
    : typeof value;
}
