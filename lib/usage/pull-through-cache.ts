/**
 * ECR pull through cache: which of a consumer's images come through a cache rule of the account's own
 * registry. Such a pull imports the upstream image into `repository/PREFIX/UPSTREAM-PATH` (creating the
 * repository on first pull) with the execution role's credentials. Pure: the rules come in as data.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache-iam.html
 */
import { RoleUsageIndex } from './extract';
import type { ConsumerUsage, PullThroughCachePrefixes, RoleUsage } from './types';

// "To apply a template to all repositories in your registry that don't have an associated pull through cache
// rule, use ROOT as the prefix" (pull-through-cache-private-wildcards.html).
const ROOT_PREFIX = 'ROOT';

/** `arn:PARTITION:ecr:REGION:ACCOUNT:repository/NAME` -> its parts, or undefined for anything else. */
function repositoryParts(arn: string): { region: string; account: string; name: string } | undefined {
  const match = /^arn:[^:]+:ecr:([^:]+):(\d{12}):repository\/(.+)$/.exec(arn);
  if (!match) return undefined;
  const [, region = '', account = '', name = ''] = match;
  return { region, account, name };
}

/**
 * Whether repository `name` is a cache repository of one of `prefixes`: its name starts with a prefix and
 * `/` (ECR always assumes a `/` after the prefix), or the registry has a ROOT rule.
 */
export function isPullThroughCacheRepository(name: string, prefixes: readonly string[]): boolean {
  return prefixes.some((prefix) => {
    if (prefix === ROOT_PREFIX) return true;
    const namespace = prefix.replace(/\/+$/, '');
    return namespace !== '' && name.startsWith(`${namespace}/`);
  });
}

/** The regions of the account's own registry that the usage pulls from: where its cache rules are read. */
export function ownRegistryRegions(index: ReadonlyMap<string, RoleUsage>, accountId: string): string[] {
  const regions = new Set<string>();
  for (const usage of index.values()) {
    for (const consumer of usage.consumers) {
      for (const arn of consumer.ecrRepositories) {
        const parts = repositoryParts(arn);
        if (parts?.account === accountId) regions.add(parts.region);
      }
    }
  }
  return [...regions].sort();
}

/**
 * The usage with each consumer's `pullThroughCacheRepositories`: its repositories in `accountId`'s registry
 * that a rule of that region's `prefixes` caches. Rules are per registry, so other accounts' images are never
 * matched. Unchanged roles are shared.
 */
export function applyPullThroughCacheRules(
  index: ReadonlyMap<string, RoleUsage>,
  prefixes: PullThroughCachePrefixes,
  accountId: string,
): ReadonlyMap<string, RoleUsage> {
  if ([...prefixes.values()].every((list) => list.length === 0)) return index;
  const update = (usage: RoleUsage): RoleUsage => {
    let changed = false;
    const consumers = usage.consumers.map((consumer): ConsumerUsage => {
      const cached = consumer.ecrRepositories.filter((arn) => {
        const parts = repositoryParts(arn);
        return (
          parts !== undefined &&
          parts.account === accountId &&
          isPullThroughCacheRepository(parts.name, prefixes.get(parts.region) ?? [])
        );
      });
      if (cached.length === 0) return consumer;
      changed = true;
      // `consumer.consumer` stays the same object: requirements merge the consumers they name by identity.
      return { ...consumer, pullThroughCacheRepositories: cached };
    });
    return changed ? { ...usage, consumers } : usage;
  };
  if (index instanceof RoleUsageIndex) return index.mapUsage(update);
  return new Map([...index].map(([key, usage]) => [key, update(usage)]));
}
