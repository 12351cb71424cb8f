/** Typed readings of condition values: numbers, dates, IP ranges. `undefined` means "not a valid value". */

/** A number as IAM's Numeric operators accept it: decimal, optionally signed, no blanks. */
export function parseNumber(text: string): number | undefined {
  if (!/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/** Milliseconds since the epoch from an ISO 8601 date or from epoch seconds (both are valid in IAM). */
export function parseDate(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  // Date.parse also reads RFC 2822 and other forms; IAM wants ISO 8601, so insist on a year-month-day start.
  if (!/^\d{4}-\d{2}-\d{2}/.test(trimmed)) return undefined;
  const ms = Date.parse(trimmed);
  return Number.isNaN(ms) ? undefined : ms;
}

/** An address or a network as 16 bytes (IPv4 kept apart by `v4`) and a prefix length. */
export interface IpRange {
  readonly v4: boolean;
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

function parseV4(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = parts[i] as string;
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

function parseV6(text: string): Uint8Array | undefined {
  let groups: string[];
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] === '' ? [] : (halves[0] as string).split(':');
  const tail = halves.length === 2 ? (halves[1] === '' ? [] : (halves[1] as string).split(':')) : [];
  // An embedded IPv4 tail (`::ffff:192.0.2.1`) counts as two groups.
  const expand = (list: string[]): string[] | undefined => {
    const last = list[list.length - 1];
    if (last === undefined || !last.includes('.')) return list;
    const v4 = parseV4(last);
    if (!v4) return undefined;
    const hi = (((v4[0] as number) << 8) | (v4[1] as number)).toString(16);
    const lo = (((v4[2] as number) << 8) | (v4[3] as number)).toString(16);
    return [...list.slice(0, -1), hi, lo];
  };
  // Only the last group of the address may be an IPv4 tail.
  const h = halves.length === 2 ? head : expand(head);
  const t = halves.length === 2 ? expand(tail) : [];
  if (!h || !t) return undefined;
  if (halves.length === 2) {
    const missing = 8 - h.length - t.length;
    if (missing < 1) return undefined;
    groups = [...h, ...Array<string>(missing).fill('0'), ...t];
  } else {
    groups = h;
  }
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    const g = groups[i] as string;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  }
  return out;
}

/** `203.0.113.0/24`, `203.0.113.7`, `2001:db8::/32`; a bare address is a one-address range. */
export function parseIpRange(text: string): IpRange | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addr = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const v4 = !addr.includes(':');
  const bytes = v4 ? parseV4(addr) : parseV6(addr);
  if (!bytes) return undefined;
  const max = v4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const p = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return undefined;
    prefix = Number(p);
  }
  return { v4, bytes, prefix };
}

/** Whether the address (or every address of the range) lies inside `network`. */
export function ipInRange(address: IpRange, network: IpRange): boolean {
  if (address.v4 !== network.v4 || address.prefix < network.prefix) return false;
  let bits = network.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if (((address.bytes[i] as number) & mask) !== ((network.bytes[i] as number) & mask)) return false;
  }
  return true;
}
