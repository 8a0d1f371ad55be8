import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';

const STATE = `
apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: sandbox.clusterclaw.dev/v1alpha1
kind: SandboxUser
name: carol@example.com
groups: [readers]
token: carol-token-0123456789
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: read-pods, namespace: shop }
rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: readers, namespace: shop }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: read-pods }
subjects: [{ kind: Group, name: readers, apiGroup: rbac.authorization.k8s.io }]
`;

describe('SandboxUser: bearer-token users the sandbox authenticates, with RBAC applied', () => {
  let sandbox: Sandbox;
  const readerAs = (context: string, token?: string) => {
    const kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfig);
    kc.setCurrentContext(context);
    if (token) (kc.users.find((u) => u.name === context) as { token?: string }).token = token;
    return new KubeReader(kc);
  };
  beforeAll(async () => {
    sandbox = await startSandbox({ stateYaml: STATE, tickMs: 50 });
  });
  afterAll(() => sandbox.stop());

  it('names its cluster sandbox-<port>-<state digest>, stable for a state file and port', async () => {
    const port = new URL(sandbox.url).port;
    expect(sandbox.name).toMatch(new RegExp(`^sandbox-${port}-[0-9a-f]{6}$`));
    expect(sandbox.kubeconfig).toContain(`current-context: ${sandbox.name}`);
    const again = await startSandbox({ stateYaml: STATE, tickMs: 50 });
    try {
      // Another sandbox (here: another port) is another cluster.
      expect(again.name).not.toBe(sandbox.name);
      expect(again.name.split('-').at(-1)).toBe(sandbox.name.split('-').at(-1));
    } finally {
      await again.stop();
    }
  });

  it('the kubeconfig names each user; SelfSubjectReview answers who the token is', async () => {
    expect(await readerAs(`${sandbox.name}-as-carol-example.com`).whoAmI()).toEqual({
      username: 'carol@example.com',
      groups: ['readers', 'system:authenticated'],
    });
    expect(await readerAs(sandbox.name).whoAmI()).toMatchObject({ username: 'sandbox-admin' });
  });

  it('a token user may do what RBAC grants and nothing more; an unknown token is 401', async () => {
    const carol = readerAs(`${sandbox.name}-as-carol-example.com`);
    expect(await carol.listPods('shop')).toEqual([]);
    await expect(carol.listPods('default')).rejects.toMatchObject({ code: 403 });
    await expect(
      readerAs(`${sandbox.name}-as-carol-example.com`, 'not-a-known-token').listPods('shop'),
    ).rejects.toMatchObject({
      code: 401,
    });
  });
});
