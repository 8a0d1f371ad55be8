import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { KUBECTL, kubectlAsync } from '../helpers/kubectl.ts';

/**
 * What setup and verify scripts of public Kubernetes-agent task suites do with the real kubectl:
 * create, wait, roll out, print with templates, look at events, metrics and endpoint slices,
 * autoscale, delete a namespace and create it again. Each command must succeed as on a cluster.
 */
describe.skipIf(!KUBECTL)('sandbox: the kubectl workflows task scripts use', () => {
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  const k = async (...args: string[]) => {
    const r = await kubectlAsync(args, env);
    expect(r.code, `kubectl ${args.join(' ')}\n${r.out}`).toBe(0);
    return r.out;
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-workflows-'));
    sandbox = await startSandbox({
      stateYaml: await readFile(DEMO_SEED, 'utf8'),
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    env = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
  });
  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('waits: for a condition, a jsonpath value, creation and deletion', async () => {
    await k('create', 'namespace', 'w1');
    await k('run', 'web', '-n', 'w1', '--image=nginx', '--port=80');
    expect(await k('wait', '--for=condition=Ready', 'pod/web', '-n', 'w1', '--timeout=30s')).toContain('condition met');
    expect(await k('wait', '--for=jsonpath={.status.phase}=Running', 'pod/web', '-n', 'w1', '--timeout=30s')).toContain(
      'condition met',
    );
    const created = kubectlAsync(['wait', '--for=create', 'configmap/later', '-n', 'w1', '--timeout=20s'], env);
    await k('create', 'configmap', 'later', '-n', 'w1', '--from-literal=a=b');
    expect((await created).out).toContain('condition met');
    await k('delete', 'pod', 'web', '-n', 'w1', '--wait=false');
    await k('wait', '--for=delete', 'pod/web', '-n', 'w1', '--timeout=30s');
  });

  it('a default ServiceAccount in every namespace; a token for it', async () => {
    await k('create', 'namespace', 'w2');
    await k('wait', '--for=create', 'serviceaccount/default', '-n', 'w2', '--timeout=10s');
    expect((await k('create', 'token', 'default', '-n', 'w2')).split('.')).toHaveLength(3);
  });

  it('rolls out, prints with jsonpath, custom columns and go templates, shows events and metrics', async () => {
    await k('set', 'image', 'deploy/catalog', '-n', 'shop', 'catalog=registry.example.com/shop/catalog:2.0.1');
    expect(await k('rollout', 'status', 'deploy/catalog', '-n', 'shop', '--timeout=60s')).toContain(
      'successfully rolled out',
    );
    const names = await k('get', 'deploy', '-n', 'shop', '-o', 'jsonpath={.items[*].metadata.name}');
    expect(names.split(' ')).toContain('catalog');
    expect(
      await k(
        'get',
        'deploy',
        'catalog',
        '-n',
        'shop',
        '-o',
        'custom-columns=NAME:.metadata.name,READY:.status.readyReplicas',
      ),
    ).toMatch(/NAME\s+READY\ncatalog\s+\d/);
    expect(await k('get', 'deploy', 'catalog', '-n', 'shop', '-o', 'go-template={{.metadata.name}}')).toBe('catalog');
    expect(await k('events', '-n', 'shop')).toMatch(/REASON\s+OBJECT/);
    expect(await k('top', 'pods', '-n', 'shop')).toMatch(/CPU\(cores\)\s+MEMORY\(bytes\)/);
  });

  it('rolls out StatefulSets and DaemonSets too (their update strategies defaulted as the API server does)', async () => {
    const manifest = join(dir, 'sts-ds.yaml');
    await writeFile(
      manifest,
      [
        'apiVersion: apps/v1',
        'kind: StatefulSet',
        'metadata: { name: db, namespace: shop }',
        'spec:',
        '  serviceName: db',
        '  replicas: 2',
        '  selector: { matchLabels: { app: db } }',
        '  template:',
        '    metadata: { labels: { app: db } }',
        '    spec: { containers: [{ name: db, image: redis:7 }] }',
        '---',
        'apiVersion: apps/v1',
        'kind: DaemonSet',
        'metadata: { name: agent, namespace: shop }',
        'spec:',
        '  selector: { matchLabels: { app: agent } }',
        '  template:',
        '    metadata: { labels: { app: agent } }',
        '    spec: { containers: [{ name: agent, image: busybox, command: [sleep, "3600"] }] }',
      ].join('\n'),
    );
    await k('apply', '-f', manifest);
    expect(await k('rollout', 'status', 'sts/db', '-n', 'shop', '--timeout=60s')).toContain('roll out complete');
    expect(await k('rollout', 'status', 'ds/agent', '-n', 'shop', '--timeout=60s')).toContain(
      'successfully rolled out',
    );
  });

  it('exposes a Deployment: the Service gets an EndpointSlice with ready endpoints', async () => {
    await k('expose', 'deploy', 'catalog', '-n', 'shop', '--port=80', '--target-port=8080');
    // Ready once the rollout before it has settled: the endpoints follow the pods. (kubectl wait's
    // --for=create with a selector and --for=jsonpath fail at once while there is no slice or no
    // endpoint yet, so this polls.)
    const ready = async () =>
      (
        await kubectlAsync(
          [
            'get',
            'endpointslices',
            '-n',
            'shop',
            '-l',
            'kubernetes.io/service-name=catalog',
            '-o',
            'jsonpath={.items[*].endpoints[*].conditions.ready}',
          ],
          env,
        )
      ).out;
    for (let i = 0; i < 60 && !(await ready()).includes('true'); i++) await new Promise((r) => setTimeout(r, 500));
    expect(await k('get', 'endpointslices', '-n', 'shop')).toMatch(/catalog-\w+\s+IPv4\s+8080\s+\d+\.\d+\.\d+\.\d+/);
    const conditions = await k(
      'get',
      'endpointslices',
      '-n',
      'shop',
      '-l',
      'kubernetes.io/service-name=catalog',
      '-o',
      'jsonpath={.items[0].endpoints[*].conditions.ready}',
    );
    expect(conditions.split(' ')).toContain('true');
  });

  it('autoscales (autoscaling/v1, as kubectl sends it) and reads the HPA back as v2', async () => {
    expect(
      await k('autoscale', 'deployment', 'cart', '-n', 'shop', '--min=2', '--max=5', '--cpu-percent=80'),
    ).toContain('horizontalpodautoscaler.autoscaling/cart autoscaled');
    expect(
      JSON.parse(await k('get', 'hpa', 'cart', '-n', 'shop', '-o', 'jsonpath={.spec.metrics[0].resource.target}')),
    ).toEqual({
      type: 'Utilization',
      averageUtilization: 80,
    });
    expect(await k('get', 'hpa', '-n', 'shop')).toMatch(/cart\s+Deployment\/cart\s+cpu: .*\/80%\s+2\s+5/);
  });

  it('deletes a namespace promptly, and the same namespace can be created again at once', async () => {
    await k('create', 'namespace', 'again');
    await k('create', 'configmap', 'x', '-n', 'again', '--from-literal=a=b');
    await k('delete', 'namespace', 'again', '--timeout=30s');
    expect(await k('create', 'namespace', 'again')).toContain('namespace/again created');
    expect(await k('get', 'configmaps', '-n', 'again', '-o', 'name')).not.toContain('configmap/x');
  });

  it('labels, annotates, scales and sets resources and env, as kubectl sends them', async () => {
    await k('create', 'namespace', 'w5');
    await k('create', 'deployment', 'api', '-n', 'w5', '--image=nginx:1.27', '--replicas=1');
    await k('label', 'deploy/api', '-n', 'w5', 'tier=backend');
    await k('annotate', 'deploy/api', '-n', 'w5', 'owner=team-a');
    expect(await k('get', 'deploy', '-n', 'w5', '-l', 'tier=backend', '-o', 'name')).toBe('deployment.apps/api\n');
    expect(await k('get', 'deploy/api', '-n', 'w5', '-o', "jsonpath={.metadata.annotations['owner']}")).toBe('team-a');
    await k('label', 'deploy/api', '-n', 'w5', 'tier-');
    expect(await k('get', 'deploy', '-n', 'w5', '-l', 'tier', '-o', 'name')).toBe('');
    const refused = await kubectlAsync(
      ['scale', 'deploy/api', '-n', 'w5', '--current-replicas=3', '--replicas=2'],
      env,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('Expected replicas to be 3, was 1');
    await k('scale', 'deploy/api', '-n', 'w5', '--current-replicas=1', '--replicas=2');
    await k('set', 'resources', 'deploy/api', '-n', 'w5', '--limits=cpu=200m,memory=128Mi');
    await k('set', 'env', 'deploy/api', '-n', 'w5', 'MODE=prod');
    expect(await k('rollout', 'status', 'deploy/api', '-n', 'w5', '--timeout=30s')).toContain(
      'successfully rolled out',
    );
    expect(
      await k(
        'get',
        'deploy/api',
        '-n',
        'w5',
        '-o',
        'jsonpath={.status.readyReplicas} {.spec.template.spec.containers[0].resources.limits.cpu} {.spec.template.spec.containers[0].env[0].value}',
      ),
    ).toBe('2 200m prod');
    // `get all` expands the `all` category discovery declares.
    const all = await k('get', 'all', '-n', 'w5');
    for (const kind of ['pod/api-', 'deployment.apps/api', 'replicaset.apps/api-']) expect(all).toContain(kind);
  });

  it('pauses a rollout (a template change waits) and resumes it', async () => {
    await k('create', 'namespace', 'w6');
    await k('create', 'deployment', 'web', '-n', 'w6', '--image=nginx:1.27', '--replicas=2');
    await k('rollout', 'status', 'deploy/web', '-n', 'w6', '--timeout=20s');
    await k('rollout', 'pause', 'deploy/web', '-n', 'w6');
    await k('set', 'image', 'deploy/web', '-n', 'w6', 'nginx=nginx:1.28.0');
    await new Promise((r) => setTimeout(r, 1000));
    const images = () => k('get', 'pods', '-n', 'w6', '-o', 'jsonpath={.items[*].spec.containers[0].image}');
    expect(await images()).toBe('nginx:1.27 nginx:1.27');
    expect(await k('get', 'deploy/web', '-n', 'w6', '-o', 'jsonpath={.spec.paused}')).toBe('true');
    await k('rollout', 'resume', 'deploy/web', '-n', 'w6');
    expect(await k('rollout', 'status', 'deploy/web', '-n', 'w6', '--timeout=30s')).toContain(
      'successfully rolled out',
    );
    expect(await images()).toBe('nginx:1.28.0 nginx:1.28.0');
  });

  it('answers the health endpoints and auth can-i --list (SelfSubjectRulesReview), for the admin and as a ServiceAccount', async () => {
    expect(await k('get', '--raw', '/readyz')).toBe('ok');
    expect(await k('get', 'svc', 'kubernetes', '-n', 'default', '-o', 'jsonpath={.spec.clusterIP}')).toBe('10.96.0.1');
    expect(await k('get', '--raw', '/livez?verbose')).toContain('livez check passed');
    expect(await k('auth', 'can-i', '--list')).toMatch(/^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    await k('create', 'namespace', 'w7');
    await k('create', 'serviceaccount', 'reader', '-n', 'w7');
    await k('create', 'role', 'pod-reader', '-n', 'w7', '--verb=get,list', '--resource=pods');
    await k('create', 'rolebinding', 'reader', '-n', 'w7', '--role=pod-reader', '--serviceaccount=w7:reader');
    const list = await k('auth', 'can-i', '--list', '-n', 'w7', '--as=system:serviceaccount:w7:reader');
    expect(list).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list\]$/m);
    expect(list).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(list).not.toContain('secrets');
  });
});
