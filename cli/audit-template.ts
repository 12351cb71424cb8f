/**
 * `audit --template`: templates read into facts (lib/template), served to lib/facts/gather.ts by the saved
 * account readers (lib/facts/template-account.ts), judged by lib/rule/assess-role.ts, then every value the
 * template does not determine failed closed by name on the role it reaches.
 */
import {
  templateAccount,
  type TemplateAccount,
  type TemplateRoleOrigin,
} from '../lib/facts/template-account';
import type { Finding, RawPolicyDocument } from '../lib/core/model';
import type { LayerTarget } from '../lib/rule/layer-targets';
import type { LayerRead } from '../lib/facts/layer-ports';
import {
  layerOf,
  POLICY_KIND_TEXT,
  unreadablePolicyMessage,
  unreadableTrustMessage,
  unverifiableMessage,
} from '../lib/findings/render';
import type { RuleParameters } from '../lib/parameters';
import {
  extractTemplateFacts,
  parseTemplate,
  PLACEHOLDERS,
  TemplateParseError,
  type TemplateFacts,
} from '../lib/template';
import type { UnknownAt } from '../lib/template';
import { AuditInputError, messageOf } from './audit-input';
import type { AuditRow } from './audit-report';
import type { JudgedRole, RelatedConsumer } from './formats/judged-role';
import type { CommandIo } from './main';

/** Reads, parses and extracts each template; a broken one names its file and line (exit 2). */
export async function readTemplates(
  io: CommandIo,
  paths: readonly string[],
  environment: { readonly region?: string; readonly accountId?: string },
  awsManagedDocuments: ReadonlyMap<string, RawPolicyDocument>,
): Promise<TemplateAccount> {
  const facts: TemplateFacts[] = [];
  for (const [index, path] of paths.entries()) {
    let text: string;
    try {
      text = await io.readFile(path);
    } catch (error) {
      throw new AuditInputError(`--template ${path}: cannot read it (${messageOf(error)})`);
    }
    try {
      // The first template keeps the plain placeholder key ids; each further one gets its own.
      const keyIdSeed = index === 0 ? '' : `${index}:`;
      facts.push(extractTemplateFacts(parseTemplate(text, path), { ...environment, keyIdSeed }));
    } catch (error) {
      if (error instanceof TemplateParseError) throw new AuditInputError(`--template ${error.message}`);
      throw error;
    }
  }
  return templateAccount(facts, awsManagedDocuments);
}

const UNKNOWN_PROBLEM = 'is not determined by the template, so no grant can be proven for it';
const UNKNOWN_PLATFORM_PROBLEM =
  'is not determined by the template, so whether it runs on Fargate (and pulls the GuardDuty agent ' +
  'sidecar) cannot be known';
const PLACEHOLDER_REGION_PROBLEM =
  'is a placeholder: the GuardDuty agent repository is per region, so the sidecar pull cannot be checked ' +
  'until the template audit is given its region (--region REGION)';

function unknownsText(unknowns: readonly UnknownAt[]): string {
  return unknowns.map((unknown) => `${unknown.path}: ${unknown.reason}`).join('; ');
}

/**
 * A template role's row with its unknowns failed closed: each policy that lost its document names the
 * expressions it holds, each unknown need of a consumer becomes its requirement's finding with an
 * `unverifiable` reason, and any of them makes the role NON_COMPLIANT.
 */
export function failTemplateUnknownsClosed(
  row: AuditRow,
  origin: TemplateRoleOrigin | undefined,
  template: Pick<TemplateAccount, 'unknownSecretKeys'>,
  params: Pick<RuleParameters, 'guardDutyRuntimeMonitoring'>,
): AuditRow {
  if (origin === undefined || row.compliance === 'NOT_APPLICABLE') return row;
  const unreadable = (policyName: string, unknowns: readonly UnknownAt[], whole: boolean): Finding => {
    const problem = whole
      ? `it depends on values the template does not determine: ${unknownsText(unknowns)}`
      : `Allow statements that depend on values the template does not determine prove nothing: ${unknownsText(unknowns)}`;
    const colon = policyName.indexOf(':');
    const kind = policyName.slice(0, colon) as 'inline' | 'managed' | 'boundary';
    const what =
      policyName === 'trust'
        ? 'The trust policy'
        : `The ${POLICY_KIND_TEXT[kind]} ${policyName.slice(colon + 1)}`;
    return {
      id: policyName === 'trust' ? 'TRUST_ECS_TASKS' : 'POLICY_UNREADABLE',
      reason: { kind: 'unreadable', policyName, problem },
      neededBy: [],
      message: !whole
        ? `${what} has Allow statements that depend on values the template does not determine, so they ` +
          `prove no grant: ${unknownsText(unknowns)}`
        : policyName === 'trust'
          ? unreadableTrustMessage(problem)
          : unreadablePolicyMessage(kind, policyName.slice(colon + 1), problem),
    };
  };
  const named = new Set<string>();
  const findings: Finding[] = row.findings.map((finding) => {
    // No --region: the Fargate consumers' region is the placeholder, which no table row can match.
    if (
      finding.reason.kind === 'unverifiable' &&
      finding.id === 'GUARDDUTY_AGENT_IMAGE' &&
      finding.reason.subject === PLACEHOLDERS.region
    ) {
      const { subject } = finding.reason;
      return {
        ...finding,
        reason: { ...finding.reason, problem: PLACEHOLDER_REGION_PROBLEM },
        message: unverifiableMessage(
          undefined,
          `The region ${subject}`,
          PLACEHOLDER_REGION_PROBLEM,
          finding.neededBy,
        ),
      };
    }
    if (finding.reason.kind === 'unverifiable' && finding.id === 'KMS_DECRYPT') {
      const reason = template.unknownSecretKeys.get(finding.reason.subject);
      if (reason === undefined) return finding;
      const problem = `cannot be checked: the KmsKeyId of the secret is not determined by the template (${reason})`;
      return {
        ...finding,
        reason: { ...finding.reason, problem },
        message: unverifiableMessage(finding.action, finding.reason.subject, problem, finding.neededBy),
      };
    }
    const trust = origin.policyUnknowns.get('trust');
    // Trust refused for want of an Allow the template left unknown: say which.
    if (finding.id === 'TRUST_ECS_TASKS' && trust && finding.reason.kind === 'noAllow') {
      named.add('trust');
      return unreadable('trust', trust.unknowns, trust.whole);
    }
    if (finding.reason.kind !== 'unreadable') return finding;
    const policy = origin.policyUnknowns.get(finding.reason.policyName);
    if (policy === undefined) return finding;
    named.add(finding.reason.policyName);
    return { ...unreadable(finding.reason.policyName, policy.unknowns, policy.whole), id: finding.id };
  });
  // Policies that still parsed (only unknown Allow statements left out) get a finding of their own.
  for (const [policyName, policy] of origin.policyUnknowns) {
    if (!named.has(policyName)) findings.push(unreadable(policyName, policy.unknowns, policy.whole));
  }
  for (const unknown of origin.otherUnknowns) {
    const problem = `it depends on values the template does not determine: ${unknown.reason}`;
    findings.push({
      id: 'POLICY_UNREADABLE',
      reason: { kind: 'unreadable', policyName: unknown.path, problem },
      neededBy: [],
      message: `${unknown.path}: ${problem}, so no grant can be proven`,
    });
  }
  for (const { consumer, unknownNeeds } of origin.consumers) {
    for (const need of unknownNeeds) {
      // Without GuardDuty Runtime Monitoring, whether it runs on Fargate asks nothing of the role.
      const platform = need.id === 'GUARDDUTY_AGENT_IMAGE';
      if (platform && !params.guardDutyRuntimeMonitoring) continue;
      const subject = `${need.path} (${need.reason})`;
      const problem = platform ? UNKNOWN_PLATFORM_PROBLEM : UNKNOWN_PROBLEM;
      findings.push({
        id: need.id,
        reason: { kind: 'unverifiable', subject, problem },
        neededBy: [consumer],
        message: unverifiableMessage(undefined, subject, problem, [consumer]),
      });
    }
  }
  return {
    ...row,
    compliance: findings.length > 0 ? 'NON_COMPLIANT' : row.compliance,
    findings,
  };
}

/** A row as the SARIF and JUnit writers take it: template roles located in their file, others by ARN. */
export function toJudgedRole(row: AuditRow, origin: TemplateRoleOrigin | undefined): JudgedRole {
  const related: RelatedConsumer[] = origin
    ? origin.consumers.map(({ consumer, logicalId, location }) => ({ ...consumer, logicalId, location }))
    : uniqueConsumers(row.findings);
  return {
    roleName: row.role.roleName,
    ...(origin ? { logicalId: origin.logicalId, location: origin.location } : { arn: row.role.arn }),
    compliance: row.compliance,
    findings: row.findings.map((finding) => ({
      id: finding.id,
      message: finding.message,
      neededBy: finding.neededBy,
      ...(finding.action !== undefined && { action: finding.action }),
      ...(finding.resource !== undefined && { resource: finding.resource }),
    })),
    related,
    reason: row.reason,
  };
}

function uniqueConsumers(findings: readonly Finding[]): RelatedConsumer[] {
  const seen = new Map<string, RelatedConsumer>();
  for (const consumer of findings.flatMap((finding) => finding.neededBy)) {
    seen.set(`${consumer.kind}\u0000${consumer.name}`, { kind: consumer.kind, name: consumer.name });
  }
  return [...seen.values()];
}

/**
 * Whether the template's layer for `key` gives way to --resource-policies: a template that declares no
 * policy for a repository or secret does not know whether one was set outside CloudFormation (a repository
 * that exists before the stack, a policy put by hand), so a file entry for it is evidence the template lacks.
 * A policy the template declares is what the stack will set, and wins.
 */
function fileSpeaksFor(
  key: string,
  template: ReadonlyMap<string, LayerRead>,
  given: ReadonlyMap<string, unknown> | undefined,
): boolean {
  const read = template.get(key);
  return read?.status === 'read' && read.policy === null && given?.has(key) === true;
}

/** The layers of a template audit: the templates' own, but for those fileSpeaksFor hands to the file. */
export function templateOverFile(
  template: ReadonlyMap<string, LayerRead>,
  file: ReadonlyMap<string, LayerRead> | undefined,
): Map<string, LayerRead> {
  const merged = new Map(file ?? []);
  for (const [key, read] of template) if (!fileSpeaksFor(key, template, file)) merged.set(key, read);
  return merged;
}

/**
 * The notes under a template audit's table: which layers beyond the roles decided (those the templates
 * declare, those --resource-policies gave) and which stayed unknown offline, with what that meant.
 */
export function templateLayerNotes(
  targets: readonly LayerTarget[],
  template: Pick<TemplateAccount, 'resourcePolicies' | 'layerOrigins'>,
  given: ReadonlyMap<string, unknown>,
  file: string | undefined,
  unreadableLayers: 'fail' | 'report',
): string[] {
  const fromTemplate: string[] = [];
  const fromFile: string[] = [];
  const unknown: string[] = [];
  for (const target of targets) {
    const subject =
      target.kind === 'registryPolicy' ? `${target.ownerAccountId} ${target.region}` : target.arn;
    const origin = fileSpeaksFor(target.key, template.resourcePolicies, given)
      ? undefined
      : template.layerOrigins.get(target.key);
    if (origin !== undefined) fromTemplate.push(origin);
    else if (given.has(target.key)) fromFile.push(layerOf(target.kind, subject));
    else unknown.push(layerOf(target.kind, subject));
  }
  const out: string[] = [];
  if (fromTemplate.length > 0) {
    out.push(`Weighed beside the roles' own policies, from the template: ${fromTemplate.join('; ')}.`);
  }
  if (fromFile.length > 0 && file !== undefined) {
    out.push(`Weighed from --resource-policies ${file}: ${fromFile.join('; ')}.`);
  }
  if (unknown.length > 0) {
    const where =
      file === undefined ? 'given no --resource-policies file' : `not in --resource-policies ${file}`;
    out.push(
      `Not declared in the template and ${where}, so unknown offline: ${unknown.join('; ')}. ` +
        (unreadableLayers === 'fail'
          ? 'Each fails the roles that need it (LAYER_UNREADABLE): give it in --resource-policies FILE ' +
            "(see --help), or pass --unreadable-layers report to judge the roles' own side alone."
          : "Reported and set aside (--unreadable-layers report): those grants rest on the roles' own policies."),
    );
  }
  return out;
}
