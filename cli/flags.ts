/**
 * Flag handling for every command: Node's `util.parseArgs` splits the arguments into tokens (`--flag value`,
 * `--flag=value`, `-h`, `--`), and one table per command says what each flag takes. Adding a flag is one
 * table entry; the messages for bad flags are the same for every command.
 */
import { parseArgs } from 'node:util';

/**
 * What a flag takes:
 * - `switch`: nothing (`--all`);
 * - `value`: one value, once (`--input FILE` or `--input=FILE`);
 * - `optional`: one value, or none meaning "true" (`--require-managed-policy [false]`);
 * - `repeatable`: one value, any number of times (`--template A --template B`);
 * - `list`: the values up to the next flag, once, as the AWS CLI takes lists (`--action-names A B`).
 */
export type FlagKind = 'switch' | 'value' | 'optional' | 'repeatable' | 'list';

/** A command's flags, written as typed (`--input`); extra fields are the command's own. */
export type FlagTable = Readonly<Record<`--${string}`, { readonly kind: FlagKind }>>;

type ValueOf<K> = K extends 'switch' ? true : K extends 'value' | 'optional' ? string : readonly string[];

/** The flags given, by name; flags not given are absent. */
export type ParsedFlags<T extends FlagTable> = {
  readonly [F in keyof T]?: T[F] extends { readonly kind: infer K } ? ValueOf<K> : never;
};

/**
 * Parses `argv` (the arguments after the command name) by `table`. Returns 'help' when `--help` or `-h` is
 * among them; throws `makeError(message)` naming the flag for anything else the table does not allow.
 */
export function parseFlags<T extends FlagTable>(
  argv: readonly string[],
  table: T,
  makeError: (message: string) => Error,
): ParsedFlags<T> | 'help' {
  const specs = new Map<string, FlagKind>(
    Object.entries(table).map(([flag, spec]) => [flag.slice(2), spec.kind]),
  );
  // Only value flags let parseArgs take the next argument; the others are declared as booleans so that a
  // following argument stays a positional token this function attaches (optional values, lists) or refuses.
  const options: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, kind] of specs) {
    options[name] = { type: kind === 'value' || kind === 'repeatable' ? 'string' : 'boolean' };
  }
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  if (tokens.some((t) => t.kind === 'option' && t.name === 'help')) return 'help';

  const out: Record<string, string | true | string[]> = {};
  /** The flag that takes the next positional argument, if any. */
  let open: { flag: string; kind: 'optional' | 'list' } | undefined;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      open = undefined;
      continue;
    }
    if (token.kind === 'positional') {
      if (open === undefined) {
        throw makeError(
          `unexpected argument ${JSON.stringify(token.value)} (flags start with --; see --help)`,
        );
      }
      if (open.kind === 'list') (out[open.flag] as string[]).push(token.value);
      else {
        out[open.flag] = token.value;
        open = undefined;
      }
      continue;
    }
    const flag = token.rawName;
    const kind = specs.get(token.name);
    if (kind === undefined || !flag.startsWith('--')) throw makeError(`unknown flag ${flag} (see --help)`);
    if (kind !== 'repeatable' && Object.prototype.hasOwnProperty.call(out, flag)) {
      throw makeError(
        kind === 'list'
          ? `${flag} given twice; list all its values after one ${flag}`
          : `${flag} given twice`,
      );
    }
    open = undefined;
    const inline = token.inlineValue === true ? token.value : undefined;
    switch (kind) {
      case 'switch':
        if (inline !== undefined) throw makeError(`${flag} takes no value`);
        out[flag] = true;
        break;
      case 'value':
      case 'repeatable': {
        // parseArgs takes the next argument even when it is a flag: `--input --all` lacks a value.
        const value = token.value;
        if (value === undefined || value === '' || (token.inlineValue === false && value.startsWith('--'))) {
          throw makeError(`${flag} needs a value`);
        }
        if (kind === 'value') out[flag] = value;
        else ((out[flag] ??= []) as string[]).push(value);
        break;
      }
      case 'optional':
        if (inline === '') throw makeError(`${flag} needs a value`);
        out[flag] = inline ?? 'true';
        if (inline === undefined) open = { flag, kind };
        break;
      case 'list':
        out[flag] = inline === undefined || inline === '' ? [] : [inline];
        open = { flag, kind };
        break;
    }
  }
  for (const [flag, value] of Object.entries(out)) {
    if (Array.isArray(value) && value.length === 0) throw makeError(`${flag} needs at least one value`);
  }
  return out as unknown as ParsedFlags<T>;
}
