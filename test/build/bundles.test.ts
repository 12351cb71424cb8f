import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readLambdaFunctions } from '../../scripts/lambda-bundles.cjs';

const ROOT = join(__dirname, '..', '..');
const functions = readLambdaFunctions(join(ROOT, 'template.yaml'));

/** Loads `Handler` from `dir` in a fresh process, as Lambda resolves it, and returns the export's type. */
function handlerType(dir: string, handler: string): string {
  const [file, name] = handler.split('.');
  const script = `process.stdout.write(typeof require(${JSON.stringify(join(dir, `${file}.js`))})[${JSON.stringify(name)}])`;
  const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { PATH: '' } });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout;
}

// `npm test` builds first (pretest). dist/<module>/ holds what sam build puts in .aws-sam/build/<LogicalId>/.
describe('npm run build', () => {
  it('builds every esbuild function of template.yaml', () => {
    expect(functions.map((fn) => [fn.logicalId, fn.handler])).toEqual([
      ['EvaluatorFunction', 'evaluate.handler'],
      ['RemediationFunction', 'remediate.handler'],
    ]);
  });

  it.each(functions.map((fn) => [fn.logicalId, fn] as const))(
    '%s: dist/ holds the module its Handler names (and its source map), exporting a function',
    (_id, fn) => {
      const dir = join(ROOT, 'dist', fn.module);
      expect(readdirSync(dir).sort()).toEqual([`${fn.module}.js`, `${fn.module}.js.map`]);
      expect(handlerType(dir, fn.handler)).toBe('function');
    },
  );

  it('dist/cli/index.js exists and is executable', () => {
    const file = join(ROOT, 'dist', 'cli', 'index.js');
    expect(existsSync(file)).toBe(true);
    expect(() => accessSync(file, constants.X_OK)).not.toThrow();
  });
});
