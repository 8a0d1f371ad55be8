import { ErrorCode, isCodedError } from '../domain/errors.ts';
import { COMMAND_TABLE } from './command-table.ts';

export function usage(): string {
  const width = Math.max(...COMMAND_TABLE.map((c) => c.usage.length));
  return [
    'usage: claw <command> [options]',
    '',
    ...COMMAND_TABLE.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Dispatches argv to a command; returns the exit code. Errors are one clear line on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMAND_TABLE.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`claw: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await (await command.load()).run(rest);
  } catch (e) {
    // A coded error is a condition we know and named: its message is the whole story, no stack trace.
    if (isCodedError(e) && e.code === ErrorCode.Usage) {
      process.stderr.write(`claw ${name}: ${e.message}\nusage: claw ${command.usage}\n`);
      return 2;
    }
    if (isCodedError(e)) {
      process.stderr.write(`claw ${name}: ${e.message}\n`);
      return e.code === ErrorCode.Interrupted ? 130 : 1;
    }
    process.stderr.write(`claw ${name}: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}
