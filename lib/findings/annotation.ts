/**
 * Findings -> the Config annotation: at most 256 characters, most important first, saying what is
 * missing and for which job definition. Whole items are dropped rather than cut, and the count of
 * findings left out is appended.
 */
import type { Consumer, Finding, FindingReason } from '../core/model';

/** PutEvaluations: Annotation is 1 to 256 characters. */
export const MAX_ANNOTATION_LENGTH = 256;

/** Lower comes first: what breaks every job before what breaks some, hardening last. */
function priority(finding: Finding): number {
  if (finding.id === 'TRUST_ECS_TASKS') return 0;
  if (finding.id === 'TRUST_CONFUSED_DEPUTY') return 1;
  if (finding.id === 'POLICY_UNREADABLE') return 2;
  if (finding.reason.kind === 'explicitDeny') return 3;
  if (finding.id === 'EXEC_PERMISSIONS') return 4;
  if (finding.id === 'KMS_DECRYPT') return 6;
  if (finding.id === 'MANAGED_POLICY_ATTACHED') return 7;
  return 5;
}

/** One piece of the annotation: a missing grant (`Missing ...` run) or a sentence of its own. */
interface Item {
  readonly missing: boolean;
  text: string;
  /** Findings it stands for, for `(+N more)`. */
  findings: number;
}

/** The annotation for a role's findings; empty when there are none. `maxLength` is for the CLI and tests. */
export function buildAnnotation(findings: readonly Finding[], maxLength = MAX_ANNOTATION_LENGTH): string {
  if (findings.length === 0) return '';
  const sorted = findings
    .map((finding, index) => ({ finding, index }))
    .sort((a, b) => priority(a.finding) - priority(b.finding) || a.index - b.index)
    .map(({ finding }) => finding);
  const items = toItems(sorted);

  const full = render(items, items.length);
  if (full.length <= maxLength) return full;

  const total = items.reduce((sum, item) => sum + item.findings, 0);
  for (let shown = items.length - 1; shown > 0; shown--) {
    const left = total - items.slice(0, shown).reduce((sum, item) => sum + item.findings, 0);
    const text = `${render(items, shown)} (+${left} more)`;
    if (text.length <= maxLength) return text;
  }
  // Even the first item is too long: cut it at a word boundary.
  const first = items[0] as Item;
  const suffix = `... (+${total - first.findings} more)`;
  const head = render([first], 1);
  const room = maxLength - suffix.length;
  const space = head.lastIndexOf(' ', room);
  return space > 0
    ? `${head.slice(0, space).replace(/[,;.:]+$/, '')}${suffix}`
    : `Requirements not met (+${total} more)`;
}

function render(items: readonly Item[], count: number): string {
  let out = '';
  let previous: Item | undefined;
  for (const item of items.slice(0, count)) {
    if (previous === undefined) out = item.missing ? `Missing ${item.text}` : item.text;
    else if (item.missing && previous.missing) out += `; ${item.text}`;
    else out += `. ${item.missing ? `Missing ${item.text}` : item.text}`;
    previous = item;
  }
  return out;
}

function toItems(findings: readonly Finding[]): Item[] {
  const items: Item[] = [];
  // Missing grants sharing a reason and consumers become one item: `logs:CreateLogStream, PutLogEvents (...)`.
  const grants = new Map<string, { item: Item; byResource: Map<string, string[]>; tail: string }>();
  const sentences = new Map<string, Item>();
  let unreadable: { item: Item; names: string[] } | undefined;

  for (const finding of findings) {
    if (finding.action !== undefined && finding.resource !== undefined && isGrantReason(finding.reason)) {
      const tail = `${reasonText(finding.reason)}${consumersText(finding.neededBy)}`;
      let group = grants.get(tail);
      if (!group) {
        group = { item: { missing: true, text: '', findings: 0 }, byResource: new Map(), tail };
        grants.set(tail, group);
        items.push(group.item);
      }
      // The baseline's resources are "every repository / log stream": shown like `*`, as nothing.
      const baseline = finding.neededBy.length > 0 && finding.neededBy.every((c) => c.kind === 'base');
      const resource = baseline ? '*' : finding.resource;
      const actions = group.byResource.get(resource) ?? [];
      if (!actions.includes(finding.action)) actions.push(finding.action);
      group.byResource.set(resource, actions);
      group.item.findings += 1;
      continue;
    }
    if (finding.id === 'POLICY_UNREADABLE' && finding.reason.kind === 'unreadable') {
      if (!unreadable) {
        unreadable = { item: { missing: false, text: '', findings: 0 }, names: [] };
        items.push(unreadable.item);
      }
      unreadable.names.push(policyText(finding.reason.policyName));
      unreadable.item.findings += 1;
      unreadable.item.text = `Unreadable ${unreadable.names.join(', ')}`;
      continue;
    }
    const text = sentenceFor(finding);
    const existing = sentences.get(text);
    if (existing) existing.findings += 1;
    else {
      const item: Item = { missing: false, text, findings: 1 };
      sentences.set(text, item);
      items.push(item);
    }
  }

  for (const group of grants.values()) {
    group.item.text =
      [...group.byResource]
        .map(
          ([resource, actions]) =>
            `${actionList(actions)}${resource === '*' ? '' : ` on ${shortArn(resource)}`}`,
        )
        .join(', ') + group.tail;
  }
  return items;
}

function isGrantReason(reason: FindingReason): boolean {
  return (
    reason.kind === 'noAllow' ||
    reason.kind === 'explicitDeny' ||
    reason.kind === 'boundary' ||
    reason.kind === 'conditional'
  );
}

function sentenceFor(finding: Finding): string {
  const reason = finding.reason;
  switch (finding.id) {
    case 'TRUST_ECS_TASKS':
      if (reason.kind === 'explicitDeny')
        return `Trust policy denies ecs-tasks.amazonaws.com (statement ${reason.statement})`;
      if (reason.kind === 'conditional') {
        return `Trust for ecs-tasks.amazonaws.com only under conditions on ${conditionKeys(reason.conditions)}`;
      }
      if (reason.kind === 'unreadable') return 'Unreadable trust policy';
      return 'Trust policy does not allow ecs-tasks.amazonaws.com';
    case 'TRUST_CONFUSED_DEPUTY':
      return 'Trust lacks aws:SourceAccount or aws:SourceArn';
    case 'MANAGED_POLICY_ATTACHED':
      return 'AmazonECSTaskExecutionRolePolicy not attached';
    default:
      break;
  }
  const consumers = consumersText(finding.neededBy);
  if (reason.kind === 'unverifiable') {
    if (finding.action)
      return `Cannot verify ${finding.action} for ${shortArn(reason.subject)} (KMS key unknown)${consumers}`;
    return `Unusable secret reference ${reason.subject}${consumers}`;
  }
  return `${finding.message}`;
}

function reasonText(reason: FindingReason): string {
  switch (reason.kind) {
    case 'explicitDeny':
      return ` (denied by ${policyText(reason.policyName)})`;
    case 'boundary':
      return ` (not allowed by ${policyText(reason.policyName)})`;
    case 'conditional':
      return ` (only under conditions on ${conditionKeys(reason.conditions)})`;
    default:
      return '';
  }
}

/** `StringEquals aws:SourceVpce [...] (...)` -> `aws:SourceVpce`, deduplicated. */
function conditionKeys(conditions: readonly string[]): string {
  const keys = [...new Set(conditions.map((condition) => condition.split(' ')[1] ?? condition))];
  return keys.join(', ');
}

/** `inline:deny-logs` -> `inline policy deny-logs`. */
function policyText(policyName: string): string {
  const colon = policyName.indexOf(':');
  const kind = policyName.slice(0, Math.max(colon, 0));
  const name = policyName.slice(colon + 1);
  if (kind === 'inline') return `inline policy ${name}`;
  if (kind === 'managed') return `managed policy ${name}`;
  if (kind === 'boundary') return `permissions boundary ${name}`;
  return policyName === 'trust' ? 'trust policy' : policyName;
}

const CONSUMER_KIND: Readonly<Record<Consumer['kind'], [string, string]>> = {
  'batch-job-definition': ['job definition', 'job definitions'],
  'ecs-task-definition': ['task definition', 'task definitions'],
  'rule-parameter': ['rule parameter', 'rule parameters'],
  base: ['', ''],
};

/** ` for job definition etl:3`, ` for job definitions etl:3, etl:4 and 2 more`; empty for the baseline. */
function consumersText(consumers: readonly Consumer[]): string {
  const parts: string[] = [];
  for (const kind of ['batch-job-definition', 'ecs-task-definition', 'rule-parameter'] as const) {
    const names = consumers.filter((consumer) => consumer.kind === kind).map((consumer) => consumer.name);
    if (names.length === 0) continue;
    const [one, many] = CONSUMER_KIND[kind];
    const listed =
      names.length > 2 ? `${names.slice(0, 2).join(', ')} and ${names.length - 2} more` : names.join(', ');
    parts.push(`${names.length === 1 ? one : many} ${listed}`);
  }
  return parts.length === 0 ? '' : ` for ${parts.join(', ')}`;
}

/** `logs:CreateLogStream, PutLogEvents`: the service prefix once per run of actions of one service. */
function actionList(actions: readonly string[]): string {
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
