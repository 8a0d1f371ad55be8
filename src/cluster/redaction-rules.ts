// The shapes secrets take in what clusters print. Every rule runs in linear time on any input:
// each starts at a literal or at a boundary (a lookbehind no character of its own run can
// satisfy), repeats only bounded character classes, and ends in alternatives that always match
// once started, so a failed attempt never rescans what another attempt will scan again. The
// linearity test feeds each rule a megabyte built to break it.

/** A rule: where secrets sit, and what the match becomes (undefined keeps it: not a secret after all). */
export interface RedactionRule {
  name: string;
  re: RegExp;
  replace: (m: RegExpExecArray) => string | undefined;
}

const ID = '[A-Za-z0-9_-]';

/** Looks random enough to be a credential: long, or mixing character classes. */
export function secretLike(v: string, minLength = 8): boolean {
  if (v.length < minLength) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(v)).length;
  return classes >= 2 || v.length >= 24;
}

/** Values that only stand for a secret, or say there is none: never worth hiding. */
const PLACEHOLDER =
  /^([|>][-+0-9]{0,2}|true|false|yes|no|null|nil|none|undefined|enabled|disabled|required|optional|\*+|x{3,}|\[redacted[^\]]*\]|<[^>]*>|\$\{[^}]*\}?|\$\([^)]*\)?|\{\{.*|%[sv]|\.\.\.|…)$/i;

// Key words that name a credential. Strong ones hide any value; weak ones (token, auth, key,
// signature) only values that look random, since "tokens: 512" and "auth: enabled" are not secrets.
const STRONG =
  'passphrase|password|passwd|pwd|pass|secret|credentials?|private[_-]?key|api[_-]?key|apikey|access[_-]?key|account[_-]?key|shared[_-]?access[_-]?key|signing[_-]?key|encryption[_-]?key|master[_-]?key|client[_-]?secret';
const WEAK = 'token|auth|signature|sig';
// The last part of a key that says it is about the secret, not the secret (`secretName`,
// `password_file`, `tokenCount`, `api_key_header`).
const ABOUT =
  /^(s|es|name|names|ref|refs|file|files|path|dir|id|ids|len|length|count|type|types|expiry|expires|expiration|ttl|age|policy|min|max|hint|reset|field|url|uri|endpoint|store|provider|manager|mount|volume|env|enabled|required|rotation|rotated|version|hash|kind|source|selector|template|format|strength|changed|set|header|headers|prefix|suffix|param|query|method|mode|scope|scopes|limit|limits|size|usage|used|remaining|less|through|signin|signout|login|logout|redirect|response|request|status)$/i;
const KEYWORD_AT = new RegExp(`^(?:${STRONG}|${WEAK})`, 'i');
const WEAK_ONLY = new RegExp(`^(?:${WEAK})$`, 'i');

/** A source file name, as stack traces and compilers print it before `:line`. */
const SOURCE_FILE = /\.(ts|mts|cts|js|mjs|cjs|go|py|java|kt|rb|rs|c|cc|cpp|h)$/;

/** The words of a key part: `SecretRef` → [Secret, Ref], `_key_header` → [key, header]. */
function components(s: string): string[] {
  return s.split(/[_.-]+|(?<=[a-z0-9])(?=[A-Z])/).filter(Boolean);
}

/**
 * Whether `key` (the key word and what follows it, up to the separator) names a credential whose
 * value must go, and how strongly: tries each key word in it, so `auth_token` is judged as a token.
 */
function credentialKey(key: string, before: string): 'strong' | 'weak' | undefined {
  // `v1/Secret: …` names the Kubernetes kind in a message; `secret-values.ts:55` is a file and line.
  if ((before === '/' && /^Secret$/.test(key)) || SOURCE_FILE.test(key)) return undefined;
  for (let i = 0; i < key.length; i++) {
    const prev = i === 0 ? before : key[i - 1]!;
    const m = KEYWORD_AT.exec(key.slice(i));
    if (!m) continue;
    const word = m[0];
    const rest = key.slice(i + word.length);
    // A key word inside another word: "bypass", "compass", "oauth", "tokenizer", "secretary".
    if (/^(pass|pwd|auth|sig)$/i.test(word) && /[a-z]/.test(prev) && word[0] === word[0]!.toLowerCase()) continue;
    if (/^[a-z]/.test(rest) && /[a-z]$/.test(word)) continue;
    const last = components(rest).pop();
    if (last !== undefined && ABOUT.test(last)) continue;
    return WEAK_ONLY.test(word) ? 'weak' : 'strong';
  }
  return undefined;
}

/**
 * Node's system errors read `connect ECONNREFUSED 10.0.0.1:443`: after "Secret:" in a message
 * ("could not read Secret: connect ECONNREFUSED …") the syscall is prose, not a value.
 */
const SYSCALL = /^(connect|getaddrinfo|read|write|open|listen|bind|spawn|stat|lstat|unlink|mkdir|scandir|socket)$/;
const ERRNO_AFTER = /^ E[A-Z]{2,}\b/;

/** Values that are not the secret itself: structures, URLs (their credentials have rules of their own). */
const NOT_A_SECRET_VALUE = /^([{[]|[a-z][a-z0-9+.-]{0,20}:\/\/)/i;

/**
 * `password=…`, `"pwd": "…"`, `DB_PASS: …`, `client_secret => …`, escaped or URL-encoded too.
 * Anchored at the separator, with the key found by a lookbehind: a text full of key words and no
 * separators costs nothing, and each separator looks back a bounded distance.
 */
const keyValue: RedactionRule = {
  name: 'key-value',
  re: new RegExp(
    `(?<=(${STRONG}|${WEAK})([A-Za-z0-9_.-]{0,24}?)(\\\\?["']|%22|%27)?[ \\t]{0,4})(?::|=>|=|%3[aAdD])[ \\t]{0,4}(?:\\\\(?="))?(?:"(?!\\[redacted)([^"\\n]{0,4096})"?|'([^'\\n]{0,4096})'?|%22((?:(?!%22)[^\\s"'&]){0,4096})|([^\\s"',;&}\\]<[|>{$][^\\s"',;&}\\]<]{0,4095}))`,
    'gi',
  ),
  replace(m) {
    const [whole, word, suffix, quoteBefore] = m;
    const value = m[4] ?? m[5] ?? m[6] ?? m[7] ?? '';
    // The character before the key (the lookbehind found the key; find where it starts).
    const window = m.input.slice(Math.max(0, m.index - 40), m.index);
    const at = window.lastIndexOf(`${word}${suffix}${quoteBefore ?? ''}`);
    const strength = credentialKey(`${word}${suffix}`, window[at - 1] ?? m.input[m.index - window.length - 1] ?? '');
    const bare = value.replace(/[).\\]+$/, '');
    if (!strength || bare === '' || PLACEHOLDER.test(bare) || NOT_A_SECRET_VALUE.test(value)) return undefined;
    if (SYSCALL.test(bare) && ERRNO_AFTER.test(m.input.slice(m.index + whole!.length, m.index + whole!.length + 16)))
      return undefined;
    if (strength === 'weak' && !secretLike(value)) return undefined;
    const quote = m[4] !== undefined ? '"' : m[5] !== undefined ? "'" : m[6] !== undefined ? '%22' : '';
    const closing = quote && whole!.endsWith(quote) && whole!.length > quote.length ? quote : '';
    return `${whole!.slice(0, whole!.length - value.length - closing.length)}[redacted]${closing}`;
  },
};

/** `--password hunter2`, `-token abc`: a command line's flag and its separate value. */
const cliFlag: RedactionRule = {
  name: 'cli-flag',
  re: /(?<![A-Za-z0-9_-])(--?(?:[a-z0-9]{1,20}-){0,3}(?:password|passwd|pass|token|secret|api-key|apikey|access-key|secret-key|client-secret|auth-token|private-key))([ \t]{1,4})([^\s"'-][^\s"']{0,4095})/gi,
  replace: (m) => (PLACEHOLDER.test(m[3]!) || /^[$<{]/.test(m[3]!) ? undefined : `${m[1]}${m[2]}[redacted]`),
};

/** `<password>…</password>`: the element's text is the value. */
const xmlElement: RedactionRule = {
  name: 'xml-element',
  re: new RegExp(`<((?:[A-Za-z0-9_.-]{0,24}?)(?:${STRONG}))>([^<]{1,4096})<`, 'gi'),
  replace: (m) => (PLACEHOLDER.test(m[2]!) ? undefined : `<${m[1]}>[redacted]<`),
};

/** `Authorization: Bearer …`, `Token …`, `Basic …`: the scheme stays, the credential goes. */
const authorizationHeader: RedactionRule = {
  name: 'authorization-header',
  re: /(?<![A-Za-z0-9_-])((?:proxy-)?authorization["']?[ \t]{0,4}[:=][ \t]{0,4}["']?)((?:bearer|basic|token|digest|negotiate|apikey|api-key|sso-key|key|aws4-hmac-sha256|splunk|gitlab-token)[ \t]{1,4})?([^\s"']{1,4096})/gi,
  replace: (m) => `${m[1]}${m[2] ?? ''}[redacted]`,
};

/** A bearer or basic credential outside a header (`curl -H "…" `, an error message quoting it). */
const schemeCredential: RedactionRule = {
  name: 'scheme-credential',
  re: /(?<![A-Za-z0-9_-])(bearer|basic|token)([ \t]{1,4})([A-Za-z0-9._~+/=-]{8,4096})/gi,
  replace: (m) => (secretLike(m[3]!, 16) && /[0-9]/.test(m[3]!) ? `${m[1]}${m[2]}[redacted]` : undefined),
};

/** `scheme://user:password@host`: the password goes, the rest stays readable. Starts at the literal `://`. */
const urlUserinfo: RedactionRule = {
  name: 'url-userinfo',
  re: /(:\/\/[^\s:/@"'<>]{0,256}:)([^\s@/"'<>]{1,1024})@/g,
  replace: (m) => `${m[1]}[redacted]@`,
};

/** `?access_token=…&sig=…`: credentials in a query string. */
const queryToken: RedactionRule = {
  name: 'query-token',
  re: /([?&;])((?:access_|refresh_|id_|auth_)?token|api[_-]?key|apikey|key|sig|signature|password|passwd|pwd|secret|client_secret|code|x-amz-signature|x-amz-credential|x-amz-security-token|x-goog-signature|x-goog-credential)=([^&\s#"'<>]{1,4096})/gi,
  replace: (m) => (/^(key|code)$/i.test(m[2]!) && !secretLike(m[3]!, 16) ? undefined : `${m[1]}${m[2]}=[redacted]`),
};

/** JSON Web Tokens: header and payload are base64url JSON (`eyJ`), the signature optional. */
const jwt: RedactionRule = {
  name: 'jwt',
  re: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,2048}\.eyJ[A-Za-z0-9_-]{5,16384}\.[A-Za-z0-9_-]{0,2048}/g,
  replace: () => '[redacted jwt]',
};

/** Provider token shapes: each a fixed prefix a vendor chose so leaks can be found. */
const TOKEN_SHAPES: [string, string][] = [
  ['aws key', '(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}(?![A-Za-z0-9])'],
  ['slack token', `(?:xox[abposre]|xapp|xoxe\\.xox[bp])-[A-Za-z0-9-]{10,255}`],
  ['slack webhook', 'hooks\\.slack\\.com/services/T[A-Z0-9]{4,20}/B[A-Z0-9]{4,20}/[A-Za-z0-9]{8,64}'],
  ['github token', `(?:gh[pousr]_[A-Za-z0-9]{20,255}|github_pat_[A-Za-z0-9_]{20,255})`],
  ['gitlab token', `(?:glpat|gldt|glrt|glptt|glcbt)-${ID}{20,255}`],
  ['stripe key', '(?:sk|rk|pk|whsec)_(?:live|test)?_?[A-Za-z0-9]{10,255}'],
  ['api key', `(?:sk|pk|rk)-${ID}{16,255}`],
  ['google key', `(?:AIza[A-Za-z0-9_-]{35}|ya29\\.${ID}{20,2048}|GOCSPX-${ID}{20,64})`],
  ['npm token', 'npm_[A-Za-z0-9]{36}'],
  ['pypi token', `pypi-AgE${ID}{20,512}`],
  ['docker token', `dckr_pat_${ID}{20,255}`],
  ['vault token', `(?:hvs|hvb|hvr)\\.${ID}{20,512}`],
  ['digitalocean token', 'do[opr]_v1_[a-f0-9]{64}'],
  ['sendgrid key', `SG\\.${ID}{16,32}\\.${ID}{16,64}`],
  ['twilio key', 'SK[0-9a-f]{32}(?![A-Za-z0-9])'],
  ['shopify token', 'shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}'],
  ['age key', 'AGE-SECRET-KEY-1[A-Z0-9]{50,70}'],
];
const tokenShapes: RedactionRule[] = TOKEN_SHAPES.map(([name, body]) => ({
  name,
  re: new RegExp(`(?<![A-Za-z0-9_-])${body}`, 'g'),
  replace: () => `[redacted ${name}]`,
}));

/** An AWS key pair pasted together (a credentials CSV, an export): the secret follows the key id. */
const awsKeyPair: RedactionRule = {
  name: 'aws key pair',
  re: /(?<![A-Za-z0-9_-])((?:AKIA|ASIA)[A-Z0-9]{16}[\s,;:|"'=]{1,8})([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/g,
  replace: (m) => `${m[1]}[redacted aws secret key]`,
};

/** A YAML block scalar under a credential's key (`password: |`): its indented lines are the value. */
export const BLOCK_SCALAR_KEY = new RegExp(
  `(?:${STRONG})[A-Za-z0-9_.-]{0,24}?["']?[ \\t]{0,4}:[ \\t]{0,4}[|>][-+0-9]{0,2}[ \\t]{0,16}(?=\\r?\\n)`,
  'gi',
);

/** Rules in the order they run: whole tokens first, then the contexts that name a secret. */
export const RULES: RedactionRule[] = [
  awsKeyPair,
  jwt,
  ...tokenShapes,
  urlUserinfo,
  authorizationHeader,
  queryToken,
  keyValue,
  xmlElement,
  cliFlag,
  schemeCredential,
];
