import { beforeAll, describe, expect, it } from 'vitest';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

/**
 * Public images behave like themselves when driven with the real kubectl, with no SandboxImage:
 * servers serve, one-shot commands exit with their code, missing images fail to pull with the
 * registry's message, probes run against what the process serves, and a fix makes the pod Ready.
 */
describe.skipIf(!KUBECTL)('sandbox: public images behave like themselves', () => {
  const box = kubectlSandbox({ prefix: 'claw-images-' });
  const { k, apply, advance } = box;
  const jsonpath = (what: string, path: string) => k('get', what, '-n', 'img', '-o', `jsonpath=${path}`);
  const until = (what: string, path: string, want: RegExp) =>
    box.until(['get', what, '-n', 'img', '-o', `jsonpath=${path}`], want);

  beforeAll(() => k('create', 'namespace', 'img'));

  it('nginx runs and is Ready; its logs are the entrypoint’s', async () => {
    await k('run', 'web', '-n', 'img', '--image=nginx:1.27', '--port=80');
    expect(await k('wait', '--for=condition=Ready', 'pod/web', '-n', 'img', '--timeout=20s')).toContain(
      'condition met',
    );
    expect(await k('logs', 'web', '-n', 'img')).toContain('Configuration complete; ready for start up');
  });

  it('a misspelt image or an unknown tag fails to pull with the registry’s message', async () => {
    await k('run', 'typo', '-n', 'img', '--image=ngnix');
    await k('run', 'old', '-n', 'img', '--image=nginx:1.99');
    await until('pod/typo', '{.status.containerStatuses[0].state.waiting.reason}', /ErrImagePull|ImagePullBackOff/);
    expect(await k('describe', 'pod', 'typo', '-n', 'img')).toContain(
      'pull access denied, repository does not exist or may require authorization',
    );
    await until(
      'pod/old',
      '{.status.containerStatuses[0].state.waiting.message}',
      /docker.io\/library\/nginx:1.99: not found/,
    );
  });

  it('busybox runs its command and exits with its code; a missing command is 127 in sh, StartError without', async () => {
    await k('run', 'once', '-n', 'img', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo hi; exit 3');
    await k('run', 'missing', '-n', 'img', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'nosuch');
    await k('run', 'noexec', '-n', 'img', '--image=busybox', '--restart=Never', '--', 'nosuch');
    await until('pod/once', '{.status.phase}', /Failed/);
    expect(await jsonpath('pod/once', '{.status.containerStatuses[0].state.terminated.exitCode}')).toBe('3');
    expect(await k('logs', 'once', '-n', 'img')).toBe('hi\n');
    await until('pod/missing', '{.status.containerStatuses[0].state.terminated.exitCode}', /^127$/);
    expect(await k('logs', 'missing', '-n', 'img')).toBe('sh: nosuch: not found\n');
    await until('pod/noexec', '{.status.containerStatuses[0].state.terminated.reason}', /^StartError$/);
    expect(await jsonpath('pod/noexec', '{.status.containerStatuses[0].state.terminated.exitCode}')).toBe('128');
  });

  it('python fails with a SyntaxError on bad code', async () => {
    await k('run', 'py', '-n', 'img', '--image=python:3.12-slim', '--restart=Never', '--', 'python', '-c', 'print "x"');
    await until('pod/py', '{.status.phase}', /Failed/);
    expect(await k('logs', 'py', '-n', 'img')).toContain('SyntaxError: Missing parentheses');
  });

  it('a memory hog over its limit is OOMKilled', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: { name: hog, namespace: img }
spec:
  containers:
  - name: stress
    image: polinux/stress
    command: [stress]
    args: [--vm, "1", --vm-bytes, 250M, --vm-hang, "1"]
    resources: { limits: { memory: 100Mi } }
`);
    await until(
      'pod/hog',
      '{.status.containerStatuses[0].lastState.terminated.reason}{.status.containerStatuses[0].state.terminated.reason}',
      /OOMKilled/,
    );
  });

  it('a readiness probe on a path nginx does not serve keeps the pod unready (404); the fixed path makes it Ready', async () => {
    await apply(`apiVersion: apps/v1
kind: Deployment
metadata: { name: site, namespace: img }
spec:
  replicas: 1
  selector: { matchLabels: { app: site } }
  template:
    metadata: { labels: { app: site } }
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        readinessProbe: { httpGet: { path: /healthz, port: 80 }, periodSeconds: 5 }
`);
    const site = '{.items[?(@.metadata.labels.app=="site")]';
    await until('pods', `${site}.status.containerStatuses[0].started}`, /true/);
    expect(await jsonpath('pods', `${site}.status.containerStatuses[0].ready}`)).toBe('false');
    expect(await k('get', 'events', '-n', 'img', '--field-selector', 'reason=Unhealthy')).toContain(
      'HTTP probe failed with statuscode: 404',
    );
    await k(
      'patch',
      'deploy/site',
      '-n',
      'img',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/template/spec/containers/0/readinessProbe/httpGet/path","value":"/"}]',
    );
    expect(await k('rollout', 'status', 'deploy/site', '-n', 'img', '--timeout=30s')).toContain(
      'successfully rolled out',
    );
  });

  it('a liveness probe on a wrong port restarts the container', async () => {
    await apply(`apiVersion: v1
kind: Pod
metadata: { name: live, namespace: img }
spec:
  containers:
  - name: redis
    image: redis:7.4
    livenessProbe: { tcpSocket: { port: 6380 }, periodSeconds: 5, failureThreshold: 2 }
`);
    await until('pod/live', '{.status.containerStatuses[0].started}', /true/);
    advance(60);
    await until('pod/live', '{.status.containerStatuses[0].restartCount}', /^[1-9]/);
  });

  it('postgres without POSTGRES_PASSWORD crash-loops with its message; setting it makes it Ready', async () => {
    await k('create', 'deployment', 'db', '-n', 'img', '--image=postgres:16');
    const db = '{.items[?(@.metadata.labels.app=="db")]';
    await until('pods', `${db}.status.containerStatuses[0].lastState.terminated.exitCode}`, /^1$/);
    const pod = await jsonpath('pods', `${db}.metadata.name}`);
    expect(await k('logs', pod, '-n', 'img', '--previous')).toContain('You must specify POSTGRES_PASSWORD');
    await k('set', 'env', 'deploy/db', '-n', 'img', 'POSTGRES_PASSWORD=example');
    expect(await k('rollout', 'status', 'deploy/db', '-n', 'img', '--timeout=30s')).toContain(
      'successfully rolled out',
    );
  });
});
