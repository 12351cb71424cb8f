/**
 * The remediation payload SSM Automation sends: `{"ResourceId": "...", "DryRun": true|false}`. Checked
 * strictly, because a crafted ResourceId must never make the function touch a role it was not asked to.
 */
import { InvalidEventError } from '../core/errors';

/** How the caller named the role; the resolved role must match it exactly. */
export type RoleReference =
  | { readonly kind: 'roleId'; readonly value: string }
  | { readonly kind: 'name'; readonly value: string }
  | { readonly kind: 'arn'; readonly value: string };

/** A validated payload: the ResourceId as given, how it names the role, and whether to only plan. */
export interface RemediationRequest {
  readonly resourceId: string;
  readonly reference: RoleReference;
  readonly dryRun: boolean;
}

/** The account the function runs in: only its own roles may be remediated. */
export interface AccountScope {
  readonly accountId: string;
  readonly partition: string;
}

const KNOWN_FIELDS = ['ResourceId', 'DryRun'];
// IAM ARNs are at most 2048 characters (IAM API reference, ARN length constraints).
const MAX_RESOURCE_ID_LENGTH = 2048;
// RoleId: `AROA` then upper-case letters and digits (IAM API reference: 16 to 128 characters).
const ROLE_ID = /^AROA[A-Z0-9]{12,124}$/;
// Role names: letters, digits and +=,.@_- (IAM API reference, RoleName pattern, 1 to 64 characters).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// Role paths: `/` or `/seg/.../`, printable ASCII (IAM API reference, Path pattern).
const ROLE_PATH = /^\/(?:[\x21-\x7e]*\/)?$/;

function parseDryRun(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  // SSM Automation substitutes parameters into a JSON string payload, so booleans may arrive as text.
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (value === undefined) {
    throw new InvalidEventError('DryRun', 'required: true plans and reports only, false applies the changes');
  }
  throw new InvalidEventError(
    'DryRun',
    `expected true or false (or "true"/"false"), got ${JSON.stringify(value)}`,
  );
}

function parseReference(resourceId: string, scope: AccountScope): RoleReference {
  if (ROLE_ID.test(resourceId)) return { kind: 'roleId', value: resourceId };
  if (ROLE_NAME.test(resourceId)) return { kind: 'name', value: resourceId };
  if (resourceId.startsWith('arn:')) {
    const match = /^arn:([^:]+):iam::([^:]*):role(\/.*)$/.exec(resourceId);
    if (match === null) {
      throw new InvalidEventError(
        'ResourceId',
        'an ARN must be an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)',
      );
    }
    const [, partition = '', accountId = '', pathAndName = ''] = match;
    if (accountId !== scope.accountId || partition !== scope.partition) {
      throw new InvalidEventError(
        'ResourceId',
        `the role ARN belongs to account ${accountId} in partition ${partition}; this function only ` +
          `remediates roles of account ${scope.accountId} (${scope.partition})`,
      );
    }
    const slash = pathAndName.lastIndexOf('/');
    const path = pathAndName.slice(0, slash + 1);
    const name = pathAndName.slice(slash + 1);
    if (!ROLE_PATH.test(path) || path.includes('/../') || path.includes('/./') || !ROLE_NAME.test(name)) {
      throw new InvalidEventError('ResourceId', 'the role ARN has an invalid path or role name');
    }
    return { kind: 'arn', value: resourceId };
  }
  throw new InvalidEventError(
    'ResourceId',
    'expected a RoleId (AROA...), a role name, or a role ARN of this account; paths and other resources ' +
      'are not accepted',
  );
}

/** Validates the payload; throws InvalidEventError naming the field. */
export function parseRemediationRequest(event: unknown, scope: AccountScope): RemediationRequest {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    throw new InvalidEventError('event', 'expected a JSON object {"ResourceId": ..., "DryRun": ...}');
  }
  const record = event as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !KNOWN_FIELDS.includes(key));
  if (unknown.length > 0) {
    throw new InvalidEventError(
      unknown.join(', '),
      `unknown field; expected only ${KNOWN_FIELDS.join(' and ')}`,
    );
  }
  const resourceId = record['ResourceId'];
  if (typeof resourceId !== 'string' || resourceId.trim() === '') {
    throw new InvalidEventError(
      'ResourceId',
      'required: a non-empty string (the RoleId, role name or role ARN)',
    );
  }
  if (resourceId.length > MAX_RESOURCE_ID_LENGTH) {
    throw new InvalidEventError('ResourceId', `longer than ${MAX_RESOURCE_ID_LENGTH} characters`);
  }
  if (resourceId.includes('*') || resourceId.includes('?')) {
    throw new InvalidEventError('ResourceId', 'wildcards (* and ?) are not accepted: name exactly one role');
  }
  const dryRun = parseDryRun(record['DryRun']);
  return { resourceId, reference: parseReference(resourceId, scope), dryRun };
}

/** The account and partition a Lambda function runs in, from `context.invokedFunctionArn`. */
export function scopeFromFunctionArn(functionArn: unknown): AccountScope {
  const match =
    typeof functionArn === 'string' ? /^arn:([^:]+):lambda:[^:]+:(\d{12}):function:/.exec(functionArn) : null;
  if (match === null) {
    throw new InvalidEventError('context.invokedFunctionArn', 'expected a Lambda function ARN');
  }
  return { partition: match[1] ?? '', accountId: match[2] ?? '' };
}
