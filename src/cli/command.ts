import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from '../domain/errors.ts';

export interface Command {
  name: string;
  usage: string;
  summary: string;
  run(argv: string[]): Promise<number>;
}

/** `node:util` parseArgs with usage errors instead of exceptions about internals. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: T,
  allowPositionals = true,
) {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
