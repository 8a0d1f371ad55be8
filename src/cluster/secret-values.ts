import type { KubeReader } from './kube-reader.ts';
import { type Flights, sharedRead } from './request-signal.ts';

const MIN_LENGTH = 8;
// Keys whose values are identifiers, not credentials: scrubbing "billing" or "5432" everywhere
// would erase names the evidence needs.
const NOT_SECRET_KEY =
  /^(user(name)?|login|host(name)?|port|database|db(name)?|namespace|region|endpoint|server|schema|bucket)$/i;

/** Secret-like: long enough and mixing at least two character classes (so "production" is spared). */
function secretLike(v: string): boolean {
  if (v.length < MIN_LENGTH) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
  return classes >= 2;
}

/**
 * The decoded values of the Secrets in scope, so tool output can be scrubbed of them even where
 * they do not look like secrets (an app that logs its token verbatim). Identifier-like keys and
 * short or single-class values are skipped: over-scrubbing would destroy the evidence, and the
 * pattern redaction still covers `password=…` forms. Without permission to list Secrets there is
 * nothing to scrub and nothing read.
 */
export function secretValues(reader: KubeReader, namespace?: string): Promise<string[]> {
  return sharedRead(flights, reader, namespace ?? '*', () => readSecretValues(reader, namespace));
}

const flights: Flights<string[]> = new WeakMap();

async function readSecretValues(reader: KubeReader, namespace?: string): Promise<string[]> {
  let secrets: Awaited<ReturnType<KubeReader['list']>>;
  try {
    secrets = await reader.list('v1', 'Secret', namespace);
  } catch (e) {
    if ((e as { code?: number }).code === 403) return [];
    throw e;
  }
  const values = new Set<string>();
  for (const s of secrets) {
    for (const [key, v] of Object.entries((s.data as Record<string, string> | undefined) ?? {})) {
      if (NOT_SECRET_KEY.test(key)) continue;
      const text = Buffer.from(v, 'base64').toString('utf8');
      const trimmed = text.trim();
      // The value as stored, decoded, and encoded again the ways it travels: `echo $PW | base64`
      // adds a newline, URLs use base64url.
      const encoded = [trimmed, `${trimmed}\n`].flatMap((t) => [
        Buffer.from(t).toString('base64'),
        Buffer.from(t).toString('base64').replace(/=+$/, ''),
        Buffer.from(t).toString('base64url'),
      ]);
      for (const candidate of [text, trimmed, v, ...encoded]) if (secretLike(candidate)) values.add(candidate);
    }
  }
  // Longest first, so a value containing another is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}

export function scrubValues(text: string, values: string[]): string {
  let out = text;
  for (const v of values) if (out.includes(v)) out = out.split(v).join('[redacted secret value]');
  return out;
}
