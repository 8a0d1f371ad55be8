import { redactEnv } from '../cluster/redact.ts';
import { sha256 } from '../lib/canonical-json.ts';
import type { KubeObject } from '../lib/kube-object.ts';

/** The part of an object a change is about: spec plus labels and annotations. */
export function changeView(obj: KubeObject | undefined): Record<string, unknown> {
  if (!obj) return {};
  return { metadata: { labels: obj.metadata.labels ?? {}, annotations: obj.metadata.annotations ?? {} }, spec: redactTemplateEnv(obj.spec ?? {}) };
}

/** Literal env values with secret-looking names never reach a card, even inside a pod template. */
function redactTemplateEnv(spec: KubeObject['spec']): unknown {
  const containers = spec?.template?.spec?.containers;
  if (!Array.isArray(containers)) return spec;
  const copy = structuredClone(spec);
  for (const c of copy.template.spec.containers) if (c.env) c.env = redactEnv(c.env);
  return copy;
}

/** What "the target did not move" means: its spec (data for ConfigMaps and Secrets' key set). */
export function specHash(obj: KubeObject): string {
  return sha256(obj.spec ?? obj.data ?? {});
}

/**
 * The artifact an approval is bound to: cluster, action, the exact request (executed verbatim),
 * the target's spec as seen at dry-run time, and the dry-run result.
 */
export function artifactHash(p: { cluster: string; action: string; request: unknown; targetSpecHash: string; dryRun: unknown }): string {
  return sha256({ cluster: p.cluster, action: p.action, request: p.request, targetSpecHash: p.targetSpecHash, dryRun: p.dryRun ?? null });
}

/** Stands in for an object that does not exist yet (apply_manifest creating it): an empty spec. */
export function absent(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): KubeObject {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } };
}
