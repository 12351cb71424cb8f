/**
 * The rule's `ruleParameters`: a JSON string of string values (AWS Config's InputParameters), checked
 * strictly so that a typo fails the invocation instead of silently widening or narrowing the rule.
 */
import { InvalidRuleParametersError } from './core/errors';

/** A tag a role must carry to be a candidate; without `value`, any value counts. */
export interface RoleTag {
  readonly key: string;
  readonly value?: string;
}

/** The rule parameters, parsed and with defaults applied. */
export interface RuleParameters {
  /** Globs with `*` and `?`, matched case-insensitively against the role name. */
  readonly roleNamePatterns: readonly string[];
  readonly excludeRoleNamePatterns: readonly string[];
  readonly roleTag?: RoleTag;
  readonly discoverBatchJobDefinitions: boolean;
  readonly discoverEcsTaskDefinitions: boolean;
  readonly requireManagedPolicy: boolean;
  readonly requireConfusedDeputyCondition: boolean;
  /** Secrets Manager secret ARNs every candidate must be able to read (`*` allowed inside). */
  readonly secretArns: readonly string[];
  /** SSM parameter ARNs every candidate must be able to read (`*` allowed inside). */
  readonly parameterArns: readonly string[];
  /** KMS key ARNs every candidate must be able to decrypt with. */
  readonly kmsKeyArns: readonly string[];
  /**
   * GuardDuty Runtime Monitoring is on for Fargate (the rule cannot see it per cluster): Fargate consumers then
   * pull the GuardDuty agent sidecar with their execution role.
   */
  readonly guardDutyRuntimeMonitoring: boolean;
  /** A key, secret, repository or registry policy the rule cannot read: a finding (`fail`) or a note (`report`). */
  readonly unreadableLayers: 'fail' | 'report';
  /** How SCPs and RCPs are read: not at all, with the rule's own role, or through a role to assume. */
  readonly organizationPolicies: OrganizationPoliciesSource;
}

/**
 * Where the organization's policies are read: `off`; `local` (this account is the management account or a
 * delegated administrator for Organizations policies); or a role ARN in such an account to assume.
 */
export type OrganizationPoliciesSource =
  | { readonly mode: 'off' }
  | { readonly mode: 'local' }
  | { readonly mode: 'assumeRole'; readonly roleArn: string };

/** What an absent or empty `ruleParameters` means. */
export const DEFAULT_RULE_PARAMETERS: RuleParameters = Object.freeze({
  roleNamePatterns: Object.freeze(['ecsTaskExecutionRole']),
  excludeRoleNamePatterns: Object.freeze([]),
  discoverBatchJobDefinitions: true,
  discoverEcsTaskDefinitions: false,
  requireManagedPolicy: false,
  requireConfusedDeputyCondition: false,
  secretArns: Object.freeze([]),
  parameterArns: Object.freeze([]),
  kmsKeyArns: Object.freeze([]),
  guardDutyRuntimeMonitoring: false,
  unreadableLayers: 'fail',
  organizationPolicies: Object.freeze({ mode: 'off' }),
});

/** Parameter names exactly as they appear in InputParameters (Config keys are case-sensitive). */
export const RULE_PARAMETER_NAMES = [
  'RoleNamePattern',
  'ExcludeRoleNamePattern',
  'RoleTagKey',
  'DiscoverBatchJobDefinitions',
  'DiscoverEcsTaskDefinitions',
  'RequireManagedPolicy',
  'RequireConfusedDeputyCondition',
  'SecretArns',
  'ParameterArns',
  'KmsKeyArns',
  'GuardDutyRuntimeMonitoring',
  'UnreadableLayers',
  'OrganizationPolicies',
] as const;
/** One of RULE_PARAMETER_NAMES. */
export type RuleParameterName = (typeof RULE_PARAMETER_NAMES)[number];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

// IAM role names: letters, digits and +=,.@_- (the comma separates patterns, so it cannot be in one).
const ROLE_NAME_GLOB = /^[\w+=.@*?-]{1,64}$/;
const PARTITION = 'aws(?:-[a-z]+)*';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+';
const ACCOUNT = '\\d{12}';
// Secret names: letters, digits and /_+=.@- (plus the six-character suffix); `*` and `?` allowed as patterns.
const SECRET_ARN = new RegExp(`^arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:[\\w/+=.@*?-]+$`);
// Parameter names: letters, digits and _.-/ ; the ARN never has a doubled slash after `parameter`.
const PARAMETER_ARN = new RegExp(
  `^arn:${PARTITION}:ssm:${REGION}:${ACCOUNT}:parameter/[\\w.*?-][\\w./*?-]*$`,
);
// kms:Decrypt is authorised against the key ARN, never the alias: an alias ARN would never match.
const KMS_KEY_ARN = new RegExp(`^arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/[\\w*?-]+$`);
// IAM role names: 1 to 64 of letters, digits and +=,.@_- under an optional path.
const ROLE_ARN = new RegExp(`^arn:${PARTITION}:iam::${ACCOUNT}:role/(?:[\\w+=,.@-]+/)*[\\w+=,.@-]{1,64}$`);

/**
 * Parses `ruleParameters` (JSON string, object, or absent). Throws InvalidRuleParametersError naming the
 * parameter for unknown names, bad values or invalid JSON.
 */
export function parseRuleParameters(
  raw: string | undefined | null | Record<string, unknown>,
): RuleParameters {
  const input = toObject(raw);
  const result: Mutable<RuleParameters> = { ...DEFAULT_RULE_PARAMETERS };
  for (const [name, value] of Object.entries(input)) {
    if (!isParameterName(name)) {
      const hint = RULE_PARAMETER_NAMES.find((known) => known.toLowerCase() === name.trim().toLowerCase());
      throw new InvalidRuleParametersError(
        name,
        hint
          ? `unknown parameter; did you mean ${hint}?`
          : `unknown parameter; expected one of ${RULE_PARAMETER_NAMES.join(', ')}`,
      );
    }
    applyParameter(result, name, value);
  }
  return result;
}

function toObject(raw: string | undefined | null | Record<string, unknown>): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  let value: unknown = raw;
  if (typeof raw === 'string') {
    if (raw.trim() === '') return {};
    try {
      value = JSON.parse(raw);
    } catch (cause) {
      throw new InvalidRuleParametersError('ruleParameters', 'not valid JSON', { cause });
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidRuleParametersError(
      'ruleParameters',
      'expected a JSON object of parameter names to values',
    );
  }
  return value as Record<string, unknown>;
}

function isParameterName(name: string): name is RuleParameterName {
  return (RULE_PARAMETER_NAMES as readonly string[]).includes(name);
}

function applyParameter(result: Mutable<RuleParameters>, name: RuleParameterName, value: unknown): void {
  switch (name) {
    case 'RoleNamePattern': {
      const patterns = globList(name, value);
      // An empty pattern list means "unset": the default name still applies.
      if (patterns.length > 0) result.roleNamePatterns = patterns;
      return;
    }
    case 'ExcludeRoleNamePattern':
      result.excludeRoleNamePatterns = globList(name, value);
      return;
    case 'RoleTagKey': {
      const tag = roleTag(name, value);
      if (tag) result.roleTag = tag;
      else delete result.roleTag;
      return;
    }
    case 'DiscoverBatchJobDefinitions':
      result.discoverBatchJobDefinitions = bool(
        name,
        value,
        DEFAULT_RULE_PARAMETERS.discoverBatchJobDefinitions,
      );
      return;
    case 'DiscoverEcsTaskDefinitions':
      result.discoverEcsTaskDefinitions = bool(
        name,
        value,
        DEFAULT_RULE_PARAMETERS.discoverEcsTaskDefinitions,
      );
      return;
    case 'RequireManagedPolicy':
      result.requireManagedPolicy = bool(name, value, DEFAULT_RULE_PARAMETERS.requireManagedPolicy);
      return;
    case 'RequireConfusedDeputyCondition':
      result.requireConfusedDeputyCondition = bool(
        name,
        value,
        DEFAULT_RULE_PARAMETERS.requireConfusedDeputyCondition,
      );
      return;
    case 'SecretArns':
      result.secretArns = arnList(name, value, SECRET_ARN, 'a Secrets Manager secret ARN');
      return;
    case 'ParameterArns':
      result.parameterArns = arnList(name, value, PARAMETER_ARN, 'an SSM parameter ARN');
      return;
    case 'KmsKeyArns':
      result.kmsKeyArns = arnList(
        name,
        value,
        KMS_KEY_ARN,
        'a KMS key ARN (arn:...:kms:REGION:ACCOUNT:key/ID)',
      );
      return;
    case 'GuardDutyRuntimeMonitoring':
      result.guardDutyRuntimeMonitoring = bool(
        name,
        value,
        DEFAULT_RULE_PARAMETERS.guardDutyRuntimeMonitoring,
      );
      return;
    case 'UnreadableLayers': {
      const raw = text(name, value).toLowerCase();
      if (raw === '') result.unreadableLayers = DEFAULT_RULE_PARAMETERS.unreadableLayers;
      else if (raw === 'fail' || raw === 'report') result.unreadableLayers = raw;
      else
        throw new InvalidRuleParametersError(
          name,
          `expected "fail" or "report", got ${JSON.stringify(value)}`,
        );
      return;
    }
    case 'OrganizationPolicies': {
      const raw = text(name, value);
      if (raw === '' || raw.toLowerCase() === 'off') result.organizationPolicies = { mode: 'off' };
      else if (raw.toLowerCase() === 'local') result.organizationPolicies = { mode: 'local' };
      else if (ROLE_ARN.test(raw)) result.organizationPolicies = { mode: 'assumeRole', roleArn: raw };
      else {
        throw new InvalidRuleParametersError(
          name,
          `expected "off", "local" or a role ARN (arn:...:iam::ACCOUNT:role/NAME), got ${JSON.stringify(value)}`,
        );
      }
      return;
    }
  }
}

function text(name: RuleParameterName, value: unknown): string {
  if (typeof value !== 'string') {
    throw new InvalidRuleParametersError(name, `expected a string, got ${describe(value)}`);
  }
  return value.trim();
}

function list(name: RuleParameterName, value: unknown): string[] {
  const raw = text(name, value);
  if (raw === '') return [];
  const items = raw.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) {
    throw new InvalidRuleParametersError(name, `empty entry in ${JSON.stringify(raw)}`);
  }
  return [...new Set(items)];
}

function globList(name: RuleParameterName, value: unknown): string[] {
  const patterns = list(name, value);
  for (const pattern of patterns) {
    if (!ROLE_NAME_GLOB.test(pattern)) {
      throw new InvalidRuleParametersError(
        name,
        `${JSON.stringify(pattern)} is not a role name pattern (letters, digits, +=.@_- and the wildcards * and ?, at most 64 characters)`,
      );
    }
  }
  return patterns;
}

function arnList(name: RuleParameterName, value: unknown, pattern: RegExp, expected: string): string[] {
  const arns = list(name, value);
  for (const arn of arns) {
    if (!pattern.test(arn)) {
      throw new InvalidRuleParametersError(name, `${JSON.stringify(arn)} is not ${expected}`);
    }
  }
  return arns;
}

function bool(name: RuleParameterName, value: unknown, fallback: boolean): boolean {
  if (typeof value === 'boolean') return value;
  const raw = text(name, value).toLowerCase();
  if (raw === '') return fallback;
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new InvalidRuleParametersError(name, `expected "true" or "false", got ${JSON.stringify(value)}`);
}

function roleTag(name: RuleParameterName, value: unknown): RoleTag | undefined {
  const raw = text(name, value);
  if (raw === '') return undefined;
  // Split at the first `=`: `key=value`; a key alone matches any value.
  const at = raw.indexOf('=');
  const key = (at < 0 ? raw : raw.slice(0, at)).trim();
  if (key === '' || key.length > 128) {
    throw new InvalidRuleParametersError(
      name,
      `expected "key" or "key=value" with a key of 1 to 128 characters`,
    );
  }
  if (at < 0) return { key };
  const tagValue = raw.slice(at + 1).trim();
  if (tagValue.length > 256) {
    throw new InvalidRuleParametersError(name, 'tag value longer than 256 characters');
  }
  return { key, value: tagValue };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
