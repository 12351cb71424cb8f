import { appendStatement, JsonTextError, policyText } from '../../lib/remediation/json-text';

const ADDED = { Sid: 'New', Effect: 'Allow' };

describe('appendStatement', () => {
  it.each([
    {
      name: 'a pretty list gains the statement at the same indentation',
      text: '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Deny"}\n  ]\n}',
      expected:
        '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Deny"},\n    {\n      "Sid": "New",\n      "Effect": "Allow"\n    }\n  ]\n}',
    },
    {
      name: 'a compact list gains a compact statement',
      text: '{"Statement":[{"Effect":"Deny"}],"Version":"2012-10-17"}',
      expected: '{"Statement":[{"Effect":"Deny"},{"Sid":"New","Effect":"Allow"}],"Version":"2012-10-17"}',
    },
    {
      name: 'an empty list gains its first statement',
      text: '{"Version":"2012-10-17","Statement":[ ]}',
      expected: '{"Version":"2012-10-17","Statement":[{"Sid":"New","Effect":"Allow"}]}',
    },
    {
      name: 'a single statement object becomes a list [original, new]',
      text: '{"Version":"2012-10-17","Statement":{"Effect":"Deny"}}',
      expected: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny"}, {"Sid":"New","Effect":"Allow"}]}',
    },
    {
      name: 'strings holding brackets, quotes and a nested "Statement" key do not confuse it',
      text: '{"Id":"a]b\\"}","Other":{"Statement":[1]},"Statement":[{"Sid":"x]"}]}',
      expected:
        '{"Id":"a]b\\"}","Other":{"Statement":[1]},"Statement":[{"Sid":"x]"},{"Sid":"New","Effect":"Allow"}]}',
    },
  ])('$name', ({ text, expected }) => {
    // Act
    const result = appendStatement(text, ADDED);

    // Assert
    expect(result).toBe(expected);
    expect(() => JSON.parse(result) as unknown).not.toThrow();
  });

  it('keeps escapes, tabs and number spellings of existing statements byte for byte', () => {
    // Arrange
    const statement = '{\t"Sid" : "\\u0041",\t"Effect":"Allow", "X": 1.0e0 }';
    const text = `{"Statement": [${statement}]}`;

    // Act
    const result = appendStatement(text, ADDED);

    // Assert
    expect(result.startsWith(`{"Statement": [${statement},`)).toBe(true);
  });

  it.each([
    { name: 'invalid JSON', text: '{"Statement": [' },
    { name: 'no Statement', text: '{"Version":"2012-10-17"}' },
    { name: 'two Statement keys', text: '{"Statement":[],"Statement":[]}' },
    { name: 'a Statement that is a string', text: '{"Statement":"x"}' },
    { name: 'a document that is a list', text: '[]' },
  ])('refuses $name with JsonTextError', ({ text }) => {
    expect(() => appendStatement(text, ADDED)).toThrow(JsonTextError);
  });
});

describe('policyText', () => {
  it.each([
    { name: 'URL-encoded text is decoded', raw: '%7B%22a%22%3A%22100%25%22%7D', expected: '{"a":"100%"}' },
    {
      name: 'decoded text is kept (a literal % is not decoded again)',
      raw: '{"a":"%41"}',
      expected: '{"a":"%41"}',
    },
    { name: 'an object is serialised', raw: { a: 1 }, expected: '{\n  "a": 1\n}' },
  ])('$name', ({ raw, expected }) => {
    expect(policyText(raw)).toBe(expected);
  });
});
