/** What real consumers (Batch job definitions, ECS task definitions) demand of their execution roles. */
import type { RoleUsage } from './types';

export * from './types';
export { applyBucketEncryption, referencedBucketArns } from './bucket-encryption';
export { InvalidSecretReferenceError } from './errors';
export { BATCH_DEFAULT_LOG_GROUP, extractUsage, RoleUsageIndex } from './extract';
export { ecrRepositoryArn } from './images';
export {
  applyPullThroughCacheRules,
  isPullThroughCacheRepository,
  ownRegistryRegions,
} from './pull-through-cache';
export { isFullSecretArnOf, resolveSecretReferences } from './resolve';
export { roleKey } from './roles';
export { PASS_THROUGH_PREFIX, parseValueFrom, type ValueFromOptions } from './value-from';

/**
 * Every Secrets Manager secret and SSM parameter ARN the usage references, for DescribeSecret /
 * DescribeParameters: the KMS key of each decides whether kms:Decrypt is needed. Pass-through parameters
 * contribute their secret (the parameter itself cannot be described).
 */
export function collectSecretRefs(usage: ReadonlyMap<string, RoleUsage>): {
  secretArns: string[];
  parameterArns: string[];
} {
  const secretArns = new Set<string>();
  const parameterArns = new Set<string>();
  for (const roleUsage of usage.values()) {
    for (const consumer of roleUsage.consumers) {
      for (const reference of [
        ...consumer.secrets,
        ...consumer.registryCredentials,
        ...consumer.featureSecrets,
      ]) {
        if (reference.service === 'secretsmanager') secretArns.add(reference.arn);
        else if (reference.passThroughSecretArn) secretArns.add(reference.passThroughSecretArn);
        else parameterArns.add(reference.arn);
      }
    }
  }
  return { secretArns: [...secretArns], parameterArns: [...parameterArns] };
}
