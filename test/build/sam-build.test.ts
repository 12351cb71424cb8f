/**
 * `sam build` without the SAM CLI: each step its esbuild workflow takes (aws-lambda-builders,
 * nodejs_npm_esbuild), on a copy of this repository, then the functions it makes loaded by their Handler and
 * run on the events/ samples against moto_server, side by side with the dist/ bundles `npm test` built.
 *
 * 1. Copy the CodeUri folder without node_modules, .git and .aws-sam.
 * 2. `npm install -q --no-audit --no-save --unsafe-perm --omit=dev` there: production dependencies only
 *    (`--offline` added here: npm ci filled npm's cache, and tests stay off the network).
 * 3. Find esbuild in that install's node_modules/.bin (or on PATH, which here holds only node).
 * 4. Run it with the arguments BuildProperties map to, --outdir the function's artifacts folder.
 *
 * With SAM_BUILD_DIR set (say `.aws-sam/build` after a real `sam build`), what the real builder made there is
 * checked and run the same way, beside the copy this suite builds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { readLambdaFunctions, samEsbuildArgs, type LambdaFunction } from '../../scripts/lambda-bundles.cjs';
import type { AwsClients } from '../../lib/aws/clients';
import { apiConfigurationItem, roleConfigurationFromIam } from '../support/configuration-items';
import { awsEnv, clientsFor, startMoto, type MotoServer } from '../support/moto';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy';
import { EXECUTION_ROLE_POLICY_ARN, seedRole } from '../support/seed';
import { distArtifact, invokeBundle, type LambdaArtifact } from '../support/bundle';
import { RULE_NAME } from '../support/fakes';

const ROOT = join(__dirname, '..', '..');
const EVENTS = join(ROOT, 'events');
const FUNCTIONS = readLambdaFunctions(join(ROOT, 'template.yaml'));
/** The builder's CopySourceAction excludes for this workflow. */
const NOT_COPIED = new Set(['node_modules', '.git', '.aws-sam']);

const REAL_BUILD = process.env['SAM_BUILD_DIR'];

let work: string;
let scratch: string;
const artifacts = new Map<string, LambdaArtifact>();

/** The builds under test: this suite's replay of the workflow, and the real one when SAM_BUILD_DIR names it. */
function buildsOf(fn: LambdaFunction): [string, LambdaArtifact][] {
  const replay = artifacts.get(fn.logicalId);
  if (replay === undefined) throw new Error(`${fn.logicalId} was not built`);
  const builds: [string, LambdaArtifact][] = [['replayed workflow', replay]];
  if (REAL_BUILD !== undefined)
    builds.push([REAL_BUILD, { dir: join(REAL_BUILD, fn.logicalId), handler: fn.handler }]);
  return builds;
}

function moduleOf(fn: LambdaFunction): 'evaluate' | 'remediate' {
  if (fn.module !== 'evaluate' && fn.module !== 'remediate')
    throw new Error(`unexpected module ${fn.module}`);
  return fn.module;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sam-build-'));
  scratch = join(work, 'scratch');
  cpSync(ROOT, scratch, { recursive: true, filter: (source) => !NOT_COPIED.has(basename(source)) });
  execFileSync(
    'npm',
    ['install', '-q', '--no-audit', '--no-save', '--unsafe-perm', '--omit=dev', '--offline'],
    { cwd: scratch, stdio: 'pipe' },
  );
  for (const fn of FUNCTIONS) {
    const dir = join(work, '.aws-sam', 'build', fn.logicalId);
    mkdirSync(dir, { recursive: true });
    const esbuild = join(scratch, 'node_modules', '.bin', 'esbuild');
    const result = spawnSync(esbuild, samEsbuildArgs(fn.buildProperties, dir), {
      cwd: join(scratch, fn.codeUri),
      encoding: 'utf8',
      env: { PATH: dirname(process.execPath) },
    });
    if (result.error || result.status !== 0) {
      throw new Error(`esbuild for ${fn.logicalId}: ${result.error?.message ?? result.stderr}`);
    }
    artifacts.set(fn.logicalId, { dir, handler: fn.handler });
  }
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('sam build on a fresh copy, as its esbuild workflow runs', () => {
  it('builds both functions of the template', () => {
    expect(FUNCTIONS.map((fn) => fn.logicalId)).toEqual(['EvaluatorFunction', 'RemediationFunction']);
  });

  it('finds esbuild in the production-only install (the copy has no node_modules of its own)', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies)).toContain('esbuild');
    expect(existsSync(join(scratch, 'node_modules', '.bin', 'esbuild'))).toBe(true);
    // Dev dependencies were left out, as sam build leaves them out.
    expect(existsSync(join(scratch, 'node_modules', 'jest'))).toBe(false);
  });

  it.each(FUNCTIONS.map((fn) => [fn.logicalId, fn] as const))(
    '%s: the artifact holds the module its Handler names, exporting a function',
    (_id, fn) => {
      for (const [, { dir, handler }] of buildsOf(fn)) {
        expect(readdirSync(dir).sort()).toEqual([`${fn.module}.js`, `${fn.module}.js.map`]);
        const [file, name] = handler.split('.');
        const type = execFileSync(
          process.execPath,
          [
            '-e',
            `process.stdout.write(typeof require(process.argv[1])[process.argv[2]])`,
            join(dir, `${file}.js`),
            name ?? '',
          ],
          { encoding: 'utf8', env: { PATH: '' } },
        );
        expect(type).toBe('function');
      }
    },
  );

  it.each(FUNCTIONS.map((fn) => [fn.logicalId, fn] as const))(
    '%s: the code is byte for byte what npm run build put in dist/',
    (_id, fn) => {
      const dist = readFileSync(join(ROOT, 'dist', fn.module, `${fn.module}.js`));
      for (const [build, { dir }] of buildsOf(fn)) {
        expect([build, readFileSync(join(dir, `${fn.module}.js`)).equals(dist)]).toEqual([build, true]);
      }
    },
  );
});

describe('the events/ samples through the functions sam build made and through dist/', () => {
  const SAMPLE_ROLE_ID = 'AROAEXAMPLEEXECROLE01';
  const SAMPLE_CAPTURE = new Date('2026-11-28T09:15:42.113Z');
  const RULE_PARAMETERS = JSON.stringify({ RoleNamePattern: 'ecsTaskExecutionRole' });
  const samples = readdirSync(EVENTS).filter((file) => file.endsWith('.json'));
  const evaluator = FUNCTIONS.find((fn) => fn.module === 'evaluate');
  const remediation = FUNCTIONS.find((fn) => fn.module === 'remediate');

  let moto: MotoServer;
  let proxy: RecordingProxy;
  let clients: AwsClients;

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await startRecordingProxy(moto.endpoint, { configRuleName: RULE_NAME });
    clients = clientsFor(moto.endpoint);
  });
  afterAll(async () => {
    await proxy?.stop();
    await moto?.stop();
  });

  /** The account the samples describe: ecsTaskExecutionRole, compliant unless `broken`. */
  async function sampleAccount(broken: boolean): Promise<string> {
    await moto.reset();
    proxy.clear();
    const role = await seedRole(clients.iam, {
      name: 'ecsTaskExecutionRole',
      managedPolicyArns: broken ? [] : [EXECUTION_ROLE_POLICY_ARN],
    });
    // The oversized sample's history lookup: the role under the sample's RoleId.
    const configuration = await roleConfigurationFromIam(clients.iam, role.roleName);
    proxy.setConfigurationItem(
      apiConfigurationItem({ ...configuration, roleId: SAMPLE_ROLE_ID }, { captureTime: SAMPLE_CAPTURE }),
    );
    return role.roleId;
  }

  /** One run of `sample` through `artifact` on a fresh account: what it returned and what reached Config. */
  async function run(fn: LambdaFunction, artifact: LambdaArtifact, sample: string): Promise<unknown> {
    const remediate = fn === remediation;
    const roleId = await sampleAccount(remediate);
    // A remediation sample naming the samples' RoleId gets the seeded role's, as Config passes the real one.
    const event = JSON.parse(
      readFileSync(join(EVENTS, sample), 'utf8').replace(
        `"ResourceId": "${SAMPLE_ROLE_ID}"`,
        `"ResourceId": "${roleId}"`,
      ),
    ) as unknown;
    const env = remediate ? { ...awsEnv(moto.endpoint), RULE_PARAMETERS } : awsEnv(proxy.endpoint);
    const outcome = await invokeBundle(moduleOf(fn), event, env, undefined, artifact);
    if (!outcome.ok) throw new Error(`${outcome.errorName}: ${outcome.errorMessage}\n${outcome.logs}`);
    // Moto numbers roles afresh after each reset; what varies between two runs is only that id.
    return JSON.parse(
      JSON.stringify({ result: outcome.result, put: proxy.putEvaluationsCalls }).replace(
        /AROA[A-Z0-9]{17}/g,
        'AROA?',
      ),
    );
  }

  it('has a function for every sample', () => {
    expect(evaluator).toBeDefined();
    expect(remediation).toBeDefined();
    expect(samples.length).toBeGreaterThanOrEqual(6);
  });

  it.each(samples)('%s: the sam build function does exactly what dist/ does', async (sample) => {
    // Arrange
    const fn = sample.startsWith('remediate-') ? remediation : evaluator;
    if (fn === undefined) throw new Error('template.yaml lacks a function');

    // Act
    const fromDist = await run(fn, distArtifact(moduleOf(fn)), sample);
    const fromSamBuild = [];
    for (const [build, artifact] of buildsOf(fn)) fromSamBuild.push([build, await run(fn, artifact, sample)]);

    // Assert
    for (const [build, outcome] of fromSamBuild) expect([build, outcome]).toEqual([build, fromDist]);
    // And it did something: a verdict reached Config, or a remediation report came back.
    const { result, put } = fromDist as { result: unknown; put: unknown[] };
    expect(fn === remediation ? result : put).toEqual(
      fn === remediation
        ? expect.objectContaining({ roleName: 'ecsTaskExecutionRole' })
        : [expect.objectContaining({ Evaluations: [expect.any(Object)] })],
    );
  });
});
