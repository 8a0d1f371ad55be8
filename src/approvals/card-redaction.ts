import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { envValueMayBeSecret, redactText } from '../cluster/redact.ts';
import { describeStep, stepsOf, type WriteRequest } from '../domain/write-request.ts';

/**
 * How a hidden value appears on a card and in `claw show`: a short digest, so a reviewer sees
 * that it changed (and whether two values are the same) without the value itself.
 */
export function redactedMarker(value: string): string {
  return `[redacted sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}]`;
}

type EnvVar = { name: string; value: string; valueFrom?: unknown };

/** An env var entry wherever it sits (a container's env, a JSON patch op's value). */
function isEnvVar(v: Record<string, unknown>): v is EnvVar {
  return (
    typeof v.name === 'string' &&
    typeof v.value === 'string' &&
    Object.keys(v).every((k) => k === 'name' || k === 'value' || k === 'valueFrom')
  );
}

/**
 * A copy of `value` fit for a reviewer's eyes: env values that could be secrets and the known
 * Secret values of the namespace become markers; every other string passes the text redaction.
 * Structure, keys and harmless values stay as they are, so the whole change is still readable.
 */
export function redactForReview<T>(value: T, known: readonly string[] = []): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubToMarkers(redactText(v), known);
    if (Array.isArray(v)) return v.map(walk);
    if (!v || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (isEnvVar(o))
      return envValueMayBeSecret(o.name, o.value)
        ? { ...o, value: redactedMarker(o.value) }
        : { ...o, value: walk(o.value) };
    // A JSON patch op that sets one env value: the name is elsewhere, so judge the value alone.
    if (
      typeof o.op === 'string' &&
      typeof o.path === 'string' &&
      /\/env\/[^/]+\/value$/.test(o.path) &&
      typeof o.value === 'string'
    ) {
      return { ...o, value: envValueMayBeSecret('', o.value) ? redactedMarker(o.value) : o.value };
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x)]));
  };
  return walk(value) as T;
}

function scrubToMarkers(text: string, known: readonly string[]): string {
  let out = text;
  for (const v of known) if (out.includes(v)) out = out.split(v).join(redactedMarker(v));
  return out;
}

/**
 * The stored request as a reviewer reads it in full (Slack's *Whole change*, `claw show`): each
 * step's verb and target, then its body as YAML, redacted for review.
 */
export function requestForReview(request: WriteRequest, known: readonly string[] = []): string {
  return stepsOf(request)
    .map((s) => {
      const body = s.verb === 'patch' ? s.body : { ...(s.uid ? { uid: s.uid } : {}) };
      const shown = redactForReview(body, known);
      return `# ${describeStep(s)}\n${stringify(shown).trimEnd()}`;
    })
    .join('\n');
}
