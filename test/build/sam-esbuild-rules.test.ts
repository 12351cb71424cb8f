/**
 * How `sam build` turns a function's Metadata.BuildProperties into an esbuild command line (aws-lambda-builders'
 * nodejs_npm_esbuild workflow, the engine SAM CLI runs), and what template.yaml must say for the Handler to
 * resolve in what it builds. scripts/lambda-bundles.cjs encodes these rules; `npm run build` relies on them.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readLambdaFunctions, samEsbuildArgs, snakeCase } from '../../scripts/lambda-bundles.cjs';

const OUT = '/build/Fn';
const DEFAULTS = ['--bundle', '--platform=node', `--outdir=${OUT}`];

describe('samEsbuildArgs: BuildProperties -> the esbuild arguments sam build runs', () => {
  it.each<[string, Record<string, boolean | string | string[]>, string[]]>([
    [
      'entry points first, then what the builder always sets, then its defaults for target, format and minify',
      { EntryPoints: ['handlers/a.ts'] },
      ['handlers/a.ts', ...DEFAULTS, '--target=es2020', '--format=cjs', '--minify'],
    ],
    [
      'a string property replaces its default and becomes --kebab-key=value',
      { EntryPoints: ['a.ts'], Target: 'es2022', Format: 'esm', MainFields: 'module,main' },
      ['a.ts', ...DEFAULTS, '--minify', '--target=es2022', '--format=esm', '--main-fields=module,main'],
    ],
    [
      'true becomes a bare flag',
      { EntryPoints: ['a.ts'], Minify: true, Sourcemap: true },
      ['a.ts', ...DEFAULTS, '--target=es2020', '--format=cjs', '--minify', '--sourcemap'],
    ],
    [
      'false adds nothing, and still turns the default off',
      { EntryPoints: ['a.ts'], Minify: false, Sourcemap: false },
      ['a.ts', ...DEFAULTS, '--target=es2020', '--format=cjs'],
    ],
    [
      'a list becomes --key:item per item',
      { EntryPoints: ['a.ts'], External: ['@aws-sdk/x', '@smithy/y'], Loader: ['.png=file'] },
      [
        'a.ts',
        ...DEFAULTS,
        '--target=es2020',
        '--format=cjs',
        '--minify',
        '--external:@aws-sdk/x',
        '--external:@smithy/y',
        '--loader:.png=file',
      ],
    ],
    [
      "Bundle, Platform and Outdir are the builder's; UseNpmCi is for npm, not esbuild",
      { EntryPoints: ['a.ts'], Bundle: false, Platform: 'browser', Outdir: '/elsewhere', UseNpmCi: true },
      ['a.ts', ...DEFAULTS, '--target=es2020', '--format=cjs', '--minify'],
    ],
  ])('%s', (_case, properties, args) => {
    expect(samEsbuildArgs(properties, OUT)).toEqual(args);
  });

  it('refuses properties without entry points, as the builder does', () => {
    expect(() => samEsbuildArgs({ Minify: true }, OUT)).toThrow(/EntryPoints/);
  });

  it.each([
    ['EntryPoints', 'entry_points'],
    ['MainFields', 'main_fields'],
    ['Minify', 'minify'],
    ['UseNpmCi', 'use_npm_ci'],
  ])('SAM CLI normalises %s to %s', (pascal, snake) => {
    expect(snakeCase(pascal)).toBe(snake);
  });
});

describe('readLambdaFunctions: what the template must say for Lambda to find the handler sam build made', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lambda-bundles-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function templateWith(functionYaml: string, globalsYaml = ''): string {
    const file = join(dir, 'template.yaml');
    writeFileSync(
      file,
      `Transform: AWS::Serverless-2016-10-31\n${globalsYaml}Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n${functionYaml}`,
    );
    return file;
  }
  const esbuild = (entry: string): string =>
    `    Metadata:\n      BuildMethod: esbuild\n      BuildProperties:\n        EntryPoints: [${entry}]\n`;

  it('reads the module, Handler and properties of an esbuild function', () => {
    const file = templateWith(
      `${esbuild('src/app.ts')}    Properties:\n      CodeUri: .\n      Handler: app.main\n`,
    );
    expect(readLambdaFunctions(file)).toEqual([
      {
        logicalId: 'Fn',
        handler: 'app.main',
        codeUri: '.',
        module: 'app',
        entryPoints: ['src/app.ts'],
        buildProperties: { EntryPoints: ['src/app.ts'] },
      },
    ]);
  });

  it('takes Handler and CodeUri from Globals when the function has none', () => {
    const file = templateWith(
      esbuild('src/app.ts'),
      'Globals:\n  Function:\n    Handler: app.handler\n    CodeUri: .\n',
    );
    expect(readLambdaFunctions(file)[0]).toEqual(
      expect.objectContaining({ handler: 'app.handler', module: 'app' }),
    );
  });

  it.each<[string, string, RegExp]>([
    [
      'a Handler naming another module than the entry point becomes (the index.handler bug)',
      `${esbuild('handlers/evaluate.ts')}    Properties:\n      CodeUri: .\n      Handler: index.handler\n`,
      /Handler index\.handler must be evaluate\.<export>: sam build writes evaluate\.js/,
    ],
    [
      'a Handler with a folder (sam build writes the bundle at the artifact root)',
      `${esbuild('handlers/evaluate.ts')}    Properties:\n      CodeUri: .\n      Handler: handlers/evaluate.handler\n`,
      /must be evaluate\.<export>/,
    ],
    [
      'two entry points (two modules, one Handler)',
      `${esbuild('a.ts, b.ts')}    Properties:\n      CodeUri: .\n      Handler: a.handler\n`,
      /exactly one file/,
    ],
    [
      'an intrinsic where the build needs a literal',
      `${esbuild('a.ts')}    Properties:\n      CodeUri: .\n      Handler: !Sub '\${Name}.handler'\n`,
      /Properties\.Handler must be literal for the build, not !Sub/,
    ],
    [
      'a property of a shape the builder cannot pass to esbuild',
      `    Metadata:\n      BuildMethod: esbuild\n      BuildProperties:\n        EntryPoints: [a.ts]\n        Define: { X: '1' }\n    Properties:\n      CodeUri: .\n      Handler: a.handler\n`,
      /BuildProperties\.Define must be a boolean, a string or a list of strings/,
    ],
  ])('refuses %s', (_case, functionYaml, message) => {
    expect(() => readLambdaFunctions(templateWith(functionYaml))).toThrow(message);
  });

  it('leaves out functions built another way', () => {
    const file = templateWith(
      `    Metadata:\n      BuildMethod: makefile\n    Properties:\n      CodeUri: .\n      Handler: index.handler\n`,
    );
    expect(readLambdaFunctions(file)).toEqual([]);
  });
});
