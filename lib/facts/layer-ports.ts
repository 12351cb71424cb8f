/**
 * Ports for the policies on the other side of each grant (key, secret, repository, registry and bucket policies) and
 * for the organization's SCPs and RCPs: what the rule reads to decide a request as AWS does at task start
 * (lib/policy/layers.ts). lib/rule/layer-targets.ts picks the targets (a repository policy for another
 * account's repository, which is unreadable from here, and for the pulls from this account's own repositories;
 * the bucket policy of the S3 buckets tasks fetch files from; not the GuardDuty agent's repository), gatherLayers in lib/facts/gather.ts reads
 * them once per invocation for the Config runner, the remediation and the live audit, the offline audit reads
 * them from its --resource-policies and --organization-policies files, and the template audit takes those a
 * template declares from the template (lib/facts/template-account.ts), the rest from those files. Adapters
 * live in lib/aws/layers.ts.
 */

import type { ResourcePolicyKind } from '../policy/layers';

/** One policy to read: its kind, what to read it by, and whose it is. */
export interface LayerTarget {
  readonly kind: ResourcePolicyKind;
  /** Unique per policy: `keyPolicy ARN`, `secretPolicy ARN`, `repositoryPolicy ARN`, `registryPolicy ACCOUNT REGION`,
   * `bucketPolicy arn:PARTITION:s3:::BUCKET`. */
  readonly key: string;
  /** The key, secret, repository or bucket ARN to read (a secret named without its suffix: the partial ARN). */
  readonly arn: string;
  /** A bucket's: the role's account, which the live read proves (ExpectedBucketOwner). */
  readonly ownerAccountId: string;
  /** Empty for a bucket: its ARN names no region (the reader follows S3's redirect). */
  readonly region: string;
}

/** Why a layer could not be read: the annotation names the layer and this reason. */
export type UnreadableReason =
  /** The rule's role may not read it (AccessDenied): the permission is named in `detail`. */
  | 'AccessDenied'
  /** It belongs to another account, whose policies this account cannot read. */
  | 'OtherAccount'
  /** The resource does not exist (the task would fail too). */
  | 'NotFound'
  /** An offline audit's layer file does not hold it (nor, for a template audit, the template). */
  | 'NotProvided'
  /**
   * A template declares it, but a Deny (or the document outside its Allow statements) depends on values the
   * template does not determine: it may refuse anything, so it fails the role whatever UnreadableLayers says.
   */
  | 'Unresolved';

/** A layer as read: its policy text (`null`: the resource has none), or why it could not be read. */
export type LayerRead =
  | {
      readonly status: 'read';
      readonly policy: string | null;
      /**
       * Allow statements left out of `policy` because the template does not determine them (they prove
       * nothing): named in the finding when this layer refuses.
       */
      readonly leftOut?: string;
    }
  | { readonly status: 'unreadable'; readonly reason: UnreadableReason; readonly detail: string };

/** Reads the resource-based policies of the resources execution roles use. */
export interface ResourcePolicyReader {
  /** The key policy (`default`) of a KMS key, by key ARN. A key always has one. */
  keyPolicy(keyArn: string): Promise<LayerRead>;
  /** The resource policy of a Secrets Manager secret, by full secret ARN. */
  secretPolicy(secretArn: string): Promise<LayerRead>;
  /** The repository policy of an ECR repository, by repository ARN. */
  repositoryPolicy(repositoryArn: string): Promise<LayerRead>;
  /** The registry policy of an account's private registry in a region. */
  registryPolicy(accountId: string, region: string): Promise<LayerRead>;
  /** The bucket policy of an S3 bucket of the reader's account, by bucket ARN (`arn:aws:s3:::BUCKET`). */
  bucketPolicy(bucketArn: string): Promise<LayerRead>;
}

/** One policy attached at one level of the organization. */
export interface OrganizationPolicy {
  readonly id: string;
  readonly name: string;
  /** The policy document as text. */
  readonly content: string;
}

/** SCPs or RCPs as they apply to one account: one list per level, from the root down to the account. */
export interface OrganizationPolicyLevels {
  /** Each level: the root, each OU on the way down, the account; ids say which. */
  readonly levels: readonly { readonly targetId: string; readonly policies: readonly OrganizationPolicy[] }[];
}

/** What the organization applies to an account. `undefined` for a policy type that is not enabled. */
export interface OrganizationPolicies {
  readonly managementAccountId: string;
  /** `o-...`: the value of aws:PrincipalOrgID and aws:ResourceOrgID for the organization's accounts. */
  readonly organizationId?: string;
  readonly scps?: OrganizationPolicyLevels;
  readonly rcps?: OrganizationPolicyLevels;
}

/** Reads the organization's policies for an account (from the management or a delegated administrator account). */
export interface OrganizationPolicyReader {
  policiesFor(accountId: string): Promise<OrganizationPolicies>;
}

/** The organization's policies as read for the rule's account, or why they could not be read. */
export type OrganizationRead =
  | { readonly status: 'read'; readonly policies: OrganizationPolicies }
  | { readonly status: 'unreadable'; readonly detail: string };

/**
 * The layers gathered for one invocation (lib/facts/gather.ts): each resource policy by its target key
 * (lib/rule/layer-targets.ts), and the organization's policies when they are read at all.
 */
export interface LayerFacts {
  /**
   * By target key; a target absent from the map was not read (an offline audit's file lacks it). Absent:
   * resource policies are not weighed at all (an offline audit without a resource-policies file says so).
   */
  readonly resourcePolicies?: ReadonlyMap<string, LayerRead>;
  /** Why a target absent from `resourcePolicies` was not read (default: the layer input does not hold it). */
  readonly notProvided?: string;
  /** Absent: organization policies are not read (the rule parameter OrganizationPolicies is off). */
  readonly organization?: OrganizationRead;
}
