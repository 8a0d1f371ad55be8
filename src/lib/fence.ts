/** Every frame untrusted text is put in for a model; a body may close or open none of them. */
const FENCE_TAGS = ['cluster-data', 'alert', 'earlier-conclusion'];
const ANY_FENCE = new RegExp(`<(\\s{0,8}/?\\s{0,8})(${FENCE_TAGS.join('|')})`, 'gi');

/**
 * Untrusted text framed for a model: `<tag attrs>` body `</tag>`. Anything in the body that could
 * open or close a frame — this one or another, in any letter case, with spaces after `<` or `/` —
 * is broken up (`<\/tag`), so text from the cluster or an alert can never end its frame and speak
 * outside it.
 */
export function fence(tag: string, attrs: string, body: string): string {
  return `<${tag}${attrs ? ` ${attrs}` : ''}>\n${neutralize(body)}\n</${tag}>`;
}

export function neutralize(body: string): string {
  return body.replace(ANY_FENCE, (_m, between: string, name: string) => `<\\${between.replace(/\s/g, '')}${name}`);
}
