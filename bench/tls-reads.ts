// Reads from a TLS API server: client-node as shipped (a new connection pool, so a TLS handshake,
// per request) versus our kubeconfig loader's reused pool. Baseline: the shipped behaviour.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from '../src/cluster/kube-config.ts';
import { KubeReader } from '../src/cluster/kube-reader.ts';
import { DEMO_SEED } from '../src/sandbox/seeds/demo-seed.ts';
import { startSandbox } from '../src/sandbox/start-sandbox.ts';

const READS = 300;

export async function tlsReadsSection(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'claw-bench-tls-'));
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
      join(dir, 'ca.crt'),
      '-days',
      '1',
      '-subj',
      '/CN=kubernetes',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const tls = { key: await readFile(join(dir, 'key.pem'), 'utf8'), cert: await readFile(join(dir, 'ca.crt'), 'utf8') };
  const sandbox = await startSandbox({
    stateYaml: await readFile(DEMO_SEED, 'utf8'),
    tls,
    kubeconfigPath: join(dir, 'kubeconfig'),
  });
  try {
    const shipped = new KubeConfig();
    shipped.loadFromFile(join(dir, 'kubeconfig'));
    const measure = async (kc: KubeConfig) => {
      const reader = new KubeReader(kc);
      for (let i = 0; i < 30; i++) await reader.listPods('shop');
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let i = 0; i < READS; i++) await reader.listPods('shop');
      const cpu = process.cpuUsage(c0);
      return { ms: (performance.now() - t0) / READS, cpu: (cpu.user + cpu.system) / 1000 / READS };
    };
    // Alternate to spread machine noise over both.
    const a1 = await measure(shipped);
    const b1 = await measure(loadKubeConfig({ kubeconfig: join(dir, 'kubeconfig') }));
    const a2 = await measure(shipped);
    const b2 = await measure(loadKubeConfig({ kubeconfig: join(dir, 'kubeconfig') }));
    const a = { ms: (a1.ms + a2.ms) / 2, cpu: (a1.cpu + a2.cpu) / 2 };
    const b = { ms: (b1.ms + b2.ms) / 2, cpu: (b1.cpu + b2.cpu) / 2 };
    return `## Reads from a TLS API server

${READS} sequential \`list pods -n shop\` reads (both processes: the sandbox and the reader, one
machine) over HTTPS. client-node as shipped builds a new connection pool per request, so every
read pays a TLS handshake; \`loadKubeConfig\` keeps one pool per TLS identity.

| client | ms per read | CPU ms per read |
|---|---:|---:|
| client-node as shipped (baseline) | ${a.ms.toFixed(2)} | ${a.cpu.toFixed(2)} |
| reused pool (\`reuseConnections\`) | ${b.ms.toFixed(2)} | ${b.cpu.toFixed(2)} |

Reusing connections makes reads **${(a.ms / b.ms).toFixed(1)}×** faster and **${(a.cpu / b.cpu).toFixed(1)}×** cheaper in CPU.
`;
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) process.stdout.write(await tlsReadsSection());
