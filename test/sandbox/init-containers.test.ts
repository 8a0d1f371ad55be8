import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { KUBECTL, kubectlAsync } from '../helpers/kubectl.ts';

/** Init containers and sidecars as the kubelet runs them, seen through the real kubectl. */
describe.skipIf(!KUBECTL)('sandbox: init containers and sidecars', () => {
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  const k = async (...args: string[]) => {
    const r = await kubectlAsync(args, env);
    expect(r.code, `kubectl ${args.join(' ')}\n${r.out}`).toBe(0);
    return r.out;
  };
  const apply = async (yaml: string) => {
    const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, yaml);
    return k('apply', '-f', file);
  };
  const until = async (args: string[], want: RegExp, advanceSeconds = 0) => {
    let got = '';
    for (let i = 0; i < 80; i++) {
      got = (await kubectlAsync(args, env)).out;
      if (want.test(got)) return got;
      sandbox.state.clockOffsetMs += advanceSeconds * 1000;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`kubectl ${args.join(' ')} never matched ${want}: ${got}`);
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-init-'));
    sandbox = await startSandbox({ stateYaml: '', kubeconfigPath: join(dir, 'kubeconfig'), tickMs: 50 });
    env = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
  });
  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs init containers in order before the app; a slow one shows Init:N/M until it is done', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: { name: ordered, namespace: default }
spec:
  initContainers:
  - { name: first, image: "busybox:1.36", command: [sh, -c, "echo first > /work/order; sleep 1"], volumeMounts: [{ name: w, mountPath: /work }] }
  - { name: second, image: "busybox:1.36", command: [sh, -c, "echo migrating; sleep 30"] }
  containers:
  - { name: app, image: "nginx:1.27" }
  volumes: [{ name: w, emptyDir: {} }]
`);
    await until(['get', 'pod', 'ordered'], /Init:1\/2/);
    expect(await k('get', 'pod', 'ordered', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}')).toBe(
      'PodInitializing',
    );
    expect(await k('logs', 'ordered', '-c', 'second')).toBe('migrating\n');
    await until(['get', 'pod', 'ordered'], /1\/1\s+Running/, 5);
    expect(
      await k('get', 'pod', 'ordered', '-o', 'jsonpath={.status.conditions[?(@.type=="Initialized")].status}'),
    ).toBe('True');
  });

  it('shares emptyDirs: what an init container writes, the app serves; one container’s exec writes, another reads', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: { name: site, namespace: default, labels: { app: site } }
spec:
  initContainers:
  - name: fetch
    image: "busybox:1.36"
    command: [sh, -c, "echo '<h1>from init</h1>' > /work-dir/index.html"]
    volumeMounts: [{ name: workdir, mountPath: /work-dir }]
  containers:
  - name: nginx
    image: "nginx:1.27"
    volumeMounts: [{ name: workdir, mountPath: /usr/share/nginx/html }]
  - name: helper
    image: "busybox:1.36"
    command: [sleep, infinity]
    volumeMounts: [{ name: workdir, mountPath: /shared }]
  volumes: [{ name: workdir, emptyDir: {} }]
`);
    await until(['get', 'pod', 'site'], /2\/2\s+Running/, 1);
    expect(await k('exec', 'site', '-c', 'nginx', '--', 'curl', '-s', 'http://localhost/')).toBe(
      '<h1>from init</h1>\n',
    );
    expect(await k('exec', 'site', '-c', 'helper', '--', 'cat', '/shared/index.html')).toBe('<h1>from init</h1>\n');
    await k('exec', 'site', '-c', 'helper', '--', 'sh', '-c', 'echo note > /shared/note.txt');
    expect(await k('exec', 'site', '-c', 'nginx', '--', 'cat', '/usr/share/nginx/html/note.txt')).toBe('note\n');
  });

  it('a failing init container shows Init:Error, then Init:CrashLoopBackOff, with its own restarts and previous logs', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: { name: broken, namespace: default }
spec:
  initContainers:
  - { name: wait-db, image: "busybox:1.36", command: [sh, -c, "echo waiting for db; nslookup db || exit 1"] }
  containers:
  - { name: app, image: "nginx:1.27" }
`);
    await until(['get', 'pod', 'broken'], /Init:(Error|CrashLoopBackOff)/);
    await until(['get', 'pod', 'broken'], /0\/1\s+Init:CrashLoopBackOff\s+[1-9]/, 5);
    expect(await k('get', 'pod', 'broken', '-o', 'jsonpath={.status.initContainerStatuses[0].restartCount}')).toMatch(
      /^[1-9]/,
    );
    expect(await k('logs', 'broken', '-c', 'wait-db', '--previous')).toContain('waiting for db');
    expect(await k('describe', 'pod', 'broken')).toMatch(/Init Containers:[\s\S]*wait-db:/);
  });

  it('runs sidecars (restartPolicy Always) alongside the app, counted in READY', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: { name: sidecar, namespace: default }
spec:
  initContainers:
  - { name: proxy, image: "busybox:1.36", restartPolicy: Always, command: [sh, -c, "while true; do sleep 5; done"] }
  containers:
  - { name: app, image: "nginx:1.27" }
`);
    await until(['get', 'pod', 'sidecar'], /2\/2\s+Running/);
  });

  it('a rolling update whose new pods never initialize stays stuck, the old pods still serving', async () => {
    await k('create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2');
    await k('rollout', 'status', 'deploy/web', '--timeout=20s');
    await k(
      'patch',
      'deploy/web',
      '--type=json',
      '-p',
      '[{"op":"add","path":"/spec/template/spec/initContainers","value":[{"name":"fail","image":"busybox:1.36","command":["sh","-c","exit 1"]}]}]',
    );
    const stuck = await kubectlAsync(['rollout', 'status', 'deploy/web', '--timeout=3s'], env);
    expect(stuck.code).not.toBe(0);
    expect(await k('get', 'deploy', 'web', '-o', 'jsonpath={.status.availableReplicas}')).toBe('2');
    expect(await k('get', 'pods', '-l', 'app=web')).toMatch(/Init:(Error|CrashLoopBackOff)/);
  });
});
