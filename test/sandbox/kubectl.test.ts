import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { KUBECTL, kubectlAsync, kubectlFor } from '../helpers/kubectl.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SCENARIO = join(import.meta.dirname, '..', '..', 'scenarios', 'crash-loop-bad-release', 'cluster.yaml');
const PDB =
  'apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: catalog, namespace: shop }\nspec: { minAvailable: 1, selector: { matchLabels: { app: catalog } } }\n';

describe.skipIf(!KUBECTL)('the real kubectl against the simulated cluster', () => {
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  const k = (...args: string[]) => kubectlAsync(args, env);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-kubectl-'));
    sandbox = await startSandbox({
      stateYaml: `${await readFile(SCENARIO, 'utf8')}\n---\n${PDB}`,
      tickMs: 50,
      warmupSeconds: 30,
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    env = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
  });
  afterAll(async () => {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('get prints the real columns, also with -o wide, -A and several kinds', async () => {
    const pods = await k('get', 'pods', '-n', 'shop');
    expect(pods.code, pods.out).toBe(0);
    expect(pods.out.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(pods.out).toMatch(/cart-7f4b8d9c66-\w+\s+0\/1\s+CrashLoopBackOff\s+\d+ \(\d+s ago\)/);
    expect(pods.out).toMatch(/catalog-\w+-\w+\s+1\/1\s+Running\s+0\s+/);
    const wide = await k('get', 'pods', '-A', '-o', 'wide');
    expect(wide.out.split('\n')[0]).toMatch(
      /^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/,
    );
    expect(wide.out).toMatch(/10\.244\.\d+\.\d+\s+worker-[ab]/);
    const many = await k('get', 'deploy,rs,svc,ep,pdb', '-n', 'shop');
    expect(many.out).toMatch(/deployment\.apps\/cart\s+2\/2\s+1\s+2\s+/);
    expect(many.out).toMatch(/replicaset\.apps\/cart-7f4b8d9c66\s+1\s+1\s+0\s+/);
    expect(many.out).toMatch(/service\/cart\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+80\/TCP/);
    expect(many.out).toMatch(/endpoints\/cart\s+10\.244\.[\d.]+:8080,10\.244\.[\d.]+:8080/);
    expect(many.out).toMatch(/poddisruptionbudget\.policy\/catalog\s+1\s+N\/A\s+1\s+/);
    expect((await k('get', 'nodes')).out).toMatch(/worker-a\s+Ready\s+<none>\s+\S+\s+v1\.32/);
  });

  it('get -w streams changes as table rows', async () => {
    const watching = kubectlFor(['get', 'pods', '-n', 'shop', '-l', 'app=redis', '-w'], env, 2500);
    await new Promise((r) => setTimeout(r, 700));
    const redis = sandbox.state.store.list(T.pod, 'shop').find((p) => p.metadata.labels?.app === 'redis')!;
    sandbox.state.store.delete(T.pod, 'shop', redis.metadata.name);
    const out = await watching;
    expect(out.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS/);
    expect(out.split('\n').filter((l) => l.startsWith('redis-')).length).toBeGreaterThanOrEqual(2);
  });

  it('describe and logs (--previous, --tail) read the kubelet-simulated state', async () => {
    const pod = (
      await k(
        'get',
        'pods',
        '-n',
        'shop',
        '-l',
        'app=cart,pod-template-hash=7f4b8d9c66',
        '-o',
        'jsonpath={.items[0].metadata.name}',
      )
    ).out;
    const d = await k('describe', 'pod', pod, '-n', 'shop');
    expect(d.code, d.out).toBe(0);
    expect(d.out).toMatch(/State:\s+(Waiting\s+Reason:\s+CrashLoopBackOff|Running)/);
    expect(d.out).toMatch(/Controlled By:\s+ReplicaSet\/cart-7f4b8d9c66/);
    expect(d.out).toMatch(/Last State:\s+Terminated\s+Reason:\s+Error\s+Exit Code:\s+1/);
    expect(d.out).toMatch(/Warning\s+BackOff\s+.*Back-off restarting failed container cart/);
    expect((await k('logs', pod, '-n', 'shop', '--previous', '--tail=1')).out).toBe('panic: invalid configuration\n');
    // -f on a running container keeps streaming until it stops (or kubectl is stopped).
    const catalog = sandbox.state.store
      .list(T.pod, 'shop')
      .find((p) => p.metadata.labels?.app === 'catalog' && p.status?.containerStatuses?.[0]?.state?.running)!
      .metadata.name;
    const followed = kubectlFor(['logs', '-f', catalog, '-n', 'shop'], env, 1500);
    const started = Date.now();
    await followed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect((await k('describe', 'deploy', 'cart', '-n', 'shop')).out).toMatch(
      /Replicas:\s+2 desired \| 1 updated \| 3 total \| 2 available \| 1 unavailable/,
    );
  });

  it('rollout history/undo/status and scale act through the API like on a real cluster', async () => {
    expect((await k('rollout', 'history', 'deployment/cart', '-n', 'shop')).out).toMatch(
      /REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/,
    );
    expect((await k('rollout', 'undo', 'deployment/cart', '-n', 'shop')).out).toContain(
      'deployment.apps/cart rolled back',
    );
    expect((await k('rollout', 'status', 'deployment/cart', '-n', 'shop', '--timeout=20s')).out).toContain(
      'successfully rolled out',
    );
    expect((await k('scale', 'deployment/cart', '-n', 'shop', '--replicas=3')).out).toContain(
      'deployment.apps/cart scaled',
    );
    await waitFor(
      'three cart pods',
      () =>
        sandbox.state.store
          .list(T.pod, 'shop')
          .filter((p) => p.metadata.labels?.app === 'cart' && p.status?.containerStatuses?.[0]?.ready).length === 3,
    );
    expect(sandbox.journal.some((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/cart/scale'))).toBe(true);
    expect((await k('rollout', 'restart', 'deployment/cart', '-n', 'shop')).out).toContain(
      'deployment.apps/cart restarted',
    );
  });

  it('cordon, drain (evictions honour the PDB) and uncordon a node', async () => {
    expect((await k('cordon', 'worker-a')).out).toContain('node/worker-a cordoned');
    expect((await k('get', 'node', 'worker-a')).out).toMatch(/worker-a\s+Ready,SchedulingDisabled/);
    const drain = await k('drain', 'worker-a', '--ignore-daemonsets', '--timeout=30s');
    expect(drain.code, drain.out).toBe(0);
    expect(drain.out).toContain('node/worker-a drained');
    expect(sandbox.journal.filter((r) => r.method === 'POST' && r.path.endsWith('/eviction')).length).toBeGreaterThan(
      0,
    );
    await waitFor('nothing left on worker-a', () =>
      sandbox.state.store.list(T.pod).every((p) => p.spec?.nodeName !== 'worker-a'),
    );
    expect((await k('uncordon', 'worker-a')).out).toContain('node/worker-a uncordoned');
  });

  it('apply (client- and server-side), diff and delete a manifest', async () => {
    const file = join(dir, 'flags.yaml');
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: flags, namespace: shop }\ndata: { CHECKOUT_V2: "false" }\n',
    );
    expect((await k('apply', '-f', file)).out).toContain('configmap/flags created');
    expect((await k('apply', '-f', file)).out).toContain('configmap/flags unchanged');
    expect((await k('diff', '-f', file)).code).toBe(0);
    await writeFile(
      file,
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: flags, namespace: shop }\ndata: { CHECKOUT_V2: "true" }\n',
    );
    const diff = await k('diff', '-f', file);
    expect(diff.code).toBe(1);
    expect(diff.out).toContain('-  CHECKOUT_V2: "false"');
    expect(diff.out).toContain('+  CHECKOUT_V2: "true"');
    expect((await k('apply', '--server-side', '-f', file)).out).toContain('configmap/flags serverside-applied');
    expect(sandbox.state.store.mustGet(T.configMap, 'shop', 'flags').data).toEqual({ CHECKOUT_V2: 'true' });
    expect((await k('delete', '-f', file)).out).toContain('configmap "flags" deleted');
    expect((await k('get', 'configmap', 'flags', '-n', 'shop')).out).toContain('configmaps "flags" not found');
  });

  it('top reads the simulated metrics.k8s.io', async () => {
    const pods = await k('top', 'pods', '-n', 'shop');
    expect(pods.code, pods.out).toBe(0);
    expect(pods.out).toMatch(/^NAME\s+CPU\(cores\)\s+MEMORY\(bytes\)/);
    expect(pods.out).toMatch(/catalog-\S+\s+\d+m\s+\d+Mi/);
    const nodes = await k('top', 'nodes');
    expect(nodes.out).toMatch(/worker-a\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/);
  });

  it('server-side apply tracks field owners: removes what a manager stops applying, refuses conflicts unless forced', async () => {
    const file = join(dir, 'ssa.yaml');
    const cm = (data: string) =>
      `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: ssa, namespace: shop, labels: { team: checkout } }\ndata: { ${data} }\n`;
    await writeFile(file, cm('A: "1", B: "2"'));
    expect((await k('apply', '--server-side', '-f', file)).out).toContain('configmap/ssa serverside-applied');
    await writeFile(file, cm('A: "1"'));
    await k('apply', '--server-side', '-f', file);
    expect(sandbox.state.store.mustGet(T.configMap, 'shop', 'ssa').data).toEqual({ A: '1' });
    await writeFile(file, cm('A: "9"'));
    const conflict = await k('apply', '--server-side', '--field-manager=deploy-bot', '-f', file);
    expect(conflict.code).not.toBe(0);
    expect(conflict.out).toContain('conflict with "kubectl"');
    expect(conflict.out).toContain('.data.A');
    expect(
      (await k('apply', '--server-side', '--field-manager=deploy-bot', '--force-conflicts', '-f', file)).code,
    ).toBe(0);
    const stored = sandbox.state.store.mustGet(T.configMap, 'shop', 'ssa');
    expect(stored.data).toEqual({ A: '9' });
    expect((stored.metadata.managedFields as { manager: string }[]).map((m) => m.manager).sort()).toEqual([
      'deploy-bot',
      'kubectl',
    ]);
  });
});
