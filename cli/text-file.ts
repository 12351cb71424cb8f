/**
 * Input files as text, whatever a shell wrote them in: UTF-8 with or without a byte order mark, or UTF-16
 * (LE or BE) with one, as Windows PowerShell's `>` writes UTF-16LE.
 */
import { readFile } from 'node:fs/promises';

/** The encoding a file's byte order mark names, UTF-8 without one. */
export function encodingOf(bytes: Uint8Array): 'utf-8' | 'utf-16le' | 'utf-16be' {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** The text of `bytes`, its byte order mark dropped; bytes that do not decode become U+FFFD. */
export function decodeText(bytes: Uint8Array): string {
  // TextDecoder drops the byte order mark of its own encoding.
  return new TextDecoder(encodingOf(bytes)).decode(bytes);
}

export async function readTextFile(path: string): Promise<string> {
  return decodeText(await readFile(path));
}

/**
 * Why text that is not valid JSON (or YAML) may be so: NUL characters are UTF-16 read as UTF-8 (no byte order
 * mark), U+FFFD bytes that are not UTF-8. Undefined when the text decoded cleanly.
 */
export function encodingHint(text: string): string | undefined {
  if (text.includes('\u0000')) {
    return 'it looks like UTF-16 without a byte order mark: save it as UTF-8 (or UTF-16 with one)';
  }
  if (text.includes('\uFFFD')) return 'it is not UTF-8 text: save it as UTF-8';
  return undefined;
}
