/**
 * Which policy on the other side of a grant decides a request, chosen by action and resource ARN alone, so
 * that every requirement (whoever derives it) is layered the same way:
 * - `kms:*` on a key ARN: the key's key policy (KMS Developer Guide, "Key policies in AWS KMS": "IAM policies
 *   by themselves are not sufficient");
 * - `secretsmanager:*` on a secret ARN: the secret's resource policy;
 * - ECR actions on a repository ARN of another account: its repository policy (ECR User Guide, "Private
 *   repository policies": cross-account pulls need it);
 * - the three ECR pull actions on a repository ARN of the role's own account: its repository policy too. In
 *   one account "if either the identity-based policy or the resource-based policy within the same account
 *   allows the request and the other doesn't, the request is still allowed", and "an explicit deny in any of
 *   the policies overrides the allow" (IAM User Guide, "Policy evaluation for requests within a single
 *   account", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-basics.html):
 *   a repository policy can grant the pull or deny it, so it is read (decideAcrossLayers applies that rule);
 * - ecr:BatchImportUpstreamImage and ecr:CreateRepository (pull through cache): the registry policy of the
 *   repository's account and region (ECR User Guide, "Private registry permissions");
 * - s3:GetObject and s3:GetBucketLocation on an S3 ARN (environment files, FireLens configs, gMSA credential
 *   specs): the bucket policy of the bucket, keyed by the bucket ARN also for object requests. An S3 ARN
 *   names no account, so the bucket is taken to be the role's account and the live reader proves it
 *   (ExpectedBucketOwner: another account's bucket is refused, hence unreadable, never read as ours); in one
 *   account the bucket policy can grant the request or deny it, as a repository policy can.
 * Pure; lib/facts/gather.ts reads each distinct target once.
 */
import type { PermissionRequirement, Requirement } from '../core/model';
import type { LayerTarget } from '../facts/layer-ports';
import type { ResourcePolicyKind } from '../policy/layers';
import { ECR_PULL_ACTIONS } from '../requirements/derive';
import { guardDutyAgentRepositoryArn } from '../requirements/guardduty-agent-accounts';

export type { LayerTarget };

/** The registry policy decides these pull-through-cache actions (ECR User Guide, "Private registry permissions"). */
export const REGISTRY_POLICY_ACTIONS: ReadonlySet<string> = new Set([
  'ecr:batchimportupstreamimage',
  'ecr:createrepository',
]);

/** The pull actions a same-account repository policy decides with the role's own policies. */
export const REPOSITORY_PULL_ACTIONS: ReadonlySet<string> = new Set(
  ECR_PULL_ACTIONS.map((action) => action.toLowerCase()),
);

/** The S3 actions whose bucket policy is weighed: those execution roles need to fetch files from S3. */
export const BUCKET_POLICY_ACTIONS: ReadonlySet<string> = new Set(['s3:getobject', 's3:getbucketlocation']);

/** Secrets Manager's suffix pattern after a name (derive.ts's `NAME-??????`). */
const SECRET_SUFFIX_PATTERN = '-??????';

/** `arn:partition:service:region:account:resource` with no wildcard in region or account. */
function parts(
  arn: string,
): { partition: string; service: string; region: string; account: string; resource: string } | undefined {
  const split = arn.split(':');
  if (split.length < 6 || split[0] !== 'arn') return undefined;
  const [, partition = '', service = '', region = '', account = ''] = split;
  if (!/^\d{12}$/.test(account) || region === '' || /[*?]/.test(region)) return undefined;
  return { partition, service, region, account, resource: split.slice(5).join(':') };
}

/** The policy beyond the role that decides `action` on `resource`; undefined when none does (or it cannot be named). */
export function layerTargetOf(
  action: string,
  resource: string,
  roleAccountId: string,
): LayerTarget | undefined {
  const lowered = action.toLowerCase();
  if (BUCKET_POLICY_ACTIONS.has(lowered)) return bucketTargetOf(resource, roleAccountId);
  const arn = parts(resource);
  if (arn === undefined) return undefined;
  const service = lowered.slice(0, lowered.indexOf(':'));
  const target = (kind: ResourcePolicyKind, readArn: string, key = `${kind} ${readArn}`): LayerTarget => ({
    kind,
    key,
    arn: readArn,
    ownerAccountId: arn.account,
    region: arn.region,
  });
  if (service === 'kms' && arn.service === 'kms' && /^key\/[\w-]+$/.test(arn.resource)) {
    return target('keyPolicy', resource);
  }
  if (
    service === 'secretsmanager' &&
    arn.service === 'secretsmanager' &&
    arn.resource.startsWith('secret:')
  ) {
    // A secret named without its suffix: Secrets Manager finds it by the partial ARN.
    const readArn = resource.endsWith(SECRET_SUFFIX_PATTERN)
      ? resource.slice(0, -SECRET_SUFFIX_PATTERN.length)
      : resource;
    return /[*?]/.test(readArn) ? undefined : target('secretPolicy', readArn);
  }
  if (service === 'ecr' && arn.service === 'ecr' && arn.resource.startsWith('repository/')) {
    if (REGISTRY_POLICY_ACTIONS.has(lowered)) {
      return target('registryPolicy', resource, `registryPolicy ${arn.account} ${arn.region}`);
    }
    // GuardDuty's agent repository belongs to AWS, whose policy lets execution roles pull the sidecar once
    // their own policies allow it (GuardDuty User Guide, "Prerequisites for AWS Fargate (Amazon ECS only)
    // support": the task execution role's ECR permissions are all it asks). No account can read that policy,
    // so it is not a layer the rule weighs, rather than one it reports unread for every Fargate consumer.
    if (resource === guardDutyAgentRepositoryArn(arn.partition, arn.region)) return undefined;
    if (/[*?]/.test(arn.resource)) return undefined;
    if (arn.account !== roleAccountId || REPOSITORY_PULL_ACTIONS.has(lowered))
      return target('repositoryPolicy', resource);
  }
  return undefined;
}

/**
 * `arn:PARTITION:s3:::BUCKET[/KEY]` -> the bucket policy of `arn:PARTITION:s3:::BUCKET`, owned (as far as the
 * ARN tells) by the role's account; undefined for another ARN or a bucket name with a wildcard.
 */
function bucketTargetOf(resource: string, roleAccountId: string): LayerTarget | undefined {
  const match = /^arn:([\w-]+):s3:::([^/]+)(?:\/.*)?$/.exec(resource);
  if (match === null) return undefined;
  const [, partition = '', bucket = ''] = match;
  if (/[*?]/.test(bucket)) return undefined;
  const bucketArn = `arn:${partition}:s3:::${bucket}`;
  return {
    kind: 'bucketPolicy',
    key: `bucketPolicy ${bucketArn}`,
    arn: bucketArn,
    ownerAccountId: roleAccountId,
    region: '',
  };
}

/** The distinct targets of some requirements, in first-seen order. */
export function layerTargetsOf(
  requirements: readonly Requirement[],
  roleAccountId: string,
  into: Map<string, LayerTarget> = new Map(),
): Map<string, LayerTarget> {
  for (const requirement of requirements) {
    if (requirement.kind !== 'permission') continue;
    const target = layerTargetFor(requirement, roleAccountId);
    if (target !== undefined && !into.has(target.key)) into.set(target.key, target);
  }
  return into;
}

/** layerTargetOf for a permission requirement. */
export function layerTargetFor(
  requirement: PermissionRequirement,
  roleAccountId: string,
): LayerTarget | undefined {
  return layerTargetOf(requirement.action, requirement.resource, roleAccountId);
}
