import { describe, expect, it } from 'vitest';
import { ClusterState, T } from '../../src/sandbox/cluster-state.ts';
import { reconcileOnce } from '../../src/sandbox/controllers/index.ts';
import { loadState } from '../../src/sandbox/load-state.ts';
import { evictPod } from '../../src/sandbox/subresources.ts';

/** Loads a state file and runs the control loops over `seconds` of simulated time. */
function cluster(yaml: string, seconds = 30): ClusterState {
  const state = new ClusterState();
  loadState(state, yaml);
  advance(state, seconds);
  return state;
}

function advance(state: ClusterState, seconds: number): void {
  for (let t = 0; t <= seconds; t += 5) {
    reconcileOnce(state);
    reconcileOnce(state);
    state.clockOffsetMs += 5000;
  }
}

const node = (name: string, extra = '') => `apiVersion: v1
kind: Node
metadata: { name: ${name}, labels: { kubernetes.io/hostname: ${name}, disk: hdd } }
spec: { ${extra} }
status: { allocatable: { cpu: "2", memory: 4Gi, pods: "110" }, conditions: [{ type: Ready, status: "True" }] }
---
`;

const deployment = (name: string, podSpec: string, replicas = 1) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: shop }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec: ${podSpec}
---
`;

const podsOf = (state: ClusterState, app: string) =>
  state.store.list(T.pod, 'shop').filter((p) => p.metadata.labels?.app === app);
const events = (state: ClusterState, reason: string) =>
  state.store
    .list(T.event, 'shop')
    .filter((e) => e.reason === reason)
    .map((e) => String(e.message));

describe('simulated scheduler', () => {
  it('reports resources and placement per node, worded like the default scheduler', () => {
    const state = cluster(
      node('a') +
        node('b', 'unschedulable: true') +
        node('c', 'taints: [{ key: dedicated, value: gpu, effect: NoSchedule }]') +
        deployment(
          'big',
          '{ containers: [{ name: app, image: example/big:1, resources: { requests: { memory: 8Gi } } }] }',
        ) +
        deployment('ssd', '{ nodeSelector: { disk: ssd }, containers: [{ name: app, image: example/ssd:1 }] }'),
    );
    const big = podsOf(state, 'big')[0]!;
    expect(big.spec.nodeName).toBeUndefined();
    const msg = big.status.conditions[0].message;
    expect(msg).toBe(
      '0/3 nodes are available: 1 Insufficient memory, 1 node(s) had untolerated taint {dedicated: gpu}, 1 node(s) were unschedulable. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
    );
    expect(podsOf(state, 'ssd')[0]!.status.conditions[0].message).toContain(
      "1 node(s) didn't match Pod's node affinity/selector",
    );
    expect(events(state, 'FailedScheduling')).toContain(msg);
  });

  it('binds once the node is uncordoned and requests fit', () => {
    const state = cluster(
      node('a', 'unschedulable: true') +
        deployment(
          'web',
          '{ containers: [{ name: app, image: example/web:1, resources: { requests: { cpu: 500m } } }] }',
        ),
    );
    expect(podsOf(state, 'web')[0]!.spec.nodeName).toBeUndefined();
    const n = state.store.mustGet(T.node, undefined, 'a');
    state.store.update(T.node, { ...n, spec: { ...n.spec, unschedulable: false } });
    advance(state, 10);
    const pod = podsOf(state, 'web')[0]!;
    expect(pod.spec.nodeName).toBe('a');
    expect(pod.status.phase).toBe('Running');
  });
});

describe('simulated kubelet', () => {
  it('holds containers whose ConfigMap or key is missing in CreateContainerConfigError, and mounts in ContainerCreating', () => {
    const state = cluster(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cfg, namespace: shop }\ndata: { LEVEL: info }\n---\n' +
        deployment(
          'env',
          '{ containers: [{ name: app, image: example/env:1, env: [{ name: DB, valueFrom: { secretKeyRef: { name: db-creds, key: password } } }] }] }',
        ) +
        deployment(
          'key',
          '{ containers: [{ name: app, image: example/key:1, env: [{ name: X, valueFrom: { configMapKeyRef: { name: cfg, key: MISSING } } }] }] }',
        ) +
        deployment(
          'vol',
          '{ volumes: [{ name: config, configMap: { name: absent } }], containers: [{ name: app, image: example/vol:1 }] }',
        ),
    );
    const waiting = (app: string) => podsOf(state, app)[0]!.status.containerStatuses[0].state.waiting;
    expect(waiting('env')).toEqual({ reason: 'CreateContainerConfigError', message: 'secret "db-creds" not found' });
    expect(waiting('key').message).toBe("couldn't find key MISSING in ConfigMap shop/cfg");
    expect(waiting('vol').reason).toBe('ContainerCreating');
    expect(events(state, 'FailedMount')).toContain(
      'MountVolume.SetUp failed for volume "config" : configmap "absent" not found',
    );
    expect(events(state, 'Failed')).toContain('Error: secret "db-creds" not found');
  });

  it('fails probes aimed at ports the image does not listen on; liveness failures restart the container', () => {
    const state = cluster(
      'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxImage\nimage: api:2\nbehaviour: { ports: [8080] }\n---\n' +
        deployment(
          'ready',
          '{ containers: [{ name: app, image: api:2, readinessProbe: { httpGet: { path: /healthz, port: 8081 } } }] }',
        ) +
        deployment(
          'live',
          '{ containers: [{ name: app, image: api:2, livenessProbe: { tcpSocket: { port: 9090 }, periodSeconds: 5, failureThreshold: 2 } }] }',
        ) +
        deployment(
          'fine',
          '{ containers: [{ name: app, image: api:2, ports: [{ name: http, containerPort: 8080 }], readinessProbe: { httpGet: { path: /, port: http } } }] }',
        ),
      60,
    );
    const ready = podsOf(state, 'ready')[0]!;
    expect(ready.status.phase).toBe('Running');
    expect(ready.status.containerStatuses[0].ready).toBe(false);
    expect(
      events(state, 'Unhealthy').some((m) =>
        /^Readiness probe failed: Get "http:\/\/10\.244\.[\d.]+:8081\/healthz": dial tcp .* connection refused$/.test(
          m,
        ),
      ),
    ).toBe(true);
    const live = podsOf(state, 'live')[0]!.status.containerStatuses[0];
    expect(live.restartCount).toBeGreaterThan(0);
    expect(live.lastState.terminated.exitCode).toBe(137);
    expect(events(state, 'Killing')).toContain('Container app failed liveness probe, will be restarted');
    expect(podsOf(state, 'fine')[0]!.status.containerStatuses[0].ready).toBe(true);
  });

  it('records the kernel OOMKilling event on the node when a container hits its memory limit', () => {
    const state = cluster(
      node('a') +
        'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxImage\nimage: fat:1\nbehaviour: { memoryMi: 300 }\n---\n' +
        deployment('fat', '{ containers: [{ name: app, image: fat:1, resources: { limits: { memory: 256Mi } } }] }'),
    );
    const oom = state.store.list(T.event, 'default').find((e) => e.reason === 'OOMKilling');
    expect(oom).toMatchObject({ type: 'Warning', involvedObject: { kind: 'Node', name: 'a' } });
    expect(String(oom!.message)).toContain('Memory cgroup out of memory');
    expect(podsOf(state, 'fat')[0]!.status.containerStatuses[0].lastState.terminated.reason).toBe('OOMKilled');
  });

  it("marks a NotReady node's pods not ready", () => {
    const state = cluster(node('a') + deployment('web', '{ containers: [{ name: app, image: example/web:1 }] }'), 10);
    expect(podsOf(state, 'web')[0]!.status.containerStatuses[0].ready).toBe(true);
    const n = state.store.mustGet(T.node, undefined, 'a');
    state.store.update(
      T.node,
      {
        ...n,
        status: {
          ...n.status,
          conditions: [
            {
              type: 'Ready',
              status: 'Unknown',
              reason: 'NodeStatusUnknown',
              message: 'Kubelet stopped posting node status.',
            },
          ],
        },
      },
      { statusOnly: true },
    );
    advance(state, 5);
    const ready = podsOf(state, 'web')[0]!.status.conditions.find((c: any) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'NodeNotReady' });
  });
});

describe('services, volumes, jobs and budgets', () => {
  it('fills Endpoints from ready pods matching the selector, and leaves a mismatched one empty', () => {
    const state = cluster(
      deployment(
        'cart',
        '{ containers: [{ name: app, image: example/cart:1, ports: [{ name: http, containerPort: 8080 }] }] }',
        2,
      ) +
        'apiVersion: v1\nkind: Service\nmetadata: { name: cart, namespace: shop }\nspec: { selector: { app: cart }, ports: [{ port: 80, targetPort: http }] }\n---\n' +
        'apiVersion: v1\nkind: Service\nmetadata: { name: cart-typo, namespace: shop }\nspec: { selector: { app: kart }, ports: [{ port: 80 }] }\n',
    );
    const ep = state.store.mustGet(T.endpoints, 'shop', 'cart');
    expect((ep.subsets as any)[0].addresses).toHaveLength(2);
    expect((ep.subsets as any)[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    expect(state.store.mustGet(T.endpoints, 'shop', 'cart-typo').subsets).toEqual([]);
  });

  it('provisions claims through their storage class and keeps pods of unbound claims pending', () => {
    const state = cluster(
      'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: { name: standard }\nprovisioner: ebs.csi.aws.com\nvolumeBindingMode: Immediate\n---\n' +
        'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: ok, namespace: shop }\nspec: { storageClassName: standard, accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }\n---\n' +
        'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: bad, namespace: shop }\nspec: { storageClassName: fast, accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }\n---\n' +
        deployment(
          'db',
          '{ volumes: [{ name: data, persistentVolumeClaim: { claimName: bad } }], containers: [{ name: db, image: example/pg:16 }] }',
        ),
    );
    expect(state.store.mustGet(T.pvc, 'shop', 'ok').status.phase).toBe('Bound');
    expect(state.store.mustGet(T.pvc, 'shop', 'bad').status.phase).toBe('Pending');
    expect(state.store.list(T.event, 'shop').find((e) => e.reason === 'ProvisioningFailed')?.message).toBe(
      'storageclass.storage.k8s.io "fast" not found',
    );
    expect(podsOf(state, 'db')[0]!.status.conditions[0].message).toContain(
      'pod has unbound immediate PersistentVolumeClaims',
    );
  });

  it('fails a Job past its backoff limit', () => {
    const state = cluster(
      'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxImage\nimage: migrate:3\nbehaviour: { exitCode: 2, startSeconds: 1, logs: "ERROR: relation \\"orders\\" does not exist\\n" }\n---\n' +
        'apiVersion: batch/v1\nkind: Job\nmetadata: { name: migrate, namespace: shop }\nspec: { backoffLimit: 1, template: { spec: { restartPolicy: Never, containers: [{ name: migrate, image: migrate:3 }] } } }\n',
      40,
    );
    const job = state.store.mustGet(T.job, 'shop', 'migrate');
    expect(job.status.conditions[0]).toMatchObject({ type: 'Failed', reason: 'BackoffLimitExceeded' });
    expect(job.status.failed).toBe(2);
  });

  it('refuses an eviction that would break a PodDisruptionBudget with 429, and allows it when the budget has room', () => {
    const state = cluster(
      deployment('cart', '{ containers: [{ name: app, image: example/cart:1 }] }', 2) +
        'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: cart, namespace: shop }\nspec: { minAvailable: 2, selector: { matchLabels: { app: cart } } }\n',
    );
    const [first] = podsOf(state, 'cart');
    expect(() => evictPod(state, 'shop', first!.metadata.name, false)).toThrow(
      /would violate the pod's disruption budget/,
    );
    const pdb = state.store.mustGet(T.pdb, 'shop', 'cart');
    expect(pdb.status).toMatchObject({ currentHealthy: 2, desiredHealthy: 2, disruptionsAllowed: 0 });
    state.store.update(T.pdb, { ...pdb, spec: { ...pdb.spec, minAvailable: 1 } });
    evictPod(state, 'shop', first!.metadata.name, false);
    expect(state.store.get(T.pod, 'shop', first!.metadata.name)).toBeUndefined();
  });

  it('runs StatefulSet pods in order with their own claims', () => {
    const state = cluster(
      'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: { name: standard, annotations: { storageclass.kubernetes.io/is-default-class: "true" } }\nprovisioner: pd.csi.storage.gke.io\n---\n' +
        'apiVersion: apps/v1\nkind: StatefulSet\nmetadata: { name: pg, namespace: shop }\nspec: { replicas: 2, serviceName: pg, selector: { matchLabels: { app: pg } }, template: { metadata: { labels: { app: pg } }, spec: { containers: [{ name: pg, image: example/pg:16 }] } }, volumeClaimTemplates: [{ metadata: { name: data }, spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 5Gi } } } }] }\n',
    );
    expect(podsOf(state, 'pg').map((p) => p.metadata.name)).toEqual(['pg-0', 'pg-1']);
    expect(state.store.mustGet(T.pvc, 'shop', 'data-pg-1').status.phase).toBe('Bound');
    expect(state.store.mustGet(T.statefulSet, 'shop', 'pg').status).toMatchObject({ readyReplicas: 2 });
  });
});
