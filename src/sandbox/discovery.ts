import { apiVersionOf, type ResourceRegistry, type ResourceType } from './resources.ts';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

// Subresources whose kind or verbs differ from their parent's (as the real server lists them).
const SUBRESOURCE: Record<string, { kind: string; group?: string; version?: string; verbs: string[] }> = {
  log: { kind: 'Pod', verbs: ['get'] },
  exec: { kind: 'PodExecOptions', verbs: ['create', 'get'] },
  eviction: { kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
  scale: { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
};

function groupVersions(types: ResourceRegistry): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const t of types.all()) if (t.group) seen.set(`${t.group}/${t.version}`, { group: t.group, version: t.version });
  return [...seen.values()];
}

export function apiVersions() {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }],
  };
}

function apiGroup(types: ResourceRegistry, group: string) {
  const versions = groupVersions(types)
    .filter((g) => g.group === group)
    .map((g) => ({ groupVersion: `${g.group}/${g.version}`, version: g.version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

export function apiGroupList(types: ResourceRegistry) {
  const groups = [...new Set(groupVersions(types).map((g) => g.group))];
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: groups.map((g) => apiGroup(types, g)) };
}

export function apiGroupDoc(types: ResourceRegistry, group: string) {
  const g = apiGroup(types, group);
  return g.versions.length ? { kind: 'APIGroup', apiVersion: 'v1', ...g } : undefined;
}

/** The kinds the API server puts in the `all` category, which `kubectl get all` expands. */
const ALL = new Set([
  '/Pod',
  '/Service',
  '/ReplicationController',
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/StatefulSet',
  'apps/DaemonSet',
  'batch/Job',
  'batch/CronJob',
  'autoscaling/HorizontalPodAutoscaler',
]);

function categoriesOf(t: ResourceType): string[] | undefined {
  return t.categories ?? (ALL.has(`${t.group}/${t.kind}`) ? ['all'] : undefined);
}

/** APIResourceList for one group-version, subresources included (kubectl checks pods/log etc.). */
export function apiResourceList(registry: ResourceRegistry, group: string, version: string) {
  const types = registry.all().filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const resources = types.flatMap((t: ResourceType) => [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs ?? VERBS,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(categoriesOf(t) ? { categories: categoriesOf(t) } : {}),
    },
    ...(t.subresources ?? []).map((sub) => ({
      name: `${t.plural}/${sub}`,
      singularName: '',
      namespaced: t.namespaced,
      ...(SUBRESOURCE[sub] ?? { kind: t.kind, verbs: ['get', 'patch', 'update'] }),
    })),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(types[0]!), resources };
}

/** `/version` for a cluster at `version` (v1.32.0). */
export const versionInfo = (version: string) => ({
  major: '1',
  minor: version.split('.')[1]!,
  gitVersion: `${version}-clusterclaw-sandbox`,
  gitCommit: 'sandbox',
  gitTreeState: 'clean',
  buildDate: '2026-11-01T00:00:00Z',
  goVersion: 'go1.23',
  compiler: 'gc',
  platform: 'linux/amd64',
});
