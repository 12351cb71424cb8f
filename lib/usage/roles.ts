/** How job and task definitions name an execution role, reduced to one key per role. */
import type { RuleLocation } from './types';

/**
 * The key a role is indexed under: `arn:PARTITION:iam::ACCOUNT:role/NAME`, path dropped. Role names are
 * unique in an account whatever the path, and users write `executionRoleArn` with or without the path,
 * or as a bare name that ECS resolves in its own account. Undefined for an empty reference.
 */
export function roleKey(arnOrName: string | undefined, location: RuleLocation): string | undefined {
  const text = arnOrName?.trim();
  if (!text) return undefined;
  if (text.startsWith('arn:')) {
    const match = /^arn:([^:]+):iam::([^:]*):role\/(?:.*\/)?([^/]+)$/.exec(text);
    // Anything that is not a role ARN is kept as written: it never matches a role, and that is the truth.
    if (!match) return text;
    const [, partition, account, name] = match;
    return `arn:${partition}:iam::${account}:role/${name}`;
  }
  const name = text.slice(text.lastIndexOf('/') + 1);
  if (!name) return undefined;
  return `arn:${location.partition}:iam::${location.accountId}:role/${name}`;
}
