/**
 * Test support for the deployment templates: read them with cfn-lint's own YAML decoder and SAM translator
 * (through transform.py), and pull out the IAM statements they grant.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** The repository root. */
export const ROOT = join(__dirname, '..', '..');
/** The SAM template and the plain CloudFormation StackSet template. */
export const SAM_TEMPLATE = join(ROOT, 'template.yaml');
export const STACKSET_TEMPLATE = join(ROOT, 'templates', 'stackset.yaml');
const SCRIPT = join(__dirname, 'transform.py');

/** A JSON object as decoded from a template. */
export type JsonObject = { [key: string]: unknown };
/** One resource of a template. */
export interface Resource {
  readonly Type: string;
  readonly Properties?: JsonObject;
  readonly Condition?: string;
  readonly DependsOn?: string | string[];
  readonly Metadata?: JsonObject;
}
/** The parts of a template the tests read. */
export interface Template {
  readonly Transform?: string;
  readonly Parameters: Record<string, JsonObject>;
  readonly Conditions?: JsonObject;
  readonly Globals?: { Function?: JsonObject };
  readonly Resources: Record<string, Resource>;
  readonly Outputs?: Record<string, JsonObject>;
}

function runScript(args: readonly string[]): unknown {
  const result = spawnSync('python3', [SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error) {
    throw new Error(`python3 not found (${result.error.message}): the template tests need cfn-lint's Python`);
  }
  if (result.status !== 0) {
    throw new Error(`transform.py ${args.join(' ')} failed (is cfn-lint installed?):\n${result.stderr}`);
  }
  return JSON.parse(result.stdout) as unknown;
}

/** The template as written, with `!Sub` and friends decoded to `{"Fn::Sub": ...}` objects. */
export function parseTemplate(file: string): Template {
  return runScript(['parse', file]) as Template;
}

/** The template after the AWS::Serverless transform, as CloudFormation would deploy it. */
export function transformTemplate(file: string): Template {
  return runScript(['transform', file]) as Template;
}

/** Each action's resource types per the Service Authorization Reference: `[]` = "*" only, null = unknown. */
export function resourceTypesOf(actions: readonly string[]): Record<string, string[] | null> {
  return runScript(['actions', ...actions]) as Record<string, string[] | null>;
}

/** The cfn-lint executable on PATH, or an error saying how to get it. */
export function findCfnLint(): string {
  const probe = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      process.env.CI === 'true'
        ? 'cfn-lint not found on PATH: the CI machine must provide it'
        : 'cfn-lint not found: pip install cfn-lint',
    );
  }
  return 'cfn-lint';
}

/** Runs a command and returns its exit code and combined output. */
export function run(command: string, args: readonly string[]): { status: number | null; output: string } {
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

/** An IAM statement with the resource and policy it was found in. */
export interface FoundStatement {
  readonly where: string;
  readonly statement: JsonObject;
}

/** Every statement of every identity policy in the template: IAM roles, policies, and SAM function Policies. */
export function iamStatements(template: Template): FoundStatement[] {
  const found: FoundStatement[] = [];
  const collect = (where: string, document: unknown): void => {
    const statements = (document as { Statement?: unknown } | undefined)?.Statement;
    for (const statement of asArray(statements)) {
      found.push({ where, statement: statement as JsonObject });
    }
  };
  for (const [id, resource] of Object.entries(template.Resources)) {
    const props = resource.Properties ?? {};
    switch (resource.Type) {
      case 'AWS::IAM::Role':
      case 'AWS::IAM::User':
      case 'AWS::IAM::Group':
        for (const policy of asArray(props.Policies)) {
          const { PolicyName, PolicyDocument } = policy as JsonObject;
          collect(`${id}/${String(PolicyName)}`, PolicyDocument);
        }
        break;
      case 'AWS::IAM::Policy':
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::IAM::RolePolicy':
        collect(id, props.PolicyDocument);
        break;
      case 'AWS::Serverless::Function':
        for (const policy of asArray(props.Policies)) {
          if (typeof policy === 'object' && policy !== null && 'Statement' in policy) collect(id, policy);
        }
        break;
    }
  }
  return found;
}

/** `x` as an array: itself, `[x]`, or `[]` when undefined. */
export function asArray(x: unknown): unknown[] {
  if (x === undefined) return [];
  return Array.isArray(x) ? x : [x];
}

/** The statement's actions as strings (an intrinsic in Action is reported as its JSON). */
export function actionsOf(statement: JsonObject): string[] {
  return asArray(statement.Action).map((a) => (typeof a === 'string' ? a : JSON.stringify(a)));
}

/** True for List/Get/Describe actions, which only read. */
export function isReadAction(action: string): boolean {
  return /^[a-z0-9-]+:(Get|List|Describe)[A-Za-z0-9]*$/.test(action);
}

/** Runs a shell command and returns stdout; throws with stderr on failure. */
export function sh(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): string {
  return execFileSync(command, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
}

/** What `Ref: AWS::NoValue` (and an `Fn::If` choosing it) resolves to: the property or list item goes away. */
export const NO_VALUE = Symbol('AWS::NoValue');

/**
 * Resolves the intrinsic functions these templates use (`Ref` to parameters, `Fn::If`, `Fn::Sub` with
 * `${Parameter}`, `Fn::Join`, `Fn::Not`, `Fn::Equals`, `Condition`) with the given parameter values, as
 * CloudFormation would; throws on anything else, so a test never reads an unresolved value.
 */
export function resolveIntrinsics(
  template: Template,
  value: unknown,
  parameters: Record<string, string>,
): unknown {
  const parameter = (name: string): string => {
    const given = parameters[name];
    if (given === undefined) throw new Error(`no value for parameter ${name}`);
    return given;
  };
  const condition = (name: string): boolean => {
    const definition = template.Conditions?.[name];
    if (definition === undefined) throw new Error(`no condition ${name}`);
    return resolve(definition) === true;
  };
  const resolve = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(resolve).filter((item) => item !== NO_VALUE);
    if (typeof node !== 'object' || node === null) return node;
    const entries = Object.entries(node as JsonObject);
    const [key, argument] = entries[0] ?? [];
    if (
      entries.length === 1 &&
      key !== undefined &&
      (key === 'Ref' || key.startsWith('Fn::') || key === 'Condition')
    ) {
      const args = argument as unknown[];
      switch (key) {
        case 'Ref':
          return argument === 'AWS::NoValue' ? NO_VALUE : parameter(String(argument));
        case 'Condition':
          return condition(String(argument));
        case 'Fn::If':
          return resolve(condition(String(args[0])) ? args[1] : args[2]);
        case 'Fn::Not':
          return !(resolve(args[0]) as boolean);
        case 'Fn::Equals':
          return resolve(args[0]) === resolve(args[1]);
        case 'Fn::Join':
          return (resolve(args[1]) as unknown[]).map(String).join(String(args[0]));
        case 'Fn::Sub':
          if (typeof argument !== 'string')
            throw new Error('Fn::Sub with a variable map is not resolved here');
          return argument.replace(/\$\{([\w:]+)\}/g, (_, name: string) => parameter(name));
        default:
          throw new Error(`${key} is not resolved here`);
      }
    }
    return Object.fromEntries(
      entries.map(([name, item]) => [name, resolve(item)] as const).filter(([, item]) => item !== NO_VALUE),
    );
  };
  return resolve(value);
}
