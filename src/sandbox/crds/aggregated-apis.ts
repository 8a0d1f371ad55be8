import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { RESOURCE_TYPES, type ResourceType } from '../resources.ts';
import { ROUTER_DOMAIN } from './router-domain.ts';

/**
 * OpenShift's Route, served by openshift-apiserver behind an APIService (`v1.route.openshift.io`),
 * not by a CRD: it takes strategic merge patches like any built-in kind, and `kubectl get crd` does
 * not list it. The `openshift` set turns it on.
 */
export const ROUTE_TYPE: ResourceType = {
  group: 'route.openshift.io',
  version: 'v1',
  kind: 'Route',
  plural: 'routes',
  singular: 'route',
  namespaced: true,
  hasStatus: true,
  subresources: ['status'],
};

/** Aggregated APIs each CRD set brings. */
export const AGGREGATED_BY_SET: Record<string, ResourceType[]> = { openshift: [ROUTE_TYPE] };

/** Serves the sets' aggregated kinds and records one APIService per served group-version, as every cluster lists them. */
export function serveAggregatedApis(state: ClusterState, sets: readonly string[]): void {
  const aggregated = sets.flatMap((s) => AGGREGATED_BY_SET[s] ?? []);
  state.types.serveAggregated(aggregated);
  const local = new Map<string, ResourceType>();
  for (const t of RESOURCE_TYPES) local.set(`${t.version}.${t.group}`, t);
  for (const [name, t] of local) ensureApiService(state, name, t, undefined);
  for (const t of aggregated)
    ensureApiService(state, `${t.version}.${t.group}`, t, { namespace: 'openshift-apiserver', name: 'api', port: 443 });
}

function ensureApiService(
  state: ClusterState,
  name: string,
  t: ResourceType,
  service: { namespace: string; name: string; port: number } | undefined,
): void {
  const apiName = t.group ? name : t.version;
  if (state.store.get(T.apiService, undefined, apiName)) return;
  const obj: KubeObject = {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: {
      name: apiName,
      ...(service ? {} : { labels: { 'kube-aggregator.kubernetes.io/automanaged': 'onstart' } }),
    },
    spec: {
      ...(t.group ? { group: t.group } : {}),
      version: t.version,
      ...(service ? { service, insecureSkipTLSVerify: true } : {}),
      groupPriorityMinimum: service ? 9900 : 18000,
      versionPriority: 15,
    },
    status: {
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: service ? 'Passed' : 'Local',
          message: service ? 'all checks passed' : 'Local APIServices are always available',
        },
      ],
    },
  };
  state.store.create(T.apiService, obj);
}

/** The default router admits every Route (openshift-apiserver gave it its host: src/sandbox/defaults.ts). */
export function runRouteController(state: ClusterState): void {
  const routes = state.types.findByKind('route.openshift.io/v1', 'Route');
  if (!routes) return;
  for (const r of state.store.list(routes)) {
    const host = r.spec?.host;
    const admitted = r.status?.ingress?.find((i: any) => i.routerName === 'default');
    if (admitted?.host === host) continue;
    const ingress = {
      host,
      routerName: 'default',
      routerCanonicalHostname: `router-default.${ROUTER_DOMAIN}`,
      wildcardPolicy: r.spec?.wildcardPolicy ?? 'None',
      conditions: [{ type: 'Admitted', status: 'True', lastTransitionTime: state.now().toISOString() }],
    };
    state.store.update(routes, { ...r, status: { ingress: [ingress] } }, { statusOnly: true });
  }
}
