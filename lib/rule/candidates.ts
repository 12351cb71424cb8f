/** Which roles the rule judges: execution roles by name, by tag, or because a job definition uses them. */
import { BoundedCache } from '../core/cache';
import type { Consumer } from '../core/model';
import type { RuleParameters } from '../parameters';
import type { RoleUsage } from '../usage/types';

/** Service-linked roles belong to AWS services: their policies are not ours to judge. */
export const SERVICE_LINKED_PATH_PREFIX = '/aws-service-role/';

/** The fields of a role that decide candidacy (a RoleSnapshot or a configuration item's description). */
export interface CandidateRole {
  readonly roleName: string;
  readonly arn: string;
  readonly path: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The verdict on candidacy and why. */
export interface Candidacy {
  readonly candidate: boolean;
  /** Why, for logs and NOT_APPLICABLE decisions: `used by job definition etl:3`. */
  readonly reason: string;
}

/**
 * Whether a role is checked. Service-linked roles never are; ExcludeRoleNamePattern wins over everything
 * else; then a name pattern, the RoleTagKey tag, or use by a discovered consumer makes it a candidate.
 */
export function isCandidate(
  role: CandidateRole,
  params: RuleParameters,
  usage: RoleUsage | undefined,
): Candidacy {
  if (role.path.startsWith(SERVICE_LINKED_PATH_PREFIX)) {
    return { candidate: false, reason: 'service-linked role' };
  }
  const excludedBy = params.excludeRoleNamePatterns.find((pattern) =>
    matchesRoleNameGlob(pattern, role.roleName),
  );
  if (excludedBy !== undefined) {
    return { candidate: false, reason: `name matches ExcludeRoleNamePattern ${excludedBy}` };
  }
  const matchedBy = params.roleNamePatterns.find((pattern) => matchesRoleNameGlob(pattern, role.roleName));
  if (matchedBy !== undefined)
    return { candidate: true, reason: `name matches RoleNamePattern ${matchedBy}` };
  if (params.roleTag && hasTag(role.tags, params.roleTag.key, params.roleTag.value)) {
    const tag =
      params.roleTag.value === undefined
        ? params.roleTag.key
        : `${params.roleTag.key}=${params.roleTag.value}`;
    return { candidate: true, reason: `tagged ${tag}` };
  }
  const consumer = usage?.consumers[0]?.consumer;
  if (consumer) {
    const others = (usage?.consumers.length ?? 1) - 1;
    return {
      candidate: true,
      reason: `execution role of ${consumerText(consumer)}${others > 0 ? ` and ${others} more` : ''}`,
    };
  }
  return { candidate: false, reason: 'name, tag and discovered job and task definitions do not select it' };
}

// A pattern's RegExp depends on the pattern alone and keeps no state (no g or y flag): safe to share
// across warm invocations and rule parameters.
const globs = new BoundedCache<string, RegExp>('role name globs', 1_000);

/**
 * Whether a role name matches a glob (`*` any run, `?` one character). Case-insensitive: IAM role names
 * are unique regardless of case, so `ecstaskexecutionrole` names the same role.
 */
export function matchesRoleNameGlob(pattern: string, roleName: string): boolean {
  let regex = globs.get(pattern);
  if (!regex) {
    const source = [...pattern]
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${source}$`, 'is');
    globs.set(pattern, regex);
  }
  return regex.test(roleName);
}

/** IAM role tag keys are case-insensitive (values are not): match keys as IAM does. */
function hasTag(tags: Readonly<Record<string, string>>, key: string, value: string | undefined): boolean {
  const wanted = key.toLowerCase();
  return Object.entries(tags).some(
    ([tagKey, tagValue]) => tagKey.toLowerCase() === wanted && (value === undefined || tagValue === value),
  );
}

function consumerText(consumer: Consumer): string {
  switch (consumer.kind) {
    case 'batch-job-definition':
      return `job definition ${consumer.name}`;
    case 'ecs-task-definition':
      return `task definition ${consumer.name}`;
    default:
      return consumer.name;
  }
}
