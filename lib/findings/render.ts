/**
 * Findings and policies as text: every sentence a finding carries (the audit table and JSON show it, the
 * annotation falls back on it), the fragments the annotation assembles, and policy names. One module, so
 * a policy or a consumer is named the same way wherever it appears.
 */
import type { Consumer, Finding, FindingReason, OtherLayer } from '../core/model';
import { statementLabel, type UnresolvedCondition } from '../policy';
import { parseOperator, unknownOperatorHint } from '../policy/conditions';

/** The service the execution role must trust. */
type TrustedService = 'ecs-tasks.amazonaws.com';

/**
 * `inline:deny-logs` -> `inline policy deny-logs`. The trust policy is `the trust policy` in a sentence and
 * `trust policy` in the terse annotation.
 */
export function policyText(policyName: string, style: 'sentence' | 'terse' = 'sentence'): string {
  const colon = policyName.indexOf(':');
  const kind = colon < 0 ? '' : policyName.slice(0, colon);
  const name = policyName.slice(colon + 1);
  switch (kind) {
    case 'inline':
    case 'managed':
    case 'boundary':
      return `${POLICY_KIND_TEXT[kind]} ${name}`;
    default:
      if (policyName === 'trust') return style === 'terse' ? 'trust policy' : 'the trust policy';
      return style === 'terse' ? policyName : `policy ${policyName}`;
  }
}

/** How each kind of identity policy is called. */
export const POLICY_KIND_TEXT = {
  inline: 'inline policy',
  managed: 'managed policy',
  boundary: 'permissions boundary',
} as const;

/** The reason as a sentence fragment: `denied by inline policy deny-logs statement 0`. */
export function describeReason(reason: FindingReason): string {
  switch (reason.kind) {
    case 'noAllow':
      return 'no statement allows it';
    case 'explicitDeny':
      return `denied by ${policyText(reason.policyName)} statement ${reason.statement}`;
    case 'boundary':
      return `not allowed by ${policyText(reason.policyName)}`;
    case 'conditional':
      return (
        (reason.deny
          ? 'denied under conditions the rule cannot verify, so not proven allowed: '
          : 'allowed only under conditions the rule cannot verify: ') +
        reason.conditions.join('; ') +
        unknownOperatorHints(reason.conditions)
          .map((hint) => `; ${hint}`)
          .join('')
      );
    case 'notAttached':
      return 'not attached';
    case 'noConfusedDeputyCondition':
      return 'no aws:SourceAccount or aws:SourceArn condition';
    case 'unreadable':
      return `${policyText(reason.policyName)} cannot be read: ${reason.problem}`;
    case 'unverifiable':
      return reason.problem;
    case 'layerDeny':
      return `${layerOf(reason.layer, reason.policyName)} denies it (statement ${reason.statement})`;
    case 'layerNoAllow':
      return `not allowed by ${layerOf(reason.layer, reason.policyName)} (${reason.detail})`;
    case 'layerUnreadable':
      return `${layerOf(reason.layer, reason.subject)} was not read: ${reason.problem}`;
    case 'unsupportedSourceArn':
      return (
        `statement ${reason.statement} limits aws:SourceArn to ${reason.values.join(', ')}, which ECS does not ` +
        `support; use ${reason.replacement}`
      );
  }
}

/** How each layer beyond the role is called. */
const OTHER_LAYER_TEXT: Readonly<Record<OtherLayer, string>> = {
  keyPolicy: 'key policy',
  secretPolicy: 'secret policy',
  repositoryPolicy: 'repository policy',
  registryPolicy: 'registry policy',
  bucketPolicy: 'bucket policy',
  scp: 'SCP',
  rcp: 'RCP',
};

/** `key policy`, `secret policy`, `SCP`, ... */
export function otherLayerText(layer: OtherLayer): string {
  return OTHER_LAYER_TEXT[layer];
}

/**
 * A layer and what it is attached to: `the key policy of ARN`, `the registry policy of ACCOUNT REGION`;
 * for SCPs and RCPs `name` is `p-xxxx at OU ou-xxxx` (a policy) or `OU ou-xxxx` (a level).
 */
export function layerOf(layer: OtherLayer, name: string, style: 'sentence' | 'terse' = 'sentence'): string {
  if (layer === 'scp' || layer === 'rcp') {
    return name.startsWith('p-') || !/^(root|OU|account) /.test(name)
      ? `${OTHER_LAYER_TEXT[layer]} ${name}`
      : name;
  }
  const shown = style === 'terse' ? shortArn(name) : name;
  return `${style === 'terse' ? '' : 'the '}${OTHER_LAYER_TEXT[layer]} of ${shown}`;
}

/** Why a resource policy grants nothing to the role: the KMS rule, or the cross-account rule. */
export function layerNoAllowDetail(layer: OtherLayer, accountId: string): string {
  if (layer === 'keyPolicy') return 'no statement names the role and the account root is not delegated';
  return `no statement allows the role or its account ${accountId}`;
}

/** A layer the rule did not use (LAYER_UNREADABLE). */
export function layerUnreadableMessage(
  layer: OtherLayer,
  subject: string,
  problem: string,
  actions: readonly string[],
  neededBy: readonly Consumer[],
): string {
  const what =
    layer === 'scp' || layer === 'rcp'
      ? `The SCPs and RCPs of account ${subject}`
      : `The ${layerOf(layer, subject).slice(4)}`;
  const decides = actions.length > 0 ? `, so ${actions.join(', ')} cannot be proven past it` : '';
  return `${what} could not be used (${problem})${decides}${neededByText(neededBy)}`;
}

/** The reason as the annotation's parenthesis after a missing grant: ` (denied by inline policy x)`. */
export function annotationReasonText(reason: FindingReason): string {
  switch (reason.kind) {
    case 'explicitDeny':
      return ` (denied by ${policyText(reason.policyName, 'terse')})`;
    case 'boundary':
      return ` (not allowed by ${policyText(reason.policyName, 'terse')})`;
    case 'conditional': {
      // The annotation has 256 characters: the unknown operator is named, the suggestion left to the message.
      const unknown = unknownOperators(reason.conditions).map((operator) => `; unknown operator ${operator}`);
      const how = reason.deny ? 'denied' : 'only';
      return ` (${how} under conditions on ${conditionKeys(reason.conditions)}${unknown.join('')})`;
    }
    default:
      return '';
  }
}

/** `StringEquals aws:SourceVpce ["vpce-1"] (inline policy x statement 0)`. */
export function conditionText(condition: UnresolvedCondition): string {
  return `${condition.operator} ${condition.key} ${JSON.stringify(condition.values)} (${statementLabel(condition)})`;
}

/**
 * The reason of a grant that rests on unresolved conditions: an Allow's (granted only under them) or, when
 * every one is a Deny's, a Deny's (it may refuse).
 */
export function conditionalReason(unresolved: readonly UnresolvedCondition[]): FindingReason {
  const deny = unresolved.length > 0 && unresolved.every((condition) => condition.effect === 'Deny');
  return { kind: 'conditional', conditions: unresolved.map(conditionText), ...(deny && { deny }) };
}

// Pseudo-operators the engine reports for what is not a condition: a Resource with a policy variable, a
// Principal it cannot attribute.
const NOT_OPERATORS: ReadonlySet<string> = new Set([
  'Resource',
  'NotResource',
  'Principal',
  'NotPrincipal',
  '',
]);

/** The operators of `conditions` (conditionText strings) that IAM does not define, once each. */
function unknownOperators(conditions: readonly string[]): string[] {
  const operators = new Set(conditions.map((condition) => condition.split(' ')[0] ?? ''));
  return [...operators].filter(
    (operator) => !NOT_OPERATORS.has(operator) && parseOperator(operator).spec === undefined,
  );
}

/** `StringEqualz is not an IAM condition operator (did you mean StringEquals?)`, once per unknown operator. */
export function unknownOperatorHints(conditions: readonly string[]): string[] {
  return unknownOperators(conditions).map(unknownOperatorHint);
}

/** `StringEquals aws:SourceVpce [...] (...)` -> `aws:SourceVpce`, deduplicated. */
export function conditionKeys(conditions: readonly string[]): string {
  const keys = [...new Set(conditions.map((condition) => condition.split(' ')[1] ?? condition))];
  return keys.join(', ');
}

const CONSUMER_TEXT: Readonly<Record<Consumer['kind'], readonly [one: string, many: string]>> = {
  'batch-job-definition': ['job definition', 'job definitions'],
  'ecs-task-definition': ['task definition', 'task definitions'],
  'rule-parameter': ['rule parameter', 'rule parameters'],
  base: ['', ''],
};

/** A finding's ` (needed by job definition etl:3, rule parameter SecretArns)`; empty for the baseline. */
export function neededByText(consumers: readonly Consumer[]): string {
  const named = consumers.filter((consumer) => consumer.kind !== 'base');
  if (named.length === 0) return '';
  return ` (needed by ${named.map((consumer) => `${CONSUMER_TEXT[consumer.kind][0]} ${consumer.name}`).join(', ')})`;
}

/** The annotation's ` for job definition etl:3`, ` for job definitions etl:3, etl:4 and 2 more`; empty for the baseline. */
export function consumersText(consumers: readonly Consumer[]): string {
  const parts: string[] = [];
  for (const kind of ['batch-job-definition', 'ecs-task-definition', 'rule-parameter'] as const) {
    const names = consumers.filter((consumer) => consumer.kind === kind).map((consumer) => consumer.name);
    if (names.length === 0) continue;
    const [one, many] = CONSUMER_TEXT[kind];
    const listed =
      names.length > 2 ? `${names.slice(0, 2).join(', ')} and ${names.length - 2} more` : names.join(', ');
    parts.push(`${names.length === 1 ? one : many} ${listed}`);
  }
  return parts.length === 0 ? '' : ` for ${parts.join(', ')}`;
}

/** `logs:CreateLogStream, PutLogEvents`: the service prefix once per run of actions of one service. */
export function actionList(actions: readonly string[]): string {
  let previousService = '';
  return actions
    .map((action) => {
      const colon = action.indexOf(':');
      const service = action.slice(0, colon);
      const shown = service === previousService ? action.slice(colon + 1) : action;
      previousService = service;
      return shown;
    })
    .join(', ');
}

/**
 * `arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db-AbCdEf` -> `...:secret:prod/db-AbCdEf`;
 * a log stream pattern is shown as its log group. Anything that is not an ARN is kept.
 */
export function shortArn(arn: string): string {
  if (!arn.startsWith('arn:')) return arn;
  const parts = arn.split(':');
  if (parts.length < 6) return arn;
  const resource = parts.slice(5).join(':');
  return `...:${resource.endsWith(':log-stream:*') ? resource.slice(0, -':log-stream:*'.length) : resource}`;
}

/** The annotation's sentence for a finding a layer beyond the role refused or left unread. */
export function layerAnnotationText(finding: Finding): string | undefined {
  const { reason } = finding;
  const consumers = consumersText(finding.neededBy);
  const subject = `${finding.action ?? ''}${finding.resource && finding.resource !== '*' ? ` on ${shortArn(finding.resource)}` : ''}`;
  switch (reason.kind) {
    case 'layerDeny': {
      const layer = layerOf(reason.layer, reason.policyName, 'terse');
      return `${capitalise(layer)} denies ${subject} (statement ${reason.statement})${consumers}`;
    }
    case 'layerNoAllow': {
      const layer =
        reason.layer === 'scp' || reason.layer === 'rcp' ? '' : ` by its ${OTHER_LAYER_TEXT[reason.layer]}`;
      const detail = reason.layer === 'scp' || reason.layer === 'rcp' ? reason.detail : reason.detail;
      return `${subject} not allowed${layer} (${detail})${consumers}`;
    }
    case 'layerUnreadable': {
      if (reason.layer === 'scp' || reason.layer === 'rcp') {
        return `Organization policies not read (${reason.cause})${consumers}`;
      }
      return `${capitalise(layerOf(reason.layer, reason.subject, 'terse'))} not read (${reason.cause})${consumers}`;
    }
    default:
      return undefined;
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// The sentences of the findings (Finding.message), one per way a requirement can fail.

/** An identity policy or the boundary that does not parse (POLICY_UNREADABLE). */
export function unreadablePolicyMessage(
  kind: keyof typeof POLICY_KIND_TEXT,
  name: string,
  problem: string,
): string {
  return `The ${POLICY_KIND_TEXT[kind]} ${name} cannot be read (${problem}), so no grant can be proven`;
}

/** A trust policy that does not parse (TRUST_ECS_TASKS). */
export function unreadableTrustMessage(problem: string): string {
  return `The trust policy cannot be read (${problem}), so ecs-tasks.amazonaws.com cannot be shown to assume the role`;
}

/** The trust policy does not let the service assume the role, for `reason` (TRUST_ECS_TASKS). */
export function untrustedMessage(service: TrustedService, reason: FindingReason): string {
  const subject = `The trust policy does not let ${service} assume the role`;
  if (reason.kind === 'conditional') return `${subject} unconditionally: ${describeReason(reason)}`;
  if (reason.kind === 'noAllow') return `${subject}: no statement allows sts:AssumeRole for it`;
  return `${subject}: ${describeReason(reason)}`;
}

/** A trust statement whose aws:SourceArn names one cluster, which ECS does not support (TRUST_SOURCE_ARN). */
export function unsupportedSourceArnMessage(service: TrustedService, reason: FindingReason): string {
  return `The trust policy's condition for ${service} cannot work: ${describeReason(reason)}`;
}

/** Trusted without aws:SourceAccount or aws:SourceArn (TRUST_CONFUSED_DEPUTY). */
export function confusedDeputyMessage(service: TrustedService): string {
  return `The trust policy lets ${service} assume the role without aws:SourceAccount or aws:SourceArn`;
}

/** The AWS managed policy is not attached (MANAGED_POLICY_ATTACHED). */
export function notAttachedMessage(policyName: string): string {
  return `The AWS managed policy ${policyName} is not attached`;
}

/** An action the role lacks on a resource, and why. */
export function notGrantedMessage(
  action: string,
  resource: string,
  reason: FindingReason,
  neededBy: readonly Consumer[],
): string {
  const subject = resource === '*' ? action : `${action} on ${resource}`;
  if (reason.kind === 'layerNoAllow' && reason.layer !== 'scp' && reason.layer !== 'rcp') {
    return `${subject} is not allowed by its ${OTHER_LAYER_TEXT[reason.layer]} (${reason.detail})${neededByText(neededBy)}`;
  }
  if (reason.kind === 'layerNoAllow')
    return `${subject} is not granted: ${reason.detail}${neededByText(neededBy)}`;
  return notGrantedGroupMessage([{ action, resource }], reason, neededBy);
}

/**
 * Actions the role lacks for one reason and the same consumers, said once:
 * `logs:CreateLogStream, PutLogEvents on ARN; ecr:GetAuthorizationToken are not granted: ...`.
 */
export function notGrantedGroupMessage(
  grants: readonly { readonly action: string; readonly resource: string }[],
  reason: FindingReason,
  neededBy: readonly Consumer[],
): string {
  const byResource = new Map<string, string[]>();
  for (const { action, resource } of grants)
    byResource.set(resource, [...(byResource.get(resource) ?? []), action]);
  const subject = [...byResource]
    .map(([resource, actions]) => `${actionList(actions)}${resource === '*' ? '' : ` on ${resource}`}`)
    .join('; ');
  const verb = grants.length === 1 ? 'is' : 'are';
  return `${subject} ${verb} not granted: ${describeReason(reason)}${neededByText(neededBy)}`;
}

/** A requirement that cannot be checked: `kms:Decrypt for ARN cannot be checked: ...`. */
export function unverifiableMessage(
  action: string | undefined,
  subject: string,
  problem: string,
  neededBy: readonly Consumer[],
): string {
  return `${action ? `${action} for ${subject}` : subject} ${problem}${neededByText(neededBy)}`;
}

/** The audit's POLICY_UNREADABLE sentence for a policy whose document its input file lacks. */
export function missingDocumentMessage(what: 'managed policy' | 'permissions boundary', arn: string): string {
  return (
    `The ${what} ${arn} is not in the input file, so no grant can be proven ` +
    '(save the authorization details without --filter: the output then includes attached AWS managed policies)'
  );
}

// The remediation's words for a finding it will not fix (lib/remediation/plan.ts).

/** What a finding is about, for the remediation's refusals: `ACTION on RESOURCE`, the action, or its message. */
export function findingSubject(finding: Finding): string {
  if (finding.action === undefined) return finding.message;
  return finding.resource === undefined ? finding.action : `${finding.action} on ${finding.resource}`;
}

/** The statement the owner of a refusing layer must add, as JSON the owner can paste. */
function ownerMustAdd(finding: Finding, reason: Extract<FindingReason, { kind: 'layerNoAllow' }>): string {
  if (reason.layer === 'scp' || reason.layer === 'rcp') {
    return (
      `The remediation never edits organization policies: an ${OTHER_LAYER_TEXT[reason.layer]} at ${reason.policyName} ` +
      `must allow ${finding.action ?? 'it'} (e.g. FullAWSAccess or a statement allowing it).`
    );
  }
  const statement = {
    Sid: 'AllowExecutionRole',
    Effect: 'Allow',
    Principal: { AWS: reason.principalArn },
    Action: finding.action,
    // Key and secret policies name their resource as `*`: the policy's own resource. ECR policies have no Resource.
    ...(reason.layer === 'repositoryPolicy' || reason.layer === 'registryPolicy' ? {} : { Resource: '*' }),
  };
  return (
    `The remediation never edits key, resource or organization policies: the owner of ${reason.policyName} must ` +
    `add this statement to its ${OTHER_LAYER_TEXT[reason.layer]}${reason.layer === 'keyPolicy' ? ' (or delegate to IAM with the account-root statement)' : ''}: ` +
    JSON.stringify(statement)
  );
}

/** Why a finding whose reason is not a plain absence cannot be fixed by adding something. */
export function unfixableReasonText(finding: Finding): string | undefined {
  const subject = findingSubject(finding);
  const { reason } = finding;
  switch (reason.kind) {
    case 'explicitDeny':
      return (
        `${subject} is denied by ${reason.policyName} (${reason.statement}); no added grant overrides an ` +
        'explicit Deny. Remove or narrow that Deny by hand, then run the remediation again.'
      );
    case 'boundary':
      return (
        `${subject} is not allowed by the permissions boundary ${reason.policyName}; a grant in the role ` +
        'cannot exceed its boundary. Widen the boundary by hand if that is intended.'
      );
    case 'conditional':
      return reason.deny
        ? `${subject} is denied under conditions (${reason.conditions.join('; ')}); no added grant overrides ` +
            'a Deny. Review that Deny by hand.'
        : `${subject} is granted only under conditions (${reason.conditions.join('; ')}); the remediation ` +
            'will not add an unconditional grant beside a deliberate condition. Review the condition by hand.';
    case 'unreadable':
      return (
        `policy ${reason.policyName} cannot be read (${reason.problem}), so no change can be proven safe. ` +
        'Fix the document by hand.'
      );
    case 'unverifiable':
      return `${reason.subject}: ${reason.problem}; the exact grant needed is unknown.`;
    case 'layerDeny':
      return (
        `${subject}: ${layerOf(reason.layer, reason.policyName)} denies it (statement ${reason.statement}). ` +
        'The remediation never edits key, resource or organization policies: its owner must remove or narrow ' +
        'that statement.'
      );
    case 'layerNoAllow':
      return `${subject}: not allowed by ${layerOf(reason.layer, reason.policyName)} (${reason.detail}). ${ownerMustAdd(finding, reason)}`;
    case 'layerUnreadable':
      // Another account's policy can never be read from here: only the report mode lets the role's side proceed.
      return reason.cause === 'OtherAccount'
        ? `${describeReason(reason)}; no change can be proven to help. No role of this account can read it: ` +
            "have its owner confirm it allows the role, then set UnreadableLayers to report so the role's own " +
            'side is judged (and granted) alone, and run the remediation again.'
        : reason.cause === 'NotCreatedYet'
          ? // The first pull creates it, with the role's grants; a repository made now has its policy read.
            `${describeReason(reason)}; no change can be proven to help. Create the repository (its policy is ` +
            "then read), or set UnreadableLayers to report so the role's own side is judged (and granted) " +
            'alone and the first pull creates it; then run the remediation again.'
          : reason.cause === 'NotFound'
            ? // Read access would not help: the task cannot use what does not exist either.
              `${describeReason(reason)}; no change can be proven to help. Create the resource or correct the ` +
              'reference to it, and run the remediation again.'
            : `${describeReason(reason)}; no change can be proven to help. Give the rule's role read access (or ` +
              'the offline audit the layer file) and run the remediation again.';
    case 'unsupportedSourceArn':
      // Rewriting a deliberate restriction is the owner's call; adding a statement would widen trust.
      return (
        `the trust policy's statement ${reason.statement} limits aws:SourceArn to ` +
        `${reason.values.join(', ')}, which ECS does not support, and the remediation never edits or widens ` +
        `trust. Replace those values with "${reason.replacement}" (with aws:SourceAccount if wanted) by hand.`
      );
    default:
      return undefined;
  }
}
