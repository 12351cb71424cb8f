import { parseTemplate, TemplateParseError } from '../../lib/template';
import { fixture, yamlOf } from './support';

describe('parseTemplate: short forms become long forms', () => {
  it.each<[string, string, unknown]>([
    ['!Ref', '!Ref Env', { Ref: 'Env' }],
    ['!GetAtt dotted', '!GetAtt Role.Arn', { 'Fn::GetAtt': ['Role', 'Arn'] }],
    [
      '!GetAtt with a dotted attribute',
      '!GetAtt Db.Endpoint.Address',
      { 'Fn::GetAtt': ['Db', 'Endpoint.Address'] },
    ],
    ['!GetAtt list', '!GetAtt [Role, Arn]', { 'Fn::GetAtt': ['Role', 'Arn'] }],
    ['!Sub text', '!Sub "a-${Env}"', { 'Fn::Sub': 'a-${Env}' }],
    ['!Sub list', '!Sub ["${A}", { A: b }]', { 'Fn::Sub': ['${A}', { A: 'b' }] }],
    ['!Join', '!Join [",", [a, b]]', { 'Fn::Join': [',', ['a', 'b']] }],
    ['!Select', '!Select [0, [a]]', { 'Fn::Select': [0, ['a']] }],
    ['!Split', '!Split [",", "a,b"]', { 'Fn::Split': [',', 'a,b'] }],
    ['!If', '!If [C, a, b]', { 'Fn::If': ['C', 'a', 'b'] }],
    ['!FindInMap', '!FindInMap [M, a, b]', { 'Fn::FindInMap': ['M', 'a', 'b'] }],
    ['!ImportValue', '!ImportValue x', { 'Fn::ImportValue': 'x' }],
    ['!Equals', '!Equals [a, b]', { 'Fn::Equals': ['a', 'b'] }],
    ['!Not', '!Not [!Condition C]', { 'Fn::Not': [{ Condition: 'C' }] }],
    ['!And', '!And [!Condition A, !Condition B]', { 'Fn::And': [{ Condition: 'A' }, { Condition: 'B' }] }],
    ['!Or', '!Or [!Condition A, !Condition B]', { 'Fn::Or': [{ Condition: 'A' }, { Condition: 'B' }] }],
    ['!Base64', '!Base64 hi', { 'Fn::Base64': 'hi' }],
    ['!GetAZs', '!GetAZs ""', { 'Fn::GetAZs': '' }],
    ['!Cidr', '!Cidr [10.0.0.0/16, 4, 8]', { 'Fn::Cidr': ['10.0.0.0/16', 4, 8] }],
    [
      'nested short forms',
      '!Join ["", [!Ref A, !GetAtt B.Arn]]',
      { 'Fn::Join': ['', [{ Ref: 'A' }, { 'Fn::GetAtt': ['B', 'Arn'] }]] },
    ],
    ['!!str is standard YAML, not an intrinsic', '!!str 2012-10-17', '2012-10-17'],
  ])('%s', (_name, expression, expected) => {
    // Arrange
    const text = yamlOf('Resources:', '  R:', '    Type: X', '    Properties:', `      Value: ${expression}`);

    // Act
    const template = parseTemplate(text, 't.yaml');

    // Assert
    expect(template.resources['R']).toEqual({ Type: 'X', Properties: { Value: expected } });
  });

  it.each(['long-form.yaml', 'long-form.json'])('%s reads exactly as the short-form fixture', (name) => {
    // Act
    const short = fixture('short-form.yaml');
    const other = fixture(name);

    // Assert
    expect(other.resources).toEqual(short.resources);
    expect(other.body['Conditions']).toEqual(short.body['Conditions']);
  });
});

describe('parseTemplate: lines of logical ids', () => {
  it.each<[string, string, number]>([
    ['short-form.yaml', 'AppKey', 17],
    ['short-form.yaml', 'ExecutionRole', 37],
    ['short-form.yaml', 'AppTask', 122],
    ['long-form.json', 'AppKey', 38],
    ['cdk-synth.json', 'TaskDef54694570', 113],
  ])('%s: %s', (name, logicalId, line) => {
    // Act
    const template = fixture(name);

    // Assert
    expect(template.lines.get(logicalId)).toBe(line);
  });

  it.each<[string, string, Record<string, number>]>([
    ['minified', '{"Resources":{"A":{"Type":"X"},"B":{"Type":"Y"}}}', { A: 1, B: 1 }],
    [
      'braces, quotes and escapes inside strings',
      '{\n "Description": "a { \\" [ } \\\\",\n "Resources": {\n  "A": {"Type": "X", "P": "}\\"{"},\n  "B\\u0041": {"Type": "Y"}\n }\n}',
      { A: 4, BA: 5 },
    ],
    [
      'a Resources key deeper down, and Resources after other sections',
      '{\n "Metadata": {"Resources": {"Fake": 1}},\n "Parameters": {"P": {"Type": "String"}},\n "Resources": {\n  "Real": {"Type": "X", "Properties": {"Nested": {"Key": 1}}}\n }\n}',
      { Real: 5 },
    ],
    ['Windows line ends', '{\r\n"Resources": {\r\n"A": {"Type": "X"}\r\n}\r\n}', { A: 3 }],
  ])('finds the lines of JSON resources: %s', (_name, text, expected) => {
    // Act
    const template = parseTemplate(text, 't.json');

    // Assert
    expect(Object.fromEntries(template.lines)).toEqual(expected);
  });

  it('counts lines after a byte order mark and Windows line ends', () => {
    // Arrange
    const text = '\uFEFFResources:\r\n  First:\r\n    Type: X\r\n  Second:\r\n    Type: Y\r\n';

    // Act
    const template = parseTemplate(text, 'crlf.yaml');

    // Assert
    expect([template.lines.get('First'), template.lines.get('Second')]).toEqual([2, 4]);
  });
});

describe('parseTemplate: broken input is a TemplateParseError naming the file and line', () => {
  it.each<[string, string, number | undefined, RegExp]>([
    ['malformed YAML', yamlOf('Resources:', '  R:', '    Type: [X', '  S: 1'), 4, /not valid YAML/],
    [
      'a duplicate key',
      yamlOf('Resources:', '  R:', '    Type: X', '  R:', '    Type: Y'),
      4,
      /not valid YAML/,
    ],
    [
      'an unknown tag',
      yamlOf('Resources:', '  R:', '    Type: X', '    Properties:', '      A: !Reference X'),
      5,
      /unknown tag !Reference/,
    ],
    [
      'a misspelt short form',
      yamlOf('Resources:', '  R:', '    Properties: { A: !GetAttr R.Arn }'),
      3,
      /unknown tag !GetAttr/,
    ],
    ['malformed JSON', '{\n  "Resources": {\n    "R": { "Type": "X", }\n  }\n}\n', 3, /not valid JSON/],
    [
      'a template without Resources',
      yamlOf('AWSTemplateFormatVersion: "2010-09-09"', 'Outputs: {}'),
      undefined,
      /no Resources section/,
    ],
    ['Resources that is a list', yamlOf('Resources:', '  - a'), 1, /Resources must be a mapping/],
    ['a document that is not a mapping', '- a\n- b\n', 1, /expected a template/],
    ['an empty file', '  \n', undefined, /the file is empty/],
    [
      'a mapping key that is a mapping',
      yamlOf('Resources:', '  R:', '    Properties:', '      ? { a: 1 }', '      : x'),
      4,
      /a mapping key must be a scalar/,
    ],
    ['JSON Resources that is null', '{\n  "Resources": null\n}\n', undefined, /no Resources section/],
  ])('%s', (_name, text, line, problem) => {
    // Act
    const parse = () => parseTemplate(text, 'bad.yaml');

    // Assert
    expect(parse).toThrow(TemplateParseError);
    try {
      parse();
    } catch (error) {
      const parseError = error as TemplateParseError;
      expect(parseError.file).toBe('bad.yaml');
      expect(parseError.line).toBe(line);
      expect(parseError.problem).toMatch(problem);
      expect(parseError.message).toBe(
        `bad.yaml${line === undefined ? '' : `:${line}`}: ${parseError.problem}`,
      );
    }
  });
});
