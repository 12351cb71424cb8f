import { existsSync } from 'node:fs';
import { join } from 'node:path';

// `npm test` builds first (pretest); the deployment tooling relies on these exact paths.
describe('build output', () => {
  it.each(['evaluate', 'remediate'])('dist/%s/index.js exports a handler function', (name) => {
    const file = join(__dirname, '..', '..', 'dist', name, 'index.js');
    expect(existsSync(file)).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { handler?: unknown };
    expect(typeof mod.handler).toBe('function');
  });

  it('dist/cli/index.js exists and is executable', () => {
    const file = join(__dirname, '..', '..', 'dist', 'cli', 'index.js');
    expect(existsSync(file)).toBe(true);
  });
});
