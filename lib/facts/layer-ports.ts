/**
 * Ports for the policies on the other side of each grant (key, secret, repository and registry policies) and
 * for the organization's SCPs and RCPs: what the rule reads to decide a request as AWS does at task start
 * (lib/policy/layers.ts). Adapters live in lib/aws/layers.ts.
 */

/** Why a layer could not be read: the annotation names the layer and this reason. */
export type UnreadableReason =
  /** The rule's role may not read it (AccessDenied): the permission is named in `detail`. */
  | 'AccessDenied'
  /** It belongs to another account, whose policies this account cannot read. */
  | 'OtherAccount'
  /** The resource does not exist (the task would fail too). */
  | 'NotFound';

/** A layer as read: its policy text (`null`: the resource has none), or why it could not be read. */
export type LayerRead =
  | { readonly status: 'read'; readonly policy: string | null }
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
  readonly scps?: OrganizationPolicyLevels;
  readonly rcps?: OrganizationPolicyLevels;
}

/** Reads the organization's policies for an account (from the management or a delegated administrator account). */
export interface OrganizationPolicyReader {
  policiesFor(accountId: string): Promise<OrganizationPolicies>;
}
