import { pino, type Logger } from 'pino';

export type { Logger };

// Keys whose values never reach a log line, wherever they appear (Invariant 4).
const REDACT = ['*.token', '*.apiKey', '*.signingSecret', '*.botToken', '*.appToken', '*.password', '*.authorization', 'headers.authorization', '*.data'];

/** JSON logs on stderr (stdout belongs to command output, `--json`), or to `destination` (tests that read them). */
export function createLogger(level = 'info', base: Record<string, unknown> = {}, destination: { write(line: string): void } = pino.destination(2)): Logger {
  return pino({ level, base: { ...base }, redact: { paths: REDACT, censor: '[redacted]' } }, destination);
}
