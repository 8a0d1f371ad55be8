import { readFile } from 'node:fs/promises';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../src/sandbox/cluster-state.ts';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('sandbox API through @kubernetes/client-node', () => {
  let sandbox: Sandbox;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  let kc: KubeConfig;

  beforeAll(async () => {
    sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), tickMs: 50 });
    kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfig);
    core = kc.makeApiClient(CoreV1Api);
    apps = kc.makeApiClient(AppsV1Api);
  });
  afterAll(() => sandbox.stop());

  it('serves controller-made pods with owner references to their ReplicaSets', async () => {
    const pods = await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=cart' });
    expect(pods.items).toHaveLength(3);
    for (const p of pods.items) expect(p.metadata?.ownerReferences?.[0]?.kind).toBe('ReplicaSet');
    const paged = await core.listNamespacedPod({ namespace: 'shop', limit: 2 });
    expect(paged.items).toHaveLength(2);
    const rest = await core.listNamespacedPod({ namespace: 'shop', limit: 2, _continue: paged.metadata!._continue });
    expect(rest.items.map((p) => p.metadata!.name)).not.toContain(paged.items[0]!.metadata!.name);
  });

  it('computes a crash loop over time: last state, previous logs, BackOff event', async () => {
    const pod = await waitFor('a terminated cart container', async () =>
      (await core.listNamespacedPod({ namespace: 'shop', labelSelector: 'app=cart' })).items.find(
        (p) => p.status?.containerStatuses?.[0]?.lastState?.terminated,
      ),
    );
    expect(pod.status!.containerStatuses![0]!.lastState!.terminated!.exitCode).toBe(2);
    const logs = await core.readNamespacedPodLog({
      namespace: 'shop',
      name: pod.metadata!.name!,
      previous: true,
      tailLines: 3,
    });
    expect(logs).toContain('cache.go:88');
    expect(logs.trim().split('\n')).toHaveLength(3);
    const events = await core.listNamespacedEvent({
      namespace: 'shop',
      fieldSelector: `involvedObject.name=${pod.metadata!.name}`,
    });
    expect(events.items.map((e) => e.reason)).toContain('BackOff');
  });

  it('dryRun=All returns the patched object without storing it or emitting watch events', async () => {
    const before = await apps.readNamespacedDeployment({ namespace: 'shop', name: 'catalog' });
    const seen: string[] = [];
    const watch = await new Watch(kc).watch(
      '/apis/apps/v1/namespaces/shop/deployments',
      { resourceVersion: before.metadata!.resourceVersion },
      (type, obj) => seen.push(`${type}:${obj.metadata.name}:${obj.spec?.replicas}`),
      () => {},
    );
    const dry = await apps.patchNamespacedDeployment(
      { namespace: 'shop', name: 'catalog', body: { spec: { replicas: 5 } }, dryRun: 'All' },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(dry.spec!.replicas).toBe(5);
    expect(dry.metadata!.generation).toBe(before.metadata!.generation! + 1);
    const after = await apps.readNamespacedDeployment({ namespace: 'shop', name: 'catalog' });
    expect(after.spec!.replicas).toBe(2);
    expect(after.metadata!.resourceVersion).toBe(before.metadata!.resourceVersion);
    await apps.patchNamespacedDeployment(
      { namespace: 'shop', name: 'catalog', body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await waitFor('the watch event', () => seen.some((s) => s === 'MODIFIED:catalog:3'));
    expect(seen.some((s) => s.endsWith(':5'))).toBe(false);
    watch.abort();
  });

  it('bumps generation on spec changes only, and answers 409 and 404 like the real server', async () => {
    const d = await waitFor('a settled redis', async () => {
      const x = await apps.readNamespacedDeployment({ namespace: 'shop', name: 'redis' });
      return x.status?.availableReplicas === 1 ? x : undefined;
    });
    const gen = d.metadata!.generation!;
    const replaced = await apps.replaceNamespacedDeployment({
      namespace: 'shop',
      name: 'redis',
      body: { ...d, spec: { ...d.spec!, minReadySeconds: 1 } },
    });
    expect(replaced.metadata!.generation).toBe(gen + 1);
    // The same body again carries the now-stale resourceVersion.
    const conflict = await apps
      .replaceNamespacedDeployment({
        namespace: 'shop',
        name: 'redis',
        body: { ...d, spec: { ...d.spec!, replicas: 2 } },
      })
      .catch((e) => e);
    expect(conflict).toBeInstanceOf(ApiException);
    expect((conflict as ApiException<string>).code).toBe(409);
    const missing = await apps.readNamespacedDeployment({ namespace: 'shop', name: 'nope' }).catch((e) => e);
    expect((missing as ApiException<string>).code).toBe(404);
    expect(JSON.parse((missing as ApiException<string>).body).reason).toBe('NotFound');
    // A status write moves resourceVersion, never generation.
    const stored = sandbox.state.store.get(T.deployment, 'shop', 'redis')!;
    const after = sandbox.state.store.update(
      T.deployment,
      { ...stored, status: { ...stored.status, observedGeneration: 99 } },
      { statusOnly: true },
    );
    expect(after.metadata.generation).toBe(gen + 1);
    expect(after.metadata.resourceVersion).not.toBe(stored.metadata.resourceVersion);
  });

  it('answers malformed requests with the status a real API server gives, never a 500 or a hang', async () => {
    const cases: [string, string, number, string?, string?][] = [
      [
        'PATCH',
        '/apis/apps/v1/namespaces/shop/deployments/cart',
        400,
        '[{"op":"frob","path":"/x"}]',
        'application/json-patch+json',
      ],
      [
        'PATCH',
        '/apis/apps/v1/namespaces/shop/deployments/cart',
        400,
        '"text"',
        'application/strategic-merge-patch+json',
      ],
      ['PATCH', '/apis/apps/v1/namespaces/shop/deployments/cart', 400, '{"spec":', 'application/merge-patch+json'],
      [
        'PATCH',
        '/apis/apps/v1/namespaces/shop/deployments/cart/scale',
        422,
        '{"spec":{"replicas":-3}}',
        'application/merge-patch+json',
      ],
      [
        'PATCH',
        '/apis/apps/v1/namespaces/shop/deployments/cart?fieldManager=x',
        400,
        '- a\n- b',
        'application/apply-patch+yaml',
      ],
      [
        'PATCH',
        '/apis/apps/v1/namespaces/shop/deployments/cart',
        422,
        'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: cart }\n',
        'application/apply-patch+yaml',
      ],
      ['POST', '/api/v1/namespaces/shop/pods/nope/eviction', 404, '{}', 'application/json'],
      ['GET', '/api/v1/pods?watch=true&resourceVersion=abc', 400],
      ['GET', '/api/v1/pods?labelSelector=a%20in%20((', 400],
      ['GET', '/api/v1/pods?fieldSelector=nonsense', 400],
      ['GET', '/api/v1/pods?limit=2&continue=%25%25', 400],
      ['GET', '/api/v1/namespaces/shop/pods/x/exec', 400],
      ['GET', '/api/v1/namespaces/shop/pods/x/attach', 404],
      [
        'POST',
        '/apis/authorization.k8s.io/v1/subjectaccessreviews',
        422,
        '{"kind":"SubjectAccessReview","spec":{}}',
        'application/json',
      ],
      ['DELETE', '/apis/metrics.k8s.io/v1beta1/namespaces/shop/pods/x', 405],
      [
        'PUT',
        '/api/v1/namespaces/shop/configmaps/x',
        400,
        '{"kind":"Pod","metadata":{"name":"x"}}',
        'application/json',
      ],
      ['POST', '/api/v1/namespaces/shop/pods', 415, 'k8s\u0000', 'application/vnd.kubernetes.protobuf'],
    ];
    for (const [method, path, status, body, ct] of cases) {
      const r = await fetch(sandbox.url + path, {
        method,
        body,
        headers: ct ? { 'content-type': ct } : {},
        signal: AbortSignal.timeout(3000),
      });
      const text = await r.text();
      const doc = (text ? JSON.parse(text) : { empty: path }) as { kind: string; code: number };
      expect([method, path, r.status], JSON.stringify(doc)).toEqual([method, path, status]);
      expect(doc).toMatchObject({ kind: 'Status', code: status });
    }
  });
});
