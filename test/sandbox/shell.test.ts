import { describe, expect, it } from 'vitest';
import { ClusterState, T } from '../../src/sandbox/cluster-state.ts';
import { deriveBehaviour, pullError } from '../../src/sandbox/images/container-behaviour.ts';

const pod: any = { metadata: { name: 'web-1', namespace: 'default', uid: 'u1' }, spec: {} };
const behave = (c: Record<string, unknown>) => deriveBehaviour(new ClusterState(), pod, { name: 'c', ...c });
const sh = (script: string, image = 'busybox:1.36') => behave({ image, command: ['sh', '-c', script] });

describe('public images: which exist', () => {
  it('knows the official images and their real tags, offline', () => {
    expect(pullError('nginx')).toBeUndefined();
    expect(pullError('nginx:1.27.4-alpine')).toBeUndefined();
    expect(pullError('docker.io/library/python:3.12-slim')).toBeUndefined();
    expect(pullError('postgres:16.4')).toBeUndefined();
    expect(pullError('nginx:1.99')).toBe(
      'failed to pull and unpack image "docker.io/library/nginx:1.99": failed to resolve reference "docker.io/library/nginx:1.99": docker.io/library/nginx:1.99: not found',
    );
    expect(pullError('ngnix:latest')).toMatch(
      /pull access denied, repository does not exist or may require authorization/,
    );
    expect(pullError('busybox:1.36.2')).toMatch(/not found$/);
  });

  it('takes images of other namespaces and registries as existing; refuses a malformed reference', () => {
    expect(pullError('registry.example.com/shop/cart:1.4.2')).toBeUndefined();
    expect(pullError('bitnami/redis:7.2')).toBeUndefined();
    expect(pullError('Nginx')).toMatch(/invalid reference format/);
  });
});

describe('public images: what their processes do', () => {
  it('nginx and httpd serve / on port 80 and nothing else', () => {
    const n = behave({ image: 'nginx:1.27' });
    expect(n.exitCode).toBeUndefined();
    expect(n.ports).toEqual([80]);
    expect(n.paths?.[80]).toContain('/');
    expect(n.paths?.[80]).not.toContain('/healthz');
    expect(n.logs).toContain('Configuration complete; ready for start up');
    expect(behave({ image: 'httpd:2.4' }).paths?.[80]).toContain('/');
  });

  it('nginx serves the files a ConfigMap mounts over its root', () => {
    const state = new ClusterState();
    state.store.create(T.configMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'site', namespace: 'default' },
      data: { 'index.html': 'hi', healthz: 'ok' },
    });
    const p = { ...pod, spec: { volumes: [{ name: 'site', configMap: { name: 'site' } }] } };
    const b = deriveBehaviour(state, p, {
      name: 'web',
      image: 'nginx:1.27',
      volumeMounts: [{ name: 'site', mountPath: '/usr/share/nginx/html' }],
    });
    expect(b.paths?.[80]).toEqual(expect.arrayContaining(['/', '/healthz']));
    expect(b.paths?.[80]).not.toContain('/50x.html');
  });

  it('busybox, alpine and ubuntu run their command and exit', () => {
    expect(behave({ image: 'busybox' })).toMatchObject({ exitCode: 0 });
    expect(behave({ image: 'alpine:3.20', args: ['echo', 'hello'] })).toMatchObject({ exitCode: 0, logs: 'hello\n' });
    expect(behave({ image: 'ubuntu:24.04', command: ['sleep', '30'] })).toMatchObject({
      exitCode: 0,
      startSeconds: 30,
    });
  });

  it('a missing command is 127 in a shell, with the shell’s wording; a StartError when the runtime execs it', () => {
    expect(sh('nosuch --flag')).toMatchObject({ exitCode: 127, logs: 'sh: nosuch: not found\n' });
    expect(sh('nosuch', 'ubuntu:24.04')).toMatchObject({ exitCode: 127, logs: 'sh: 1: nosuch: not found\n' });
    expect(behave({ image: 'ubuntu:24.04', command: ['bash', '-c', 'nosuch'] })).toMatchObject({
      exitCode: 127,
      logs: 'bash: line 1: nosuch: command not found\n',
    });
    expect(behave({ image: 'busybox', command: ['bash', '-c', 'true'] }).startError).toMatch(
      /exec: "bash": executable file not found in \$PATH/,
    );
  });

  it('python runs -c code, and fails with a SyntaxError on bad code or an ImportError on a missing module', () => {
    expect(
      behave({ image: 'python:3.12', command: ['python', '-c', 'print("hi"); import sys; sys.exit(4)'] }),
    ).toMatchObject({
      exitCode: 4,
      logs: 'hi\n',
    });
    const bad = behave({ image: 'python:3.12', command: ['python3', '-c', 'print "hi"'] });
    expect(bad.exitCode).toBe(1);
    expect(bad.logs).toContain("SyntaxError: Missing parentheses in call to 'print'");
    expect(behave({ image: 'python:3.12', command: ['python', '-c', 'if True\n  print(1)'] }).logs).toContain(
      "SyntaxError: expected ':'",
    );
    expect(behave({ image: 'python:3.12', command: ['python', '-c', 'import requests'] }).logs).toContain(
      "ModuleNotFoundError: No module named 'requests'",
    );
    expect(behave({ image: 'python:3.12', command: ['python', '-m', 'http.server', '9000'] }).ports).toEqual([9000]);
  });

  it('redis and postgres listen on their ports; postgres without a password exits with its real message', () => {
    expect(behave({ image: 'redis:7.4' }).ports).toEqual([6379]);
    const pg = behave({ image: 'postgres:16' });
    expect(pg.exitCode).toBe(1);
    expect(pg.logs).toContain('You must specify POSTGRES_PASSWORD to a non-empty value');
    const ok = behave({ image: 'postgres:16', env: [{ name: 'POSTGRES_PASSWORD', value: 'pw' }] });
    expect(ok).toMatchObject({ ports: [5432], startSeconds: 3 });
    expect(ok.exitCode).toBeUndefined();
  });

  it('a stress-style hog holds the memory it asks for', () => {
    const b = behave({
      image: 'polinux/stress',
      command: ['stress'],
      args: ['--vm', '1', '--vm-bytes', '250M', '--vm-hang', '1'],
    });
    expect(b.memoryMi).toBe(250);
    expect(b.exitCode).toBeUndefined();
  });

  it('a SandboxImage in the state file overrides everything the sandbox would simulate', () => {
    const state = new ClusterState();
    state.images.set('nginx:1.27', { exitCode: 2, logs: 'declared\n' });
    expect(deriveBehaviour(state, pod, { name: 'web', image: 'nginx:1.27' })).toEqual({
      exitCode: 2,
      logs: 'declared\n',
    });
    state.images.set('ngnix', {});
    expect(deriveBehaviour(state, pod, { name: 'web', image: 'ngnix' }).pullError).toBeUndefined();
  });

  it('an unknown image with no command it can read is an opaque server on every port', () => {
    const b = behave({ image: 'registry.example.com/shop/cart:1.4.2' });
    expect(b.ports).toBeUndefined();
    expect(b.exitCode).toBeUndefined();
  });
});

describe('the bounded sh -c grammar', () => {
  it('sequences, && and ||, exit N, $? and a default for an unset variable', () => {
    expect(sh('echo a; false && echo no || echo yes; echo "st=$?"').logs).toBe('a\nyes\nst=0\n');
    expect(sh('exit 7; echo never')).toMatchObject({ exitCode: 7, logs: '' });
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template
    expect(sh('echo ${UNSET:-fallback} ${HOSTNAME}').logs).toBe('fallback web-1\n');
  });

  it('loops, conditions, arithmetic and command substitution', () => {
    expect(sh('for i in 1 2 3; do echo "n$i"; done').logs).toBe('n1\nn2\nn3\n');
    expect(sh('i=0; while [ $i -lt 3 ]; do i=$((i+1)); done; echo $i').logs).toBe('3\n');
    expect(sh('if [ -f /nope ]; then echo yes; elif true; then echo elif; else echo no; fi').logs).toBe('elif\n');
    expect(sh('echo "$(echo inner) $(seq 2 | wc -l)"').logs).toBe('inner 2\n');
  });

  it('redirects to files, which later commands read', () => {
    expect(sh('echo one > /tmp/f; echo two >> /tmp/f; cat /tmp/f; cat /missing 2>/dev/null || echo gone').logs).toBe(
      'one\ntwo\ngone\n',
    );
  });

  it('sleep advances the clock; an endless loop or sleep infinity runs for ever', () => {
    expect(sh('sleep 5; sleep 1m; exit 1')).toMatchObject({ exitCode: 1, startSeconds: 65 });
    expect(sh('while true; do echo tick; sleep 10; done').exitCode).toBeUndefined();
    expect(sh('sleep infinity').exitCode).toBeUndefined();
    const ticks = sh('while true; do echo tick; sleep 10; done').logLines!;
    expect(ticks.slice(0, 3).map((l) => l.at)).toEqual([0, 10, 20]);
  });

  it('a syntax error is the shell’s, exit 2', () => {
    expect(sh('if true; then echo x')).toMatchObject({ exitCode: 2 });
    expect(sh('echo "unterminated').logs).toContain('Unterminated quoted string');
  });

  it('exec probes see the filesystem as it stood at that second', () => {
    const b = sh('touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600');
    expect(b.exec!(['cat', '/tmp/healthy'], 10).code).toBe(0);
    const late = b.exec!(['cat', '/tmp/healthy'], 40);
    expect(late.code).toBe(1);
    expect(late.output).toBe('cat: /tmp/healthy: No such file or directory\n');
  });
});
