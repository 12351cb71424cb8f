/**
 * Secrets named without their random suffix, made exact: DescribeSecret answers a name or partial ARN with
 * the secret's full ARN, and a grant on that ARN is what most roles hold. Pure: the answers come in as data.
 */
import { RoleUsageIndex } from './extract';
import type { ConsumerUsage, ResolvedSecretArns, RoleUsage, SecretReference } from './types';

// Secrets Manager appends `-` and six random letters or digits to a secret's name to form its ARN.
const SUFFIX = /^-[A-Za-z0-9]{6}$/;

/** Whether `fullArn` is the ARN of the secret `partialArn` names: that text plus `-` and six characters. */
export function isFullSecretArnOf(partialArn: string, fullArn: string): boolean {
  return fullArn.startsWith(partialArn) && SUFFIX.test(fullArn.slice(partialArn.length));
}

/**
 * The usage with every partial secret reference that `resolvedArns` knows given its `resolvedSecretArn`.
 * References it does not know keep their `NAME-??????` check (fail closed); unchanged roles are shared.
 */
export function resolveSecretReferences(
  index: ReadonlyMap<string, RoleUsage>,
  resolvedArns: ResolvedSecretArns,
): ReadonlyMap<string, RoleUsage> {
  if (resolvedArns.size === 0) return index;
  const update = (usage: RoleUsage): RoleUsage => resolveRoleUsage(usage, resolvedArns);
  // Keep the index's own lookup (role ARNs with or without a path) when it has one.
  if (index instanceof RoleUsageIndex) return index.mapUsage(update);
  return new Map([...index].map(([key, usage]) => [key, update(usage)]));
}

function resolveRoleUsage(usage: RoleUsage, resolvedArns: ResolvedSecretArns): RoleUsage {
  let changed = false;
  const consumers = usage.consumers.map((consumer): ConsumerUsage => {
    const secrets = consumer.secrets.map((reference) => resolveReference(reference, resolvedArns));
    const registryCredentials = consumer.registryCredentials.map((reference) =>
      resolveReference(reference, resolvedArns),
    );
    const featureSecrets = consumer.featureSecrets.map((reference) =>
      resolveReference(reference, resolvedArns),
    );
    const same =
      secrets.every((reference, index) => reference === consumer.secrets[index]) &&
      registryCredentials.every((reference, index) => reference === consumer.registryCredentials[index]) &&
      featureSecrets.every((reference, index) => reference === consumer.featureSecrets[index]);
    if (same) return consumer;
    changed = true;
    // `consumer.consumer` stays the same object: requirements merge the consumers they name by identity.
    return { ...consumer, secrets, registryCredentials, featureSecrets };
  });
  return changed ? { ...usage, consumers } : usage;
}

function resolveReference<T extends SecretReference>(reference: T, resolvedArns: ResolvedSecretArns): T {
  const partial = partialSecretArnOf(reference);
  if (partial === undefined) return reference;
  const full = resolvedArns.get(partial);
  // A resolution that is not this secret's ARN plus its suffix is ignored: the pattern check stays.
  if (full === undefined || !isFullSecretArnOf(partial, full)) return reference;
  return { ...reference, resolvedSecretArn: full };
}

/** The secret a reference names without its suffix: a partial Secrets Manager ARN, or a pass-through's. */
function partialSecretArnOf(reference: SecretReference): string | undefined {
  if (reference.service === 'ssm') return reference.passThroughSecretArn;
  // A full ARN is already exact.
  return reference.isPartial ? reference.arn : undefined;
}
