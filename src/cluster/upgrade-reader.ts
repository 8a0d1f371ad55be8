import type { UpgradeSnapshot } from '../domain/upgrade-report.ts';
import { decodeRelease } from '../lib/helm-release.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { REMOVED_APIS } from '../lib/removed-apis.data.ts';
import type { KubeReader } from './kube-reader.ts';

/** Cluster API's control planes: kubeadm's and the managed ones (EKS, ROSA, AKS, GKE). */
export const CONTROL_PLANES: readonly [string, string][] = [
  ['controlplane.cluster.x-k8s.io/v1beta1', 'KubeadmControlPlane'],
  ['controlplane.cluster.x-k8s.io/v1beta2', 'AWSManagedControlPlane'],
  ['controlplane.cluster.x-k8s.io/v1beta2', 'ROSAControlPlane'],
  ['infrastructure.cluster.x-k8s.io/v1beta1', 'AzureManagedControlPlane'],
  ['infrastructure.cluster.x-k8s.io/v1beta1', 'GCPManagedControlPlane'],
];
const CAPI = 'cluster.x-k8s.io/v1beta1';

/**
 * One read of what an upgrade preflight needs: the API server's and kubelets' versions, PDBs and
 * workloads, the stored objects of kinds an upgrade may stop serving (and deployed Helm
 * manifests), OpenShift's ClusterVersion, ClusterOperators and MachineConfigPools, and Cluster
 * API's clusters, control planes and pools — each only when the cluster serves it.
 */
export async function readUpgradeSnapshot(reader: KubeReader): Promise<UpgradeSnapshot> {
  const unavailable: string[] = [];
  const get = (what: string, p: Promise<KubeObject[]>) =>
    p.catch((e) => {
      const code = (e as { code?: number }).code;
      if (code !== 404)
        unavailable.push(`${what}: ${code === 403 ? 'no permission to list them' : (e as Error).message}`);
      return [] as KubeObject[];
    });
  const served = async (apiVersion: string, kind: string) =>
    (await reader.isNamespaced(apiVersion, kind).catch(() => undefined)) !== undefined;
  const listIfServed = async (apiVersion: string, kind: string, what: string) =>
    (await served(apiVersion, kind)) ? get(what, reader.list(apiVersion, kind)) : [];
  const [serverVersion, nodes, pdbs, deployments, statefulSets, apiUsers, helmManifests, openshift, clusterApi] =
    await Promise.all([
      reader.serverVersion(),
      get('nodes', reader.list('v1', 'Node')),
      get('poddisruptionbudgets', reader.list('policy/v1', 'PodDisruptionBudget')),
      get('deployments', reader.list('apps/v1', 'Deployment')),
      get('statefulsets', reader.list('apps/v1', 'StatefulSet')),
      readApiUsers(listIfServed),
      readHelmManifests(reader, unavailable),
      readOpenShift(reader, served, listIfServed),
      readClusterApi(served, listIfServed),
    ]);
  return {
    serverVersion,
    nodes,
    pdbs,
    workloads: [...deployments, ...statefulSets],
    apiUsers,
    helmManifests,
    ...(openshift ? { openshift } : {}),
    ...(clusterApi ? { clusterApi } : {}),
    unavailable,
  };
}

type ListIfServed = (apiVersion: string, kind: string, what: string) => Promise<KubeObject[]>;

/** The kinds of the removal table, read in the version that replaces the removed one (whichever is served). */
async function readApiUsers(listIfServed: ListIfServed): Promise<KubeObject[]> {
  const seen = new Set<string>();
  const reads: Promise<KubeObject[]>[] = [];
  for (const r of REMOVED_APIS) {
    const group = r.apiVersion.split('/')[0]!;
    for (const kind of r.kinds) {
      const key = `${group}/${kind}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const to = r.replacement.includes('/') ? r.replacement.split(' ')[0]! : undefined;
      if (to) reads.push(listIfServed(to, kind, `${kind} objects`));
    }
  }
  return (await Promise.all(reads)).flat();
}

/** Each deployed release's manifest: Helm re-applies it as written, removed apiVersions included. */
async function readHelmManifests(reader: KubeReader, unavailable: string[]): Promise<UpgradeSnapshot['helmManifests']> {
  let secrets: KubeObject[];
  try {
    secrets = await reader.list('v1', 'Secret', undefined, { labelSelector: 'owner=helm,status=deployed' });
  } catch (e) {
    unavailable.push(
      `Helm releases: ${(e as { code?: number }).code === 403 ? 'no permission to list Secrets' : (e as Error).message}`,
    );
    return [];
  }
  return secrets.flatMap((s) => {
    try {
      const r = decodeRelease((s.data as Record<string, string>).release ?? '');
      return [{ release: `${r.namespace}/${r.name}`, manifest: r.manifest ?? '' }];
    } catch {
      return [];
    }
  });
}

async function readOpenShift(
  reader: KubeReader,
  served: (apiVersion: string, kind: string) => Promise<boolean>,
  listIfServed: ListIfServed,
): Promise<UpgradeSnapshot['openshift']> {
  if (!(await served('config.openshift.io/v1', 'ClusterVersion'))) return undefined;
  const [clusterVersion, operators, pools] = await Promise.all([
    reader.find({ apiVersion: 'config.openshift.io/v1', kind: 'ClusterVersion', name: 'version' }),
    listIfServed('config.openshift.io/v1', 'ClusterOperator', 'ClusterOperators'),
    listIfServed('machineconfiguration.openshift.io/v1', 'MachineConfigPool', 'MachineConfigPools'),
  ]);
  return { ...(clusterVersion ? { clusterVersion } : {}), operators, pools };
}

async function readClusterApi(
  served: (apiVersion: string, kind: string) => Promise<boolean>,
  listIfServed: ListIfServed,
): Promise<UpgradeSnapshot['clusterApi']> {
  if (!(await served(CAPI, 'Cluster'))) return undefined;
  const [clusters, machineDeployments, machinePools, ...planes] = await Promise.all([
    listIfServed(CAPI, 'Cluster', 'Cluster API clusters'),
    listIfServed(CAPI, 'MachineDeployment', 'MachineDeployments'),
    listIfServed(CAPI, 'MachinePool', 'MachinePools'),
    ...CONTROL_PLANES.map(([v, k]) => listIfServed(v, k, `${k}s`)),
  ]);
  return { clusters, controlPlanes: planes.flat(), machineDeployments, machinePools };
}
