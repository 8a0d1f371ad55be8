import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFailedScheduling } from '../../src/analyzers/scheduling.ts';
import type { ClusterSnapshot } from '../../src/analyzers/snapshot.ts';
import { triage } from '../../src/analyzers/triage.ts';
import { ClusterState, T } from '../../src/sandbox/cluster-state.ts';
import { loadState } from '../../src/sandbox/load-state.ts';
import { warmUp } from '../../src/sandbox/start-sandbox.ts';

/** A snapshot taken from a simulated cluster after `seconds` of simulated time. */
function snapshotOf(yaml: string, seconds = 60): ClusterSnapshot {
  const state = new ClusterState();
  loadState(state, yaml);
  warmUp(state, seconds);
  const l = (t: (typeof T)[keyof typeof T]) => state.store.list(t);
  return {
    nodes: l(T.node),
    pods: l(T.pod),
    deployments: l(T.deployment),
    replicaSets: l(T.replicaSet),
    statefulSets: l(T.statefulSet),
    daemonSets: l(T.daemonSet),
    jobs: l(T.job),
    services: l(T.service),
    endpoints: l(T.endpoints),
    pvcs: l(T.pvc),
    storageClasses: l(T.storageClass),
    events: l(T.event),
    ingresses: state.store.list(state.types.findByKind('networking.k8s.io/v1', 'Ingress')!),
    hpas: state.store.list(state.types.findByKind('autoscaling/v2', 'HorizontalPodAutoscaler')!),
    pdbs: l(T.pdb),
  };
}

const deploy = (name: string, podSpec: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: shop }
spec: { replicas: 1, selector: { matchLabels: { app: ${name} } }, template: { metadata: { labels: { app: ${name} } }, spec: ${podSpec} } }
---
`;

describe('triage', () => {
  it('ranks the root cause first: a Pending claim before the pods it blocks, and a crash loop before a healthy neighbour', () => {
    const problems = triage(
      snapshotOf(
        'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: data, namespace: shop }\nspec: { storageClassName: nope, accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }\n---\n' +
          deploy(
            'db',
            '{ volumes: [{ name: d, persistentVolumeClaim: { claimName: data } }], containers: [{ name: db, image: example/pg }] }',
          ) +
          deploy('ok', '{ containers: [{ name: ok, image: example/ok }] }'),
      ),
    );
    expect(problems[0]).toMatchObject({
      category: 'pvc_pending',
      object: { kind: 'PersistentVolumeClaim', name: 'data' },
      severity: 3,
    });
    expect(problems[0]!.evidence.join('\n')).toContain('storageclass.storage.k8s.io "nope" not found');
    const db = problems.find((p) => p.object.name === 'db');
    expect(db).toMatchObject({ category: 'pvc_pending', severity: 1 });
    expect(problems.some((p) => p.object.name === 'ok')).toBe(false);
  });

  it('lets the question rank between real problems but never invent one', () => {
    const yaml =
      'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxImage\nimage: bad\nbehaviour: { exitCode: 1 }\n---\n' +
      deploy('api', '{ containers: [{ name: a, image: bad }] }') +
      deploy('ledger', '{ containers: [{ name: l, image: bad }] }') +
      deploy('fine', '{ containers: [{ name: f, image: example/ok }] }');
    const s = snapshotOf(yaml);
    expect(triage(s, 'ledger is down')[0]!.object.name).toBe('ledger');
    expect(triage(s, 'api errors')[0]!.object.name).toBe('api');
    expect(triage(s, 'fine is broken').map((p) => p.object.name)).not.toContain('fine');
  });

  it('finds a Service whose selector matches no pod and suggests the closest labels', () => {
    const problems = triage(
      snapshotOf(
        deploy('cart', '{ containers: [{ name: c, image: example/c }] }') +
          'apiVersion: v1\nkind: Service\nmetadata: { name: cart, namespace: shop }\nspec: { selector: { app: kart }, ports: [{ port: 80 }] }\n',
      ),
    );
    expect(problems[0]).toMatchObject({
      category: 'service_no_endpoints',
      object: { kind: 'Service', name: 'cart' },
      facts: { suggested: { app: 'cart' } },
    });
  });

  it('flags references to nothing: an Ingress backend, an HPA target, and a budget that allows no drain', () => {
    const problems = triage(
      snapshotOf(
        deploy('web', '{ containers: [{ name: w, image: example/w }] }') +
          'apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: shop }\nspec: { selector: { app: web }, ports: [{ port: 80 }] }\n---\n' +
          'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: { name: shop, namespace: shop }\nspec: { rules: [{ host: shop.example.com, http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: web-frontend, port: { number: 80 } } } }] } }] }\n---\n' +
          'apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: api, namespace: shop }\nspec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: api }, minReplicas: 2, maxReplicas: 5 }\n---\n' +
          'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: web, namespace: shop }\nspec: { minAvailable: 1, selector: { matchLabels: { app: web } } }\n',
        10,
      ),
    );
    const byKind = (k: string) => problems.find((p) => p.object.kind === k);
    expect(byKind('Ingress')).toMatchObject({
      category: 'service_no_endpoints',
      severity: 2,
      evidence: ['Rule shop.example.com/ → Service shop/web-frontend: not found'],
    });
    expect(byKind('HorizontalPodAutoscaler')).toMatchObject({ category: 'unknown', severity: 2 });
    expect(byKind('PodDisruptionBudget')).toMatchObject({
      severity: 1,
      summary: expect.stringContaining('node drains will block'),
    });
  });

  it('reports node pressure with the pods it evicted, and keeps evicted leftovers out of the workload findings', () => {
    const problems = triage(
      snapshotOf(
        'apiVersion: v1\nkind: Node\nmetadata: { name: n1 }\nstatus: { allocatable: { cpu: "4", memory: 8Gi, pods: "110" }, conditions: [{ type: Ready, status: "True" }, { type: DiskPressure, status: "True", reason: KubeletHasDiskPressure, message: "kubelet has disk pressure" }] }\n---\n' +
          'apiVersion: v1\nkind: Pod\nmetadata: { name: web-old, namespace: shop }\nspec: { nodeName: n1, containers: [{ name: w, image: example/w }] }\nstatus: { phase: Failed, reason: Evicted, message: "The node was low on resource: ephemeral-storage." }\n',
        10,
      ),
    );
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({
      object: { kind: 'Node', name: 'n1' },
      severity: 2,
      summary: 'Node n1 reports DiskPressure; 1 pod(s) were evicted',
    });
    expect(problems[0]!.evidence.join('\n')).toContain('The node was low on resource: ephemeral-storage.');
    expect(problems[1]).toMatchObject({ object: { kind: 'Pod', name: 'web-old' }, severity: 1 });
  });

  it('is empty for a healthy cluster', () => {
    expect(triage(snapshotOf(deploy('a', '{ containers: [{ name: a, image: example/a }] }')))).toEqual([]);
  });
});

describe('FailedScheduling messages', () => {
  it('separates resources from placement from volumes', () => {
    expect(
      parseFailedScheduling(
        '0/3 nodes are available: 1 Insufficient memory, 2 node(s) were unschedulable. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.',
      ),
    ).toEqual({
      total: 3,
      kind: 'resources',
      cordoned: 2,
      reasons: [
        { count: 1, reason: 'Insufficient memory' },
        { count: 2, reason: 'node(s) were unschedulable' },
      ],
    });
    expect(
      parseFailedScheduling(
        "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
      )?.kind,
    ).toBe('placement');
    expect(
      parseFailedScheduling(
        '0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.',
      )?.kind,
    ).toBe('volumes');
    expect(parseFailedScheduling('something else')).toBeUndefined();
  });
});

describe('a finding names the precise cause an engineer acts on', () => {
  const scenario = (name: string) =>
    readFileSync(join(import.meta.dirname, '..', '..', 'scenarios', name, 'cluster.yaml'), 'utf8');
  it.each([
    ['the referenced object that does not exist', 'config-missing-configmap', /: configmap "[a-z-]+" not found/],
    ["the image and the registry's answer", 'image-pull-typo', /1\.4\.3-rc1/],
    ['the limit that was exceeded', 'oom-killed', /is killed at its \d+Mi memory limit/],
    ['why no node fits', 'unschedulable-resources', /Insufficient (cpu|memory)/],
  ])('%s, in the summary itself', (_what, name, cause) => {
    const [top] = triage(snapshotOf(scenario(name), 90), '');
    expect(top!.summary).toMatch(cause);
  });
});

describe('a placement no node satisfies', () => {
  const nodes = `apiVersion: v1
kind: Node
metadata: { name: worker-a, labels: { disktype: hdd, zone: a } }
status: { allocatable: { cpu: '4', memory: 8Gi, pods: '110' }, conditions: [{ type: Ready, status: 'True' }] }
---
apiVersion: v1
kind: Node
metadata: { name: worker-b, labels: { zone: b } }
status: { allocatable: { cpu: '4', memory: 8Gi, pods: '110' }, conditions: [{ type: Ready, status: 'True' }] }
---
`;
  it('names the term (key, operator, values) and what each node has for it', () => {
    const yaml =
      nodes +
      deploy('reports', `{ nodeSelector: { disktype: ssd }, containers: [{ name: app, image: example/reports:1 }] }`) +
      deploy(
        'ml',
        `{ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: gpu, operator: Exists }] }] } } }, containers: [{ name: app, image: example/ml:1 }] }`,
      );
    const problems = triage(snapshotOf(yaml, 30), '');
    const reports = problems.find((p) => p.object.name === 'reports')!;
    expect(reports.category).toBe('unschedulable_placement');
    expect(reports.evidence.join('\n')).toContain(
      'nodeSelector disktype=ssd: no node has it (worker-a: disktype=hdd; worker-b: no disktype)',
    );
    const ml = problems.find((p) => p.object.name === 'ml')!;
    expect(ml.evidence.join('\n')).toContain(
      'node affinity gpu Exists: no node satisfies it (worker-a: no gpu; worker-b: no gpu)',
    );
  });
});
