// Secret-looking values in cluster text (logs, events, env) are replaced before anything leaves
// the cluster boundary: Slack, model prompts, logs, the store (Invariant 4).
const PATTERNS: [RegExp, string][] = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
  [/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted jwt]'],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted aws key]'],
  [/\b(xox[abposr]|xapp)-[A-Za-z0-9-]{10,}/g, '[redacted slack token]'],
  [/\b(sk|pk|rk)-[A-Za-z0-9_-]{16,}/g, '[redacted api key]'],
  [/\b(gh[pousr]_[A-Za-z0-9]{20,})/g, '[redacted github token]'],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)([^\s@/]+)(@)/gi, '$1[redacted]$3'],
  [/(["']?\b[\w.-]*(?:password|passwd|secret|token|api[_-]?key|private[_-]?key|credentials?)["']?\s*[:=]\s*["']?)([^\s"',;}]+)/gi, '$1[redacted]'],
];

export function redactText(text: string): string {
  let out = text;
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}

const SECRET_NAME = /(password|passwd|secret|token|api[_-]?key|private[_-]?key|credential)/i;

/** Env var values whose names look secret are hidden; references (valueFrom) are kept. */
export function redactEnv(env: { name: string; value?: string; valueFrom?: unknown }[] | undefined) {
  return (env ?? []).map((e) => (e.value !== undefined && SECRET_NAME.test(e.name) ? { ...e, value: '[redacted]' } : { ...e, ...(e.value !== undefined ? { value: redactText(e.value) } : {}) }));
}

/** Keeps the end of long text (the end of a log is where the crash is), marking the cut. */
export function budgetTail(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.length - maxChars;
  return `[… ${cut} earlier characters omitted …]\n${text.slice(cut)}`;
}
