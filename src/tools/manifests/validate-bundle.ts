import { stringify } from 'yaml';
import { describeKubeError } from '../../cluster/api-error.ts';
import type { KubeReader } from '../../cluster/kube-reader.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { type ProductionCheck, productionChecks } from './production-checks.ts';

export interface BundleValidation {
  ok: boolean;
  facts?: unknown;
  /** The objects as one multi-document YAML, in apply order. */
  manifest: string;
  dryRun: { object: string; ok: boolean; detail: string }[];
  checks: ProductionCheck[];
}

/**
 * Validation of any bundle (the template's or a model's): each object server-side dry-run as the
 * apply that would create it, a Pod made from each pod template dry-run too (the API server's
 * admission judges Pods, not Deployments, so a namespace enforcing `restricted` answers here), and
 * the production checks. `ok` only when all pass.
 */
export async function validateBundle(
  reader: KubeReader,
  objects: KubeObject[],
  facts?: unknown,
): Promise<BundleValidation> {
  const dryRun: BundleValidation['dryRun'] = [];
  const attempt = async (label: string, obj: KubeObject) => {
    try {
      await reader.dryRun({
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        namespace: obj.metadata.namespace,
        name: obj.metadata.name,
        verb: 'patch',
        patchType: 'apply',
        body: obj,
      });
      dryRun.push({ object: label, ok: true, detail: 'accepted by a server-side dry-run' });
    } catch (e) {
      dryRun.push({ object: label, ok: false, detail: describeKubeError(e) });
    }
  };
  for (const obj of objects) await attempt(`${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`, obj);
  for (const pod of podsOf(objects))
    await attempt(`Pod ${pod.metadata.namespace}/${pod.metadata.name} (from the pod template)`, pod);
  const checks = productionChecks(objects);
  return {
    ok: dryRun.every((d) => d.ok) && checks.every((c) => c.ok),
    ...(facts ? { facts } : {}),
    manifest: objects.map((o) => stringify(o, { aliasDuplicateObjects: false })).join('---\n'),
    dryRun,
    checks,
  };
}

/** A Pod as each workload's controller would make it; a StatefulSet's claims become their PVC volumes. */
export function podsOf(objects: KubeObject[]): KubeObject[] {
  return objects
    .filter((o) => o.spec?.template?.spec)
    .map((o) => {
      const claims = ((o.spec.volumeClaimTemplates ?? []) as KubeObject[]).map((c) => ({
        name: c.metadata.name,
        persistentVolumeClaim: { claimName: `${c.metadata.name}-${o.metadata.name}-0` },
      }));
      // The account may be created by the same apply: the API server would refuse a Pod naming one
      // that does not exist yet, which says nothing about the template. Pod Security ignores it.
      const { serviceAccountName: _account, ...template } = o.spec.template.spec;
      const spec = { ...template, volumes: [...(template.volumes ?? []), ...claims] };
      return {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${o.metadata.name}-admission-check`,
          namespace: o.metadata.namespace,
          labels: o.spec.template.metadata?.labels ?? {},
        },
        spec,
      };
    });
}
