// The one definition of how the Lambda functions are bundled: each function's `Metadata.BuildProperties` in
// template.yaml. `sam build` reads them there; `npm run build` (scripts/build.mjs), the tests and the bench read
// them through this module and run esbuild with the very arguments `sam build` passes it, so dist/ and
// .aws-sam/build/ hold the same code. docs/deploy.md says why, and what the builder was seen to do.
'use strict';

const { readFileSync } = require('node:fs');
const { basename, extname, join } = require('node:path');
const { isNode, parseDocument, visit } = require('yaml');

/** @typedef {boolean | string | string[]} BuildPropertyValue */

/**
 * One `AWS::Serverless::Function` built with `BuildMethod: esbuild`.
 * @typedef {object} LambdaFunction
 * @property {string} logicalId the resource's logical id (`sam build` writes it to .aws-sam/build/<logicalId>/)
 * @property {string} handler its `Handler` (own or from Globals), e.g. `evaluate.handler`
 * @property {string} codeUri its `CodeUri`, the folder `sam build` copies and builds in
 * @property {Readonly<Record<string, BuildPropertyValue>>} buildProperties `Metadata.BuildProperties` as written
 * @property {string[]} entryPoints `BuildProperties.EntryPoints`
 * @property {string} module the module every build writes, named after the entry point (`evaluate`)
 */

// Lambda resolves `Handler` "file.export" to file.js in the artifact's root (Lambda developer guide, "Define
// Lambda function handler in Node.js"); the esbuild workflow names its output after the entry point's file name.
const HANDLER = /^([A-Za-z0-9_-]+)\.([A-Za-z_$][\w$]*)$/;

/**
 * Reads every esbuild-built function of a SAM template, and checks what `sam build` would otherwise only get
 * wrong at run time: one entry point per function, and a `Handler` naming the module that entry point becomes.
 * @param {string} templatePath
 * @returns {LambdaFunction[]}
 */
function readLambdaFunctions(templatePath) {
  const doc = parseDocument(readFileSync(templatePath, 'utf8'));
  if (doc.errors.length > 0) throw new Error(`${templatePath}: ${doc.errors[0].message}`);
  /** @param {(string|number)[]} path */
  const literal = (path) => {
    const node = doc.getIn(path, true);
    if (node === undefined) return undefined;
    // A short-form intrinsic (!Sub, !Ref ...) would read as its plain text here: refuse it instead.
    visit(node, (_, item) => {
      if (isNode(item) && item.tag?.startsWith('!') && !item.tag.startsWith('!!')) {
        throw new Error(`${templatePath}: ${path.join('.')} must be literal for the build, not ${item.tag}`);
      }
    });
    return isNode(node) ? node.toJSON() : node;
  };
  const template = /** @type {{ Resources?: Record<string, { Type?: string }> }} */ (doc.toJS());
  const functions = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Serverless::Function') continue;
    const at = ['Resources', logicalId];
    if (literal([...at, 'Metadata', 'BuildMethod']) !== 'esbuild') continue;
    const where = `${templatePath}: ${logicalId}`;
    const handler = literal([...at, 'Properties', 'Handler']) ?? literal(['Globals', 'Function', 'Handler']);
    const codeUri = literal([...at, 'Properties', 'CodeUri']) ?? literal(['Globals', 'Function', 'CodeUri']);
    const buildProperties = toPlain(
      literal([...at, 'Metadata', 'BuildProperties']) ?? {},
      `${where} BuildProperties`,
    );
    const entryPoints = buildProperties['EntryPoints'];
    if (!Array.isArray(entryPoints) || entryPoints.length !== 1) {
      throw new Error(
        `${where}: BuildProperties.EntryPoints must list exactly one file (one handler module)`,
      );
    }
    if (typeof handler !== 'string' || typeof codeUri !== 'string') {
      throw new Error(`${where}: Handler and CodeUri must be strings`);
    }
    const module = basename(entryPoints[0], extname(entryPoints[0]));
    const match = HANDLER.exec(handler);
    if (match === null || match[1] !== module) {
      throw new Error(
        `${where}: Handler ${handler} must be ${module}.<export>: sam build writes ${module}.js for entry point ` +
          `${entryPoints[0]}, and Lambda loads the module the Handler names`,
      );
    }
    functions.push({ logicalId, handler, codeUri, buildProperties, entryPoints, module });
  }
  const modules = functions.map((fn) => fn.module);
  if (new Set(modules).size !== modules.length)
    throw new Error(`${templatePath}: two functions build ${modules}`);
  return functions;
}

/** @returns {Record<string, BuildPropertyValue>} */
function toPlain(value, where) {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error(`${where} must be a map`);
  for (const [key, item] of Object.entries(value)) {
    const ok =
      typeof item === 'boolean' ||
      typeof item === 'string' ||
      (Array.isArray(item) && item.every((entry) => typeof entry === 'string'));
    // The builder knows only these three shapes ("Failed to determine the type of the configuration").
    if (!ok) throw new Error(`${where}.${key} must be a boolean, a string or a list of strings`);
  }
  return value;
}

// What aws-lambda-builders' esbuild workflow (nodejs_npm_esbuild, the engine `sam build` runs) does with
// BuildProperties, as its documentation and source state: SAM CLI turns PascalCase keys into snake_case; the
// builder drops `bundle`, `platform` and `outdir` (it sets them), skips `use_npm_ci` and `entry_points`, and
// turns the rest into kebab-case flags: true -> --key, false -> nothing, a string -> --key=value, a list ->
// --key:item per item. It always passes --bundle --platform=node --outdir=<artifacts>, and --target=es2020,
// --format=cjs and --minify unless the properties set them.
const SET_BY_BUILDER = new Set(['bundle', 'platform', 'outdir']);
const NOT_FOR_ESBUILD = new Set(['use_npm_ci', 'entry_points']);

/** `MainFields` -> `main_fields`, as SAM CLI normalises BuildProperties. */
function snakeCase(key) {
  return key.replace(/(?<!^)(?=[A-Z])/g, '_').toLowerCase();
}

/**
 * The esbuild command-line arguments `sam build` runs for these BuildProperties, entry points first.
 * @param {Readonly<Record<string, BuildPropertyValue>>} buildProperties
 * @param {string} outdir the artifacts folder
 * @returns {string[]}
 */
function samEsbuildArgs(buildProperties, outdir) {
  const props = Object.fromEntries(
    Object.entries(buildProperties).map(([key, value]) => [snakeCase(key), value]),
  );
  const entryPoints = props['entry_points'];
  if (!Array.isArray(entryPoints) || entryPoints.length === 0)
    throw new Error('EntryPoints must be a non-empty list');
  const args = [...entryPoints, '--bundle', '--platform=node', `--outdir=${outdir}`];
  if (!('target' in props)) args.push('--target=es2020');
  if (!('format' in props)) args.push('--format=cjs');
  if (!('minify' in props)) args.push('--minify');
  for (const [key, value] of Object.entries(props)) {
    if (SET_BY_BUILDER.has(key) || NOT_FOR_ESBUILD.has(key)) continue;
    const flag = `--${key.replace(/_/g, '-')}`;
    if (value === true) args.push(flag);
    else if (typeof value === 'string') args.push(`${flag}=${value}`);
    else if (Array.isArray(value)) args.push(...value.map((item) => `${flag}:${item}`));
  }
  return args;
}

/**
 * How to run the esbuild npm installed under `root` (`sam build` finds its own the same way): the native
 * executable npm links in node_modules/.bin, or on Windows, where that link is a .cmd script, esbuild's own
 * JavaScript launcher under Node, so no shell has to quote the arguments.
 * @param {string} root
 * @returns {{ command: string, prefix: string[] }}
 */
function esbuildCommand(root) {
  if (process.platform === 'win32') {
    return { command: process.execPath, prefix: [join(root, 'node_modules', 'esbuild', 'bin', 'esbuild')] };
  }
  return { command: join(root, 'node_modules', '.bin', 'esbuild'), prefix: [] };
}

module.exports = { readLambdaFunctions, samEsbuildArgs, esbuildCommand, snakeCase };
