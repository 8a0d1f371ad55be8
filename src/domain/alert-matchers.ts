/** One Alertmanager label matcher: `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`. */
export interface Matcher {
  name: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
  matches(labels: Readonly<Record<string, string>>): boolean;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$/;

/**
 * Parses a matcher as Alertmanager's config writes it (quotes optional). Regexes are anchored, as
 * Alertmanager anchors them; a missing label matches as the empty string. Throws on bad syntax.
 */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER.exec(text);
  if (!m)
    throw new Error(`"${text}" is not a label matcher (name="value", name!="value", name=~"regex" or name!~"regex")`);
  const [, name, op, quoted, bare] = m as unknown as [
    string,
    string,
    Matcher['op'],
    string | undefined,
    string | undefined,
  ];
  const value = quoted !== undefined ? quoted.replace(/\\(.)/g, '$1') : (bare ?? '');
  let re: RegExp | undefined;
  if (op === '=~' || op === '!~') {
    try {
      re = new RegExp(`^(?:${value})$`);
    } catch (e) {
      throw new Error(`"${text}": ${(e as Error).message}`);
    }
  }
  const test = (v: string) => (re ? re.test(v) : v === value);
  return { name, op, value, matches: (labels) => test(labels[name] ?? '') === (op === '=' || op === '=~') };
}
