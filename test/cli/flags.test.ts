import { parseFlags, type FlagTable } from '../../cli/flags';

const TABLE = {
  '--input': { kind: 'value' },
  '--all': { kind: 'switch' },
  '--strict': { kind: 'optional' },
  '--template': { kind: 'repeatable' },
  '--action-names': { kind: 'list' },
} as const satisfies FlagTable;

class FlagError extends Error {}

function parse(argv: string[]) {
  return parseFlags(argv, TABLE, (message) => new FlagError(message));
}

describe('parseFlags: each kind of flag in both spellings', () => {
  it.each<[string, string[], ReturnType<typeof parse>]>([
    ['nothing', [], {}],
    ['a value, --flag value', ['--input', 'a.json'], { '--input': 'a.json' }],
    ['a value, --flag=value', ['--input=a.json'], { '--input': 'a.json' }],
    ['a value holding =', ['--input=a=b.json'], { '--input': 'a=b.json' }],
    ['a value starting with one dash', ['--input', '-'], { '--input': '-' }],
    ['a switch', ['--all'], { '--all': true }],
    ['an optional value given', ['--strict', 'false'], { '--strict': 'false' }],
    ['an optional value given inline', ['--strict=false'], { '--strict': 'false' }],
    ['an optional value left out, last', ['--strict'], { '--strict': 'true' }],
    [
      'an optional value left out, before a flag',
      ['--strict', '--all'],
      { '--strict': 'true', '--all': true },
    ],
    ['a repeatable flag once', ['--template', 'a.yaml'], { '--template': ['a.yaml'] }],
    [
      'a repeatable flag in both spellings',
      ['--template', 'a.yaml', '--template=b.yaml', '--all'],
      { '--template': ['a.yaml', 'b.yaml'], '--all': true },
    ],
    ['a list', ['--action-names', 'a', 'b', '--all'], { '--action-names': ['a', 'b'], '--all': true }],
    ['a list started inline', ['--action-names=a', 'b'], { '--action-names': ['a', 'b'] }],
    ['help', ['--input', 'a.json', '--help'], 'help'],
    ['help, short', ['-h'], 'help'],
    ['help wins over a bad flag', ['--inptu', '-h'], 'help'],
  ])('%s', (_label, argv, expected) => {
    expect(parse(argv)).toEqual(expected);
  });
});

describe('parseFlags: bad flags name the flag', () => {
  it.each<[string, string[], string]>([
    ['an unknown flag', ['--inptu', 'a.json'], 'unknown flag --inptu (see --help)'],
    ['an unknown flag with a value', ['--inptu=a.json'], 'unknown flag --inptu (see --help)'],
    ['an unknown short flag', ['-i', 'a.json'], 'unknown flag -i (see --help)'],
    ['a positional argument', ['a.json'], 'unexpected argument "a.json" (flags start with --; see --help)'],
    [
      'a second value after a value flag',
      ['--input', 'a.json', 'b.json'],
      'unexpected argument "b.json" (flags start with --; see --help)',
    ],
    [
      'an argument after --',
      ['--action-names', 'a', '--', 'b'],
      'unexpected argument "b" (flags start with --; see --help)',
    ],
    ['a value flag last', ['--input'], '--input needs a value'],
    ['a value flag before another flag', ['--input', '--all'], '--input needs a value'],
    ['a value flag with an empty value', ['--input='], '--input needs a value'],
    ['a repeatable flag without a value', ['--template', 'a.yaml', '--template'], '--template needs a value'],
    ['an optional flag with an empty value', ['--strict='], '--strict needs a value'],
    ['a value flag twice', ['--input', 'a', '--input=b'], '--input given twice'],
    ['a switch twice', ['--all', '--all'], '--all given twice'],
    ['a switch with a value', ['--all=yes'], '--all takes no value'],
    [
      'a list twice',
      ['--action-names', 'a', '--action-names', 'b'],
      '--action-names given twice; list all its values after one --action-names',
    ],
    ['a list without values', ['--action-names', '--all'], '--action-names needs at least one value'],
    ['a list with an empty inline value', ['--action-names='], '--action-names needs at least one value'],
  ])('%s', (_label, argv, message) => {
    expect(() => parse(argv)).toThrow(new FlagError(message));
  });
});
