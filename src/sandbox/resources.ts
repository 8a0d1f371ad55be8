import { RESOURCE_TYPES } from './resource-types.data.ts';

export { RESOURCE_TYPES };
// The kinds the simulated API server serves. Adding a kind is one row here.
export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Discovery categories (`kubectl get all`); built-in kinds get theirs from discovery. */
  categories?: string[];
  /** Writes through the main resource keep the stored status, as the real server does. */
  hasStatus: boolean;
  subresources?: string[];
  /** Verbs other than the full CRUD set (e.g. create-only reviews). */
  verbs?: string[];
  /** Computed on every read by the sandbox, not stored (metrics). */
  computed?: boolean;
  /** Served from a CustomResourceDefinition: no strategic merge patch (415), as the API server. */
  custom?: boolean;
  /** A custom resource's additionalPrinterColumns (for Table output). */
  printerColumns?: { name: string; jsonPath: string; type?: string; priority?: number }[];
}

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

/** `api/v1` or `apis/apps/v1`: a group-version's path segment. */
export function groupVersionPath(t: ResourceType): string {
  return t.group ? `apis/${t.group}/${t.version}` : `api/${t.version}`;
}

/**
 * The kinds one simulated cluster serves: the built-in table plus, for each established
 * CustomResourceDefinition, one row per served version (so Argo CD, Flux, Velero… kinds work).
 */
export class ResourceRegistry {
  private custom: ResourceType[] = [];
  /** Kinds an aggregated API server (OpenShift's Route) serves: not CRDs, so no CRD can remove them. */
  private aggregated: ResourceType[] = [];

  all(): readonly ResourceType[] {
    return [...RESOURCE_TYPES, ...this.aggregated, ...this.custom];
  }

  serveAggregated(types: readonly ResourceType[]): void {
    for (const t of types) if (!this.aggregated.includes(t)) this.aggregated.push(t);
  }

  findByPlural(group: string, version: string, plural: string): ResourceType | undefined {
    return this.all().find((t) => t.group === group && t.version === version && t.plural === plural);
  }

  findByKind(apiVersion: string, kind: string): ResourceType | undefined {
    return this.all().find((t) => apiVersionOf(t) === apiVersion && t.kind === kind);
  }

  /** Rebuilds the custom rows from the CRDs now stored. */
  syncCustom(crds: { spec?: any }[]): void {
    this.custom = crds.flatMap((crd) => {
      const spec = crd.spec ?? {};
      const names = spec.names ?? {};
      if (!spec.group || !names.plural || !names.kind) return [];
      return (spec.versions ?? [])
        .filter((v: any) => v.served !== false)
        .map(
          (v: any): ResourceType => ({
            group: spec.group,
            version: v.name,
            kind: names.kind,
            plural: names.plural,
            singular: names.singular ?? names.kind.toLowerCase(),
            namespaced: spec.scope !== 'Cluster',
            shortNames: names.shortNames,
            categories: names.categories,
            hasStatus: Boolean(v.subresources?.status),
            subresources: [...(v.subresources?.status ? ['status'] : []), ...(v.subresources?.scale ? ['scale'] : [])],
            printerColumns: v.additionalPrinterColumns,
            custom: true,
          }),
        );
    });
  }
}
