import { execFile, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { HAS_SCRIPT } from '../helpers/cli.ts';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubectlSandbox } from '../helpers/kubectl-sandbox.ts';

const STATE = `apiVersion: v1
kind: Namespace
metadata: { name: app, labels: { team: shop } }
---
apiVersion: v1
kind: Namespace
metadata: { name: other }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: app }
data: { app.conf: "mode=production\\n", LEVEL: debug }
---
apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: app }
data: { password: c2VjcmV0 }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: app, labels: { role: client } }
spec:
  volumes:
  - { name: settings, configMap: { name: settings } }
  - { name: creds, secret: { secretName: creds } }
  - { name: scratch, emptyDir: {} }
  - name: info
    downwardAPI: { items: [{ path: labels-role, fieldRef: { fieldPath: "metadata.labels['role']" } }] }
  containers:
  - name: sh
    image: busybox:1.36
    command: [sleep, "3600"]
    env: [{ name: LEVEL, valueFrom: { configMapKeyRef: { name: settings, key: LEVEL } } }]
    volumeMounts:
    - { name: settings, mountPath: /etc/app }
    - { name: creds, mountPath: /etc/creds }
    - { name: scratch, mountPath: /scratch }
    - { name: info, mountPath: /etc/info }
---
apiVersion: v1
kind: Pod
metadata: { name: web, namespace: app, labels: { app: web } }
spec: { containers: [{ name: nginx, image: "nginx:1.27", ports: [{ containerPort: 80 }] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: app }
spec: { selector: { app: web }, ports: [{ port: 80, targetPort: 80 }] }
---
apiVersion: v1
kind: Service
metadata: { name: nobody, namespace: app }
spec: { selector: { app: none }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Pod
metadata: { name: outsider, namespace: other }
spec: { containers: [{ name: sh, image: "alpine:3.20", command: [sleep, infinity] }] }
---
apiVersion: v1
kind: Pod
metadata: { name: bare, namespace: app }
spec: { containers: [{ name: pause, image: "registry.k8s.io/pause:3.10" }] }
`;

/**
 * `kubectl exec` with the real kubectl 1.32 (WebSocket, v5.channel.k8s.io) into simulated
 * containers: their files and environment, the shell grammar, exit codes on the status channel,
 * stdin, and curl/wget/nslookup through Services, pod IPs and NetworkPolicies.
 */
describe.skipIf(!KUBECTL)('sandbox: kubectl exec', () => {
  const box = kubectlSandbox({ stateYaml: STATE, prefix: 'claw-exec-' });
  const exec = (pod: string, ns: string, ...command: string[]) =>
    box.kubectl(['exec', pod, '-n', ns, '--', ...command]);
  const ok = async (pod: string, ns: string, ...command: string[]) => {
    const r = await exec(pod, ns, ...command);
    expect(r.code, `${command.join(' ')}\n${r.out}`).toBe(0);
    return r.out;
  };

  beforeAll(async () => {
    const r = await box.kubectl([
      'wait',
      '--for=condition=Ready',
      'pod/client',
      'pod/web',
      '-n',
      'app',
      '--timeout=20s',
    ]);
    expect(r.code, r.out).toBe(0);
  });

  it('reads mounted ConfigMaps, Secrets, downward API files and the environment', async () => {
    expect(await ok('client', 'app', 'cat', '/etc/app/app.conf')).toBe('mode=production\n');
    expect(await ok('client', 'app', 'cat', '/etc/creds/password')).toBe('secret');
    expect(await ok('client', 'app', 'cat', '/etc/info/labels-role')).toBe('client');
    expect((await ok('client', 'app', 'ls', '/etc/app')).split('\n')).toEqual(['LEVEL', 'app.conf', '']);
    expect(await ok('client', 'app', 'printenv', 'LEVEL')).toBe('debug\n');
    expect(await ok('client', 'app', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/namespace')).toBe('app');
  });

  it('mounts a bound service-account token the API server accepts for the pod’s ServiceAccount', async () => {
    const token = (await ok('client', 'app', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token')).trim();
    expect(token.split('.')).toHaveLength(3);
    const res = await fetch(`${box.sandbox.url}/apis/authentication.k8s.io/v1/selfsubjectreviews`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' }),
    });
    expect(((await res.json()) as any).status.userInfo.username).toBe('system:serviceaccount:app:default');
  });

  it('runs the shell grammar; files written persist for the container; exit codes reach kubectl', async () => {
    expect(await ok('client', 'app', 'sh', '-c', 'echo one > /scratch/f && echo two >> /scratch/f')).toBe('');
    expect(await ok('client', 'app', 'sh', '-c', 'for l in $(cat /scratch/f); do echo "<$l>"; done')).toBe(
      '<one>\n<two>\n',
    );
    const failed = await exec('client', 'app', 'sh', '-c', 'echo partial; exit 3');
    expect(failed.code).toBe(3);
    expect(failed.out).toContain('partial\n');
    expect(failed.out).toContain('command terminated with exit code 3');
    const missing = await exec('client', 'app', 'sh', '-c', 'nosuch --flag');
    expect(missing.code).toBe(127);
    expect(missing.out).toContain('sh: nosuch: not found');
  });

  it('a program the image lacks, or an image without a shell, is the runtime’s 126', async () => {
    const bash = await exec('client', 'app', 'bash');
    expect(bash.code).toBe(126);
    expect(bash.out).toContain('exec: "bash": executable file not found in $PATH');
    const bare = await exec('bare', 'app', 'sh');
    expect(bare.code).toBe(126);
  });

  it('passes stdin with -i', async () => {
    const r = await new Promise<{ code: number; out: string }>((resolve) => {
      const child = execFile(
        KUBECTL!,
        ['exec', '-i', 'client', '-n', 'app', '--', 'sh'],
        { env: { ...process.env, ...box.env } },
        (e, stdout, stderr) =>
          resolve({ code: e ? ((e as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
      child.stdin!.end('echo from-stdin\nexit 4\n');
    });
    expect(r).toMatchObject({ code: 4 });
    expect(r.out).toContain('from-stdin');
  });

  it.skipIf(!HAS_SCRIPT)('gives a terminal with -it: echoes what is typed, runs each line, exit ends it', async () => {
    // script(1) gives kubectl the terminal a person has.
    const child = spawn('script', ['-qec', `${KUBECTL} exec -it client -n app -- sh`, '/dev/null'], {
      env: { ...process.env, ...box.env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const until = async (text: string) => {
      for (let i = 0; i < 100 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).toContain(text);
    };
    await until('# ');
    child.stdin.write('cd /etc/app; X=from-session\r');
    await until('# cd /etc/app; X=from-session\r\n# ');
    child.stdin.write('echo "$X"; cat app.conf\r');
    await until('mode=production');
    expect(out).toContain('from-session\r\nmode=production');
    child.stdin.write('exit 5\r');
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(5);
  });

  it('reaches a Service by name through its endpoints; a path nginx lacks is 404; a Service with no endpoints refuses', async () => {
    expect(await ok('client', 'app', 'wget', '-qO-', 'http://web')).toContain('Welcome to nginx!');
    expect(await ok('client', 'app', 'wget', '-qO-', 'http://web.app.svc.cluster.local/index.html')).toContain('nginx');
    const notFound = await exec('client', 'app', 'wget', '-qO-', 'http://web/healthz');
    expect(notFound.out).toContain('server returned error: HTTP/1.1 404 Not Found');
    const refused = await exec('client', 'app', 'wget', '-qO-', 'http://nobody');
    expect(refused.out).toContain("can't connect to remote host");
    expect(await ok('web', 'app', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://web.app')).toBe('200');
    expect(await ok('client', 'app', 'nslookup', 'web')).toContain('Name:\tweb.app.svc.cluster.local');
    expect((await exec('client', 'app', 'nslookup', 'nope')).out).toContain("server can't find");
  });

  it('kubectl run --rm -i: a one-shot client pod reaches the Service, prints what it got, and is deleted', async () => {
    const run = (name: string, ...command: string[]) =>
      box.kubectl([
        'run',
        name,
        '-n',
        'app',
        '--rm',
        '-i',
        '--restart=Never',
        '--image=busybox:1.36',
        '--',
        ...command,
      ]);
    const got = await run('probe', 'wget', '-qO-', '-T', '2', 'http://web');
    expect(got.code, got.out).toBe(0);
    expect(got.out).toContain('Welcome to nginx!');
    const failed = await run('probe2', 'wget', '-qO-', '-T', '2', 'http://nope');
    expect(failed.code).toBe(1);
    expect(failed.out).toContain("wget: bad address 'nope'");
    expect((await box.kubectl(['get', 'pods', '-n', 'app', '-o', 'name'])).out).not.toContain('probe');
  });

  it('a NetworkPolicy drops what it does not allow (a timeout), and lets through what it does', async () => {
    expect(await ok('outsider', 'other', 'wget', '-qO-', '-T', '2', 'http://web.app')).toContain('nginx');
    const policy = join(box.dir, 'policy.yaml');
    await writeFile(
      policy,
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: web-from-clients, namespace: app }
spec:
  podSelector: { matchLabels: { app: web } }
  policyTypes: [Ingress]
  ingress:
  - from: [{ podSelector: { matchLabels: { role: client } } }]
    ports: [{ port: 80 }]
`,
    );
    expect((await box.kubectl(['apply', '-f', policy])).code).toBe(0);
    const blocked = await exec('outsider', 'other', 'wget', '-qO-', '-T', '2', 'http://web.app');
    expect(blocked.code).toBe(1);
    expect(blocked.out).toContain('download timed out');
    expect(await ok('client', 'app', 'wget', '-qO-', '-T', '2', 'http://web')).toContain('nginx');
    const curl = await exec('web', 'app', 'curl', '-sS', '-m', '2', 'http://web');
    expect(curl.code).toBe(28);
  });

  it('ps shows the container’s process; exec is held to RBAC for who it impersonates', async () => {
    expect(await ok('client', 'app', 'ps')).toContain('1 root      0:00 sleep 3600');
    const denied = await box.kubectl([
      'exec',
      'client',
      '-n',
      'app',
      '--as=system:serviceaccount:app:default',
      '--',
      'true',
    ]);
    expect(denied.code).not.toBe(0);
    expect(denied.out).toMatch(/forbidden/i);
  });
});
