import { sha256 } from '../lib/canonical-json.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { redactForReview } from './card-redaction.ts';

// Metadata the server writes on every update, never the client's change: status churn (a
// crash-looping pod, a heartbeating node) bumps resourceVersion and managedFields without
// anything a reviewer approved having moved. uid and creationTimestamp differ on every dry-run of
// a create. Everything else in metadata is content: labels, annotations, ownerReferences,
// finalizers — a change to any of them is a change.
const SERVER_WRITTEN = [
  'resourceVersion',
  'managedFields',
  'generation',
  'creationTimestamp',
  'uid',
  'selfLink',
] as const;

/**
 * The object as a change sees it: everything but status and the server's bookkeeping. Freshness
 * (the target moved since approval) and the dry-run digest are hashes of this, for every kind:
 * a Role's rules and a ConfigMap's binaryData count as much as a Deployment's spec.
 */
export function contentView(obj: KubeObject | undefined): Record<string, unknown> {
  if (!obj) return {};
  const { status: _s, metadata, ...body } = obj as KubeObject & Record<string, unknown>;
  const meta: Record<string, unknown> = { ...metadata };
  for (const k of SERVER_WRITTEN) delete meta[k];
  return { ...body, metadata: meta };
}

/** What "the target did not move" means: the hash of its whole content view. */
export function contentHash(obj: KubeObject): string {
  return sha256(contentView(obj));
}

/**
 * The object as the card's diff shows it: the whole content view (metadata included: labels,
 * annotations, ownerReferences, finalizers), with Secret values and a Secret's last-applied copy
 * left out and env values that could be secrets replaced by a short hash, so a change is visible
 * without its value.
 */
export function changeView(obj: KubeObject | undefined): Record<string, unknown> {
  if (!obj) return {};
  const view = contentView(obj);
  const meta = view.metadata as Record<string, unknown>;
  if (obj.kind === 'Secret') {
    for (const field of ['data', 'stringData']) {
      const values = view[field] as Record<string, unknown> | undefined;
      if (values) view[field] = Object.fromEntries(Object.keys(values).map((k) => [k, '(redacted)']));
    }
    const annotations = { ...((meta.annotations as Record<string, string> | undefined) ?? {}) };
    delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
    meta.annotations = annotations;
  }
  return redactForReview(view);
}

/**
 * The artifact an approval is bound to: cluster, action, the exact request (executed verbatim),
 * the target's content as seen at dry-run time, and the dry-run result.
 */
export function artifactHash(p: {
  cluster: string;
  action: string;
  request: unknown;
  targetSpecHash: string;
  dryRun: unknown;
}): string {
  return sha256({
    cluster: p.cluster,
    action: p.action,
    request: p.request,
    targetSpecHash: p.targetSpecHash,
    dryRun: p.dryRun ?? null,
  });
}

/** Stands in for an object that does not exist yet (apply_manifest creating it): an empty spec. */
export function absent(ref: { apiVersion: string; kind: string; namespace?: string; name: string }): KubeObject {
  return { apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } };
}
