import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type JsonObject,
  parseTemplate,
  type Resource,
  ROOT,
  SAM_TEMPLATE,
  STACKSET_TEMPLATE,
  transformTemplate,
} from './support';

const stackset = parseTemplate(STACKSET_TEMPLATE);
const sam = parseTemplate(SAM_TEMPLATE);
const transformed = transformTemplate(SAM_TEMPLATE);
const CODE_PARAMETERS = ['CodeBucket', 'EvaluatorCodeKey', 'RemediationCodeKey'];

/** A resource without what differs by design: where the code comes from, SAM's tag, and SAM's build metadata. */
function comparable(resource: Resource): Resource {
  const { Metadata: _metadata, ...rest } = resource;
  if (rest.Type !== 'AWS::Lambda::Function') return rest;
  const { Code: _code, Tags: _tags, ...properties } = rest.Properties ?? {};
  return { ...rest, Properties: properties };
}

describe('templates/stackset.yaml', () => {
  it('has no Transform: service-managed StackSets refuse macros, AWS::Serverless included', () => {
    expect(stackset.Transform).toBeUndefined();
    expect(Object.values(stackset.Resources).map((r) => r.Type)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^AWS::Serverless::/)]),
    );
  });

  it('deploys exactly the resources of template.yaml after the SAM transform', () => {
    expect(Object.keys(stackset.Resources).sort()).toEqual(Object.keys(transformed.Resources).sort());
    for (const [id, resource] of Object.entries(transformed.Resources)) {
      expect({ id, ...comparable(stackset.Resources[id] as Resource) }).toEqual({
        id,
        ...comparable(resource),
      });
    }
  });

  it('takes the functions code from the S3 bucket and keys given as parameters', () => {
    const code = (id: string): unknown => stackset.Resources[id]?.Properties?.Code;
    expect(code('EvaluatorFunction')).toEqual({
      S3Bucket: { Ref: 'CodeBucket' },
      S3Key: { Ref: 'EvaluatorCodeKey' },
    });
    expect(code('RemediationFunction')).toEqual({
      S3Bucket: { Ref: 'CodeBucket' },
      S3Key: { Ref: 'RemediationCodeKey' },
    });
  });

  it('has the parameters, conditions and outputs of template.yaml, plus the code location', () => {
    expect(stackset.Parameters).toEqual({
      ...sam.Parameters,
      ...Object.fromEntries(CODE_PARAMETERS.map((p) => [p, stackset.Parameters[p]])),
    });
    for (const p of CODE_PARAMETERS) expect(stackset.Parameters[p]?.Default).toBeUndefined();
    expect(stackset.Conditions).toEqual(sam.Conditions);
    expect(stackset.Outputs).toEqual(sam.Outputs);
  });
});

describe('templates/deploy-stackset.sh', () => {
  interface AwsCall {
    readonly args: string[];
    readonly files: Record<string, unknown>;
  }
  let dir: string;

  // A stand-in for the AWS CLI: records each call (and the file:// documents it was given) and answers
  // like the real one would for a StackSet that does or does not exist yet.
  const FAKE_AWS = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
const files = {};
for (const a of args) if (a.startsWith('file://')) {
  const text = fs.readFileSync(a.slice(7), 'utf8');
  files[a] = a.endsWith('.json') ? JSON.parse(text) : text.length;
}
// Keep each uploaded zip (the script deletes its own copy on exit) under the key's file name.
if (args[0] === 's3' && args[1] === 'cp') fs.copyFileSync(args[2], process.env.FAKE_AWS_LOG + '.' + args[3].split('/').pop());
fs.appendFileSync(process.env.FAKE_AWS_LOG, JSON.stringify({ args, files }) + '\\n');
const op = args[1];
if (op === 'describe-stack-set') process.exit(process.env.FAKE_AWS_EXISTS === '1' ? 0 : 254);
if (op === 'describe-stack-set-operation') console.log(process.env.FAKE_AWS_STATUS || 'SUCCEEDED');
if (op === 'create-stack-instances' || op === 'update-stack-set') console.log('op-1');
`;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'deploy-stackset-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'aws'), FAKE_AWS);
    chmodSync(join(dir, 'bin', 'aws'), 0o755);
    for (const entry of ['evaluate', 'remediate']) {
      mkdirSync(join(dir, 'dist', entry), { recursive: true });
      writeFileSync(join(dir, 'dist', entry, `${entry}.js`), `exports.handler = () => '${entry}';\n`);
      writeFileSync(join(dir, 'dist', entry, `${entry}.js.map`), '{}');
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function deploy(
    args: string[],
    env: Record<string, string> = {},
  ): { status: number | null; stderr: string } {
    const result = spawnSync(
      'bash',
      [join(ROOT, 'templates', 'deploy-stackset.sh'), '--skip-build', ...args],
      {
        cwd: dir,
        encoding: 'utf8',
        env: {
          ...process.env,
          PATH: `${join(dir, 'bin')}:${process.env.PATH ?? ''}`,
          DIST_DIR: join(dir, 'dist'),
          FAKE_AWS_LOG: join(dir, 'calls.log'),
          POLL_SECONDS: '0',
          ...env,
        },
      },
    );
    return { status: result.status, stderr: result.stderr };
  }
  function calls(): AwsCall[] {
    const log = join(dir, 'calls.log');
    if (!existsSync(log)) return [];
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AwsCall);
  }
  function call(operation: string): AwsCall {
    const found = calls().find((c) => c.args[1] === operation);
    if (!found)
      throw new Error(
        `no ${operation} call among ${calls()
          .map((c) => c.args[1])
          .join(', ')}`,
      );
    return found;
  }
  function flag(c: AwsCall, name: string): string | undefined {
    const i = c.args.indexOf(name);
    return i < 0 ? undefined : c.args[i + 1];
  }
  function parametersOf(c: AwsCall): JsonObject[] {
    return c.files[flag(c, '--parameters') ?? ''] as JsonObject[];
  }
  const base = ['--bucket', 'org-artifacts', '--region', 'eu-west-1'];

  it('first run: uploads both bundles, creates a service-managed StackSet and deploys it to the OUs in one region', () => {
    // Act
    const result = deploy([
      ...base,
      '--ou-ids',
      'ou-ab12-aaaa,ou-ab12-bbbb',
      '--parameter',
      'AutomaticRemediation=false',
    ]);

    // Assert
    expect(result).toEqual({ status: 0, stderr: expect.stringContaining('succeeded') as unknown });
    expect(calls().map((c) => c.args.slice(0, 2).join(' '))).toEqual([
      's3 cp',
      's3 cp',
      'cloudformation describe-stack-set',
      'cloudformation create-stack-set',
      'cloudformation create-stack-instances',
      'cloudformation describe-stack-set-operation',
    ]);
    const uploads = calls().filter((c) => c.args[1] === 'cp');
    expect(uploads.map((c) => c.args[3])).toEqual([
      expect.stringMatching(/^s3:\/\/org-artifacts\/execution-role-check\/evaluate-[0-9a-f]{16}\.zip$/),
      expect.stringMatching(/^s3:\/\/org-artifacts\/execution-role-check\/remediate-[0-9a-f]{16}\.zip$/),
    ]);
    const create = call('create-stack-set');
    expect(flag(create, '--permission-model')).toBe('SERVICE_MANAGED');
    expect(flag(create, '--auto-deployment')).toBe('Enabled=true,RetainStacksOnAccountRemoval=false');
    expect(flag(create, '--capabilities')).toBe('CAPABILITY_IAM');
    expect(flag(create, '--template-body')).toBe(`file://${join(ROOT, 'templates', 'stackset.yaml')}`);
    expect(parametersOf(create)).toEqual([
      { ParameterKey: 'AutomaticRemediation', ParameterValue: 'false' },
      { ParameterKey: 'CodeBucket', ParameterValue: 'org-artifacts' },
      {
        ParameterKey: 'EvaluatorCodeKey',
        ParameterValue: uploads[0]?.args[3]?.replace('s3://org-artifacts/', ''),
      },
      {
        ParameterKey: 'RemediationCodeKey',
        ParameterValue: uploads[1]?.args[3]?.replace('s3://org-artifacts/', ''),
      },
    ]);
    const instances = call('create-stack-instances');
    expect(flag(instances, '--deployment-targets')).toBe('OrganizationalUnitIds=ou-ab12-aaaa,ou-ab12-bbbb');
    expect(flag(instances, '--regions')).toBe('eu-west-1');
    for (const c of calls().filter((c) => c.args[0] === 'cloudformation')) {
      expect([flag(c, '--region'), flag(c, '--call-as')]).toEqual(['eu-west-1', 'SELF']);
    }
  });

  it('uploads zips holding, at their root, the module each StackSet function Handler names', () => {
    // Act
    const result = deploy(['--bucket', 'org-artifacts', '--region', 'eu-west-1', '--ou-ids', 'ou-ab12-aaaa']);

    // Assert
    expect(result.status).toBe(0);
    const zips = calls()
      .filter((c) => c.args[1] === 'cp')
      .map((c) => join(dir, `calls.log.${c.args[3]?.split('/').pop() ?? ''}`));
    const entries = zips.map((zip) =>
      spawnSync(
        'python3',
        ['-c', 'import sys, zipfile; print(*zipfile.ZipFile(sys.argv[1]).namelist())', zip],
        {
          encoding: 'utf8',
        },
      ).stdout.trim(),
    );
    const handlers = ['EvaluatorFunction', 'RemediationFunction'].map((id) =>
      String(stackset.Resources[id]?.Properties?.Handler),
    );
    expect(handlers).toEqual(['evaluate.handler', 'remediate.handler']);
    expect(entries).toEqual(['evaluate.js evaluate.js.map', 'remediate.js remediate.js.map']);
  });

  it('later run: updates the StackSet (and so every instance), keeping parameters it was not given', () => {
    // Act
    const result = deploy([...base, '--call-as', 'DELEGATED_ADMIN', '--parameter', 'SecretArns=a,b'], {
      FAKE_AWS_EXISTS: '1',
    });

    // Assert
    expect(result.status).toBe(0);
    expect(calls().some((c) => c.args[1] === 'create-stack-instances')).toBe(false);
    const update = call('update-stack-set');
    expect(flag(update, '--call-as')).toBe('DELEGATED_ADMIN');
    const parameters = parametersOf(update);
    expect(parameters.map((p) => p.ParameterKey)).toEqual(Object.keys(stackset.Parameters));
    expect(parameters).toEqual(
      expect.arrayContaining([
        { ParameterKey: 'SecretArns', ParameterValue: 'a,b' },
        { ParameterKey: 'RoleNamePattern', UsePreviousValue: true },
        { ParameterKey: 'CodeBucket', ParameterValue: 'org-artifacts' },
      ]),
    );
  });

  it('a new build uploads under a new key, so CloudFormation updates the code', () => {
    // Arrange
    deploy([...base, '--ou-ids', 'ou-x'], { FAKE_AWS_EXISTS: '1' });
    const before = calls()
      .filter((c) => c.args[1] === 'cp')
      .map((c) => c.args[3]);
    writeFileSync(join(dir, 'dist', 'evaluate', 'evaluate.js'), 'exports.handler = () => "v2";\n');

    // Act
    deploy([...base, '--ou-ids', 'ou-x'], { FAKE_AWS_EXISTS: '1' });

    // Assert
    const after = calls()
      .filter((c) => c.args[1] === 'cp')
      .slice(2)
      .map((c) => c.args[3]);
    expect(after[0]).not.toBe(before[0]);
    expect(after[1]).toBe(before[1]);
  });

  it.each<[string, string[], Record<string, string>, string]>([
    ['no bucket', ['--region', 'eu-west-1', '--ou-ids', 'ou-x'], {}, '--bucket is required'],
    ['no region', ['--bucket', 'b', '--ou-ids', 'ou-x'], {}, '--region is required'],
    ['no OU on first creation', base, {}, '--ou-ids is required'],
    [
      'an unknown parameter',
      [...base, '--ou-ids', 'ou-x', '--parameter', 'Nope=1'],
      {},
      'unknown template parameter: Nope',
    ],
    ['a code parameter', [...base, '--parameter', 'CodeBucket=x'], {}, 'CodeBucket is set by this script'],
    ['a bad --call-as', [...base, '--call-as', 'ROOT'], {}, '--call-as must be SELF or DELEGATED_ADMIN'],
    ['--bucket without a value, last', ['--bucket'], {}, '--bucket needs a value'],
    [
      '--region followed by another flag',
      ['--bucket', 'b', '--region', '--ou-ids', 'ou-x'],
      {},
      '--region needs a value',
    ],
    ['--parameter without a value', [...base, '--parameter'], {}, '--parameter needs a value'],
    [
      'a failed operation',
      [...base, '--ou-ids', 'ou-x'],
      { FAKE_AWS_STATUS: 'FAILED' },
      'operation op-1 ended FAILED',
    ],
  ])('fails with exit code 2 on %s', (_label, args, env, message) => {
    const result = deploy(args, env);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('rejects an unknown template parameter before uploading anything', () => {
    const result = deploy([...base, '--ou-ids', 'ou-x', '--parameter', 'Nope=1']);
    expect(result.status).toBe(2);
    expect(calls()).toEqual([]);
  });

  it('fails before calling AWS when a bundle is missing', () => {
    rmSync(join(dir, 'dist', 'remediate'), { recursive: true });
    const result = deploy([...base, '--ou-ids', 'ou-x']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('remediate/remediate.js not found');
    expect(calls().filter((c) => c.args[0] === 'cloudformation')).toEqual([]);
  });
});
