/**
 * CloudFormation, SAM and `cdk synth` templates (YAML or JSON) read into plain data: short-form tags become
 * the long forms (`!Ref X` -> `{Ref: X}`, `!GetAtt A.B` -> `{"Fn::GetAtt": ["A", "B"]}`), and each resource
 * keeps the line it starts on, for SARIF locations.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { TemplateParseError } from './errors';

/** A template as data, with the 1-based line of each resource's logical id. */
export interface ParsedTemplate {
  readonly file: string;
  readonly format: 'yaml' | 'json';
  /** The whole document; `Resources` is checked to be an object. */
  readonly body: Readonly<Record<string, unknown>>;
  readonly resources: Readonly<Record<string, unknown>>;
  readonly lines: ReadonlyMap<string, number>;
}

/**
 * The short forms CloudFormation accepts in YAML, and the long form each stands for
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html).
 */
export const SHORT_FORM_TAGS = {
  '!Ref': 'Ref',
  '!Condition': 'Condition',
  '!Base64': 'Fn::Base64',
  '!Cidr': 'Fn::Cidr',
  '!FindInMap': 'Fn::FindInMap',
  '!GetAtt': 'Fn::GetAtt',
  '!GetAZs': 'Fn::GetAZs',
  '!ImportValue': 'Fn::ImportValue',
  '!Join': 'Fn::Join',
  '!Select': 'Fn::Select',
  '!Split': 'Fn::Split',
  '!Sub': 'Fn::Sub',
  '!Transform': 'Fn::Transform',
  '!And': 'Fn::And',
  '!Equals': 'Fn::Equals',
  '!If': 'Fn::If',
  '!Not': 'Fn::Not',
  '!Or': 'Fn::Or',
} as const;

type ShortFormTag = keyof typeof SHORT_FORM_TAGS;

/** Reads a template; throws TemplateParseError naming the file and line of the first problem. */
export function parseTemplate(text: string, file: string): ParsedTemplate {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (source.trim() === '') throw new TemplateParseError(file, undefined, 'the file is empty');
  const lineCounter = new LineCounter();
  const lineOf = (offset: number): number => lineCounter.linePos(offset).line;
  const format = /^\s*[{[]/.test(source) ? 'json' : 'yaml';

  let body: unknown;
  let document: Document.Parsed | undefined;
  let lines = new Map<string, number>();
  if (format === 'json') {
    body = parseJson(source, file);
    // A scan, not the YAML parser: cdk synth writes megabytes of JSON, and only the lines of ids are needed.
    lines = jsonResourceLines(source);
  } else {
    document = parseDocument(source, { lineCounter, prettyErrors: false });
    const [error] = document.errors;
    if (error !== undefined) {
      throw new TemplateParseError(
        file,
        lineOf(error.pos[0]),
        `not valid YAML (${firstLine(error.message)})`,
        { cause: error },
      );
    }
    body = toData(document.contents, document, file, lineOf, 0);
  }

  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new TemplateParseError(file, 1, 'expected a template (a mapping with Resources)');
  }
  const top = body as Record<string, unknown>;
  const resources = top['Resources'];
  if (resources === undefined || resources === null) {
    throw new TemplateParseError(file, undefined, 'no Resources section: is this a CloudFormation template?');
  }
  if (typeof resources !== 'object' || Array.isArray(resources)) {
    throw new TemplateParseError(
      file,
      document ? lineOfKey(document, ['Resources'], lineOf) : undefined,
      'Resources must be a mapping of logical ids to resources',
    );
  }

  if (document !== undefined) {
    const resourcesNode = document.get('Resources', true);
    if (isMap(resourcesNode)) {
      for (const pair of resourcesNode.items) {
        const range = isScalar(pair.key) ? pair.key.range : undefined;
        if (range) lines.set(String((pair.key as { value: unknown }).value), lineOf(range[0]));
      }
    }
  }
  return { file, format, body: top, resources: resources as Record<string, unknown>, lines };
}

/**
 * The 1-based line of each key of the top-level `Resources` object of JSON text already known to be valid:
 * one pass tracking nesting and strings (JSON strings hold no raw line breaks).
 */
function jsonResourceLines(source: string): Map<string, number> {
  const lines = new Map<string, number>();
  // Per open container: is it an object, and does it expect a key next?
  const stack: { object: boolean; expectingKey: boolean }[] = [];
  let line = 1;
  let resourcesDepth = -1;
  let nextIsResources = false;
  for (let index = 0; index < source.length; index += 1) {
    const char = source[index];
    if (char === '\n') line += 1;
    else if (char === '{' || char === '[') {
      stack.push({ object: char === '{', expectingKey: char === '{' });
      if (nextIsResources && char === '{') resourcesDepth = stack.length;
      nextIsResources = false;
    } else if (char === '}' || char === ']') {
      if (stack.length === resourcesDepth) resourcesDepth = -1;
      stack.pop();
    } else if (char === ',') {
      const top = stack[stack.length - 1];
      if (top?.object) top.expectingKey = true;
    } else if (char === '"') {
      let end = index + 1;
      while (source[end] !== '"') end += source[end] === '\\' ? 2 : 1;
      const top = stack[stack.length - 1];
      if (top?.object && top.expectingKey) {
        const key = JSON.parse(source.slice(index, end + 1)) as string;
        top.expectingKey = false;
        if (stack.length === 1 && key === 'Resources') nextIsResources = true;
        // JSON.parse keeps the last of duplicate keys: so does this.
        else if (stack.length === resourcesDepth) lines.set(key, line);
      } else if (stack.length === 1) {
        nextIsResources = false;
      }
      index = end;
    } else if (!/\s|:/.test(char ?? '') && stack.length === 1) {
      // A scalar value at the top level (`"Resources": null`) ends the wait for the Resources object.
      nextIsResources = false;
    }
  }
  return lines;
}

function parseJson(source: string, file: string): unknown {
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 names the offset ("at position 10"); a line is what an editor jumps to.
    const position = /position (\d+)/.exec(message);
    const line = position ? source.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new TemplateParseError(file, line, `not valid JSON (${message})`, { cause: error });
  }
}

// Anchors and aliases can nest: a bound keeps a hostile file from recursing without end.
const MAX_DEPTH = 200;

/** A YAML node as plain data, with CloudFormation's short forms turned into long forms. */
function toData(
  node: unknown,
  document: Document.Parsed,
  file: string,
  lineOf: (offset: number) => number,
  depth: number,
): unknown {
  if (node === null || node === undefined) return null;
  const line = (): number | undefined => {
    const range = (node as { range?: [number, number, number] }).range;
    return range ? lineOf(range[0]) : undefined;
  };
  if (depth > MAX_DEPTH) throw new TemplateParseError(file, line(), 'nested too deeply');
  if (isAlias(node)) return toData(node.resolve(document), document, file, lineOf, depth + 1);

  let value: unknown;
  if (isScalar(node)) {
    value = node.value;
  } else if (isSeq(node)) {
    value = node.items.map((item) => toData(item, document, file, lineOf, depth + 1));
  } else if (isMap(node)) {
    const object: Record<string, unknown> = {};
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = toData(pair.key, document, file, lineOf, depth + 1);
      if (typeof key === 'object' && key !== null) {
        throw new TemplateParseError(file, line(), 'a mapping key must be a scalar');
      }
      // defineProperty: a key may be `__proto__`.
      Object.defineProperty(object, String(key), {
        value: toData(pair.value, document, file, lineOf, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    value = object;
  } else {
    throw new TemplateParseError(file, line(), 'unexpected YAML node');
  }

  const tag = (node as { tag?: string }).tag;
  // `!!str`, `!!int` and friends resolve to `tag:yaml.org,2002:...`; only local `!` tags are CloudFormation's.
  if (tag === undefined || !tag.startsWith('!')) return value;
  if (!(tag in SHORT_FORM_TAGS)) {
    throw new TemplateParseError(
      file,
      line(),
      `unknown tag ${tag} (CloudFormation's short forms are ${Object.keys(SHORT_FORM_TAGS).join(' ')})`,
    );
  }
  return longForm(tag as ShortFormTag, value);
}

function longForm(tag: ShortFormTag, value: unknown): unknown {
  const name = SHORT_FORM_TAGS[tag];
  // `!GetAtt Resource.Attribute`: the attribute itself may contain dots (`Endpoint.Address`).
  if (tag === '!GetAtt' && typeof value === 'string') {
    const dot = value.indexOf('.');
    return { [name]: dot < 0 ? [value] : [value.slice(0, dot), value.slice(dot + 1)] };
  }
  return { [name]: value };
}

function lineOfKey(
  document: Document.Parsed,
  path: readonly string[],
  lineOf: (offset: number) => number,
): number | undefined {
  const parent = path.length === 1 ? document.contents : document.getIn(path.slice(0, -1), true);
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === path[path.length - 1]);
  const range = pair && isScalar(pair.key) ? pair.key.range : undefined;
  return range ? lineOf(range[0]) : undefined;
}

function firstLine(message: string): string {
  return message.split('\n')[0] as string;
}
