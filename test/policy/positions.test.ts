import { statementSpans } from '../../lib/policy';

describe('statementSpans (MatchedStatements positions, as AWS prints them)', () => {
  it.each<[string, string, [number, number, number, number][] | undefined]>([
    [
      'a single statement object: AWS example columns 38 and 167',
      '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"dynamodb:*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}}}',
      [[1, 38, 1, 167]],
    ],
    [
      'two statements in a list',
      '{"Statement":[{"Effect":"Allow"},{"Effect":"Deny"}]}',
      [
        [1, 16, 1, 33],
        [1, 35, 1, 51],
      ],
    ],
    [
      'Statement first, other keys after',
      '{"Statement":[{"a":"}{"}],"Version":"2012-10-17"}',
      [[1, 16, 1, 25]],
    ],
    ['braces inside strings are text', '{"Id":"{[","Statement":[{"Sid":"\\"}"}]}', [[1, 26, 1, 38]]],
    [
      'lines and indentation',
      '{\n  "Statement": [\n    {\n      "Effect": "Allow"\n    }\n  ]\n}',
      [[3, 6, 5, 6]],
    ],
    ['an empty list', '{"Statement":[]}', []],
    ['not JSON', '{"Statement":[{"Effect":', undefined],
    ['no Statement', '{"Version":"2012-10-17"}', undefined],
    ['not an object', '[1,2]', undefined],
  ])('%s', (_label, text, expected) => {
    const spans = statementSpans(text);
    expect(spans?.map((s) => [s.start.Line, s.start.Column, s.end.Line, s.end.Column])).toEqual(expected);
  });
});
