/**
 * AWS managed policy documents, kept across warm invocations and keyed by ARN and default version: a policy
 * version never changes once published, so a document cached under its version id is never stale, and a
 * new default version (AWS publishes a few a year) is read the first time GetPolicy reports it.
 */
import type { RawPolicyDocument } from '../core/model';

/** Whether `arn` names an AWS managed policy (`arn:PARTITION:iam::aws:policy/...`): only those are cached. */
export function isAwsManagedPolicyArn(arn: string): boolean {
  return /^arn:[^:]+:iam::aws:policy\//.test(arn);
}

// An account attaches a few dozen AWS managed policies at most; the bound only guards a long-lived container.
const MAX_ENTRIES = 1_000;

/** (ARN, version id) -> document. In-flight reads are shared, failed ones forgotten. */
export class ManagedPolicyCache {
  private readonly entries = new Map<string, Promise<RawPolicyDocument>>();

  /** The cached document of `arn` at `versionId`, or the result of `load` (cached from now on if it succeeds). */
  get(arn: string, versionId: string, load: () => Promise<RawPolicyDocument>): Promise<RawPolicyDocument> {
    const key = `${arn}\u0000${versionId}`;
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached;
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    const document = load();
    this.entries.set(key, document);
    document.catch(() => {
      if (this.entries.get(key) === document) this.entries.delete(key);
    });
    return document;
  }

  /** Forgets everything (tests). */
  clear(): void {
    this.entries.clear();
  }
}

/** The container-wide cache the handlers share. */
export const sharedManagedPolicyCache = new ManagedPolicyCache();
