import { findMotoServer } from './moto';

// A missing moto_server must fail the suite with a message that says what to install, never skip it.
describe('findMotoServer', () => {
  const saved = { PATH: process.env['PATH'], CI: process.env['CI'] };
  afterEach(() => {
    process.env['PATH'] = saved.PATH;
    if (saved.CI === undefined) delete process.env['CI'];
    else process.env['CI'] = saved.CI;
  });

  it.each([
    ['locally', undefined, 'moto_server not found: install moto[server]'],
    ['under CI=true', 'true', 'moto_server not found: install moto[server] (CI must provide it)'],
  ])('%s, a PATH without it fails with a plain message', (_label, ci, message) => {
    process.env['PATH'] = '/nonexistent';
    if (ci === undefined) delete process.env['CI'];
    else process.env['CI'] = ci;
    expect(() => findMotoServer()).toThrow(message);
  });

  it('finds it on the PATH this machine has', () => {
    expect(findMotoServer()).toMatch(/moto_server$/);
  });
});
