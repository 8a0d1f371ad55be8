import type { ClusterApiView, UpgradeFinding, UpgradeSnapshot } from '../../domain/upgrade-report.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { minorOf } from './preflight.ts';

/**
 * Cluster API's clusters (kubeadm, EKS, AKS, GKE, ROSA control planes; MachineDeployments and
 * MachinePools): the version each part runs and wants, and its rollout. A pool newer than its
 * control plane, or a rollout that failed, blocks the next upgrade.
 */
export function clusterApiView(c: NonNullable<UpgradeSnapshot['clusterApi']>): ClusterApiView[] {
  return c.clusters.map((cl) => {
    const ns = cl.metadata.namespace!;
    const ref = cl.spec?.controlPlaneRef;
    const cp = c.controlPlanes.find(
      (p) =>
        p.metadata.namespace === ns &&
        (ref ? p.metadata.name === ref.name && p.kind === ref.kind : p.metadata.name.startsWith(cl.metadata.name)),
    );
    const mine = (o: KubeObject) =>
      o.metadata.namespace === ns &&
      (o.spec?.clusterName === cl.metadata.name ||
        o.metadata.labels?.['cluster.x-k8s.io/cluster-name'] === cl.metadata.name);
    return {
      namespace: ns,
      name: cl.metadata.name,
      ...(cl.spec?.topology?.version ? { topologyVersion: cl.spec.topology.version } : {}),
      ...(cp
        ? {
            controlPlane: {
              kind: cp.kind,
              name: cp.metadata.name,
              ...(cp.spec?.version ? { version: String(cp.spec.version) } : {}),
              ...(cp.status?.version ? { statusVersion: String(cp.status.version) } : {}),
              ...(cp.status?.ready !== undefined ? { ready: Boolean(cp.status.ready) } : {}),
              ...(notReady(cp) ? { message: notReady(cp) } : {}),
            },
          }
        : {}),
      pools: [...c.machineDeployments, ...c.machinePools].filter(mine).map((p) => ({
        kind: p.kind,
        name: p.metadata.name,
        ...(p.spec?.template?.spec?.version ? { version: String(p.spec.template.spec.version) } : {}),
        ...(p.spec?.replicas !== undefined ? { replicas: Number(p.spec.replicas) } : {}),
        ...(p.status?.updatedReplicas !== undefined ? { updated: Number(p.status.updatedReplicas) } : {}),
        ...(p.status?.readyReplicas !== undefined ? { ready: Number(p.status.readyReplicas) } : {}),
        ...(p.status?.phase ? { phase: String(p.status.phase) } : {}),
      })),
    };
  });
}

function notReady(o: KubeObject): string | undefined {
  const c = ((o.status?.conditions ?? []) as any[]).find((x) => x.type === 'Ready' && x.status === 'False');
  return c ? `${c.reason ?? 'NotReady'}: ${c.message ?? ''}` : undefined;
}

export function clusterApiFindings(views: ClusterApiView[]): UpgradeFinding[] {
  const out: UpgradeFinding[] = [];
  for (const v of views) {
    const cpVersion = v.controlPlane?.statusVersion ?? v.controlPlane?.version;
    const cpMinor = minorOf(cpVersion);
    for (const p of v.pools) {
      const ref = { kind: p.kind, namespace: v.namespace, name: p.name };
      const pm = minorOf(p.version);
      if (pm !== undefined && cpMinor !== undefined && pm > cpMinor)
        out.push({
          category: 'upgrade_blocked',
          severity: 'high',
          summary: `${p.kind} ${v.namespace}/${p.name} wants ${p.version}, newer than its control plane (${cpVersion}): kubelets may not be newer than the API server`,
          object: ref,
          evidence: [
            `control plane ${v.controlPlane?.kind} ${v.controlPlane?.name} runs ${cpVersion}`,
            'upgrade the control plane first',
          ],
        });
      const rolling = p.updated !== undefined && p.replicas !== undefined && p.updated < p.replicas;
      if (pm !== undefined && cpMinor !== undefined && cpVersion && olderThan(p.version!, cpVersion) && !rolling)
        out.push({
          category: 'upgrade_blocked',
          severity: 'medium',
          summary: `${p.kind} ${v.namespace}/${p.name} runs ${p.version}, behind its control plane (${cpVersion}): the next control-plane upgrade waits for it`,
          object: ref,
          evidence: [
            `control plane ${v.controlPlane?.kind} ${v.controlPlane?.name} runs ${cpVersion}`,
            `kubelets may be up to 3 minors older than the API server, but Cluster API upgrades pools right after their control plane`,
          ],
          fix: {
            tool: 'node_pool_upgrade',
            input: { namespace: v.namespace, kind: p.kind, name: p.name, version: cpVersion },
            why: `bring the pool to its control plane's ${cpVersion}`,
          },
        });
      if (p.phase === 'Failed')
        out.push({
          category: 'upgrade_blocked',
          severity: 'high',
          summary: `${p.kind} ${v.namespace}/${p.name} failed its rollout`,
          object: ref,
          evidence: [`phase Failed; ${p.updated ?? '?'}/${p.replicas ?? '?'} updated, ${p.ready ?? '?'} ready`],
        });
    }
    if (v.controlPlane?.message)
      out.push({
        category: 'upgrade_blocked',
        severity: 'medium',
        summary: `Control plane ${v.controlPlane.kind} ${v.namespace}/${v.controlPlane.name} is not ready`,
        object: { kind: v.controlPlane.kind, namespace: v.namespace, name: v.controlPlane.name },
        evidence: [v.controlPlane.message],
      });
  }
  return out;
}

/** `v1.31.6` older than `v1.32.3` (major.minor.patch; provider suffixes ignored). */
function olderThan(a: string, b: string): boolean {
  const pa = a.replace(/^v/, '').split(/[.-]/).slice(0, 3).map(Number);
  const pb = b.replace(/^v/, '').split(/[.-]/).slice(0, 3).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) < (pb[i] ?? 0);
  return false;
}
