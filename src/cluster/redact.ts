import { BLOCK_SCALAR_KEY, type RedactionRule, RULES } from './redaction-rules.ts';

// Secret-looking values in cluster text (logs, events, env) are replaced before anything leaves
// the cluster boundary: Slack, model prompts, logs, the store (Invariant 4). Linear in the input:
// cluster text is attacker-controlled, and a quadratic pattern stalls every replica's event loop.

/** Replaces every secret the rules recognise; everything else is left exactly as it was. */
export function redactText(text: string): string {
  let out = redactPrivateKeys(text);
  if (out.includes('\n')) out = redactBlockScalars(out);
  for (const rule of RULES) out = applyRule(rule, out);
  return out;
}

/**
 * More secret-shaped matches than this in one text is not a log that leaked a password: it is
 * text made to keep redaction busy. The rest of such a text is withheld, not judged match by match.
 */
export const MAX_MATCHES = 2000;

function withheld(text: string, from: number): string {
  return `[… ${text.length - from} characters withheld: more than ${MAX_MATCHES} secret-shaped values in one text …]`;
}

/** One rule over the text: an exec loop (cheaper than replace's callback), pieces joined once. */
function applyRule(rule: RedactionRule, text: string): string {
  const re = rule.re;
  re.lastIndex = 0;
  let m = re.exec(text);
  if (!m) return text;
  const pieces: string[] = [];
  let from = 0;
  for (let n = 1; m; m = re.exec(text), n++) {
    if (n > MAX_MATCHES) return pieces.join('') + text.slice(from, m.index) + withheld(text, m.index);
    const replacement = rule.replace(m);
    if (replacement !== undefined) {
      pieces.push(text.slice(from, m.index), replacement);
      from = m.index + m[0].length;
    }
    if (m[0].length === 0) re.lastIndex++;
  }
  pieces.push(text.slice(from));
  return pieces.join('');
}

const PEM_BEGIN = /-----BEGIN (?:[A-Z0-9]{1,20} ){0,4}PRIVATE KEY(?: BLOCK)?-----/g;

/**
 * PEM private keys, whole (`BEGIN … END`), or to the end of the text when the END was cut off (a
 * log tail, a wrapped line): found by index, not by a pattern that could rescan.
 */
function redactPrivateKeys(text: string): string {
  if (!text.includes('PRIVATE KEY')) return text;
  let out = '';
  let from = 0;
  PEM_BEGIN.lastIndex = 0;
  for (let m = PEM_BEGIN.exec(text); m; m = PEM_BEGIN.exec(text)) {
    const endMark = text.indexOf('-----END ', m.index + m[0].length);
    const close = endMark < 0 ? -1 : text.indexOf('-----', endMark + 9);
    const stop = close < 0 ? text.length : close + 5;
    out += `${text.slice(from, m.index)}[redacted private key]`;
    from = stop;
    PEM_BEGIN.lastIndex = stop;
  }
  return out + text.slice(from);
}

/** `password: |` then indented lines: the lines are the secret, however many. */
function redactBlockScalars(text: string): string {
  const pieces: string[] = [];
  let from = 0;
  BLOCK_SCALAR_KEY.lastIndex = 0;
  for (let m = BLOCK_SCALAR_KEY.exec(text), n = 1; m; m = BLOCK_SCALAR_KEY.exec(text), n++) {
    if (n > MAX_MATCHES) return pieces.join('') + text.slice(from, m.index) + withheld(text, m.index);
    const indent = indentAt(text, text.lastIndexOf('\n', m.index) + 1);
    // The value's lines: every following line more indented than the key (blank ones too).
    let stop = text.indexOf('\n', m.index + m[0].length);
    while (stop >= 0 && stop + 1 < text.length) {
      const next = text.indexOf('\n', stop + 1);
      const end = next < 0 ? text.length : next;
      const lead = indentAt(text, stop + 1);
      if (stop + 1 + lead < end && lead <= indent) break;
      stop = next < 0 ? text.length : next;
      if (next < 0) break;
    }
    const head = m.index + m[0].length;
    pieces.push(text.slice(from, head), '\n', ' '.repeat(indent + 2), '[redacted]');
    from = stop < 0 ? text.length : stop;
    BLOCK_SCALAR_KEY.lastIndex = Math.max(from, head);
  }
  if (pieces.length === 0) return text;
  pieces.push(text.slice(from));
  return pieces.join('');
}

/** How many spaces and tabs open the line starting at `i`. */
function indentAt(text: string, i: number): number {
  let n = 0;
  while (i + n < text.length && (text.charCodeAt(i + n) === 32 || text.charCodeAt(i + n) === 9)) n++;
  return n;
}

// Names that say "this holds a credential" (DB_PASS, PGPWD, STRIPE_KEY, SENTRY_DSN, AUTH…).
const SECRET_NAME = /pass|pwd|secret|token|key|credential|auth|cert|dsn|conn|salt|cookie|session|signature|private/i;
// Values that cannot be a credential: numbers and sizes, booleans, one lowercase word (a log
// level, an environment), a path, a host[:port], a URL without userinfo or query.
const SCALAR_VALUE = [
  /^$/,
  /^-?\d{1,12}(\.\d{1,6})?(ms|s|m|h|d|Ki|Mi|Gi|Ti|k|M|G|T|%)?$/,
  /^(true|false|yes|no|on|off|enabled|disabled)$/i,
];
const HARMLESS_VALUE = [
  ...SCALAR_VALUE,
  /^[a-z][a-z_-]{0,31}$/,
  /^\/[\w./-]{0,200}$/,
  /^[a-z0-9][a-z0-9.-]{0,200}(:\d{1,5})?$/,
  /^[a-z][a-z0-9+.-]{0,15}:\/\/[a-z0-9.-]{1,200}(:\d{1,5})?(\/[\w./-]{0,200})?$/i,
];

/**
 * Whether a literal env value might be a secret, so it must not be shown: always when its name
 * looks like a credential's, and otherwise unless the value is plainly harmless (a port, a flag,
 * a host, a log level). Shown only when it cannot be one.
 */
export function envValueMayBeSecret(name: string, value: string): boolean {
  return !(SECRET_NAME.test(name) ? SCALAR_VALUE : HARMLESS_VALUE).some((re) => re.test(value));
}

/**
 * For tool output (evidence a model reads): values under credential-like names are hidden, the
 * rest pass through the text redaction; references (valueFrom) are kept. Cards are stricter
 * (envValueMayBeSecret): a human approving a change needs no value that could be a secret.
 */
export function redactEnv(env: { name: string; value?: string; valueFrom?: unknown }[] | undefined) {
  return (env ?? []).map((e) =>
    e.value !== undefined && SECRET_NAME.test(e.name) && !SCALAR_VALUE.some((re) => re.test(e.value!))
      ? { ...e, value: '[redacted]' }
      : { ...e, ...(e.value !== undefined ? { value: redactText(e.value) } : {}) },
  );
}

/** Keeps the end of long text (the end of a log is where the crash is), marking the cut. */
export function budgetTail(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.length - maxChars;
  return `[… ${cut} earlier characters omitted …]\n${text.slice(cut)}`;
}

/**
 * The end of `text` within `maxChars`, starting at a line boundary: a cut inside a line could
 * leave a secret's value without the key that marks it. A last line longer than that is withheld.
 */
export function lastWholeLines(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const tail = text.slice(text.length - maxChars);
  const nl = tail.indexOf('\n');
  return nl < 0
    ? `[… a line of ${text.length} characters withheld …]`
    : `[… ${text.length - maxChars + nl + 1} earlier characters omitted …]\n${tail.slice(nl + 1)}`;
}
