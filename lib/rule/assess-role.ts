/**
 * The rule, as rdklib calls it: one role and its facts (lib/facts/gather.ts) to a verdict: candidacy,
 * requirements, evaluation, annotation. Pure and synchronous; shared by the Config runner
 * (lib/config/runner.ts), the remediation and the audit CLI so that all three always agree.
 */
import type { Requirement, RoleEvaluation, RoleSnapshot } from '../core/model';
import type { UsageIndex } from '../facts/gather';
import { buildAnnotation } from '../findings/annotation';
import type { RuleParameters } from '../parameters';
import { requirementsFor } from '../requirements/derive';
import type { KeyMetadata, RuleLocation } from '../usage/types';
import { isCandidate } from './candidates';
import { evaluateRole } from './evaluate-role';

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
