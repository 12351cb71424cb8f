/**
 * Remediation test support: assess a role as the rule would, and an in-memory IAM that serves both the
 * reader the rule uses and the writer the remediation uses, recording every write.
 */
import { indexUsage } from '../../lib/facts/gather';
import { assessRole } from '../../lib/rule/assess-role';
import type { RoleSnapshot } from '../../lib/core/model';
import { parseRuleParameters, type RuleParameters } from '../../lib/parameters';
import type { IamReader, UsageReader } from '../../lib/facts/ports';
import { policyText } from '../../lib/remediation/json-text';
import type { ApplicableAssessment } from '../../lib/remediation/plan';
import { remediate } from '../../lib/remediation/apply';
import type { IamWriter, RemediationReport } from '../../lib/remediation/types';
import { applyBucketEncryption, applyPullThroughCacheRules, resolveSecretReferences } from '../../lib/usage';
import type {
  BatchJobDefinition,
  BucketEncryptions,
  EcsTaskDefinition,
  KeyMetadata,
  PullThroughCachePrefixes,
  ResolvedSecretArns,
} from '../../lib/usage/types';
import { EXECUTION_ROLE_POLICY, LOCATION } from '../builders';

export interface Facts {
  readonly jobs?: readonly BatchJobDefinition[];
  readonly tasks?: readonly EcsTaskDefinition[];
  /** What DescribePullThroughCacheRules answers, by region. */
  readonly pullThroughCachePrefixes?: PullThroughCachePrefixes;
  readonly keys?: KeyMetadata;
  /** What DescribeSecret resolved: partial secret ARN -> full ARN. */
  readonly resolvedArns?: ResolvedSecretArns;
  /** What GetBucketEncryption answers, by bucket ARN (a bucket it lacks is unreadable). */
  readonly bucketEncryptions?: BucketEncryptions;
  /** InputParameters as the Config rule has them. */
  readonly params?: Record<string, string>;
}

/** The rule's assessment of `role`; fails the test when the role is not a candidate. */
export function assess(
  role: RoleSnapshot,
  facts: Facts = {},
): { assessment: ApplicableAssessment; params: RuleParameters } {
  const params = parseRuleParameters(facts.params ?? {});
  const index = applyBucketEncryption(
    resolveSecretReferences(
      applyPullThroughCacheRules(
        indexUsage({ jobDefinitions: facts.jobs ?? [], taskDefinitions: facts.tasks ?? [] }, LOCATION),
        facts.pullThroughCachePrefixes ?? new Map(),
        LOCATION.accountId,
      ),
      facts.resolvedArns ?? new Map(),
    ),
    facts.bucketEncryptions ?? new Map(),
  );
  const assessment = assessRole(role, index, facts.keys ?? new Map(), params, LOCATION);
  if (!assessment.applicable) throw new Error(`not a candidate: ${assessment.reason}`);
  return { assessment, params };
}

export type Write =
  | { readonly call: 'updateAssumeRolePolicy'; readonly roleName: string; readonly document: string }
  | { readonly call: 'attachRolePolicy'; readonly roleName: string; readonly policyArn: string }
  | {
      readonly call: 'putRolePolicy';
      readonly roleName: string;
      readonly policyName: string;
      readonly document: string;
    };

export type Read = 'getTrustPolicy' | 'getRolePolicy' | 'listAttachedPolicyArns';

/** One role in memory, readable by the rule's IamReader and writable through the IamWriter port. */
export class FakeIam implements IamReader, IamWriter {
  readonly writes: Write[] = [];
  readonly lookups: string[] = [];
  private readonly reads = new Map<Read, number>();
  /** Called on every guarded read with how many times it has been made: tests simulate drift here. */
  onRead: (read: Read, count: number) => void = () => undefined;
  /** Makes a write fail (after recording nothing). */
  failWrite: Write['call'] | undefined;

  constructor(public role: RoleSnapshot) {}

  loadAllRoles(): Promise<RoleSnapshot[]> {
    return Promise.reject(new Error('not used by the remediation'));
  }

  completeRole(): Promise<RoleSnapshot> {
    return Promise.reject(new Error('not used by the remediation'));
  }

  async findRole(idNameOrArn: string): Promise<RoleSnapshot | undefined> {
    this.lookups.push(idNameOrArn);
    const { role } = this;
    const hit =
      idNameOrArn === role.roleId ||
      idNameOrArn === role.arn ||
      idNameOrArn.toLowerCase() === role.roleName.toLowerCase();
    return hit ? role : undefined;
  }

  private count(read: Read): void {
    const count = (this.reads.get(read) ?? 0) + 1;
    this.reads.set(read, count);
    this.onRead(read, count);
  }

  async getTrustPolicy(): Promise<string> {
    this.count('getTrustPolicy');
    return policyText(this.role.trustPolicy);
  }

  async getRolePolicy(_roleName: string, policyName: string): Promise<string | undefined> {
    this.count('getRolePolicy');
    const policy = this.role.inlinePolicies.find((candidate) => candidate.name === policyName);
    return policy === undefined ? undefined : policyText(policy.document);
  }

  async listAttachedPolicyArns(): Promise<string[]> {
    this.count('listAttachedPolicyArns');
    return this.role.managedPolicies.map((policy) => policy.arn);
  }

  private fail(call: Write['call']): void {
    if (this.failWrite === call) throw new Error(`${call} failed (injected)`);
  }

  async updateAssumeRolePolicy(roleName: string, document: string): Promise<void> {
    this.fail('updateAssumeRolePolicy');
    this.writes.push({ call: 'updateAssumeRolePolicy', roleName, document });
    this.role = { ...this.role, trustPolicy: document };
  }

  async attachRolePolicy(roleName: string, policyArn: string): Promise<void> {
    this.fail('attachRolePolicy');
    this.writes.push({ call: 'attachRolePolicy', roleName, policyArn });
    const name = policyArn.slice(policyArn.lastIndexOf('/') + 1);
    this.role = {
      ...this.role,
      managedPolicies: [
        ...this.role.managedPolicies,
        { arn: policyArn, name, document: EXECUTION_ROLE_POLICY },
      ],
    };
  }

  async putRolePolicy(roleName: string, policyName: string, document: string): Promise<void> {
    this.fail('putRolePolicy');
    this.writes.push({ call: 'putRolePolicy', roleName, policyName, document });
    this.role = {
      ...this.role,
      inlinePolicies: [
        ...this.role.inlinePolicies.filter((policy) => policy.name !== policyName),
        { name: policyName, document },
      ],
    };
  }
}

/** Usage facts served from memory. */
export function fakeUsage(facts: Facts = {}): UsageReader {
  return {
    listActiveJobDefinitions: async () => [...(facts.jobs ?? [])],
    listLatestTaskDefinitions: async () => [...(facts.tasks ?? [])],
    describeKeys: async () => ({
      keys: facts.keys ?? new Map(),
      resolvedArns: facts.resolvedArns ?? new Map(),
    }),
    pullThroughCachePrefixes: async (region) => facts.pullThroughCachePrefixes?.get(region) ?? [],
    bucketEncryption: async (bucketArn) =>
      facts.bucketEncryptions?.get(bucketArn) ?? { status: 'unreadable', detail: 'not in the fake account' },
  };
}

/**
 * The remediation entry point run twice against a fake IAM holding `role`, the usage of `facts`: the first
 * report, the second (which should find nothing left to do) and the fake IAM with the writes it took.
 */
export async function remediateTwice(
  role: RoleSnapshot,
  facts: Facts,
): Promise<{ report: RemediationReport; second: RemediationReport; iam: FakeIam }> {
  const iam = new FakeIam(role);
  const deps = {
    iam,
    writer: iam,
    usage: fakeUsage(facts),
    location: LOCATION,
    ruleParameters: JSON.stringify(facts.params),
    log: () => undefined,
  };
  const report = await remediate({ ResourceId: role.roleId, DryRun: false }, deps);
  const second = await remediate({ ResourceId: role.roleId, DryRun: false }, deps);
  return { report, second, iam };
}
