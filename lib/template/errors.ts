/** Broken template input: the file (and line, when known) and what is wrong with it. */

/** The file is not a template this tool can read: malformed YAML/JSON, an unknown tag, no `Resources`. */
export class TemplateParseError extends Error {
  override readonly name = 'TemplateParseError';
  constructor(
    readonly file: string,
    /** 1-based; undefined when the problem has no single place (an empty file, a missing section). */
    readonly line: number | undefined,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${problem}`, options);
  }
}
