/**
 * Where each statement of a policy text begins and ends, as `aws iam simulate-custom-policy` reports it
 * in MatchedStatements (Line 1-based; Column one past the brace, as AWS prints it).
 */

/** A position in policy text: `Line` from 1, `Column` as AWS counts it. */
export interface TextPosition {
  readonly Line: number;
  readonly Column: number;
}

export interface StatementSpan {
  readonly start: TextPosition;
  readonly end: TextPosition;
}

/**
 * The spans of the statements of a JSON policy text, in order; undefined when the text is not a JSON
 * object with a `Statement` object or array of objects (positions are a courtesy, never a failure).
 */
export function statementSpans(text: string): StatementSpan[] | undefined {
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const position = (at: number): TextPosition => ({ Line: line, Column: at - lineStart + 2 });
  const skipBlank = (): void => {
    while (i < text.length) {
      const c = text[i];
      if (c === '\n') {
        line++;
        lineStart = i + 1;
      } else if (c !== ' ' && c !== '\t' && c !== '\r') return;
      i++;
    }
  };
  const readString = (): string | undefined => {
    if (text[i] !== '"') return undefined;
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) return undefined;
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return undefined;
    }
  };
  // Skips any JSON value, tracking lines; returns false on malformed text.
  const skipValue = (): boolean => {
    skipBlank();
    const c = text[i];
    if (c === '"') return readString() !== undefined;
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      skipBlank();
      if (text[i] === close) {
        i++;
        return true;
      }
      for (;;) {
        if (c === '{') {
          skipBlank();
          if (readString() === undefined) return false;
          skipBlank();
          if (text[i] !== ':') return false;
          i++;
        }
        if (!skipValue()) return false;
        skipBlank();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] !== close) return false;
        i++;
        return true;
      }
    }
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)/.exec(text.slice(i, i + 64));
    if (!m) return false;
    i += m[0].length;
    return true;
  };
  const objectSpan = (): StatementSpan | undefined => {
    skipBlank();
    if (text[i] !== '{') return undefined;
    const start = position(i);
    if (!skipValue()) return undefined;
    return { start, end: position(i - 1) };
  };

  skipBlank();
  if (text[i] !== '{') return undefined;
  i++;
  for (;;) {
    skipBlank();
    const key = readString();
    if (key === undefined) return undefined;
    skipBlank();
    if (text[i] !== ':') return undefined;
    i++;
    if (key === 'Statement') {
      skipBlank();
      if (text[i] === '{') {
        const span = objectSpan();
        return span ? [span] : undefined;
      }
      if (text[i] !== '[') return undefined;
      i++;
      const spans: StatementSpan[] = [];
      for (;;) {
        skipBlank();
        if (text[i] === ']') return spans;
        const span = objectSpan();
        if (!span) return undefined;
        spans.push(span);
        skipBlank();
        if (text[i] === ',') i++;
      }
    }
    if (!skipValue()) return undefined;
    skipBlank();
    if (text[i] !== ',') return undefined;
    i++;
  }
}
