import type { KubeObject } from '../../lib/kube-object.ts';

/**
 * Whether a live object still holds everything Git declares for it: every field the desired
 * manifest sets must have the same value live (lists item by item, same length). Fields Git leaves
 * out (defaults, status, server metadata) are the server's. This is the normalized diff Argo CD
 * shows as OutOfSync and Flux's drift detection reports; it needs no last-applied annotation.
 */
export function driftOf(desired: KubeObject, live: KubeObject | undefined): string[] {
  if (!live) return ['(missing)'];
  const out: string[] = [];
  const { metadata, status: _status, ...rest } = desired;
  compare(rest, live, '', out);
  const meta = { labels: live.metadata.labels ?? {}, annotations: live.metadata.annotations ?? {} };
  compare({ labels: metadata?.labels ?? {}, annotations: metadata?.annotations ?? {} }, meta, '.metadata', out);
  return out;
}

function compare(want: unknown, got: unknown, path: string, out: string[]): void {
  if (out.length >= 10) return;
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) {
      out.push(path);
      return;
    }
    for (let i = 0; i < want.length; i++) compare(want[i], got[i], `${path}[${i}]`, out);
    return;
  }
  if (want !== null && typeof want === 'object') {
    if (got === null || typeof got !== 'object' || Array.isArray(got)) {
      out.push(path);
      return;
    }
    for (const [k, v] of Object.entries(want)) compare(v, (got as Record<string, unknown>)[k], `${path}.${k}`, out);
    return;
  }
  if (want === null || want === undefined) return;
  if (String(want) !== String(got)) out.push(path);
}
