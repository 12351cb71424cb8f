/**
 * Engine throughput: assessRole over the very snapshots a sweep of the largest account loaded from moto
 * (inline, AWS and customer managed policies, boundaries, job-definition secrets with KMS keys), on one core.
 * Baselines run over the same roles: JSON.parse of every document (the least any checker must do to read
 * them) and the managed-policy ARN lookup that IAM_ROLE_MANAGED_POLICY_CHECK-style rules stop at.
 */
import { performance } from 'node:perf_hooks';
import type { UsageIndex } from '../lib/facts/gather';
import { assessRole } from '../lib/rule/assess-role';
import type { RoleSnapshot } from '../lib/core/model';
import type { RuleParameters } from '../lib/parameters';
import type { KeyMetadata, RuleLocation } from '../lib/usage/types';
import { median } from './stats';

/** Everything assessRole needs, captured from a live sweep. */
export interface EngineFacts {
  readonly roles: readonly RoleSnapshot[];
  readonly usage: UsageIndex;
  readonly keys: KeyMetadata;
  readonly params: RuleParameters;
  readonly location: RuleLocation;
}

export interface Throughput {
  /**
   * Roles per second of CPU time in the fastest round: what one uncontended core does. CPU time and the best
   * round both keep other processes on a shared machine out of the figure.
   */
  readonly rolesPerSecond: number;
  /** The median round's roles per second of CPU time. */
  readonly medianRolesPerSecond: number;
  /** Roles per second of wall time over all rounds: lower than the others when the machine is busy. */
  readonly rolesPerWallSecond: number;
  readonly roles: number;
  readonly rounds: number;
  readonly passes: number;
  readonly elapsedMs: number;
  readonly cpuMs: number;
}

export interface EngineMeasure {
  /** assessRole over the candidates only: every one gets requirements, evaluation and annotation. */
  readonly candidates: Throughput;
  /** assessRole over the whole account, non-candidates included, as a sweep runs it. */
  readonly account: Throughput;
  readonly jsonParseBaseline: Throughput;
  readonly arnLookupBaseline: Throughput;
  readonly candidateCount: number;
  readonly accountRoles: number;
}

const ROUNDS = 7;
const MIN_ROUND_MS = 300;
const EXECUTION_POLICY_SUFFIX = ':iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy';

/** Runs `pass` over `roles` once to warm up, then in ROUNDS rounds of at least MIN_ROUND_MS each. */
function throughput(
  roles: readonly RoleSnapshot[],
  pass: (roles: readonly RoleSnapshot[]) => number,
): Throughput {
  let sink = pass(roles);
  const rates: number[] = [];
  let passes = 0;
  let elapsedMs = 0;
  let cpuMs = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    let roundPasses = 0;
    let roundMs = 0;
    while (roundMs < MIN_ROUND_MS) {
      sink += pass(roles);
      roundPasses += 1;
      roundMs = performance.now() - started;
    }
    const cpu = process.cpuUsage(cpuBefore);
    // Includes V8's helper threads (concurrent GC): a slightly pessimistic single-core figure.
    const roundCpuMs = (cpu.user + cpu.system) / 1000;
    rates.push((roles.length * roundPasses * 1000) / roundCpuMs);
    passes += roundPasses;
    elapsedMs += roundMs;
    cpuMs += roundCpuMs;
  }
  // Keeps the optimiser from dropping the work whose result is otherwise unused.
  if (sink === -1) console.log('');
  return {
    rolesPerSecond: Math.max(...rates),
    medianRolesPerSecond: median(rates),
    rolesPerWallSecond: (roles.length * passes * 1000) / elapsedMs,
    roles: roles.length,
    rounds: ROUNDS,
    passes,
    elapsedMs,
    cpuMs,
  };
}

function parseDocument(document: unknown): unknown {
  if (typeof document !== 'string') return document;
  // IAM hands documents over URL-encoded; moto sometimes as plain JSON.
  return JSON.parse(document.trimStart().startsWith('{') ? document : decodeURIComponent(document));
}

/** Measures the engine and both baselines; single-threaded by construction (synchronous loops). */
export function measureEngine(facts: EngineFacts): EngineMeasure {
  const assess = (role: RoleSnapshot) =>
    assessRole(role, facts.usage, facts.keys, facts.params, facts.location);
  const candidates = facts.roles.filter((role) => assess(role).applicable);
  if (candidates.length === 0)
    throw new Error('engine benchmark: the captured account has no candidate roles');

  const assessAll = (roles: readonly RoleSnapshot[]): number => {
    let findings = 0;
    for (const role of roles) {
      const result = assess(role);
      if (result.applicable) findings += result.evaluation.findings.length;
    }
    return findings;
  };
  const parseAll = (roles: readonly RoleSnapshot[]): number => {
    let statements = 0;
    for (const role of roles) {
      const documents = [
        role.trustPolicy,
        ...role.inlinePolicies.map((p) => p.document),
        ...role.managedPolicies.map((p) => p.document),
        ...(role.permissionsBoundary ? [role.permissionsBoundary.document] : []),
      ];
      for (const document of documents) {
        const parsed = parseDocument(document) as { Statement?: unknown };
        statements += Array.isArray(parsed.Statement) ? parsed.Statement.length : 1;
      }
    }
    return statements;
  };
  const lookupAll = (roles: readonly RoleSnapshot[]): number => {
    let attached = 0;
    for (const role of roles) {
      if (role.managedPolicies.some((policy) => policy.arn.endsWith(EXECUTION_POLICY_SUFFIX))) attached += 1;
    }
    return attached;
  };

  return {
    candidates: throughput(candidates, assessAll),
    account: throughput(facts.roles, assessAll),
    jsonParseBaseline: throughput(candidates, parseAll),
    arnLookupBaseline: throughput(candidates, lookupAll),
    candidateCount: candidates.length,
    accountRoles: facts.roles.length,
  };
}
