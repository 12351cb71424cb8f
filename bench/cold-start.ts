/**
 * Cold start: the size of each Lambda bundle and how long a fresh Node process takes to `require` it, against
 * `node -e ""` and against the same evaluator built with the SDK left out (what a Lambda using the runtime's
 * own SDK would ship). Candidate size cuts are built as variants, measured the same way, and only proposed.
 */
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { median } from './stats';
import { readLambdaFunctions } from '../scripts/lambda-bundles.cjs';

/** The Lambda and CLI bundles `npm run build` writes. */
export const BUILT_BUNDLES = {
  evaluate: 'dist/evaluate/evaluate.js',
  remediate: 'dist/remediate/remediate.js',
  cli: 'dist/cli/index.js',
} as const;

const EVALUATOR = readLambdaFunctions('template.yaml').find((fn) => fn.module === 'evaluate');

/**
 * The evaluator's BuildProperties (template.yaml, the one definition `sam build` and `npm run build` use) as
 * esbuild API options, so variants can add plugins and metafiles; the as-built variant is compared byte for
 * byte with dist/evaluate, which catches any drift of this translation.
 */
function buildSettingsFromTemplate(): BuildOptions {
  if (EVALUATOR === undefined) throw new Error('template.yaml builds no evaluate module');
  // What sam build passes when a property is absent (scripts/lambda-bundles.cjs, samEsbuildArgs).
  const settings: BuildOptions = {
    bundle: true,
    platform: 'node',
    logLevel: 'silent',
    target: 'es2020',
    format: 'cjs',
    minify: true,
  };
  for (const [key, value] of Object.entries(EVALUATOR.buildProperties)) {
    if (key === 'EntryPoints') continue;
    else if (key === 'Minify' && typeof value === 'boolean') settings.minify = value;
    // Only adds the sourceMappingURL comment to the bundle; kept so the replica's bytes equal the real ones.
    else if (key === 'Sourcemap' && typeof value === 'boolean') settings.sourcemap = value;
    else if (key === 'Target' && typeof value === 'string') settings.target = value;
    else if (key === 'Format' && (value === 'cjs' || value === 'esm')) settings.format = value;
    else if (key === 'MainFields' && typeof value === 'string') settings.mainFields = value.split(',');
    else if (key === 'External' && Array.isArray(value)) settings.external = value;
    else throw new Error(`bench: BuildProperties.${key} is not translated to esbuild options yet`);
  }
  return settings;
}
const BUILD_SETTINGS = buildSettingsFromTemplate();

/** What Lambda puts in the environment; a profile-less process with static credentials. */
const LAMBDA_LIKE_ENV = {
  PATH: process.env['PATH'] ?? '',
  AWS_REGION: 'us-east-1',
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'testing',
  AWS_SECRET_ACCESS_KEY: 'testing',
  AWS_SESSION_TOKEN: 'testing',
  AWS_EC2_METADATA_DISABLED: 'true',
};

export interface BundleSize {
  readonly bytes: number;
  readonly gzipBytes: number;
}

export interface RequireTiming {
  /** Median time of `require(bundle)` inside a fresh process (compile, module evaluation, clients built). */
  readonly requireMs: number;
  /** Median CPU time (user + system) of the same require: steadier than wall time on a busy machine. */
  readonly requireCpuMs: number;
  /** Median wall time of the whole `node -e "require(bundle)"` process, as the parent sees it. */
  readonly processMs: number;
  readonly runs: number;
}

export interface VariantMeasure extends BundleSize {
  readonly name: string;
  readonly description: string;
  /** True when the variant behaves differently from the shipped bundle somewhere (see the description). */
  readonly changesBehaviour: boolean;
  readonly timing: RequireTiming;
}

export interface CompositionEntry {
  readonly name: string;
  readonly bytes: number;
}

export interface ColdStartMeasure {
  readonly bundles: Record<keyof typeof BUILT_BUNDLES, BundleSize & { readonly timing: RequireTiming }>;
  /** `node -e ""`: the floor every process pays. */
  readonly emptyProcessMs: number;
  readonly variants: readonly VariantMeasure[];
  /** The replica of scripts/build.mjs produced the same bytes as dist/evaluate/evaluate.js. */
  readonly replicaMatchesBuild: boolean;
  readonly replicaBytes: number;
  /** The evaluator's bytes by group, and its largest packages. */
  readonly composition: {
    readonly groups: readonly CompositionEntry[];
    readonly packages: readonly CompositionEntry[];
  };
  /** Packages reachable only through dynamic import() (the credential providers Lambda never reaches). */
  readonly lazyOnlyPackages: readonly string[];
}

function sizeOf(path: string): BundleSize {
  const content = readFileSync(path);
  return { bytes: statSync(path).size, gzipBytes: gzipSync(content, { level: 9 }).length };
}

function packageOf(input: string): string | undefined {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1];
}

/**
 * Inputs reachable from the entry point only through `import()` edges: esbuild inlines them in a CommonJS
 * bundle, but their code runs only when that dynamic import does.
 */
function lazyOnlyInputs(metafile: Metafile): Set<string> {
  const entries = Object.values(metafile.outputs).flatMap((output) =>
    output.entryPoint ? [output.entryPoint] : [],
  );
  const eager = new Set<string>();
  const stack = [...entries];
  while (stack.length > 0) {
    const input = stack.pop() as string;
    if (eager.has(input)) continue;
    eager.add(input);
    for (const edge of metafile.inputs[input]?.imports ?? []) {
      if (edge.kind !== 'dynamic-import' && !edge.external && !eager.has(edge.path)) stack.push(edge.path);
    }
  }
  return new Set(Object.keys(metafile.inputs).filter((input) => !eager.has(input)));
}

function composition(metafile: Metafile): ColdStartMeasure['composition'] & { lazyPackages: string[] } {
  const output = Object.values(metafile.outputs).find((candidate) => candidate.entryPoint !== undefined);
  if (output === undefined) throw new Error('cold start: esbuild metafile has no entry output');
  const lazy = lazyOnlyInputs(metafile);
  const groups = new Map<string, number>();
  const packages = new Map<string, number>();
  const packageInputs = new Map<string, { lazy: number; all: number }>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const pkg = packageOf(input);
    const group =
      pkg === undefined
        ? 'this project (lib, handlers)'
        : lazy.has(input)
          ? 'credential providers reached only by import() (never in Lambda)'
          : pkg.startsWith('@aws-sdk/client-')
            ? 'the six service clients (@aws-sdk/client-*)'
            : 'SDK runtime (@smithy/*, @aws-sdk/core and helpers)';
    groups.set(group, (groups.get(group) ?? 0) + bytesInOutput);
    const name = pkg ?? (input.split('/').slice(0, 2).join('/') || input);
    packages.set(name, (packages.get(name) ?? 0) + bytesInOutput);
    if (pkg !== undefined) {
      const counts = packageInputs.get(pkg) ?? { lazy: 0, all: 0 };
      counts.all += 1;
      if (lazy.has(input)) counts.lazy += 1;
      packageInputs.set(pkg, counts);
    }
  }
  const sorted = (map: Map<string, number>) =>
    [...map].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
  const lazyPackages = [...packageInputs]
    .filter(([, counts]) => counts.lazy === counts.all)
    .map(([pkg]) => pkg)
    .sort();
  return { groups: sorted(groups), packages: sorted(packages).slice(0, 12), lazyPackages };
}

async function buildVariant(
  name: string,
  options: BuildOptions,
): Promise<{ path: string; metafile: Metafile }> {
  // Named like the real bundle: the sourceMappingURL comment at its end names the file.
  const outfile = `dist/bench/variants/${name}/evaluate.js`;
  const result = await build({
    ...BUILD_SETTINGS,
    entryPoints: EVALUATOR?.entryPoints ?? [],
    outfile,
    metafile: true,
    ...options,
  });
  if (result.metafile === undefined) throw new Error(`esbuild returned no metafile for ${name}`);
  return { path: outfile, metafile: result.metafile };
}

/**
 * Replaces the SDK's default credential chain with the environment provider alone: what Lambda always
 * supplies, but it breaks profiles, SSO and instance roles for anyone running the bundle elsewhere.
 */
const envCredentialsOnly: Plugin = {
  name: 'env-credentials-only',
  setup(on) {
    on.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: 'env-credentials-only',
      namespace: 'bench',
    }));
    on.onLoad({ filter: /.*/, namespace: 'bench' }, () => ({
      contents:
        "import { fromEnv } from '@aws-sdk/credential-provider-env';\n" +
        'export const defaultProvider = (init = {}) => fromEnv(init);\n',
      resolveDir: process.cwd(),
      loader: 'js',
    }));
  },
};

function timeOnce(args: string[]): { wallMs: number; stdout: string } {
  const started = performance.now();
  const result = spawnSync(process.execPath, args, { env: LAMBDA_LIKE_ENV, encoding: 'utf8' });
  const wallMs = performance.now() - started;
  if (result.status !== 0) {
    throw new Error(`node ${args.join(' ')} failed (${result.status}): ${result.stderr.slice(-500)}`);
  }
  return { wallMs, stdout: result.stdout };
}

function requireScript(path: string): string {
  return (
    'const c = process.cpuUsage(); const t = process.hrtime.bigint();' +
    `require(${JSON.stringify(`${process.cwd()}/${path}`)});` +
    'const ms = Number(process.hrtime.bigint() - t) / 1e6; const cpu = process.cpuUsage(c);' +
    'process.stdout.write(JSON.stringify({ ms, cpuMs: (cpu.user + cpu.system) / 1000 }));'
  );
}

/** Times every subject `runs` times, interleaved so that a noisy moment hits all of them alike. */
function timeRequires(paths: readonly string[], runs: number): { empty: number; timings: RequireTiming[] } {
  const empty: number[] = [];
  const inside = paths.map(() => [] as number[]);
  const cpu = paths.map(() => [] as number[]);
  const wall = paths.map(() => [] as number[]);
  timeOnce(['-e', '']); // the first spawn pays for the page cache
  for (let run = 0; run < runs; run++) {
    empty.push(timeOnce(['-e', '']).wallMs);
    paths.forEach((path, index) => {
      const { wallMs, stdout } = timeOnce(['-e', requireScript(path)]);
      const measured = JSON.parse(stdout) as { ms: number; cpuMs: number };
      wall[index]?.push(wallMs);
      inside[index]?.push(measured.ms);
      cpu[index]?.push(measured.cpuMs);
    });
  }
  return {
    empty: median(empty),
    timings: paths.map((_, index) => ({
      requireMs: median(inside[index] ?? []),
      requireCpuMs: median(cpu[index] ?? []),
      processMs: median(wall[index] ?? []),
      runs,
    })),
  };
}

/** Builds the variants and times everything; expects `npm run build` to have written dist/. */
export async function measureColdStart(runs: number): Promise<ColdStartMeasure> {
  const asBuilt = await buildVariant('as-built', {});
  const { lazyPackages, ...evaluatorComposition } = composition(asBuilt.metafile);
  const variantSpecs: {
    name: string;
    description: string;
    changesBehaviour: boolean;
    options: BuildOptions;
  }[] = [
    {
      name: 'sdk-external',
      description: '@aws-sdk/* left out: the SDK would come from the Lambda runtime (another version)',
      changesBehaviour: true,
      options: { external: ['@aws-sdk/*'] },
    },
    {
      // The build leaves the import()-only credential providers out (External in template.yaml); this
      // variant bundles them again, to show what that setting saves.
      name: 'credentials-bundled',
      description:
        'the import()-only credential providers bundled (the build before External in template.yaml)',
      changesBehaviour: false,
      options: { external: [] },
    },
    {
      name: 'env-credentials-only',
      description: 'default credential chain replaced by fromEnv (breaks profiles, SSO, instance roles)',
      changesBehaviour: true,
      options: { plugins: [envCredentialsOnly] },
    },
  ];
  const variants = [];
  for (const spec of variantSpecs)
    variants.push({ ...spec, ...(await buildVariant(spec.name, spec.options)) });

  const builtNames = Object.keys(BUILT_BUNDLES) as (keyof typeof BUILT_BUNDLES)[];
  const paths = [
    ...builtNames.map((name) => BUILT_BUNDLES[name]),
    ...variants.map((variant) => variant.path),
  ];
  const { empty, timings } = timeRequires(paths, runs);

  const bundles = Object.fromEntries(
    builtNames.map((name, index) => [
      name,
      { ...sizeOf(BUILT_BUNDLES[name]), timing: timings[index] as RequireTiming },
    ]),
  ) as ColdStartMeasure['bundles'];
  return {
    bundles,
    emptyProcessMs: empty,
    variants: variants.map((variant, index) => ({
      name: variant.name,
      description: variant.description,
      changesBehaviour: variant.changesBehaviour,
      ...sizeOf(variant.path),
      timing: timings[builtNames.length + index] as RequireTiming,
    })),
    replicaMatchesBuild: readFileSync(asBuilt.path).equals(readFileSync(BUILT_BUNDLES.evaluate)),
    replicaBytes: sizeOf(asBuilt.path).bytes,
    composition: evaluatorComposition,
    lazyOnlyPackages: lazyPackages,
  };
}
