import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

const STATE = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'upgrades', 'openshift.yaml'), 'utf8');
const mergePatch = (body: unknown) => [
  'patch',
  'clusterversion',
  'version',
  '--type',
  'merge',
  '-p',
  JSON.stringify(body),
];
const cond = (type: string, field = 'status') => `jsonpath={.status.conditions[?(@.type=="${type}")].${field}}`;

describe.skipIf(!KUBECTL)('the simulated cluster-version operator updates OpenShift as `oc adm upgrade` asks', () => {
  const s = kubectlSandbox({ prefix: 'claw-ocp-', stateYaml: STATE });
  const cv = (jsonpath: string) => s.k('get', 'clusterversion', 'version', '-o', jsonpath);

  it('refuses a minor update while an operator is not upgradeable, naming the precondition', async () => {
    await s.k(
      'patch',
      'clusteroperator',
      'machine-config',
      '--subresource',
      'status',
      '--type',
      'merge',
      '-p',
      JSON.stringify({
        status: {
          conditions: [
            { type: 'Available', status: 'True', reason: 'AsExpected' },
            { type: 'Degraded', status: 'False', reason: 'AsExpected' },
            {
              type: 'Upgradeable',
              status: 'False',
              reason: 'DegradedPool',
              message: 'One or more machine config pools are degraded',
            },
          ],
        },
      }),
    );
    await s.until(['get', 'clusterversion', 'version', '-o', cond('Upgradeable')], /^False$/);
    await s.k(...mergePatch({ spec: { desiredUpdate: { version: '4.18.1', force: false, architecture: '' } } }));
    const msg = await s.until(
      ['get', 'clusterversion', 'version', '-o', cond('ReleaseAccepted', 'message')],
      /Precondition/,
    );
    expect(msg).toMatch(
      /Precondition "ClusterVersionUpgradeable" failed because of "DegradedPool": Cluster operator machine-config should not be upgraded between minor versions/,
    );
    expect(await cv('jsonpath={.status.desired.version}')).toBe('4.17.10');
  });

  it('takes a z-stream update through Partial, every operator and the pools, to Completed', async () => {
    await s.k(...mergePatch({ spec: { desiredUpdate: { version: '4.17.14', force: false, architecture: '' } } }));
    const working = await s.until(
      ['get', 'clusterversion', 'version', '-o', cond('Progressing', 'message')],
      /Working towards 4\.17\.14/,
    );
    expect(working).toMatch(/\d+ of 903 done \(\d+% complete\)/);
    expect(await cv('jsonpath={.status.history[0].state}')).toBe('Partial');
    await s.until(['get', 'clusterversion', 'version', '-o', 'jsonpath={.status.history[0].state}'], /^Completed$/, 1);
    expect(await cv(cond('Progressing', 'message'))).toBe('Cluster version is 4.17.14');
    expect(
      await s.k('get', 'co', 'machine-config', '-o', 'jsonpath={.status.versions[?(@.name=="operator")].version}'),
    ).toBe('4.17.14');
    expect(
      await s.k('get', 'mcp', 'worker', '-o', 'jsonpath={.status.updatedMachineCount}/{.status.machineCount}'),
    ).toBe('3/3');
    expect(await cv('jsonpath={.status.availableUpdates}')).toBe('[]');
    expect(await s.k('get', 'clusterversion')).toMatch(/version\s+4\.17\.14/);
  });

  it('stops on a degraded operator: waiting on it, then Failing', async () => {
    await s.k(
      'patch',
      'clusteroperator',
      'ingress',
      '--subresource',
      'status',
      '--type',
      'merge',
      '-p',
      JSON.stringify({
        status: {
          conditions: [{ type: 'Degraded', status: 'True', reason: 'IngressDegraded', message: 'router pods crash' }],
        },
      }),
    );
    const kv = s.sandbox.state.store;
    const t = s.sandbox.state.types.findByKind('config.openshift.io/v1', 'ClusterVersion')!;
    const v = kv.get(t, undefined, 'version')!;
    v.status.availableUpdates = [
      { version: '4.17.16', image: 'quay.io/openshift-release-dev/ocp-release@sha256:1111' },
    ];
    kv.update(t, v, { statusOnly: true });
    await s.k(...mergePatch({ spec: { desiredUpdate: { version: '4.17.16', force: false, architecture: '' } } }));
    await s.until(['get', 'clusterversion', 'version', '-o', cond('Progressing', 'message')], /waiting on ingress/);
    await s.until(
      ['get', 'clusterversion', 'version', '-o', cond('Failing', 'message')],
      /Cluster operator ingress is degraded/,
      5,
    );
  });
});

const WORKERS = `
---
apiVersion: v1
kind: Node
metadata: { name: worker-1, labels: { kubernetes.io/hostname: worker-1, node-role.kubernetes.io/worker: "" } }
status:
  allocatable: { cpu: "4", memory: 16Gi, pods: "110" }
  conditions: [{ type: Ready, status: "True" }]
---
apiVersion: v1
kind: Node
metadata: { name: worker-2, labels: { kubernetes.io/hostname: worker-2, node-role.kubernetes.io/worker: "" } }
status:
  allocatable: { cpu: "4", memory: 16Gi, pods: "110" }
  conditions: [{ type: Ready, status: "True" }]
---
apiVersion: v1
kind: Namespace
metadata: { name: pay }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: ledger, namespace: pay }
spec:
  replicas: 1
  selector: { matchLabels: { app: ledger } }
  template:
    metadata: { labels: { app: ledger } }
    spec:
      nodeSelector: { kubernetes.io/hostname: worker-1 }
      containers: [{ name: ledger, image: nginx:1.27 }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: ledger, namespace: pay }
spec:
  minAvailable: 1
  selector: { matchLabels: { app: ledger } }
`;

describe.skipIf(!KUBECTL)(
  'an update that meets a PodDisruptionBudget: the pool cannot drain, machine-config degrades',
  () => {
    // The worker pool selects the two real workers; worker-1 runs a pod whose budget allows no disruption.
    const s = kubectlSandbox({
      prefix: 'claw-ocp-pdb-',
      stateYaml: STATE.replace(
        /metadata: \{ name: worker \}\nspec: \{ paused: false,/,
        'metadata: { name: worker }\nspec: { nodeSelector: { matchLabels: { node-role.kubernetes.io/worker: "" } }, paused: false,',
      ).concat(WORKERS),
    });
    const co = (output: string) => s.k('get', 'co', 'machine-config', '-o', output);

    it('reports the drain that fails, degrades the operator, fails the update — and recovers once the budget allows it', async () => {
      await s.until(['get', 'pdb', 'ledger', '-n', 'pay', '-o', 'jsonpath={.status.expectedPods}'], /^1$/, 1);
      await s.k(...mergePatch({ spec: { desiredUpdate: { version: '4.17.14', force: false, architecture: '' } } }));
      const pool = await s.until(
        ['get', 'mcp', 'worker', '-o', cond('NodeDegraded', 'message')],
        /failed to drain node: worker-1/,
        1,
      );
      expect(pool).toContain('cannot evict pay/ledger-');
      expect(await co(cond('Degraded', 'reason'))).toBe('RequiredPoolsFailed');
      expect(await co(cond('Upgradeable', 'reason'))).toBe('DegradedPool');
      await s.until(
        ['get', 'clusterversion', 'version', '-o', cond('Failing', 'message')],
        /Cluster operator machine-config is degraded/,
        2,
      );
      await s.k('scale', 'deployment', 'ledger', '-n', 'pay', '--replicas', '2');
      await s.until(
        ['get', 'clusterversion', 'version', '-o', 'jsonpath={.status.history[0].state}'],
        /^Completed$/,
        1,
      );
      expect(await co(cond('Degraded'))).toBe('False');
    });
  },
);
