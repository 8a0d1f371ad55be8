import { describe, expect, it } from 'vitest';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

const node = (name: string, zone: string) => `apiVersion: v1
kind: Node
metadata: { name: ${name}, labels: { kubernetes.io/hostname: ${name}, topology.kubernetes.io/zone: ${zone} } }
status:
  capacity: { cpu: "4", memory: 16Gi, pods: "110" }
  allocatable: { cpu: "4", memory: 16Gi, pods: "110" }
  conditions: [{ type: Ready, status: "True" }]
`;
const STATE = [
  node('n1', 'a'),
  node('n2', 'a'),
  node('n3', 'b'),
  `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: expandable }
provisioner: sandbox.local/hostpath
allowVolumeExpansion: true
`,
].join('---\n');

/** Placement (pod anti-affinity, topology spread), StatefulSet rollouts and volume expansion, with the real kubectl. */
describe.skipIf(!KUBECTL)('sandbox: scheduling constraints, StatefulSet updates and PVC expansion', () => {
  const box = kubectlSandbox({ stateYaml: STATE, prefix: 'claw-sched-' });
  const { k, apply, until } = box;
  const nodesOf = async (selector: string) =>
    (await k('get', 'pods', '-l', selector, '-o', 'jsonpath={range .items[*]}{.spec.nodeName}{"\\n"}{end}'))
      .trim()
      .split('\n')
      .filter(Boolean);

  it('places one replica per node under required anti-affinity; the one too many stays Pending with the reason', async () => {
    await apply(`apiVersion: apps/v1
kind: Deployment
metadata: { name: spread, namespace: default }
spec:
  replicas: 4
  selector: { matchLabels: { app: spread } }
  template:
    metadata: { labels: { app: spread } }
    spec:
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - { labelSelector: { matchLabels: { app: spread } }, topologyKey: kubernetes.io/hostname }
      containers: [{ name: web, image: "nginx:1.27" }]
`);
    await until(
      ['get', 'events', '--field-selector=reason=FailedScheduling'],
      /0\/3 nodes are available: 3 node\(s\) didn't match pod anti-affinity rules/,
    );
    expect((await nodesOf('app=spread')).sort()).toEqual(['n1', 'n2', 'n3']);
    expect(await k('get', 'pods', '-l', 'app=spread', '--field-selector=status.phase=Pending', '-o', 'name')).toMatch(
      /^pod\/spread-/,
    );
  });

  it('spreads replicas evenly across zones under a topology spread constraint', async () => {
    await apply(`apiVersion: apps/v1
kind: Deployment
metadata: { name: zonal, namespace: default }
spec:
  replicas: 4
  selector: { matchLabels: { app: zonal } }
  template:
    metadata: { labels: { app: zonal } }
    spec:
      topologySpreadConstraints:
      - { maxSkew: 1, topologyKey: topology.kubernetes.io/zone, whenUnsatisfiable: DoNotSchedule, labelSelector: { matchLabels: { app: zonal } } }
      containers: [{ name: web, image: "nginx:1.27" }]
`);
    await k('rollout', 'status', 'deploy/zonal', '--timeout=20s');
    const zones = (await nodesOf('app=zonal')).map((n) => (n === 'n3' ? 'b' : 'a'));
    expect(zones.filter((z) => z === 'a')).toHaveLength(2);
    expect(zones.filter((z) => z === 'b')).toHaveLength(2);
  });

  it('updates a StatefulSet from the highest ordinal down, and only from the partition up', async () => {
    await apply(`apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: default }
spec:
  replicas: 3
  serviceName: db
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: redis, image: "redis:7.4" }] }
`);
    await k('rollout', 'status', 'statefulset/db', '--timeout=30s');
    await k('patch', 'statefulset/db', '-p', '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":1}}}}');
    // The order the controller replaces pods in, as the cluster's own watch stream shows it.
    const deleted: string[] = [];
    box.sandbox.state.store.onEvent((e) => {
      if (e.type === 'DELETED' && e.resource.kind === 'Pod') deleted.push(e.object.metadata.name);
    });
    await k('set', 'image', 'statefulset/db', 'redis=redis:7.2');
    await until(['get', 'pod', 'db-1', '-o', 'jsonpath={.spec.containers[0].image}'], /redis:7\.2/);
    expect(deleted).toEqual(['db-2', 'db-1']);
    expect(await k('get', 'pod', 'db-0', '-o', 'jsonpath={.spec.containers[0].image}')).toBe('redis:7.4');
  });

  it('expands a bound claim: Resizing, then FileSystemResizePending, then the new capacity', async () => {
    await apply(`apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: default }
spec: { storageClassName: expandable, accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }
---
apiVersion: v1
kind: Pod
metadata: { name: user, namespace: default }
spec:
  volumes: [{ name: d, persistentVolumeClaim: { claimName: data } }]
  containers: [{ name: app, image: "redis:7.4", volumeMounts: [{ name: d, mountPath: /data }] }]
`);
    await until(['get', 'pvc', 'data', '-o', 'jsonpath={.status.phase}'], /Bound/);
    await k('patch', 'pvc', 'data', '-p', '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}');
    await until(['get', 'pvc', 'data', '-o', 'jsonpath={.status.conditions[0].type}'], /Resizing/);
    await until(['get', 'pvc', 'data', '-o', 'jsonpath={.status.conditions[0].type}'], /FileSystemResizePending/, 1);
    await until(['get', 'pvc', 'data', '-o', 'jsonpath={.status.capacity.storage}'], /^2Gi$/, 1);
    expect(await k('get', 'pvc', 'data', '-o', 'jsonpath={.status.conditions}')).toBe('');
  });
});
