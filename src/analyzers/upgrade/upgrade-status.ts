import { SEVERITY_RANK } from '../../domain/security-finding.ts';
import type { UpgradeReport, UpgradeSnapshot } from '../../domain/upgrade-report.ts';
import { clusterApiFindings, clusterApiView } from './cluster-api.ts';
import { kubernetesMinorOfOpenShift, openshiftFindings, openshiftView } from './openshift.ts';
import { kubernetesPreflight, minorOf } from './preflight.ts';

/**
 * Where this cluster stands for an upgrade to `target` (a Kubernetes `1.32` / `v1.32.3`, or an
 * OpenShift `4.17.14`; default: the next Kubernetes minor, or OpenShift's newest available
 * update): versions, the preflight, the findings that block it, and the steps it takes here.
 */
export function upgradeStatus(s: UpgradeSnapshot, target?: string): UpgradeReport {
  const kube = minorOf(s.serverVersion) ?? 0;
  const os = s.openshift?.clusterVersion ? openshiftView(s.openshift) : undefined;
  const capi = s.clusterApi ? clusterApiView(s.clusterApi) : [];
  const to =
    target ??
    (os
      ? os.availableUpdates
          .map((u) => u.version)
          .sort(byVersion)
          .at(-1)
      : `1.${kube + 1}`);
  const toKube = os
    ? (kubernetesMinorOfOpenShift(to) ?? kube)
    : (minorOf(to?.startsWith('1.') ? `v${to}` : to) ?? kube + 1);
  // OpenShift moves the kubelets with the release (and EUS-to-EUS updates are its own business).
  const pre = kubernetesPreflight(s, kube, toKube, { skipMinorsAllowed: Boolean(os) });
  const findings = [
    ...(os && s.openshift ? openshiftFindings(s.openshift, os) : []),
    ...clusterApiFindings(capi),
    ...pre.findings,
  ].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  return {
    platform: os ? 'openshift' : 'kubernetes',
    current: os?.version ?? `1.${kube}`,
    kubernetes: s.serverVersion,
    ...(to ? { target: to } : {}),
    ...(os ? { openshift: os } : {}),
    clusterApi: capi,
    preflight: pre.preflight,
    plan: planSteps(os ? 'openshift' : 'kubernetes', to, kube, toKube, pre.preflight, capi.length > 0),
    findings,
    unavailable: s.unavailable,
  };
}

function byVersion(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function planSteps(
  platform: 'openshift' | 'kubernetes',
  to: string | undefined,
  from: number,
  toKube: number,
  pre: UpgradeReport['preflight'],
  clusterApi: boolean,
): string[] {
  const steps = ['Take fresh backups of the namespaces that hold data (claw backup; policy.requireBackup can insist)'];
  if (pre.removedApis.length)
    steps.push(
      `Move what still writes removed APIs to their replacements: ${[...new Set(pre.removedApis.map((u) => `${u.apiVersion} → ${u.replacement}`))].join('; ')}`,
    );
  if (pre.blockingPdbs.length)
    steps.push(
      `Let drains pass the PodDisruptionBudgets that allow no disruption now: ${pre.blockingPdbs.map((b) => `${b.namespace}/${b.name}`).join(', ')}`,
    );
  if (platform === 'openshift') {
    steps.push(
      `Request the update (cluster_upgrade, as oc adm upgrade --to ${to ?? '<version>'}): the cluster-version operator updates the operators, machine-config last`,
      'The MachineConfigPools then roll their nodes one by one (cordon, drain, reboot); paused pools wait',
      'Follow it until the ClusterVersion history says Completed and every ClusterOperator reports the new version',
    );
    return steps;
  }
  for (let m = from + 1; m <= Math.max(from + 1, toKube); m++) {
    steps.push(
      clusterApi
        ? `Control plane to 1.${m} (node_pool_upgrade of the KubeadmControlPlane or managed control plane's version), and wait for it to roll`
        : `Control plane to 1.${m}: kube-apiserver first, then controller-manager, scheduler and cloud-controller-manager`,
      clusterApi
        ? `Node pools to 1.${m} (node_pool_upgrade of each MachineDeployment or MachinePool), one pool at a time`
        : `Nodes to 1.${m} one at a time: cordon, drain (PodDisruptionBudgets hold), upgrade the kubelet, uncordon — a node maintenance plan`,
    );
  }
  return steps;
}
