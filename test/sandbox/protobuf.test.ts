import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeKubeProtobuf, KubeProtobufError } from '../../src/sandbox/protobuf/decode-kube.ts';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { KUBECTL, kubectlAsync } from '../helpers/kubectl.ts';

/**
 * kubectl 1.32 sends the built-in kinds of its generators as protobuf (`k8s\0`, a runtime.Unknown
 * naming apiVersion and kind, the object's bytes). The sandbox reads them with the field tables of
 * kube-proto.data.ts, as the JSON the same request would have sent: each generator below is the
 * real kubectl, and what it created is read back as JSON.
 */
describe.skipIf(!KUBECTL)('sandbox: protobuf bodies from the real kubectl', () => {
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  const k = (...args: string[]) => kubectlAsync(args, env);
  const json = async (...args: string[]) => {
    const r = await k('get', ...args, '-o', 'json');
    expect(r.code, r.out).toBe(0);
    return JSON.parse(r.out);
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-protobuf-'));
    sandbox = await startSandbox({
      stateYaml: await readFile(DEMO_SEED, 'utf8'),
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    env = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
    const ns = await k('create', 'namespace', 'team-a');
    expect(ns.out).toContain('namespace/team-a created');
  });
  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends protobuf (the journal says so), and creates the namespace', async () => {
    const post = sandbox.journal.find((j) => j.method === 'POST' && j.path === '/api/v1/namespaces');
    expect(post?.contentType).toBe('application/vnd.kubernetes.protobuf');
    expect((await json('namespace', 'team-a')).status.phase).toBe('Active');
  });

  it('configmap, secret and serviceaccount: maps and bytes', async () => {
    expect(
      (await k('create', 'configmap', 'cfg', '-n', 'team-a', '--from-literal=a=1', '--from-literal=b=')).code,
    ).toBe(0);
    expect((await json('configmap', 'cfg', '-n', 'team-a')).data).toEqual({ a: '1', b: '' });
    expect((await k('create', 'secret', 'generic', 's1', '-n', 'team-a', '--from-literal=password=hunter2')).code).toBe(
      0,
    );
    const secret = await json('secret', 's1', '-n', 'team-a');
    expect(secret).toMatchObject({ type: 'Opaque', data: { password: Buffer.from('hunter2').toString('base64') } });
    expect((await k('create', 'serviceaccount', 'bot', '-n', 'team-a')).code).toBe(0);
    expect((await json('serviceaccount', 'bot', '-n', 'team-a')).metadata.name).toBe('bot');
  });

  it('deployment, job and cronjob: pod templates, defaulted as the API server would (zeros are not values)', async () => {
    const made = await k(
      'create',
      'deployment',
      'web',
      '-n',
      'team-a',
      '--image=nginx:1.27',
      '--replicas=0',
      '--port=80',
    );
    expect(made.code, made.out).toBe(0);
    const deploy = await json('deployment', 'web', '-n', 'team-a');
    // replicas is a pointer: its 0 is a value, not "unset" (which would default to 1).
    expect(deploy.spec.replicas).toBe(0);
    expect(deploy.spec.selector.matchLabels).toEqual({ app: 'web' });
    const [c] = deploy.spec.template.spec.containers;
    expect(c).toMatchObject({ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect(c).not.toHaveProperty('stdin');
    expect((await k('create', 'job', 'once', '-n', 'team-a', '--image=busybox', '--', 'echo', 'hi')).code).toBe(0);
    const job = await json('job', 'once', '-n', 'team-a');
    expect(job.spec.template.spec.containers[0].command).toEqual(['echo', 'hi']);
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const cron = await k(
      'create',
      'cronjob',
      'tick',
      '-n',
      'team-a',
      '--image=busybox',
      '--schedule=*/5 * * * *',
      '--',
      'date',
    );
    expect(cron.code, cron.out).toBe(0);
    expect((await json('cronjob', 'tick', '-n', 'team-a')).spec.schedule).toBe('*/5 * * * *');
  });

  it('service, ingress, quota, pdb and priorityclass: ports, IntOrString, Quantity', async () => {
    expect((await k('create', 'service', 'clusterip', 'web', '-n', 'team-a', '--tcp=80:8080')).code).toBe(0);
    expect((await json('service', 'web', '-n', 'team-a')).spec.ports).toEqual([
      expect.objectContaining({ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }),
    ]);
    expect((await k('create', 'ingress', 'web', '-n', 'team-a', '--rule=shop.example.com/=web:80')).code).toBe(0);
    expect((await json('ingress', 'web', '-n', 'team-a')).spec.rules).toEqual([
      {
        host: 'shop.example.com',
        http: {
          paths: [{ path: '/', pathType: 'Exact', backend: { service: { name: 'web', port: { number: 80 } } } }],
        },
      },
    ]);
    expect((await k('create', 'quota', 'q', '-n', 'team-a', '--hard=cpu=2,memory=4Gi,pods=10')).code).toBe(0);
    expect((await json('resourcequota', 'q', '-n', 'team-a')).spec.hard).toEqual({
      cpu: '2',
      memory: '4Gi',
      pods: '10',
    });
    expect((await k('create', 'pdb', 'web', '-n', 'team-a', '--selector=app=web', '--min-available=50%')).code).toBe(0);
    expect((await json('pdb', 'web', '-n', 'team-a')).spec.minAvailable).toBe('50%');
    expect((await k('create', 'priorityclass', 'high', '--value=1000', '--description=urgent')).code).toBe(0);
    expect(await json('priorityclass', 'high')).toMatchObject({ value: 1000, description: 'urgent' });
  });

  it('RBAC: role, rolebinding, clusterrole, clusterrolebinding, then `auth can-i --as` decided by them', async () => {
    for (const args of [
      ['role', 'reader', '-n', 'team-a', '--verb=get,list', '--resource=pods'],
      ['rolebinding', 'reader', '-n', 'team-a', '--role=reader', '--serviceaccount=team-a:bot'],
      ['clusterrole', 'nodes-reader', '--verb=get', '--resource=nodes'],
      ['clusterrolebinding', 'nodes-reader', '--clusterrole=nodes-reader', '--user=alice'],
    ]) {
      const r = await k('create', ...args);
      expect(r.code, r.out).toBe(0);
    }
    expect((await json('role', 'reader', '-n', 'team-a')).rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    ]);
    expect((await json('rolebinding', 'reader', '-n', 'team-a')).subjects).toEqual([
      { kind: 'ServiceAccount', name: 'bot', namespace: 'team-a' },
    ]);
    const sa = 'system:serviceaccount:team-a:bot';
    expect(await k('auth', 'can-i', 'list', 'pods', '-n', 'team-a', `--as=${sa}`)).toEqual({ code: 0, out: 'yes\n' });
    expect((await k('auth', 'can-i', 'delete', 'pods', '-n', 'team-a', `--as=${sa}`)).out).toBe('no\n');
    // (kubectl warns on stderr that nodes are not namespaced: the answer is the first line.)
    expect((await k('auth', 'can-i', 'get', 'nodes', '--as=alice')).out).toMatch(/^yes\n/);
    expect((await k('auth', 'can-i', 'get', 'nodes', '--as=bob')).out).toMatch(/^no\n/);
    // `kubectl create token`: a bound token that authenticates as the ServiceAccount, held to its RBAC.
    const token = await k('create', 'token', 'bot', '-n', 'team-a', '--duration=1h');
    expect(token.code, token.out).toBe(0);
    const jwt = token.out.trim();
    expect(JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())).toMatchObject({ sub: sa });
    // (kubectl sends no token over the sandbox's plain http; an HTTP client does.)
    const as = (method: string) =>
      fetch(`${sandbox.url}/api/v1/namespaces/team-a/pods`, { method, headers: { authorization: `Bearer ${jwt}` } });
    expect((await as('GET')).status).toBe(200);
    const denied = await as('DELETE');
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { message: string }).message).toContain(
      `User "${sa}" cannot deletecollection resource "pods"`,
    );
    // As the sandbox's admin (system:masters): anything.
    expect((await k('auth', 'can-i', 'delete', 'nodes')).out).toMatch(/^yes\n/);
  });

  it('refuses what it cannot read: no magic or a truncated body (400), a kind without a table (415)', () => {
    expect(() => decodeKubeProtobuf(Buffer.from('{"kind":"Namespace"}'))).toThrow(
      /does not start with the Kubernetes magic/,
    );
    // k8s\0, Unknown{typeMeta{apiVersion "example.com/v1", kind "Widget"}, raw ""}
    const typeMeta = Buffer.concat([
      Buffer.from([0x0a, 14]),
      Buffer.from('example.com/v1'),
      Buffer.from([0x12, 6]),
      Buffer.from('Widget'),
    ]);
    const body = Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x0a, typeMeta.length]), typeMeta]);
    try {
      decodeKubeProtobuf(body);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KubeProtobufError);
      expect((e as KubeProtobufError).unsupported).toBe(true);
    }
    const truncated = Buffer.concat([Buffer.from('k8s\0'), Buffer.from([0x0a, 40])]);
    expect(() => decodeKubeProtobuf(truncated)).toThrow(/malformed/);
  });
});
