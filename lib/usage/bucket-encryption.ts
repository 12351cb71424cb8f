/**
 * SSE-KMS on the S3 objects ECS fetches with the execution role: the default encryption of each bucket an
 * environment file, FireLens config or credential spec lives in, attached to its references. Pure: the
 * answers of GetBucketEncryption come in as data (lib/facts/gather.ts reads them).
 */
import { RoleUsageIndex } from './extract';
import type { BucketEncryptions, ConsumerUsage, RoleUsage } from './types';

/** Every distinct bucket ARN the usage fetches objects from, sorted. */
export function referencedBucketArns(index: ReadonlyMap<string, RoleUsage>): string[] {
  const buckets = new Set<string>();
  for (const usage of index.values()) {
    for (const consumer of usage.consumers) {
      for (const object of consumer.s3Objects) buckets.add(object.bucketArn);
    }
  }
  return [...buckets].sort();
}

/**
 * The usage with each S3 object given its bucket's default encryption from `encryptions`. Objects of buckets
 * it lacks keep none (unknown: fail closed); unchanged roles are shared.
 */
export function applyBucketEncryption(
  index: ReadonlyMap<string, RoleUsage>,
  encryptions: BucketEncryptions,
): ReadonlyMap<string, RoleUsage> {
  if (encryptions.size === 0) return index;
  const update = (usage: RoleUsage): RoleUsage => {
    let changed = false;
    const consumers = usage.consumers.map((consumer): ConsumerUsage => {
      if (!consumer.s3Objects.some((object) => encryptions.has(object.bucketArn))) return consumer;
      changed = true;
      const s3Objects = consumer.s3Objects.map((object) => {
        const bucketEncryption = encryptions.get(object.bucketArn);
        return bucketEncryption === undefined ? object : { ...object, bucketEncryption };
      });
      // `consumer.consumer` stays the same object: requirements merge the consumers they name by identity.
      return { ...consumer, s3Objects };
    });
    return changed ? { ...usage, consumers } : usage;
  };
  if (index instanceof RoleUsageIndex) return index.mapUsage(update);
  return new Map([...index].map(([key, usage]) => [key, update(usage)]));
}
