import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeKubeError } from '../../src/cluster/api-error.ts';
import { impersonating } from '../../src/cluster/impersonate.ts';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { KUBECTL, kubectlAsync } from '../helpers/kubectl.ts';
import { kubeConfigOf } from '../helpers/proposal-fixture.ts';

const rbac = 'rbac.authorization.k8s.io/v1';

describe('acting as another Kubernetes identity', () => {
  let sandbox: Sandbox;
  const last = () => sandbox.journal.at(-1)!;

  beforeAll(async () => {
    sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), tickMs: 50 });
    const store = sandbox.state.store;
    store.create(T.role, {
      apiVersion: rbac,
      kind: 'Role',
      metadata: { name: 'readers', namespace: 'shop' },
      rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] }],
    });
    // Bound to the *second* group: only reaches alice if each group travels as its own header line.
    store.create(T.roleBinding, {
      apiVersion: rbac,
      kind: 'RoleBinding',
      metadata: { name: 'oncall-readers', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'readers' },
      subjects: [{ kind: 'Group', name: 'oncall', apiGroup: 'rbac.authorization.k8s.io' }],
    });
  });
  afterAll(() => sandbox.stop());

  it('sends Impersonate-User and one Impersonate-Group line per group, so the cluster sees every group', async () => {
    const kc = kubeConfigOf(sandbox);
    const alice = new KubeReader(impersonating(kc, { user: 'alice@example.com', groups: ['sre', 'oncall'] }));
    expect(
      (await alice.read({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'shop', name: 'cart' })).metadata.name,
    ).toBe('cart');
    expect(last().impersonated).toEqual({
      user: 'alice@example.com',
      groups: ['sre', 'oncall', 'system:authenticated'],
    });
  });

  it("lets the cluster's RBAC refuse what the identity may not do, in the API server's words", async () => {
    const alice = new KubeReader(
      impersonating(kubeConfigOf(sandbox), { user: 'alice@example.com', groups: ['oncall'] }),
    );
    const denied = await alice
      .read({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'cart-config' })
      .catch((e) => e);
    expect(describeKubeError(denied)).toContain(
      'configmaps "cart-config" is forbidden: User "alice@example.com" cannot get resource "configmaps" in API group "" in the namespace "shop"',
    );
    const dryRun = await alice
      .dryRun({
        verb: 'patch',
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'shop',
        name: 'cart',
        patchType: 'merge',
        body: { metadata: { labels: { touched: 'yes' } } },
      })
      .catch((e) => e);
    expect(describeKubeError(dryRun)).toContain('cannot patch resource "deployments" in API group "apps"');
  });

  it('leaves the original configuration acting as itself, on the same connections', async () => {
    const kc = kubeConfigOf(sandbox);
    impersonating(kc, { user: 'mallory', groups: [] });
    await new KubeReader(kc).read({ apiVersion: 'v1', kind: 'Namespace', name: 'shop' });
    expect(last()).toMatchObject({ path: '/api/v1/namespaces/shop' });
    expect(last().impersonated).toBeUndefined();
  });

  it.skipIf(!KUBECTL)("agrees with kubectl's --as and --as-group (the real client's headers)", async () => {
    const env = { KUBECONFIG: join(await mkdtemp(join(tmpdir(), 'claw-as-')), 'config') };
    await writeFile(env.KUBECONFIG, sandbox.kubeconfig);
    const ok = await kubectlAsync(
      [
        'get',
        'deployment',
        'cart',
        '-n',
        'shop',
        '--as',
        'alice@example.com',
        '--as-group',
        'sre',
        '--as-group',
        'oncall',
        '-o',
        'name',
      ],
      env,
    );
    expect(ok).toEqual({ code: 0, out: 'deployment.apps/cart\n' });
    const no = await kubectlAsync(
      ['delete', 'deployment', 'cart', '-n', 'shop', '--as', 'alice@example.com', '--as-group', 'oncall'],
      env,
    );
    expect(no.code).not.toBe(0);
    expect(no.out).toContain(
      'User "alice@example.com" cannot delete resource "deployments" in API group "apps" in the namespace "shop"',
    );
    expect(sandbox.state.store.get(T.deployment, 'shop', 'cart')).toBeDefined();
  });
});
