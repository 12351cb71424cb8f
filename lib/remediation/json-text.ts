/**
 * Edits a policy's JSON text without re-serialising it, so every byte a human wrote (spacing, key order,
 * escapes, number spelling) survives a remediation and the diff shows only what was added.
 */
import { ExecutionRoleCheckError } from '../core/errors';

/** Where a value sits in the text: `text.slice(start, end)` is exactly the value. */
interface Span {
  readonly start: number;
  readonly end: number;
}

/** Why a text cannot be edited in place (the caller turns it into a refusal). */
export class JsonTextError extends ExecutionRoleCheckError {
  override readonly name = 'JsonTextError';
  readonly code = 'JSON_TEXT';
  constructor(problem: string, options?: { cause?: unknown }) {
    super(problem, problem, options);
  }
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);

function skipWhitespace(text: string, from: number): number {
  let index = from;
  while (index < text.length && WHITESPACE.has(text[index] ?? '')) index += 1;
  return index;
}

/** End (exclusive) of the string token starting at `from` (which holds the opening quote). */
function skipString(text: string, from: number): number {
  let index = from + 1;
  while (index < text.length) {
    const char = text[index];
    if (char === '\\') index += 2;
    else if (char === '"') return index + 1;
    else index += 1;
  }
  throw new JsonTextError('unterminated string');
}

/** End (exclusive) of the JSON value starting at `from`. The text is known to be valid JSON. */
function skipValue(text: string, from: number): number {
  const first = text[from];
  if (first === '"') return skipString(text, from);
  if (first === '{' || first === '[') {
    let depth = 0;
    let index = from;
    while (index < text.length) {
      const char = text[index];
      if (char === '"') {
        index = skipString(text, index);
        continue;
      }
      if (char === '{' || char === '[') depth += 1;
      else if (char === '}' || char === ']') {
        depth -= 1;
        if (depth === 0) return index + 1;
      }
      index += 1;
    }
    throw new JsonTextError('unbalanced brackets');
  }
  // Numbers, true, false, null: run to the next delimiter.
  let index = from;
  while (index < text.length && !/[\s,\]}]/.test(text[index] ?? '')) index += 1;
  return index;
}

/** Spans of every member of the top-level object named `key` (JSON.parse would keep only the last). */
function topLevelMembers(text: string, key: string): Span[] {
  let index = skipWhitespace(text, 0);
  if (text[index] !== '{') throw new JsonTextError('the document is not a JSON object');
  index = skipWhitespace(text, index + 1);
  const spans: Span[] = [];
  while (text[index] !== '}') {
    const keyEnd = skipString(text, index);
    const name = JSON.parse(text.slice(index, keyEnd)) as string;
    index = skipWhitespace(text, keyEnd);
    index = skipWhitespace(text, index + 1); // past ':'
    const valueEnd = skipValue(text, index);
    if (name === key) spans.push({ start: index, end: valueEnd });
    index = skipWhitespace(text, valueEnd);
    if (text[index] === ',') index = skipWhitespace(text, index + 1);
  }
  return spans;
}

/** The indentation of the line holding `position`, or undefined when the text around it is on one line. */
function indentationAt(text: string, position: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', position - 1);
  if (lineStart < 0) return undefined;
  const indent = text.slice(lineStart + 1, position);
  return /^[ \t]*$/.test(indent) ? indent : undefined;
}

function serialiseAt(value: unknown, indent: string | undefined): string {
  if (indent === undefined) return JSON.stringify(value);
  const unit = indent.includes('\t') ? '\t' : '  ';
  return JSON.stringify(value, null, unit).split('\n').join(`\n${indent}`);
}

/**
 * Appends `statement` to the document's top-level `Statement` (a list, or a single object that becomes
 * `[original, statement]`), leaving every other byte of `text` as it was. Throws JsonTextError when the
 * text is not valid JSON or has no, or more than one, top-level `Statement`.
 */
export function appendStatement(text: string, statement: Readonly<Record<string, unknown>>): string {
  try {
    JSON.parse(text);
  } catch (cause) {
    throw new JsonTextError('the document is not valid JSON', { cause });
  }
  const spans = topLevelMembers(text, 'Statement');
  const [span] = spans;
  if (span === undefined) throw new JsonTextError('the document has no Statement');
  if (spans.length > 1) throw new JsonTextError('the document has more than one Statement key');

  const value = text.slice(span.start, span.end);
  if (value.startsWith('[')) {
    const inner = text.slice(span.start + 1, span.end - 1);
    const firstElement = span.start + 1 + (inner.length - inner.trimStart().length);
    if (inner.trim() === '') {
      return `${text.slice(0, span.start)}[${JSON.stringify(statement)}]${text.slice(span.end)}`;
    }
    // Insert right after the last element, before any whitespace preceding `]`.
    const lastElementEnd = span.start + 1 + inner.trimEnd().length;
    const indent = indentationAt(text, firstElement);
    const separator = indent === undefined ? ',' : `,\n${indent}`;
    return `${text.slice(0, lastElementEnd)}${separator}${serialiseAt(statement, indent)}${text.slice(lastElementEnd)}`;
  }
  if (value.startsWith('{')) {
    const indent = indentationAt(text, span.start);
    const separator = indent === undefined ? ', ' : `,\n${indent}`;
    return `${text.slice(0, span.start)}[${value}${separator}${serialiseAt(statement, indent)}]${text.slice(span.end)}`;
  }
  throw new JsonTextError('Statement is neither a list nor an object');
}

/**
 * The JSON text of a document as AWS hands it over: IAM and AWS Config URL-encode policy documents; some
 * tools pass them decoded or as objects (which have no original text, so they are serialised).
 */
export function policyText(raw: unknown): string {
  if (typeof raw !== 'string') return JSON.stringify(raw, null, 2);
  // A decoded document starts with `{`; decoding it again would corrupt a literal `%` inside.
  if (raw.trimStart().startsWith('{')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
