/**
 * AWS managed policy documents, kept across warm invocations. AWS publishes a new default version of a
 * managed policy a few times a year at most, so re-reading it on every invocation would double the IAM calls
 * of a change evaluation for no gain; a bounded TTL still picks up a new version within minutes.
 */
import type { ManagedPolicyDocument } from '../ports';

/** How long an AWS managed policy document is trusted before GetPolicy is asked again. */
export const MANAGED_POLICY_TTL_MS = 15 * 60 * 1000;

/** Whether `arn` names an AWS managed policy (`arn:PARTITION:iam::aws:policy/...`): only those are cached. */
export function isAwsManagedPolicyArn(arn: string): boolean {
  return /^arn:[^:]+:iam::aws:policy\//.test(arn);
}

interface Entry {
  readonly fetchedAt: number;
  readonly policy: Promise<ManagedPolicyDocument>;
}

/** ARN -> document of its default version, with a TTL. In-flight reads are shared, failed ones forgotten. */
export class ManagedPolicyCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number = MANAGED_POLICY_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached document for `arn`, or the result of `load` (cached from now on if it succeeds). */
  get(arn: string, load: () => Promise<ManagedPolicyDocument>): Promise<ManagedPolicyDocument> {
    const now = this.now();
    const entry = this.entries.get(arn);
    if (entry !== undefined && now - entry.fetchedAt < this.ttlMs) return entry.policy;
    const policy = load();
    this.entries.set(arn, { fetchedAt: now, policy });
    policy.catch(() => {
      if (this.entries.get(arn)?.policy === policy) this.entries.delete(arn);
    });
    return policy;
  }

  /** Forgets everything (tests). */
  clear(): void {
    this.entries.clear();
  }
}

/** The container-wide cache the handlers share. */
export const sharedManagedPolicyCache = new ManagedPolicyCache();
