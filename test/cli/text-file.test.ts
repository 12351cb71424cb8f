/** Input files in the encodings shells write: UTF-8 with or without BOM, UTF-16 LE/BE with BOM. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAudit } from '../../cli/audit';
import type { CommandIo } from '../../cli/main';
import { decodeText, readTextFile } from '../../cli/text-file';
import { AUTH, deps, JOBS, KEYS } from './audit-support';

const BOM_UTF8 = Buffer.from([0xef, 0xbb, 0xbf]);
const utf16le = (text: string) => Buffer.from(text, 'utf16le');
const utf16be = (text: string) => utf16le(text).swap16();

type Encoding = 'utf-8' | 'utf-8 with BOM' | 'utf-16le with BOM' | 'utf-16be with BOM';
function encode(text: string, encoding: Encoding): Buffer {
  switch (encoding) {
    case 'utf-8':
      return Buffer.from(text, 'utf8');
    case 'utf-8 with BOM':
      return Buffer.concat([BOM_UTF8, Buffer.from(text, 'utf8')]);
    case 'utf-16le with BOM':
      return utf16le(`\uFEFF${text}`);
    case 'utf-16be with BOM':
      return utf16be(`\uFEFF${text}`);
  }
}

describe('decodeText', () => {
  const text = '{"name": "café ✓"}';
  it.each<Encoding>(['utf-8', 'utf-8 with BOM', 'utf-16le with BOM', 'utf-16be with BOM'])(
    '%s: the text, without its byte order mark',
    (encoding) => {
      // Arrange
      const bytes = encode(text, encoding);

      // Act
      const decoded = decodeText(bytes);

      // Assert
      expect(decoded).toBe(text);
    },
  );
});

describe('audit --input with files in other encodings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'erc-encoding-'));
  const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    const commandIo: CommandIo = {
      stdout: (text) => void out.push(text),
      stderr: (text) => void err.push(text),
      readFile: readTextFile,
    };
    return { commandIo, stdout: () => out.join(''), stderr: () => err.join('') };
  };
  const run = async (argv: string[]) => {
    const fake = io();
    const code = await createAudit(deps())(argv, fake.commandIo);
    return { code, stdout: fake.stdout(), stderr: fake.stderr() };
  };
  const filesIn = (encoding: Encoding): string[] => {
    const argv: string[] = [];
    for (const [flag, source] of [
      ['--input', AUTH],
      ['--job-definitions', JOBS],
      ['--keys', KEYS],
    ] as const) {
      const path = join(dir, `${encoding.replace(/ /g, '-')}${flag}.json`);
      writeFileSync(path, encode(readFileSync(source, 'utf8'), encoding));
      argv.push(flag, path);
    }
    return argv;
  };

  it.each<Encoding>(['utf-8 with BOM', 'utf-16le with BOM', 'utf-16be with BOM'])(
    '%s: the same verdicts as UTF-8',
    async (encoding) => {
      // Arrange
      const plain = await run([...filesIn('utf-8'), '--output', 'json']);

      // Act
      const result = await run([...filesIn(encoding), '--output', 'json']);

      // Assert
      expect(result.stderr).toBe('');
      expect(result.code).toBe(1);
      expect(result.stdout).toBe(plain.stdout);
    },
  );

  it.each([
    [
      'UTF-16LE without a byte order mark',
      utf16le('{"RoleDetailList": []}'),
      'it looks like UTF-16 without a byte order mark: save it as UTF-8 (or UTF-16 with one)',
    ],
    ['Latin-1 text', Buffer.from([0xe9, 0x7b, 0x7d]), 'it is not UTF-8 text: save it as UTF-8'],
  ])('%s: not valid JSON, naming the file and the encoding, exit 2', async (name, bytes, hint) => {
    // Arrange
    const path = join(dir, `${name.replace(/ /g, '-')}.json`);
    writeFileSync(path, bytes);

    // Act
    const result = await run(['--input', path, '--no-job-definitions']);

    // Assert
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.startsWith(`execution-role-check audit: --input ${path}: not valid JSON (`)).toBe(
      true,
    );
    expect(result.stderr.endsWith(`); ${hint}\n`)).toBe(true);
  });
});
