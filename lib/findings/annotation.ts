/**
 * Findings -> the Config annotation: at most 256 characters, most important first, saying what is
 * missing and for which job definition. Whole items are dropped rather than cut, and the count of
 * findings left out is appended.
 */
import type { Finding, FindingReason } from '../core/model';
import { annotationPriorityOf, annotationSentenceOf } from './registry';
import { actionList, annotationReasonText, consumersText, policyText, shortArn } from './render';

/** PutEvaluations: Annotation is 1 to 256 characters. */
export const MAX_ANNOTATION_LENGTH = 256;

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
    .sort((a, b) => annotationPriorityOf(a.finding) - annotationPriorityOf(b.finding) || a.index - b.index)
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
      const tail = `${annotationReasonText(finding.reason)}${consumersText(finding.neededBy)}`;
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
      unreadable.names.push(policyText(finding.reason.policyName, 'terse'));
      unreadable.item.findings += 1;
      unreadable.item.text = `Unreadable ${unreadable.names.join(', ')}`;
      continue;
    }
    const text = annotationSentenceOf(finding);
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
