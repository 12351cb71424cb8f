/**
 * The rule, as rdklib calls it: one role and its facts (lib/facts/gather.ts) to a verdict: candidacy,
 * requirements, evaluation, annotation. Pure and synchronous; shared by the Config runner
 * (lib/config/runner.ts), the remediation and the audit CLI so that all three always agree.
 */
import type { Requirement, RoleEvaluation, RoleSnapshot } from '../core/model';
import type { UsageIndex } from '../facts/gather';
import type { LayerFacts } from '../facts/layer-ports';
import { buildAnnotation, MAX_ANNOTATION_LENGTH } from '../findings/annotation';
import type { RuleParameters } from '../parameters';
import { requirementsFor } from '../requirements/derive';
import type { KeyMetadata, RuleLocation } from '../usage/types';
import { isCandidate } from './candidates';
import { evaluateRole, type EvaluateRoleOptions } from './evaluate-role';
import { layerTargetsOf, type LayerTarget } from './layer-targets';

export type RoleAssessment =
  | { readonly applicable: false; readonly role: RoleSnapshot; readonly reason: string }
  | {
      readonly applicable: true;
      readonly role: RoleSnapshot;
      readonly reason: string;
      readonly requirements: readonly Requirement[];
      readonly evaluation: RoleEvaluation;
      /** How the evaluation was made (region, layers): the remediation simulates its plan with the same. */
      readonly evaluationOptions: EvaluateRoleOptions;
      /** Config annotation: at most 256 characters, empty when compliant and nothing was left unread. */
      readonly annotation: string;
    };

/** The requirements of a candidate role; undefined when the role is not a candidate. */
export function requirementsOfCandidate(
  role: RoleSnapshot,
  usage: UsageIndex,
  keys: KeyMetadata,
  params: RuleParameters,
  location: RuleLocation,
): Requirement[] | undefined {
  const roleUsage = usage.get(role.arn);
  if (!isCandidate(role, params, roleUsage).candidate) return undefined;
  return requirementsFor(role, roleUsage, keys, params, location);
}

/** The layers (key, secret, repository, registry policies) that decide some of a role's requirements. */
export function layerTargetsForRole(
  role: RoleSnapshot,
  usage: UsageIndex,
  keys: KeyMetadata,
  params: RuleParameters,
  location: RuleLocation,
  into?: Map<string, LayerTarget>,
): Map<string, LayerTarget> {
  const requirements = requirementsOfCandidate(role, usage, keys, params, location);
  return layerTargetsOf(requirements ?? [], role.accountId, into);
}

/**
 * Decides whether a role is checked and, if so, what it lacks. `layers` are the policies beyond the role
 * gathered for this invocation; without them only the role's own policies are weighed.
 */
export function assessRole(
  role: RoleSnapshot,
  usage: UsageIndex,
  keys: KeyMetadata,
  params: RuleParameters,
  location: RuleLocation,
  layers?: LayerFacts,
): RoleAssessment {
  const roleUsage = usage.get(role.arn);
  const candidacy = isCandidate(role, params, roleUsage);
  if (!candidacy.candidate) return { applicable: false, role, reason: candidacy.reason };
  const requirements = requirementsFor(role, roleUsage, keys, params, location);
  const evaluationOptions: EvaluateRoleOptions = {
    region: location.region,
    ...(layers ? { layers: { layers, unreadableLayers: params.unreadableLayers } } : {}),
  };
  const evaluation = evaluateRole(role, requirements, evaluationOptions);
  return {
    applicable: true,
    role,
    reason: candidacy.reason,
    requirements,
    evaluation,
    evaluationOptions,
    annotation: annotationOf(evaluation),
  };
}

/** The findings' annotation, then the notes (unread layers that do not count) where there is room. */
function annotationOf(evaluation: RoleEvaluation): string {
  const failing = buildAnnotation(evaluation.findings);
  const notes = evaluation.notes ?? [];
  if (notes.length === 0) return failing;
  if (failing === '') return buildAnnotation(notes);
  const room = MAX_ANNOTATION_LENGTH - failing.length - 2;
  const noted = room > 20 ? buildAnnotation(notes, room) : '';
  return noted === '' || noted.startsWith('Requirements not met') ? failing : `${failing}. ${noted}`;
}
