/** What the simulate suites share. */
import type { CommandIo } from '../../cli/main';
import { simulate, type EvaluationResultJson } from '../../cli/simulate';

/** An in-memory CommandIo: captured output and a map of readable files. */
export function fakeIo(files: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = {
    stdout: (t) => void out.push(t),
    stderr: (t) => void err.push(t),
    readFile: (path) =>
      path in files
        ? Promise.resolve(files[path] as string)
        : Promise.reject(new Error(`ENOENT: no such file or directory, open '${path}'`)),
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

/** Runs simulate in-process: exit code, output, and the parsed EvaluationResults when it printed them. */
export async function run(argv: string[], files: Record<string, string> = {}) {
  const fake = fakeIo(files);
  const code = await simulate(argv, fake.io);
  const text = fake.stdout();
  return {
    code,
    stdout: text,
    stderr: fake.stderr(),
    results:
      code === 0 && text.startsWith('{')
        ? (JSON.parse(text) as { EvaluationResults: EvaluationResultJson[] }).EvaluationResults
        : [],
  };
}

// The two examples of `aws iam simulate-custom-policy help`, with AWS's documented output.
export const DYNAMO_POLICY =
  '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}';
export const context = (time: string): string =>
  `ContextKeyName='aws:CurrentTime',ContextKeyValues='${time}',ContextKeyType=date`;
