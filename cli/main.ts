/** Command-line entry point: `execution-role-check <command> [flags]`. */
import { audit } from './audit';
import { parseFlags } from './flags';
import { simulate } from './simulate';
import { readTextFile } from './text-file';

/** What a command may touch: output streams and files. Tests pass fakes and run commands in-process. */
export interface CommandIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<string>;
}

/** A command: the arguments after its name in, an exit code out (0 ok, 2 bad usage or input). */
export type Command = (argv: readonly string[], io: CommandIo) => Promise<number>;

/** Command name -> implementation. Add a command by adding an entry. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  audit,
  simulate,
};

function usage(): string {
  return `usage: execution-role-check <command> [flags]\ncommands: ${Object.keys(COMMANDS).join(', ')}\nRun a command with --help for its flags.\n`;
}

/** Dispatches `argv` (without node and the script) to a command; unexpected failures exit 1. */
export async function runCli(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(usage());
    return 2;
  }
  // Before the command only --help (-h, help) is a flag; each command parses the rest by its own table.
  if (name === 'help' || name.startsWith('-')) {
    try {
      if (name === 'help' || parseFlags([name], {}, (message) => new Error(message)) === 'help') {
        io.stdout(usage());
        return 0;
      }
    } catch (error) {
      io.stderr(`execution-role-check: ${(error as Error).message}\n${usage()}`);
      return 2;
    }
  }
  const command = Object.prototype.hasOwnProperty.call(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (command === undefined) {
    io.stderr(
      `execution-role-check: unknown command ${JSON.stringify(name)} (commands: ${Object.keys(COMMANDS).join(', ')})\n`,
    );
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    io.stderr(`execution-role-check ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/**
 * The process's own streams. A reader that closes stdout early (`audit ... | head -1`) makes further writes
 * fail with EPIPE: the rest of the output is dropped, quietly, and the exit code stays the command's.
 */
export function nodeIo(stdout: NodeJS.WritableStream = process.stdout): CommandIo {
  let stdoutClosed = false;
  stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    stdoutClosed = true;
  });
  return {
    stdout: (text) => {
      if (!stdoutClosed) stdout.write(text);
    },
    stderr: (text) => void process.stderr.write(text),
    readFile: readTextFile,
  };
}

/** Runs the CLI as the program: process arguments and streams, the exit code on the process. */
export function main(): void {
  // The SDK's NodeVersionSupportWarning (8 lines on every run under Node 20, which `engines` allows) is
  // about the SDK's future releases, not this run: off unless the user asks for it. Other warnings stay.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  void runCli(process.argv.slice(2), nodeIo()).then((code) => {
    process.exitCode = code;
  });
}

// Run as the program itself (`node dist/cli/index.js`); the package's bin/ launcher calls main() instead, and
// a test that imports this module runs nothing.
if (require.main === module) main();
