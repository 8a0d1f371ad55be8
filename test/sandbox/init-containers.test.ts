import { describe, expect, it } from 'vitest';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

/** Init containers and sidecars as the kubelet runs them, seen through the real kubectl. */
describe.skipIf(!KUBECTL)('sandbox: init containers and sidecars', () => {
  const box = kubectlSandbox({ prefix: 'claw-init-' });
  const { k, apply, until } = box;

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
    const stuck = await box.kubectl(['rollout', 'status', 'deploy/web', '--timeout=3s']);
    expect(stuck.code).not.toBe(0);
    expect(await k('get', 'deploy', 'web', '-o', 'jsonpath={.status.availableReplicas}')).toBe('2');
    expect(await k('get', 'pods', '-l', 'app=web')).toMatch(/Init:(Error|CrashLoopBackOff)/);
  });
});
