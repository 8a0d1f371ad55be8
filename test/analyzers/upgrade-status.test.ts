import { describe, expect, it } from 'vitest';
import { upgradeStatus } from '../../src/analyzers/upgrade/upgrade-status.ts';
import type { UpgradeSnapshot } from '../../src/domain/upgrade-report.ts';
import type { KubeObject } from '../../src/lib/kube-object.ts';

const node = (name: string, kubelet: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: { nodeInfo: { kubeletVersion: kubelet } },
});
const snapshot = (over: Partial<UpgradeSnapshot> = {}): UpgradeSnapshot => ({
  serverVersion: 'v1.31.4',
  nodes: [node('n1', 'v1.31.4')],
  pdbs: [],
  workloads: [],
  apiUsers: [],
  helmManifests: [],
  unavailable: [],
  ...over,
});
const cond = (type: string, status: string, reason?: string, message?: string) => ({ type, status, reason, message });

describe('Kubernetes upgrade preflight', () => {
  it('plans one minor at a time and refuses to skip one', () => {
    const r = upgradeStatus(snapshot(), '1.33');
    expect(r.findings[0]).toMatchObject({
      category: 'upgrade_blocked',
      summary: 'Upgrade to 1.33 must go through 1.32 first',
    });
    const next = upgradeStatus(snapshot());
    expect(next.target).toBe('1.32');
    expect(next.plan.some((s) => s.startsWith('Control plane to 1.32: kube-apiserver first'))).toBe(true);
    expect(next.findings).toEqual([]);
  });

  it('holds kubelets to the skew policy: never newer than the API server, at most three minors behind the target', () => {
    const r = upgradeStatus(
      snapshot({ nodes: [node('old', 'v1.28.9'), node('new', 'v1.32.0'), node('edge', 'v1.29.1')] }),
      '1.32',
    );
    const about = (n: string) => r.findings.filter((f) => f.object.name === n).map((f) => f.summary);
    expect(about('old')).toEqual(['Upgrade the kubelet on old before the control plane goes to 1.32']);
    expect(about('new')).toEqual(['Kubelet on new is newer than the control plane']);
    expect(about('edge')).toEqual([]);
    expect(r.preflight.skew).toContain(
      "node edge's kubelet v1.29.1 will be 3 minors behind 1.32: the most the skew policy allows",
    );
  });

  it('finds what still writes an API the target stops serving: managedFields, last-applied, Helm manifests', () => {
    const flow: KubeObject = {
      apiVersion: 'flowcontrol.apiserver.k8s.io/v1',
      kind: 'FlowSchema',
      metadata: {
        name: 'batch-jobs',
        managedFields: [{ manager: 'helm', apiVersion: 'flowcontrol.apiserver.k8s.io/v1beta3' }] as any,
      },
    };
    const hpa: KubeObject = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: {
        name: 'web',
        namespace: 'shop',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"autoscaling/v2beta2"}' },
      },
    };
    const manifest =
      '---\napiVersion: flowcontrol.apiserver.k8s.io/v1beta3\nkind: PriorityLevelConfiguration\nmetadata:\n  name: batch\n';
    const r = upgradeStatus(
      snapshot({ apiUsers: [flow, hpa], helmManifests: [{ release: 'ops/fairness', manifest }] }),
      '1.32',
    );
    expect(r.preflight.removedApis).toEqual([
      expect.objectContaining({
        object: 'FlowSchema batch-jobs',
        seenIn: 'managedFields (helm)',
        replacement: 'flowcontrol.apiserver.k8s.io/v1',
      }),
      expect.objectContaining({ object: 'PriorityLevelConfiguration ops/batch', seenIn: 'Helm release ops/fairness' }),
    ]);
    // autoscaling/v2beta2 went in 1.26: not this upgrade's concern.
    expect(r.findings.map((f) => f.summary)).toContain(
      'FlowSchema batch-jobs is written as flowcontrol.apiserver.k8s.io/v1beta3, which 1.32 no longer serves',
    );
    expect(
      upgradeStatus(snapshot({ serverVersion: 'v1.25.3', nodes: [], apiUsers: [hpa] }), '1.26').preflight.removedApis,
    ).toEqual([
      expect.objectContaining({
        object: 'HorizontalPodAutoscaler shop/web',
        seenIn: 'kubectl.kubernetes.io/last-applied-configuration',
      }),
    ]);
  });

  it('names a PodDisruptionBudget that allows no disruption, and the second replica that lets drains pass', () => {
    const pdb = (name: string, allowed: number): KubeObject => ({
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name, namespace: 'pay' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: name } } },
      status: { disruptionsAllowed: allowed, currentHealthy: 1, expectedPods: allowed ? 2 : 1 },
    });
    const deploy = (name: string, replicas: number): KubeObject => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: 'pay' },
      spec: { replicas, template: { metadata: { labels: { app: name } } } },
    });
    const r = upgradeStatus(
      snapshot({ pdbs: [pdb('ledger', 0), pdb('api', 1)], workloads: [deploy('ledger', 1), deploy('api', 2)] }),
    );
    expect(r.preflight.blockingPdbs).toEqual([
      {
        namespace: 'pay',
        name: 'ledger',
        pods: 1,
        why: 'minAvailable 1 with 1 of 1 pod(s) healthy: 0 disruptions allowed',
      },
    ]);
    expect(r.findings[0]).toMatchObject({
      object: { kind: 'PodDisruptionBudget', name: 'ledger' },
      fix: { tool: 'scale', input: { namespace: 'pay', kind: 'Deployment', name: 'ledger', replicas: 2 } },
    });
    expect(r.preflight.singleReplica).toEqual(['Deployment pay/ledger']);
  });
});

describe('OpenShift: ClusterVersion, ClusterOperators, MachineConfigPools', () => {
  const cv: KubeObject = {
    apiVersion: 'config.openshift.io/v1',
    kind: 'ClusterVersion',
    metadata: { name: 'version' },
    spec: { channel: 'stable-4.17' },
    status: {
      desired: { version: '4.17.10' },
      history: [{ state: 'Completed', version: '4.17.10' }],
      availableUpdates: [
        { version: '4.17.12', image: 'a' },
        { version: '4.17.14', image: 'b' },
      ],
      conditions: [cond('Failing', 'True', 'ClusterOperatorDegraded', 'Cluster operator ingress is degraded')],
    },
  };
  const co = (name: string, conditions: object[]): KubeObject => ({
    apiVersion: 'config.openshift.io/v1',
    kind: 'ClusterOperator',
    metadata: { name },
    status: { conditions, versions: [{ name: 'operator', version: '4.17.10' }] },
  });
  const openshift = {
    clusterVersion: cv,
    operators: [
      co('ingress', [cond('Degraded', 'True', 'IngressDegraded', 'router pods crash'), cond('Available', 'True')]),
      co('machine-config', [cond('Upgradeable', 'False', 'DegradedPool', 'a pool is degraded')]),
      co('console', [cond('Available', 'False', 'RouteHealth', 'console route unreachable')]),
    ],
    pools: [
      {
        apiVersion: 'machineconfiguration.openshift.io/v1',
        kind: 'MachineConfigPool',
        metadata: { name: 'worker' },
        spec: { paused: true },
        status: { machineCount: 3, updatedMachineCount: 3 },
      },
    ],
  };

  it('ranks an unavailable operator first, then degraded ones and a failing update, then what blocks minor updates', () => {
    const r = upgradeStatus(snapshot({ serverVersion: 'v1.30.7', nodes: [node('n1', 'v1.30.7')], openshift }));
    expect(r).toMatchObject({ platform: 'openshift', current: '4.17.10', target: '4.17.14' });
    expect(r.findings.map((f) => `${f.severity} ${f.category} ${f.object.name}`)).toEqual([
      'critical cluster_operator_degraded console',
      'high cluster_operator_degraded ingress',
      'high upgrade_blocked version',
      'medium upgrade_blocked machine-config',
      'medium upgrade_blocked worker',
    ]);
    expect(r.findings[1]!.evidence).toContain('router pods crash');
    expect(r.plan.some((s) => s.includes('oc adm upgrade --to 4.17.14'))).toBe(true);
  });
});

describe('Cluster API: versions and rollouts', () => {
  const kcp = (version: string): KubeObject => ({
    apiVersion: 'controlplane.cluster.x-k8s.io/v1beta1',
    kind: 'KubeadmControlPlane',
    metadata: { name: 'c1-cp', namespace: 'fleet' },
    spec: { version },
    status: { version },
  });
  const md = (version: string, updated = 3): KubeObject => ({
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'MachineDeployment',
    metadata: { name: 'c1-md-0', namespace: 'fleet' },
    spec: { clusterName: 'c1', replicas: 3, template: { spec: { version } } },
    status: { replicas: 3, updatedReplicas: updated, readyReplicas: 3, phase: updated < 3 ? 'ScalingUp' : 'Running' },
  });
  const cluster: KubeObject = {
    apiVersion: 'cluster.x-k8s.io/v1beta1',
    kind: 'Cluster',
    metadata: { name: 'c1', namespace: 'fleet' },
    spec: { controlPlaneRef: { kind: 'KubeadmControlPlane', name: 'c1-cp' } },
  };
  const capi = (cp: KubeObject, pool: KubeObject) => ({
    clusters: [cluster],
    controlPlanes: [cp],
    machineDeployments: [pool],
    machinePools: [],
  });

  it('refuses a pool ahead of its control plane, and offers to bring one behind it up', () => {
    const ahead = upgradeStatus(
      snapshot({ serverVersion: 'v1.32.0', clusterApi: capi(kcp('v1.31.6'), md('v1.32.3')) }),
      '1.32',
    );
    expect(ahead.findings[0]).toMatchObject({
      severity: 'high',
      object: { kind: 'MachineDeployment', name: 'c1-md-0' },
    });
    const behind = upgradeStatus(
      snapshot({ serverVersion: 'v1.32.0', clusterApi: capi(kcp('v1.32.3'), md('v1.31.6')) }),
      '1.32',
    );
    expect(behind.findings[0]).toMatchObject({
      severity: 'medium',
      fix: {
        tool: 'node_pool_upgrade',
        input: { namespace: 'fleet', kind: 'MachineDeployment', name: 'c1-md-0', version: 'v1.32.3' },
      },
    });
    expect(behind.clusterApi[0]!.pools[0]).toMatchObject({
      version: 'v1.31.6',
      updated: 3,
      replicas: 3,
      phase: 'Running',
    });
    const rolling = upgradeStatus(
      snapshot({ serverVersion: 'v1.32.0', clusterApi: capi(kcp('v1.32.3'), md('v1.31.6', 1)) }),
      '1.32',
    );
    expect(rolling.findings).toEqual([]);
  });
});
