// `kubectl exec` into the sandbox against kubectl's own client overhead: the same kubectl, the same
// sandbox, a plain GET of the same pod as the baseline, in the same run.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/start-sandbox.ts';

const RUNS = 15;
const STATE = `apiVersion: v1
kind: Pod
metadata: { name: web, namespace: default, labels: { app: web } }
spec: { containers: [{ name: nginx, image: "nginx:1.27" }] }
---
apiVersion: v1
kind: Pod
metadata: { name: client, namespace: default }
spec: { containers: [{ name: sh, image: "busybox:1.36", command: [sleep, infinity] }] }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
`;

function timed(args: string[], env: Record<string, string>): Promise<number> {
  const t0 = performance.now();
  return new Promise((resolve, reject) =>
    execFile('kubectl', args, { env: { ...process.env, ...env } }, (e) =>
      e ? reject(e) : resolve(performance.now() - t0),
    ),
  );
}

async function median(args: string[], env: Record<string, string>): Promise<number> {
  await timed(args, env); // warm the discovery cache
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await timed(args, env));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export async function execRoundtripSection(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'claw-bench-exec-'));
  const sandbox = await startSandbox({
    stateYaml: STATE,
    kubeconfigPath: join(dir, 'kubeconfig'),
    tickMs: 200,
    warmupSeconds: 10,
  });
  const env = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
  try {
    const rows: [string, string, number][] = [];
    const get = await median(['get', 'pod', 'web', '-o', 'name'], env);
    rows.push(['get the pod (baseline)', 'kubectl get pod web -o name', get]);
    rows.push([
      'exec a command',
      'kubectl exec web -- cat /etc/nginx/conf.d/default.conf',
      await median(['exec', 'web', '--', 'cat', '/etc/nginx/conf.d/default.conf'], env),
    ]);
    rows.push([
      'exec a shell script',
      "kubectl exec client -- sh -c 'for i in 1 2 3; do echo $i; done'",
      await median(['exec', 'client', '--', 'sh', '-c', 'for i in 1 2 3; do echo $i; done'], env),
    ]);
    rows.push([
      'exec wget through a Service',
      'kubectl exec client -- wget -qO- http://web',
      await median(['exec', 'client', '--', 'wget', '-qO-', 'http://web'], env),
    ]);
    return `## kubectl exec round trip

\`kubectl exec\` into the sandbox's simulated containers (WebSocket, \`v5.channel.k8s.io\`) against
kubectl's own client overhead: a plain \`kubectl get\` of the same pod, same kubectl, same sandbox,
same run (median of ${RUNS} after a warm-up). Goal: exec within 1.5× of the baseline, i.e. the
simulated container adds little to what kubectl itself costs.

| what | command | median ms | vs get |
|---|---|---:|---:|
${rows.map(([what, cmd, ms]) => `| ${what} | \`${cmd.replace(/\|/g, '\\|')}\` | ${ms.toFixed(0)} | ${(ms / get).toFixed(2)}× |`).join('\n')}
`;
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
