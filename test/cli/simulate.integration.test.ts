/** simulate as users meet it: the built bundle (npm test builds dist first). */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { EvaluationResultJson } from '../../cli/simulate';
import { context, DYNAMO_POLICY } from './simulate-support';

describe('the built CLI bundle (npm test builds dist first)', () => {
  const bin = join(__dirname, '..', '..', 'dist', 'cli', 'index.js');

  it('simulates from the command line and prints the AWS shape', () => {
    const stdout = execFileSync(
      process.execPath,
      [
        bin,
        'simulate',
        '--policy-input-list',
        DYNAMO_POLICY,
        '--action-names',
        'dynamodb:CreateBackup',
        '--context-entries',
        context('2019-04-25T11:00:00Z'),
      ],
      { encoding: 'utf8' },
    );
    const parsed = JSON.parse(stdout) as { EvaluationResults: EvaluationResultJson[] };
    expect(parsed.EvaluationResults[0]?.EvalDecision).toBe('allowed');
  });

  it('exits 2 with one line on stderr for a bad document', () => {
    const result = spawnSync(
      process.execPath,
      [bin, 'simulate', '--policy-input-list', '{"Statement":{}}', '--action-names', 'x:Y'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      'simulate: --policy-input-list 1: Statement.Effect: expected "Allow" or "Deny"\n',
    );
  });
});
