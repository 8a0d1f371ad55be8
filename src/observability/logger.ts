import { AsyncLocalStorage } from 'node:async_hooks';
import { type Logger, pino } from 'pino';
import { redactText } from '../cluster/redact.ts';

export type { Logger };

// Keys whose values never reach a log line, wherever they appear (Invariant 4).
const SECRET_KEYS = [
  'token',
  'apiKey',
  'signingSecret',
  'botToken',
  'appToken',
  'password',
  'authorization',
  'databaseUrl',
  'alertmanagerToken',
];
const REDACT = [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), '*.*.authorization', '*.data'];

const context = new AsyncLocalStorage<Record<string, unknown>>();

/**
 * Runs `fn` with `fields` (runId, taskId…) on every line logged inside it, by any logger and at
 * any depth of async calls: code deep in a run need not be handed its ids to be traceable.
 */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  return context.run({ ...context.getStore(), ...fields }, fn);
}

/** Runs `fn` outside any run's context: shared background loops must not borrow a run's ids. */
export function withoutLogContext<T>(fn: () => T): T {
  return context.exit(fn);
}

/**
 * Secret-shaped text (tokens, keys, passwords in URLs, bearer credentials) is scrubbed from every
 * string of a line, messages and error messages and stacks included: a secret that slipped into
 * an error from a library is caught even where no key names it.
 */
function scrub(value: unknown, seen = new WeakSet<object>(), depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (!value || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) return scrub(pino.stdSerializers.err(value), seen, depth + 1);
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, seen, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, seen, depth + 1)]));
}

/** JSON logs on stderr (stdout belongs to command output, `--json`), or to `destination` (tests that read them). */
export function createLogger(
  level = 'info',
  base: Record<string, unknown> = {},
  destination: { write(line: string): void } = pino.destination(2),
): Logger {
  return pino(
    {
      level,
      base: { ...base },
      mixin: () => context.getStore() ?? {},
      formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
      // Errors were serialized (and scrubbed) by the formatter already; leave those as they are.
      serializers: { err: (e: unknown) => (e instanceof Error ? pino.stdSerializers.err(e) : e) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === 'string' ? redactText(a) : a)) as Parameters<typeof method>);
        },
      },
      redact: { paths: REDACT, censor: '[redacted]' },
    },
    destination,
  );
}
