import { stringify } from 'yaml';
import { sha256 } from '../lib/canonical-json.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { unifiedDiff } from '../lib/line-diff.ts';

/** The part of an object a change is about: spec plus labels and annotations. */
export function changeView(obj: KubeObject | undefined): Record<string, unknown> {
  if (!obj) return {};
  return { metadata: { labels: obj.metadata.labels ?? {}, annotations: obj.metadata.annotations ?? {} }, spec: obj.spec ?? {} };
}

export function specHash(obj: KubeObject): string {
  return sha256(obj.spec ?? {});
}

/**
 * The artifact an approval is bound to: cluster, action, the exact request (executed verbatim),
 * the target's spec as seen at dry-run time, and the dry-run result.
 */
export function artifactHash(p: { cluster: string; action: string; request: unknown; targetSpecHash: string; dryRunSpec: unknown }): string {
  return sha256({ cluster: p.cluster, action: p.action, request: p.request, targetSpecHash: p.targetSpecHash, dryRunSpec: p.dryRunSpec ?? null });
}

export function objectDiff(live: KubeObject, after: KubeObject): string {
  return unifiedDiff(stringify(changeView(live)).trimEnd(), stringify(changeView(after)).trimEnd(), 3, [`${live.kind}/${live.metadata.name} (live)`, `${live.kind}/${live.metadata.name} (after, server dry-run)`]);
}
