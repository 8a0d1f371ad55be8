import { createHash } from 'node:crypto';
import { readReleaseRevisions } from '../cluster/helm-releases.ts';
import type { KubeReader } from '../cluster/kube-reader.ts';
import type { HelmRollbackRequest } from '../domain/helm-rollback.ts';
import type { WriteStep } from '../domain/write-request.ts';
import { sha256 } from '../lib/canonical-json.ts';
import type { HelmRelease } from '../lib/helm-release.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { manifestObjects } from '../lib/manifest-objects.ts';
import { contentHash } from './artifact.ts';

/** A release as a rollback proposal sees it: what the target revision applies and deletes. */
export interface HelmRollbackState {
  newest: HelmRelease;
  /** The target revision's objects, each with its namespace as it will be written. */
  objects: KubeObject[];
  /** `Kind/name` of the newest revision's objects the target does not have: helm deletes them. */
  removed: { apiVersion: string; kind: string; namespace?: string; name: string }[];
  /** What "nothing moved since the dry-run" means: the newest revision and every touched object's content. */
  hash: string;
}

/**
 * Reads the release behind a rollback request and checks it is still the one proposed: its newest
 * revision is `from` and no operation is in progress; the target revision exists with the manifest
 * proposed. The proposer dry-runs what this returns; the executor reads it again just before helm
 * runs and refuses if the hash moved.
 */
export async function helmRollbackState(
  reader: KubeReader,
  req: HelmRollbackRequest,
): Promise<{ ok: true; state: HelmRollbackState } | { ok: false; problem: string }> {
  const where = `Helm release ${req.namespace}/${req.release}`;
  const revisions = await readReleaseRevisions(reader, req.namespace, req.release);
  const newest = revisions[0];
  if (!newest) return { ok: false, problem: `${where} does not exist` };
  if (newest.version !== req.from)
    return {
      ok: false,
      problem: `${where} moved on: its newest revision is ${newest.version} (${newest.info.status}), not ${req.from}`,
    };
  if (newest.info.status.startsWith('pending-'))
    return { ok: false, problem: `another operation (${newest.info.status}) is in progress on ${where}` };
  const target = revisions.find((r) => r.version === req.revision);
  if (!target) return { ok: false, problem: `${where} has no revision ${req.revision}` };
  if (createHash('sha256').update(target.manifest).digest('hex') !== req.manifest)
    return { ok: false, problem: `${where} revision ${req.revision} no longer holds the manifest proposed` };
  const place = async (o: KubeObject) => {
    const namespaced = await reader.isNamespaced(o.apiVersion, o.kind);
    return namespaced ? { ...o, metadata: { ...o.metadata, namespace: o.metadata.namespace ?? req.namespace } } : o;
  };
  const objects = await Promise.all(manifestObjects(target.manifest).map(place));
  const current = await Promise.all(manifestObjects(newest.manifest).map(place));
  const key = (o: KubeObject) => `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const kept = new Set(objects.map(key));
  const removed = current
    .filter((o) => !kept.has(key(o)))
    .map((o) => ({ apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name }));
  const live = await Promise.all(
    [...objects, ...removed.map((r) => ({ ...r, metadata: { name: r.name, namespace: r.namespace } }))].map(
      async (o) => {
        const found = await reader.find({
          apiVersion: o.apiVersion,
          kind: o.kind,
          namespace: o.metadata.namespace,
          name: o.metadata.name,
        });
        return found ? contentHash(found) : null;
      },
    ),
  );
  const hash = sha256({ revision: newest.version, status: newest.info.status, target: req.manifest, live });
  return { ok: true, state: { newest, objects, removed, hash } };
}

/** The writes a rollback amounts to, for the approvers' RBAC check: an apply per object, a delete per removed one. */
export function rollbackSteps(state: HelmRollbackState): WriteStep[] {
  return [
    ...state.objects.map(
      (o): WriteStep => ({
        apiVersion: o.apiVersion,
        kind: o.kind,
        namespace: o.metadata.namespace,
        name: o.metadata.name,
        verb: 'patch',
        patchType: 'apply',
        body: o,
      }),
    ),
    ...state.removed.map((r): WriteStep => ({ ...r, verb: 'delete' })),
  ];
}
