import type { JudgedRole } from '../../cli/formats/judged-role';
import { escapeXml, toJUnit } from '../../cli/formats/junit';
import { judgeSample } from './support';
import { parseXml, type XmlElement } from './xml';

function testcases(xml: string): readonly XmlElement[] {
  const root = parseXml(xml);
  expect(root.name).toBe('testsuites');
  expect(root.children.map((child) => child.name)).toEqual(['testsuite']);
  return root.children[0]?.children ?? [];
}

describe('toJUnit: the sample template', () => {
  const { roles } = judgeSample();
  const xml = toJUnit(roles);

  it('is well-formed, with one testsuite counting the roles and the failing ones', () => {
    // Act
    const root = parseXml(xml);

    // Assert
    expect(root.children[0]?.attributes).toEqual({
      name: 'execution-role-check',
      tests: '2',
      failures: '1',
      errors: '0',
      skipped: '0',
    });
  });

  it('has one testcase per role, with a failure per finding of the broken one', () => {
    // Act
    const cases = testcases(xml);

    // Assert
    expect(cases.map((testcase) => testcase.attributes['name'])).toEqual([
      'ReportExecutionRole (report-prod-execution)',
      'ExportExecutionRole (export-prod-execution)',
    ]);
    expect(cases[0]?.children).toEqual([]);
    expect(cases[1]?.attributes).toMatchObject({ file: 'samples/template/batch-stack.yaml', line: '104' });
    const failures = cases[1]?.children ?? [];
    expect(failures.map((failure) => failure.name)).toEqual(failures.map(() => 'failure'));
    expect(new Set(failures.map((failure) => failure.attributes['type']))).toEqual(
      new Set(['SECRETS_MANAGER', 'KMS_DECRYPT']),
    );
    expect(failures[0]?.text).toMatch(/Needed by: nightly-export-prod:1/);
  });
});

describe('toJUnit: escaping and roles not judged', () => {
  it('reads back names and messages with markup, quotes, line ends and control characters', () => {
    // Arrange
    const role: JudgedRole = {
      roleName: `a<b>&"c'`,
      arn: 'arn:aws:iam::111122223333:role/x',
      compliance: 'NON_COMPLIANT',
      findings: [{ id: 'SECRETS_SSM', message: 'ssm:GetParameters on <x> & "y"\nline two\u0007 ]]> end' }],
    };

    // Act
    const [testcase] = testcases(toJUnit([role]));
    const [failure] = testcase?.children ?? [];

    // Assert
    expect(testcase?.attributes['name']).toBe(`a<b>&"c'`);
    expect(failure?.attributes['message']).toBe('ssm:GetParameters on <x> & "y"\nline two\uFFFD ]]> end');
    expect(failure?.text).toBe(
      'ssm:GetParameters on <x> & "y"\nline two\uFFFD ]]> end\nRole: arn:aws:iam::111122223333:role/x',
    );
  });

  it('marks a role the rule does not apply to as skipped, with the reason', () => {
    // Arrange
    const role: JudgedRole = {
      roleName: 'web',
      compliance: 'NOT_APPLICABLE',
      findings: [],
      reason: 'not used as an execution role',
    };

    // Act
    const xml = toJUnit([role], { suiteName: 'roles & more' });
    const [testcase] = testcases(xml);

    // Assert
    expect(parseXml(xml).attributes).toMatchObject({ name: 'roles & more', skipped: '1', failures: '0' });
    expect(testcase?.children).toEqual([
      { name: 'skipped', attributes: { message: 'not used as an execution role' }, children: [], text: '' },
    ]);
  });

  it.each<[string, string]>([
    ['&', '&amp;'],
    ['<tag>', '&lt;tag&gt;'],
    [`"'`, '&quot;&apos;'],
    ['a\nb\tc\rd', 'a&#10;b&#9;c&#13;d'],
    ['\u0000\u001F', '\uFFFD\uFFFD'],
    ['\uD800x', '\uFFFDx'],
    ['😀', '😀'],
  ])('escapes %j as %j in an attribute', (text, escaped) => {
    // Act / Assert
    expect(escapeXml(text)).toBe(escaped);
  });

  it('keeps line ends and tabs readable in element content, and still escapes CR', () => {
    // Act / Assert
    expect(escapeXml('a\nb\tc\rd<', false)).toBe('a\nb\tc&#13;d&lt;');
  });
});

describe('parseXml, the well-formedness check itself', () => {
  it.each<[string, string]>([
    ['an unclosed element', '<a><b></a>'],
    ['a bare ampersand', '<a>x & y</a>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['a raw < in an attribute', '<a b="<"/>'],
    ['two roots', '<a/><b/>'],
    ['a duplicate attribute', '<a b="1" b="2"/>'],
  ])('rejects %s', (_name, xml) => {
    // Act / Assert
    expect(() => parseXml(xml)).toThrow(/^XML: /);
  });
});
