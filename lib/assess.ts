/**
 * One role (or a whole account) from facts to verdicts: candidacy, requirements, evaluation, annotation.
 * Pure and synchronous; shared by the Config rule, the remediation and the audit CLI so that all three
 * always agree.
 */
import { buildAnnotation } from './annotation';
import { isCandidate } from './candidates';
import { evaluateRole } from './evaluate-role';
import type { RoleEvaluation, RoleSnapshot } from './model';
import type { RuleParameters } from './parameters';
import { requirementsFor } from './requirements';
import type { Requirement } from './model';
import { collectSecretRefs, extractUsage, type RoleUsage } from './usage';
import type { BatchJobDefinition, EcsTaskDefinition, KeyMetadata, RuleLocation } from './usage/types';

/** What the rule knows about the account beyond the roles themselves. */
export interface UsageFacts {
  readonly jobDefinitions: readonly BatchJobDefinition[];
  readonly taskDefinitions: readonly EcsTaskDefinition[];
  readonly keys: KeyMetadata;
}

export type RoleAssessment =
  | { readonly applicable: false; readonly role: RoleSnapshot; readonly reason: string }
  | {
      readonly applicable: true;
      readonly role: RoleSnapshot;
      readonly reason: string;
      readonly requirements: readonly Requirement[];
      readonly evaluation: RoleEvaluation;
      /** Config annotation: at most 256 characters, empty when compliant. */
      readonly annotation: string;
    };

/** Usage per role ARN, computed once per invocation. */
export type UsageIndex = ReadonlyMap<string, RoleUsage>;

/** Indexes job and task definitions by the execution role they name. */
export function indexUsage(
  facts: Pick<UsageFacts, 'jobDefinitions' | 'taskDefinitions'>,
  location: RuleLocation,
): UsageIndex {
  return extractUsage(facts.jobDefinitions, facts.taskDefinitions, location);
}

/** Every secret and parameter ARN whose KMS key must be described. */
export function secretRefsOf(usage: UsageIndex): { secretArns: string[]; parameterArns: string[] } {
  return collectSecretRefs(usage);
}

/** Decides whether a role is checked and, if so, what it lacks. */
export function assessRole(
  role: RoleSnapshot,
  usage: UsageIndex,
  keys: KeyMetadata,
  params: RuleParameters,
  location: RuleLocation,
): RoleAssessment {
  const roleUsage = usage.get(role.arn);
  const candidacy = isCandidate(role, params, roleUsage);
  if (!candidacy.candidate) return { applicable: false, role, reason: candidacy.reason };
  const requirements = requirementsFor(role, roleUsage, keys, params, location);
  const evaluation = evaluateRole(role, requirements, { region: location.region });
  return {
    applicable: true,
    role,
    reason: candidacy.reason,
    requirements,
    evaluation,
    annotation: buildAnnotation(evaluation.findings),
  };
}
