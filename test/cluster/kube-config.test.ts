import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterNameOf, loadKubeConfig, reuseConnections } from '../../src/cluster/kube-config.ts';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { NoClusterError } from '../../src/domain/errors.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';

const OPENSSL = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const SA = 'var/run/secrets/kubernetes.io/serviceaccount';
const dir = mkdtempSync(join(tmpdir(), 'claw-kc-'));

describe('loading cluster credentials', () => {
  it('says what to do when there is no kubeconfig and no service account', () => {
    expect(() => loadKubeConfig({ home: dir, serviceAccountRoot: join(dir, 'none') })).toThrow(NoClusterError);
    expect(() => loadKubeConfig({ home: dir, serviceAccountRoot: join(dir, 'none') })).toThrow(
      /set KUBECONFIG, create ~\/.kube\/config, or run in a pod/,
    );
    expect(() => loadKubeConfig({ kubeconfig: join(dir, 'missing') })).toThrow(/does not exist/);
  });
});

describe.skipIf(!OPENSSL)('in a pod: the mounted service account over TLS', () => {
  let sandbox: Sandbox;
  const saved = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
  beforeAll(async () => {
    const sa = join(dir, SA);
    await mkdir(sa, { recursive: true });
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(sa, 'ca.crt'),
        '-days',
        '1',
        '-subj',
        '/CN=kubernetes',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    await writeFile(join(sa, 'token'), 'in-cluster-token-for-test');
    await writeFile(join(sa, 'namespace'), 'clusterclaw');
    sandbox = await startSandbox({
      stateYaml: 'apiVersion: v1\nkind: Namespace\nmetadata: { name: clusterclaw }\n',
      tls: { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(sa, 'ca.crt'), 'utf8') },
    });
    // client-node reads these two variables itself, as in a real pod.
    process.env.KUBERNETES_SERVICE_HOST = '127.0.0.1';
    process.env.KUBERNETES_SERVICE_PORT = new URL(sandbox.url).port;
  });
  afterAll(async () => {
    process.env.KUBERNETES_SERVICE_HOST = saved.host;
    process.env.KUBERNETES_SERVICE_PORT = saved.port;
    if (saved.host === undefined) delete process.env.KUBERNETES_SERVICE_HOST;
    if (saved.port === undefined) delete process.env.KUBERNETES_SERVICE_PORT;
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('uses the token and verifies the API server against the mounted CA', async () => {
    expect(sandbox.url).toMatch(/^https:/);
    const kc = loadKubeConfig({ home: dir, serviceAccountRoot: dir });
    expect(clusterNameOf(kc)).toBe('inClusterContext');
    const reader = new KubeReader(kc);
    expect(await reader.listNamespaces()).toContain('clusterclaw');
    expect(sandbox.journal.at(-1)?.authorization).toBe('Bearer in-cluster-token-for-test');
  });

  it('reuses one TLS connection pool across requests instead of one per request', async () => {
    let pools = 0;
    const kc = new KubeConfig();
    kc.loadFromCluster(dir);
    const target = kc as unknown as { createDispatcher: (...a: unknown[]) => unknown };
    const original = target.createDispatcher.bind(kc);
    target.createDispatcher = (...a) => {
      pools++;
      return original(...a);
    };
    const plain = new KubeReader(kc);
    for (let i = 0; i < 5; i++) await plain.listNamespaces();
    expect(pools).toBe(5); // client-node alone: a new pool, so a new TLS handshake, per request
    pools = 0;
    const reader = new KubeReader(reuseConnections(kc));
    for (let i = 0; i < 5; i++) expect(await reader.listNamespaces()).toContain('clusterclaw');
    expect(pools).toBe(1);
  });

  it('prefers an explicit kubeconfig over the service account', async () => {
    await writeFile(
      join(dir, 'kubeconfig'),
      'apiVersion: v1\nkind: Config\nclusters: [{ name: other, cluster: { server: "http://127.0.0.1:1" } }]\nusers: [{ name: u, user: {} }]\ncontexts: [{ name: other-ctx, context: { cluster: other, user: u } }]\ncurrent-context: other-ctx\n',
    );
    expect(
      clusterNameOf(loadKubeConfig({ kubeconfig: join(dir, 'kubeconfig'), home: dir, serviceAccountRoot: dir })),
    ).toBe('other-ctx');
  });
});
