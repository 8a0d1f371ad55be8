import { redactEnv } from '../cluster/redact.ts';
import { sha256 } from '../lib/canonical-json.ts';
import type { KubeObject } from '../lib/kube-object.ts';

/** The part of an object a change is about: spec plus labels and annotations. */
export function changeView(obj: KubeObject | undefined): Record<string, unknown> {
  if (!obj) return {};
  // Everything a change can touch: spec, but also data (ConfigMap), rules and subjects (RBAC),
  // webhooks… — not the server's bookkeeping (status, managedFields, resourceVersion).
  const { apiVersion: _v, kind: _k, metadata, status: _s, ...body } = obj as KubeObject & Record<string, unknown>;
  const view: Record<string, unknown> = { metadata: { labels: metadata.labels ?? {}, annotations: metadata.annotations ?? {} }, ...body };
  if (obj.spec) view.spec = redactTemplateEnv(obj.spec);
  if (obj.kind === 'Secret') {
    // A Secret's values never reach a card: its keys do, and the last-applied copy goes too.
    for (const field of ['data', 'stringData']) {
      const values = view[field] as Record<string, unknown> | undefined;
      if (values) view[field] = Object.fromEntries(Object.keys(values).map((k) => [k, '(redacted)']));
    }
    view.metadata = { labels: metadata.labels ?? {}, annotations: Object.fromEntries(Object.entries(metadata.annotations ?? {}).filter(([k]) => k !== 'kubectl.kubernetes.io/last-applied-configuration')) };
  }
  return view;
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
