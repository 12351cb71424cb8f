import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { findCfnLint, ROOT, run } from './support';

// Every template that ships, so a new one cannot skip the linter.
const templates = [
  'template.yaml',
  ...readdirSync(join(ROOT, 'templates'))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => `templates/${f}`),
];

describe('cfn-lint', () => {
  it('lints the SAM template and every template under templates/', () => {
    expect(templates).toEqual(expect.arrayContaining(['template.yaml', 'templates/stackset.yaml']));
  });

  it.each(templates)('%s has no errors, warnings or informational findings', (file) => {
    // Arrange
    const cfnLint = findCfnLint();

    // Act: cfn-lint exits non-zero on errors (2), warnings (4) and informational findings (8).
    const { status, output } = run(cfnLint, [file]);

    // Assert
    expect(output).toBe('');
    expect(status).toBe(0);
  });
});
