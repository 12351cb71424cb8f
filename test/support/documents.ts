/** Reads a raw policy document (object, JSON, URL-encoded JSON) for assertions, independent of the engine. */
export function decodeDocument(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const text = raw.trimStart().startsWith('{') ? raw : decodeURIComponent(raw);
  return JSON.parse(text) as unknown;
}

/** Every action a decoded document's statements name, for compact assertions. */
export function actionsOf(raw: unknown): string[] {
  const document = decodeDocument(raw) as { Statement?: unknown };
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return statements.flatMap((statement: { Action?: string | string[] }) =>
    statement.Action === undefined ? [] : ([] as string[]).concat(statement.Action),
  );
}
