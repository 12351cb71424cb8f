/**
 * The audit's layer files: the policies beyond the role, saved from the AWS CLI, for offline audits.
 *
 * `--resource-policies FILE`: one object keyed by ARN, each value the policy (a JSON object, or the JSON text
 * the AWS CLI prints) or null for "this resource has no policy":
 *   {"arn:aws:kms:REGION:ACCOUNT:key/ID": {...},                      aws kms get-key-policy --policy-name default
 *    "arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf": null, aws secretsmanager get-resource-policy
 *    "arn:aws:ecr:REGION:ACCOUNT:repository/NAME": "{...}",             aws ecr get-repository-policy
 *    "arn:aws:ecr:REGION:ACCOUNT:registry": {...},                       aws ecr get-registry-policy
 *    "arn:aws:s3:::BUCKET": null}                                        aws s3api get-bucket-policy
 * A layer a role needs that the file does not hold is named as not provided (UnreadableLayers decides).
 *
 * `--organization-policies FILE`: what the rule reads in the management account, as one object:
 *   {"managementAccountId": "111111111111", "organizationId": "o-abc",
 *    "scps": {"levels": [{"targetId": "r-ab12", "policies": [{"id": "p-FullAWSAccess", "name": "...",
 *                                                              "content": {...} | "{...}"}]}, ...]},
 *    "rcps": {...}}
 * Levels run from the root down to the account; a policy type left out is not enabled.
 */
import type { LayerRead, OrganizationPolicies, OrganizationPolicyLevels } from '../lib/facts/layer-ports';
import { AuditInputError } from './audit-input';

const ARN = /^arn:([\w-]+):(kms|secretsmanager|ecr):([a-z0-9-]+):(\d{12}):(.+)$/;

/** The resource policies of a `--resource-policies` file, by layer target key (lib/rule/layer-targets.ts). */
export function resourcePoliciesFrom(json: unknown, where: string): Map<string, LayerRead> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AuditInputError(`${where}: expected an object of ARN -> policy (or null)`);
  }
  const result = new Map<string, LayerRead>();
  for (const [arn, value] of Object.entries(json as Record<string, unknown>)) {
    const key = targetKeyOf(arn);
    if (key === undefined) {
      throw new AuditInputError(
        `${where}: ${JSON.stringify(arn)} is not a KMS key, secret, ECR repository, ECR registry ` +
          '(arn:aws:ecr:REGION:ACCOUNT:registry) or S3 bucket (arn:aws:s3:::BUCKET) ARN',
      );
    }
    result.set(key, { status: 'read', policy: policyText(value, `${where}: ${arn}`) });
  }
  return result;
}

/**
 * `keyPolicy ARN`, `secretPolicy ARN`, `repositoryPolicy ARN`, `registryPolicy ACCOUNT REGION` or
 * `bucketPolicy arn:PARTITION:s3:::BUCKET` (a bucket ARN, no key: the policy is the bucket's).
 */
function targetKeyOf(arn: string): string | undefined {
  if (/^arn:[\w-]+:s3:::[^/*?]+$/.test(arn)) return `bucketPolicy ${arn}`;
  const match = ARN.exec(arn);
  if (match === null) return undefined;
  const [, , service, region, account, resource = ''] = match;
  if (service === 'kms' && /^key\/[\w-]+$/.test(resource)) return `keyPolicy ${arn}`;
  if (service === 'secretsmanager' && resource.startsWith('secret:')) return `secretPolicy ${arn}`;
  if (service === 'ecr' && resource.startsWith('repository/')) return `repositoryPolicy ${arn}`;
  if (service === 'ecr' && resource === 'registry') return `registryPolicy ${account} ${region}`;
  return undefined;
}

/** A policy as text (the engine parses it, and fails closed naming it when it does not parse); null stays. */
function policyText(value: unknown, where: string): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && !Array.isArray(value)) return JSON.stringify(value);
  throw new AuditInputError(`${where}: expected a policy (object or JSON text) or null`);
}

/** The organization's SCPs and RCPs of an `--organization-policies` file. */
export function organizationPoliciesFrom(json: unknown, where: string): OrganizationPolicies {
  const object = record(json, where);
  const managementAccountId = object['managementAccountId'];
  if (typeof managementAccountId !== 'string' || !/^\d{12}$/.test(managementAccountId)) {
    throw new AuditInputError(`${where}: managementAccountId must be a 12-digit account id`);
  }
  const organizationId = object['organizationId'];
  if (
    organizationId !== undefined &&
    (typeof organizationId !== 'string' || !/^o-[a-z0-9]+$/.test(organizationId))
  ) {
    throw new AuditInputError(`${where}: organizationId must look like o-abc123`);
  }
  const scps = object['scps'] === undefined ? undefined : levelsFrom(object['scps'], `${where}: scps`);
  const rcps = object['rcps'] === undefined ? undefined : levelsFrom(object['rcps'], `${where}: rcps`);
  return {
    managementAccountId,
    ...(organizationId !== undefined && { organizationId: organizationId as string }),
    ...(scps && { scps }),
    ...(rcps && { rcps }),
  };
}

function levelsFrom(json: unknown, where: string): OrganizationPolicyLevels {
  const levels = record(json, where)['levels'];
  if (!Array.isArray(levels) || levels.length === 0) {
    throw new AuditInputError(`${where}.levels: expected the levels from the root down to the account`);
  }
  return {
    levels: levels.map((level: unknown, i) => {
      const at = `${where}.levels[${i}]`;
      const { targetId, policies } = record(level, at);
      if (typeof targetId !== 'string' || targetId === '')
        throw new AuditInputError(`${at}.targetId: expected an id`);
      if (!Array.isArray(policies)) throw new AuditInputError(`${at}.policies: expected a list`);
      return {
        targetId,
        policies: policies.map((policy: unknown, j) => {
          const p = record(policy, `${at}.policies[${j}]`);
          const id = p['id'];
          if (typeof id !== 'string' || id === '')
            throw new AuditInputError(`${at}.policies[${j}].id: expected an id`);
          const content = policyText(p['content'] ?? undefined, `${at}.policies[${j}].content`);
          if (content === null) throw new AuditInputError(`${at}.policies[${j}].content: expected a policy`);
          return { id, name: typeof p['name'] === 'string' ? p['name'] : id, content };
        }),
      };
    }),
  };
}

function record(json: unknown, where: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AuditInputError(`${where}: expected an object`);
  }
  return json as Record<string, unknown>;
}
