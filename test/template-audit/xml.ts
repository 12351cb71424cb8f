/**
 * A strict reader for the XML the JUnit writer produces (elements, attributes, text, the five predefined
 * entities and numeric references, an XML declaration): enough to prove the output well-formed and to read
 * it back. Throws on anything malformed.
 */
export interface XmlElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly children: readonly XmlElement[];
  readonly text: string;
}

const NAME = /^[A-Za-z_][\w.-]*/;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(source: string): XmlElement {
  let position = 0;
  const fail = (problem: string): never => {
    throw new Error(`XML: ${problem} at offset ${position}`);
  };
  const skipSpace = () => {
    while (/\s/.test(source[position] ?? '')) position += 1;
  };
  const decode = (raw: string): string => {
    if (/[<]/.test(raw)) fail('< in text or attribute');
    return raw.replace(/&([^;]*);?/g, (match, entity: string) => {
      if (!match.endsWith(';')) return fail(`unterminated reference ${match}`);
      if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
      if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
      const known = ENTITIES[entity];
      return known ?? fail(`unknown entity &${entity};`);
    });
  };
  const name = (): string => {
    const match = NAME.exec(source.slice(position));
    if (!match) return fail('expected a name');
    position += match[0].length;
    return match[0];
  };

  const element = (): XmlElement => {
    if (source[position] !== '<') fail('expected <');
    position += 1;
    const tag = name();
    const attributes: Record<string, string> = {};
    for (;;) {
      skipSpace();
      if (source.startsWith('/>', position)) {
        position += 2;
        return { name: tag, attributes, children: [], text: '' };
      }
      if (source[position] === '>') {
        position += 1;
        break;
      }
      const attribute = name();
      if (Object.hasOwn(attributes, attribute)) fail(`duplicate attribute ${attribute}`);
      skipSpace();
      if (source[position] !== '=') fail('expected =');
      position += 1;
      skipSpace();
      const quote = source[position];
      if (quote !== '"' && quote !== "'") return fail('expected a quoted value');
      const end = source.indexOf(quote, position + 1);
      if (end < 0) fail('unterminated attribute');
      attributes[attribute] = decode(source.slice(position + 1, end));
      position = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      const next = source.indexOf('<', position);
      if (next < 0) fail(`unclosed <${tag}>`);
      text += decode(source.slice(position, next));
      position = next;
      if (source.startsWith('</', position)) {
        position += 2;
        const closing = name();
        if (closing !== tag) fail(`</${closing}> closes <${tag}>`);
        skipSpace();
        if (source[position] !== '>') fail('expected >');
        position += 1;
        return { name: tag, attributes, children, text };
      }
      children.push(element());
    }
  };

  if (source.startsWith('<?xml')) {
    const end = source.indexOf('?>');
    if (end < 0) fail('unterminated declaration');
    position = end + 2;
  }
  skipSpace();
  const root = element();
  skipSpace();
  if (position !== source.length) fail('content after the root element');
  return root;
}
