import type { KubeObject } from '../../lib/kube-object.ts';
import { CRD_SETS, type CrdRow } from './crd-sets.data.ts';

/** The ready CRD sets `claw sandbox --crds` and a `SandboxCRDs` document name. */
export const CRD_SET_NAMES = Object.keys(CRD_SETS);

/** Parses `argocd,flux`: every name must be a set; the error lists the ones that exist. */
export function parseCrdSets(list: string | readonly string[]): string[] {
  const names = (typeof list === 'string' ? list.split(',') : [...list]).map((s) => String(s).trim()).filter(Boolean);
  const unknown = names.filter((n) => !CRD_SETS[n]);
  if (unknown.length)
    throw new Error(`unknown CRD set ${unknown.join(', ')}: the sets are ${CRD_SET_NAMES.join(', ')}`);
  return [...new Set(names)];
}

/** The CustomResourceDefinition objects of the named sets, as `kubectl get crd -o yaml` shows them. */
export function crdObjects(sets: readonly string[]): KubeObject[] {
  return sets.flatMap((s) => CRD_SETS[s]!.map(crdObject));
}

function crdObject(row: CrdRow): KubeObject {
  const singular = row.kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${row.plural}.${row.group}` },
    spec: {
      group: row.group,
      scope: row.scope ?? 'Namespaced',
      names: {
        kind: row.kind,
        listKind: `${row.kind}List`,
        plural: row.plural,
        singular,
        ...(row.shortNames ? { shortNames: row.shortNames } : {}),
        ...(row.categories ? { categories: row.categories } : {}),
      },
      versions: row.versions.map((name, i) => ({
        name,
        served: true,
        storage: i === row.versions.length - 1,
        // Argo CD's Application and Velero's kinds declare `subresources: {}`: status is written with the object.
        subresources: row.status ? { status: {} } : {},
        ...(row.columns ? { additionalPrinterColumns: row.columns } : {}),
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
      })),
    },
  };
}
