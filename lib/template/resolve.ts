/**
 * CloudFormation's intrinsic functions evaluated as far as the template alone determines them
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference.html).
 * Whatever depends on the deployment (imports, parameters without defaults, attributes assigned at creation)
 * becomes an `Unknown` naming the expression; circular references become unknown instead of looping.
 */
import type { ParsedTemplate } from './parse';
import {
  attributeOfResource,
  refOfResource,
  textOf,
  type Environment,
  type Resolved,
  type ResolvedObject,
} from './resources';
import { isUnknown, Unknown } from './unknown';

export type { Resolved, ResolvedObject } from './resources';

/** Where the template is judged. Without them, pseudo parameters take the placeholders below. */
export interface ResolveOptions {
  readonly region?: string;
  readonly accountId?: string;
  /** Defaults from the region (`cn-*` -> `aws-cn`, `us-gov-*` -> `aws-us-gov`), else `aws`. */
  readonly partition?: string;
  readonly stackName?: string;
  /** Parameter values, as `--parameter-overrides` gives them; they win over each parameter's Default. */
  readonly parameters?: Readonly<Record<string, string>>;
  /**
   * Mixed into placeholder key ids: templates judged together each take their own, so that keys of two
   * templates (KMS gives each its own id) never share a placeholder ARN and with it a key policy.
   */
  readonly keyIdSeed?: string;
}

/**
 * Stand-ins for pseudo parameters not given: shaped like real values (12 digits, a region name) so ARNs
 * built from them parse, yet never equal to a real account or region, so a literal grant cannot match them.
 */
export const PLACEHOLDERS = {
  accountId: '000000000000',
  region: 'xx-placeholder-1',
  stackName: 'placeholder-stack',
} as const;

/** `AWS::NoValue`: removes the property or list element it stands in. */
const NO_VALUE: unique symbol = Symbol('AWS::NoValue');
type Evaluated = Resolved | typeof NO_VALUE;

const INTRINSICS = new Set([
  'Ref',
  'Fn::Base64',
  'Fn::Cidr',
  'Fn::FindInMap',
  'Fn::GetAtt',
  'Fn::GetAZs',
  'Fn::ImportValue',
  'Fn::Join',
  'Fn::Select',
  'Fn::Split',
  'Fn::Sub',
  'Fn::Transform',
  'Fn::If',
  'Fn::Equals',
  'Fn::Not',
  'Fn::And',
  'Fn::Or',
  'Fn::Length',
  'Fn::ToJsonString',
]);

/** Evaluates intrinsic functions over one parsed template. Results are memoised per Ref/GetAtt/Condition. */
export class TemplateResolver {
  readonly env: Environment;
  readonly stackName: string;
  /** Pseudo parameters that took a placeholder because no value was given, e.g. `AWS::AccountId`. */
  readonly placeholdersUsed = new Set<string>();
  private readonly active: string[] = [];
  private readonly memo = new Map<string, Resolved | boolean>();
  private readonly parameters: Readonly<Record<string, unknown>>;
  private readonly conditions: Readonly<Record<string, unknown>>;
  private readonly mappings: Readonly<Record<string, unknown>>;

  constructor(
    readonly template: ParsedTemplate,
    private readonly options: ResolveOptions = {},
  ) {
    const region = options.region ?? PLACEHOLDERS.region;
    const partition =
      options.partition ??
      (region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws');
    this.env = {
      partition,
      region,
      accountId: options.accountId ?? PLACEHOLDERS.accountId,
      urlSuffix: partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com',
    };
    this.stackName = options.stackName ?? PLACEHOLDERS.stackName;
    this.parameters = section(template.body['Parameters']);
    this.conditions = section(template.body['Conditions']);
    this.mappings = section(template.body['Mappings']);
  }

  /** A value with every intrinsic evaluated; `AWS::NoValue` properties and elements removed. */
  resolve(value: unknown): Resolved {
    const result = this.evaluate(value);
    return result === NO_VALUE ? null : result;
  }

  /** Whether a named condition holds; unknown when it depends on something the template does not fix. */
  condition(name: string): boolean | Unknown {
    return this.guarded(`Condition ${name}`, () => {
      if (!Object.hasOwn(this.conditions, name)) {
        return new Unknown(`Condition ${name}: no such condition in Conditions`);
      }
      return this.evaluateCondition(this.conditions[name], `Condition ${name}`);
    }) as boolean | Unknown;
  }

  /** Whether a resource is created: its `Condition` attribute, when it has one. */
  isCreated(logicalId: string): boolean | Unknown {
    const condition = resourceAt(this.template, logicalId)?.['Condition'];
    if (condition === undefined) return true;
    if (typeof condition !== 'string')
      return new Unknown(`${logicalId}.Condition: expected a condition name`);
    return this.condition(condition);
  }

  /** `Ref name`: a pseudo parameter, a parameter, or a resource's documented return value. */
  ref(name: string): Resolved {
    return this.guarded(`Ref ${name}`, () => this.refUnguarded(name)) as Resolved;
  }

  /** `Fn::GetAtt logicalId.attribute`. */
  getAtt(logicalId: string, attribute: string): Resolved {
    return this.guarded(`Fn::GetAtt ${logicalId}.${attribute}`, () => {
      const context = this.resourceContext(logicalId, `Fn::GetAtt ${logicalId}.${attribute}`);
      return isUnknown(context) ? context : attributeOfResource(context, attribute);
    }) as Resolved;
  }

  private refUnguarded(name: string): Resolved {
    if (name.startsWith('AWS::')) return this.pseudo(name);
    if (Object.hasOwn(this.parameters, name)) return this.parameter(name);
    const context = this.resourceContext(name, `Ref ${name}`);
    return isUnknown(context) ? context : refOfResource(context);
  }

  private resourceContext(logicalId: string, expression: string) {
    const resource = resourceAt(this.template, logicalId);
    if (resource === undefined) {
      return new Unknown(`${expression}: no parameter or resource ${logicalId} in the template`);
    }
    const created = this.isCreated(logicalId);
    if (created !== true) {
      return new Unknown(
        created === false
          ? `${expression}: ${logicalId} is not created (its Condition is false)`
          : `${expression}: whether ${logicalId} is created is unknown (${created.reason})`,
      );
    }
    const properties = section(resource['Properties']);
    return {
      logicalId,
      type: typeof resource['Type'] === 'string' ? resource['Type'] : '(no Type)',
      env: this.env,
      keyIdSeed: this.options.keyIdSeed ?? '',
      property: (property: string): Resolved | undefined => {
        if (!Object.hasOwn(properties, property)) return undefined;
        const value = this.evaluate(properties[property]);
        return value === NO_VALUE ? undefined : value;
      },
    };
  }

  /** Pseudo parameters (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html). */
  private pseudo(name: string): Resolved {
    const placeholder = <T extends Resolved>(given: unknown, value: T): T => {
      if (given === undefined) this.placeholdersUsed.add(name);
      return value;
    };
    switch (name) {
      case 'AWS::AccountId':
        return placeholder(this.options.accountId, this.env.accountId);
      case 'AWS::Region':
        return placeholder(this.options.region, this.env.region);
      case 'AWS::Partition':
        return placeholder(this.options.partition ?? this.options.region, this.env.partition);
      case 'AWS::URLSuffix':
        return placeholder(this.options.partition ?? this.options.region, this.env.urlSuffix);
      case 'AWS::StackName':
        return placeholder(this.options.stackName, this.stackName);
      case 'AWS::StackId':
        return new Unknown('Ref AWS::StackId: CloudFormation assigns the stack id at creation');
      case 'AWS::NotificationARNs':
        return new Unknown('Ref AWS::NotificationARNs: set when the stack is deployed');
      case 'AWS::NoValue':
        // Reached only where NoValue cannot remove anything (e.g. inside Fn::Join).
        return new Unknown('Ref AWS::NoValue: used where a value is required');
      default:
        return new Unknown(`Ref ${name}: no such pseudo parameter`);
    }
  }

  /** A parameter's given value or Default; list types split on commas, as CloudFormation does. */
  private parameter(name: string): Resolved {
    const declaration = section(this.parameters[name]);
    const type = typeof declaration['Type'] === 'string' ? declaration['Type'] : 'String';
    // SSM parameter types hold a parameter *name*; CloudFormation reads its value at deploy time.
    if (type.startsWith('AWS::SSM::Parameter::Value<')) {
      return new Unknown(
        `Ref ${name}: a ${type} parameter takes its value from Parameter Store at deploy time`,
      );
    }
    const given = this.options.parameters?.[name];
    const value = given ?? declaration['Default'];
    if (value === undefined || value === null) {
      return new Unknown(`Ref ${name}: parameter ${name} has no Default and no value was given`);
    }
    const text = typeof value === 'string' ? value : String(value);
    if (type === 'CommaDelimitedList' || type.startsWith('List<')) {
      return text.split(',').map((item) => item.trim());
    }
    return text;
  }

  private guarded(key: string, compute: () => Resolved | boolean): Resolved | boolean {
    const known = this.memo.get(key);
    if (known !== undefined) return known;
    const start = this.active.indexOf(key);
    if (start >= 0) {
      // Not memoised: each member of the cycle records its own unknown when its own evaluation ends.
      return new Unknown(`circular reference: ${[...this.active.slice(start), key].join(' -> ')}`);
    }
    this.active.push(key);
    try {
      const value = compute();
      this.memo.set(key, value);
      return value;
    } finally {
      this.active.pop();
    }
  }

  private evaluate(value: unknown): Evaluated {
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
    if (isUnknown(value)) return value;
    if (Array.isArray(value)) {
      return value.map((item) => this.evaluate(item)).filter((item): item is Resolved => item !== NO_VALUE);
    }
    if (typeof value !== 'object') return new Unknown(`unexpected ${typeof value} in the template`);
    const entries = Object.entries(value as Record<string, unknown>);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined && INTRINSICS.has(first[0])) {
      return this.intrinsic(first[0], first[1]);
    }
    const result: Record<string, Resolved> = {};
    for (const [key, item] of entries) {
      const evaluated = this.evaluate(item);
      if (evaluated === NO_VALUE) continue;
      Object.defineProperty(result, key, {
        value: evaluated,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return result;
  }

  private intrinsic(name: string, argument: unknown): Evaluated {
    const show = `${name} ${brief(argument)}`;
    switch (name) {
      case 'Ref': {
        if (argument === 'AWS::NoValue') return NO_VALUE;
        const target = this.evaluate(argument);
        if (isUnknown(target)) return target;
        return typeof target === 'string' ? this.ref(target) : new Unknown(`${show}: expected a name`);
      }
      case 'Fn::GetAtt':
        return this.getAttOf(argument, show);
      case 'Fn::Sub':
        return this.sub(argument, show);
      case 'Fn::Join': {
        const [delimiter, list] = listOf(argument, 2);
        const resolvedList = this.evaluate(list);
        if (isUnknown(resolvedList)) return resolvedList;
        if (typeof delimiter !== 'string' || !Array.isArray(resolvedList)) {
          return new Unknown(`${show}: expected [delimiter, [values]]`);
        }
        const parts = (resolvedList as readonly Resolved[]).flatMap((part, index) =>
          index === 0 ? [part] : [delimiter, part],
        );
        return textOf(parts, show);
      }
      case 'Fn::Select': {
        const [index, list] = listOf(argument, 2).map((item) => this.evaluate(item));
        if (isUnknown(index)) return index;
        if (isUnknown(list)) return list;
        const position = typeof index === 'number' ? index : Number(index);
        if (!Array.isArray(list) || !Number.isInteger(position)) {
          return new Unknown(`${show}: expected [index, [values]]`);
        }
        const items = list as readonly Resolved[];
        if (position < 0 || position >= items.length) {
          return new Unknown(`${show}: index ${position} is out of range (${items.length} values)`);
        }
        return items[position] as Resolved;
      }
      case 'Fn::Split': {
        const [delimiter, source] = listOf(argument, 2).map((item) => this.evaluate(item));
        if (isUnknown(source)) return source;
        if (typeof delimiter !== 'string' || typeof source !== 'string') {
          return new Unknown(`${show}: expected [delimiter, text]`);
        }
        return source.split(delimiter);
      }
      case 'Fn::FindInMap': {
        const keys = listOf(argument, 3).map((item) => this.evaluate(item));
        const unknown = keys.find(isUnknown);
        if (unknown) return unknown;
        const [map, top, second] = keys.map(String) as [string, string, string];
        const level1 = section(this.mappings[map]);
        const level2 = section(level1[top]);
        if (!Object.hasOwn(level2, second)) {
          return new Unknown(`${show}: Mappings has no ${map}.${top}.${second}`);
        }
        return this.evaluate(level2[second]);
      }
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = listOf(argument, 3);
        if (typeof condition !== 'string') return new Unknown(`${show}: expected a condition name`);
        const holds = this.condition(condition);
        if (isUnknown(holds)) return new Unknown(`${show}: ${holds.reason}`);
        return this.evaluate(holds ? whenTrue : whenFalse);
      }
      case 'Fn::Base64': {
        const text = this.evaluate(argument);
        if (isUnknown(text)) return text;
        return typeof text === 'string'
          ? Buffer.from(text, 'utf8').toString('base64')
          : new Unknown(`${show}: expected text`);
      }
      case 'Fn::Equals':
      case 'Fn::Not':
      case 'Fn::And':
      case 'Fn::Or': {
        return this.evaluateCondition({ [name]: argument }, show);
      }
      case 'Fn::ImportValue':
        return new Unknown(`${show}: the value is exported by another stack`);
      case 'Fn::GetAZs':
        return new Unknown(`${show}: the Availability Zones depend on the account and region`);
      default:
        return new Unknown(`${show}: not evaluated offline`);
    }
  }

  /** `Fn::GetAtt`: `[logicalId, attribute]` (CDK writes this list form), or `"logicalId.attribute"`. */
  private getAttOf(argument: unknown, show: string): Resolved {
    let logicalId: unknown;
    let attribute: unknown;
    if (typeof argument === 'string') {
      const dot = argument.indexOf('.');
      [logicalId, attribute] =
        dot < 0 ? [argument, undefined] : [argument.slice(0, dot), argument.slice(dot + 1)];
    } else {
      [logicalId, attribute] = listOf(argument, 2);
      attribute = this.evaluate(attribute);
    }
    if (isUnknown(attribute)) return attribute;
    if (typeof logicalId !== 'string' || typeof attribute !== 'string') {
      return new Unknown(`${show}: expected [logicalId, attribute]`);
    }
    return this.getAtt(logicalId, attribute);
  }

  /**
   * `Fn::Sub`: `"text"` or `["text", {variables}]`. `${Name}` is a Ref, `${Resource.Attribute}` a GetAtt,
   * `${!Literal}` writes `${Literal}` (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-sub.html).
   */
  private sub(argument: unknown, show: string): Resolved {
    const [text, variables] = typeof argument === 'string' ? [argument, {}] : listOf(argument, 2);
    if (typeof text !== 'string') return new Unknown(`${show}: expected text or [text, {variables}]`);
    const given = section(variables);
    const parts: Resolved[] = [];
    let last = 0;
    for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
      parts.push(text.slice(last, match.index));
      last = match.index + match[0].length;
      const name = (match[1] as string).trim();
      if (name.startsWith('!')) {
        parts.push(`\${${name.slice(1)}}`);
        continue;
      }
      let value: Resolved;
      if (Object.hasOwn(given, name)) value = this.resolve(given[name]);
      else if (name.includes('.') && !name.startsWith('AWS::')) {
        const dot = name.indexOf('.');
        value = this.getAtt(name.slice(0, dot), name.slice(dot + 1));
      } else value = this.ref(name);
      if (isUnknown(value)) return value;
      parts.push(value);
    }
    parts.push(text.slice(last));
    return textOf(parts, show);
  }

  /** Condition functions in three-valued logic: a decided operand can settle And/Or despite an unknown one. */
  private evaluateCondition(expression: unknown, show: string): boolean | Unknown {
    if (typeof expression === 'boolean') return expression;
    const entries = typeof expression === 'object' && expression !== null ? Object.entries(expression) : [];
    const [entry] = entries;
    if (entries.length !== 1 || entry === undefined) {
      return new Unknown(`${show}: expected one condition function`);
    }
    const [name, argument] = entry;
    switch (name) {
      case 'Condition':
        return typeof argument === 'string'
          ? this.condition(argument)
          : new Unknown(`${show}: expected a name`);
      case 'Fn::Equals': {
        const [left, right] = listOf(argument, 2).map((item) => this.resolve(item)) as [Resolved, Resolved];
        if (isUnknown(left)) return left;
        if (isUnknown(right)) return right;
        // Parameters are text; `Fn::Equals [!Ref Count, 3]` compares "3" with 3 as equal, as CloudFormation does.
        return JSON.stringify(asText(left)) === JSON.stringify(asText(right));
      }
      case 'Fn::Not': {
        const [operand] = listOf(argument, 1);
        const value = this.evaluateCondition(operand, show);
        return isUnknown(value) ? value : !value;
      }
      case 'Fn::And':
      case 'Fn::Or': {
        const decisive = name === 'Fn::Or';
        const operands = Array.isArray(argument) ? argument : [];
        let unknown: Unknown | undefined;
        for (const operand of operands) {
          const value = this.evaluateCondition(operand, show);
          if (value === decisive) return decisive;
          if (isUnknown(value)) unknown ??= value;
        }
        return unknown ?? !decisive;
      }
      default:
        return new Unknown(`${show}: ${name} is not a condition function`);
    }
  }
}

function asText(value: Resolved): Resolved {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map((item: Resolved) => asText(item));
  return value;
}

function listOf(argument: unknown, length: number): unknown[] {
  const list = Array.isArray(argument) ? argument : [];
  return Array.from({ length }, (_, index) => list[index]);
}

function section(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function resourceAt(template: ParsedTemplate, logicalId: string): Record<string, unknown> | undefined {
  if (!Object.hasOwn(template.resources, logicalId)) return undefined;
  const resource = template.resources[logicalId];
  return typeof resource === 'object' && resource !== null && !Array.isArray(resource)
    ? (resource as Record<string, unknown>)
    : undefined;
}

/** The expression as written, shortened for a message. */
function brief(argument: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(argument) ?? String(argument);
  } catch {
    text = String(argument);
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

/** True when the resolved value is an object (not a list, not unknown). */
export function isResolvedObject(value: Resolved | undefined): value is ResolvedObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isUnknown(value);
}
