import type { ClusterSnapshot, GitOpsObjects, VolumeUsage } from '../../analyzers/snapshot.ts';
import { readHelmReleases } from '../../cluster/helm-releases.ts';
import type { KubeReader } from '../../cluster/kube-reader.ts';
import type { PrometheusClient } from '../../cluster/prometheus.ts';
import { type Flights, sharedRead } from '../../cluster/request-signal.ts';
import type { KubeObject } from '../../lib/kube-object.ts';

const flights: Flights<ClusterSnapshot> = new WeakMap();

/**
 * One read of everything the analyzers need, in parallel; namespaced kinds limited to `namespace`.
 * Runs that ask at the same moment (an alert storm on one cluster) share one read.
 */
export function readSnapshot(
  reader: KubeReader,
  namespace?: string,
  prometheus?: PrometheusClient,
): Promise<ClusterSnapshot> {
  return sharedRead(flights, reader, namespace ?? '*', () => read(reader, namespace, prometheus));
}

async function read(reader: KubeReader, namespace?: string, prometheus?: PrometheusClient): Promise<ClusterSnapshot> {
  const ns = (apiVersion: string, kind: string) => reader.list(apiVersion, kind, namespace);
  const [
    nodes,
    pods,
    deployments,
    replicaSets,
    statefulSets,
    daemonSets,
    jobs,
    services,
    endpoints,
    pvcs,
    storageClasses,
    events,
  ] = await Promise.all([
    reader.list('v1', 'Node'),
    reader.listPods(namespace),
    ns('apps/v1', 'Deployment'),
    ns('apps/v1', 'ReplicaSet'),
    ns('apps/v1', 'StatefulSet'),
    ns('apps/v1', 'DaemonSet'),
    ns('batch/v1', 'Job'),
    ns('v1', 'Service'),
    ns('v1', 'Endpoints'),
    ns('v1', 'PersistentVolumeClaim'),
    reader.list('storage.k8s.io/v1', 'StorageClass'),
    reader.listEvents(namespace),
  ]);
  // Optional reads: a cluster without these APIs (or without permission) still gets the core analysis.
  const optional = (p: Promise<KubeObject[]>) => p.catch(() => undefined);
  const [podMetrics, volumes, ingresses, hpas, pdbs, gitops, helmReleases] = await Promise.all([
    reader.listPodMetrics(namespace).catch(() => undefined),
    volumeUsage(reader, pods, namespace, prometheus),
    optional(ns('networking.k8s.io/v1', 'Ingress')),
    optional(ns('autoscaling/v2', 'HorizontalPodAutoscaler')),
    optional(ns('policy/v1', 'PodDisruptionBudget')),
    readGitOps(reader),
    readHelmReleases(reader, namespace).catch(() => undefined),
  ]);
  return {
    namespace,
    nodes,
    pods,
    deployments,
    replicaSets,
    statefulSets,
    daemonSets,
    jobs,
    services,
    endpoints,
    pvcs,
    storageClasses,
    events,
    podMetrics,
    volumes: volumes.usage,
    ...(volumes.unavailable ? { volumesUnavailable: volumes.unavailable } : {}),
    ingresses,
    hpas,
    pdbs,
    ...(gitops ? { gitops } : {}),
    ...(helmReleases?.length ? { helmReleases } : {}),
  };
}

/**
 * Argo CD's and Flux's objects, from every namespace: an Application in `argocd` owns workloads
 * in the namespace asked about. Kinds the cluster does not serve, or may not be listed, are empty.
 */
export async function readGitOps(reader: KubeReader): Promise<GitOpsObjects | undefined> {
  const all = (apiVersion: string, kind: string) => reader.list(apiVersion, kind).catch(() => [] as KubeObject[]);
  const [applications, kustomizations, helmReleases, gitRepositories] = await Promise.all([
    all('argoproj.io/v1alpha1', 'Application'),
    all('kustomize.toolkit.fluxcd.io/v1', 'Kustomization'),
    all('helm.toolkit.fluxcd.io/v2', 'HelmRelease'),
    all('source.toolkit.fluxcd.io/v1', 'GitRepository'),
  ]);
  const found = { applications, kustomizations, helmReleases, gitRepositories };
  return Object.values(found).some((l) => l.length) ? found : undefined;
}

/**
 * Claim usage: from Prometheus's kubelet volume metrics when configured, else from the stats
 * summaries of the nodes running pods that mount claims (`nodes/proxy`, an opt-in permission).
 * What could not be read is said (`unavailable`), never taken for "no volume is filling".
 */
async function volumeUsage(
  reader: KubeReader,
  pods: KubeObject[],
  namespace?: string,
  prometheus?: PrometheusClient,
): Promise<{ usage: VolumeUsage[]; unavailable?: string }> {
  if (prometheus) {
    try {
      return { usage: await prometheus.volumeUsage(namespace) };
    } catch (e) {
      return {
        usage: [],
        unavailable: `volume usage unavailable: Prometheus did not answer (${(e as Error).message})`,
      };
    }
  }
  const nodes = [
    ...new Set(
      pods
        .filter((p) => p.spec?.nodeName && (p.spec?.volumes ?? []).some((v: any) => v.persistentVolumeClaim))
        .map((p) => p.spec.nodeName as string),
    ),
  ];
  const refused: string[] = [];
  const summaries = await Promise.all(
    nodes.map((n) =>
      reader.nodeStatsSummary(n).catch((e) => {
        refused.push(
          `${n}: ${(e as { code?: number }).code === 403 ? 'no permission to read the kubelet stats (nodes/proxy)' : (e as Error).message}`,
        );
        return undefined;
      }),
    ),
  );
  const usage = summaries.flatMap((s) =>
    (s?.pods ?? [])
      .filter((p) => !namespace || p.podRef.namespace === namespace)
      .flatMap((p) =>
        (p.volume ?? [])
          .filter((v) => v.pvcRef && v.capacityBytes !== undefined && v.usedBytes !== undefined)
          .map((v) => ({
            namespace: v.pvcRef!.namespace,
            claim: v.pvcRef!.name,
            pod: p.podRef.name,
            capacityBytes: v.capacityBytes!,
            usedBytes: v.usedBytes!,
          })),
      ),
  );
  return {
    usage,
    ...(refused.length
      ? {
          unavailable: `volume usage unavailable on ${refused.join('; ')}; grant the kubelet-stats component or set prometheus.url`,
        }
      : {}),
  };
}
