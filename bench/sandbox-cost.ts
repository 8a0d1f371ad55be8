// What the simulated cluster costs: CPU and memory of `claw sandbox` left running with a 500-pod
// cluster, against the same process with an empty cluster (the baseline, same run), and how many
// simulated seconds its controllers compute per wall second when time is stepped forward.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClusterState, T } from '../src/sandbox/cluster-state.ts';
import { reconcileOnce } from '../src/sandbox/controllers/index.ts';
import { loadState } from '../src/sandbox/load-state.ts';
import { DEMO_SEED } from '../src/sandbox/seeds/demo-seed.ts';
import { startSandbox, warmUp } from '../src/sandbox/start-sandbox.ts';

const CLAW = join(import.meta.dirname, '..', 'src', 'cli', 'claw.ts');
const SAMPLE_MS = 10_000;

/** A cluster of `pods` pods over pods/50 nodes: public images serving, looping, crash-looping, opaque. */
export function clusterOf(pods: number): string {
  const docs: string[] = [];
  const nodes = Math.max(1, Math.ceil(pods / 50));
  for (let n = 0; n < nodes; n++)
    docs.push(`apiVersion: v1
kind: Node
metadata: { name: node-${n}, labels: { kubernetes.io/hostname: node-${n} } }
status:
  capacity: { cpu: "16", memory: 64Gi, pods: "110" }
  allocatable: { cpu: "16", memory: 64Gi, pods: "110" }
  conditions: [{ type: Ready, status: "True" }]`);
  const containers = [
    '{ name: web, image: nginx:1.27, readinessProbe: { httpGet: { path: /, port: 80 } } }',
    '{ name: cache, image: redis:7.4 }',
    '{ name: worker, image: busybox:1.36, command: [sh, -c, "while true; do echo tick; sleep 5; done"] }',
    '{ name: api, image: registry.example.com/shop/api:1.0 }',
    '{ name: bad, image: busybox:1.36, command: [sh, -c, "echo boom; exit 1"] }',
  ];
  docs.push('apiVersion: v1\nkind: Namespace\nmetadata: { name: load }');
  const deployments = Math.ceil(pods / 10);
  for (let d = 0; d < deployments; d++)
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: { name: app-${d}, namespace: load }
spec:
  replicas: ${Math.min(10, pods - d * 10)}
  selector: { matchLabels: { app: app-${d} } }
  template:
    metadata: { labels: { app: app-${d} } }
    spec: { containers: [${containers[d % containers.length]}] }`);
  return `${docs.join('\n---\n')}\n`;
}

interface Usage {
  cpuPercent: number;
  rssMi: number;
  startMs: number;
}

/** Starts `claw sandbox` on the state, lets it settle, then samples its CPU time and RSS from /proc. */
async function measure(stateFile: string): Promise<Usage> {
  const started = Date.now();
  const child = spawn(process.execPath, [CLAW, 'sandbox', '--state', stateFile, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d) => String(d).includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`sandbox exited ${code}`)));
    });
    const startMs = Date.now() - started;
    await new Promise((r) => setTimeout(r, 3000));
    const ticks = async () => {
      const stat = (await readFile(`/proc/${child.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
      return Number(stat[11]) + Number(stat[12]); // utime + stime, in clock ticks (100 Hz)
    };
    const t0 = await ticks();
    await new Promise((r) => setTimeout(r, SAMPLE_MS));
    const cpu = (await ticks()) - t0;
    const rss = Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
    return { cpuPercent: (cpu / 100 / (SAMPLE_MS / 1000)) * 100, rssMi: rss, startMs };
  } finally {
    child.kill('SIGTERM');
  }
}

/** Simulated seconds per wall second when the controllers step time forward (5 s steps). */
function simulatedPerWall(stateYaml: string, seconds: number): { rate: number; pods: number } {
  const state = new ClusterState();
  loadState(state, stateYaml);
  reconcileOnce(state);
  warmUp(state, 60);
  const t0 = performance.now();
  warmUp(state, seconds);
  const wall = (performance.now() - t0) / 1000;
  return { rate: seconds / wall, pods: state.store.list(T.pod).length };
}

/** Median wall time of startSandbox on the demo seed, in this process. */
async function demoStartMs(): Promise<number> {
  const yaml = await readFile(DEMO_SEED, 'utf8');
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    const s = await startSandbox({ stateYaml: yaml });
    times.push(performance.now() - t0);
    await s.stop();
  }
  return times.sort((a, b) => a - b)[2]!;
}

export async function sandboxCostSection(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'claw-bench-sandbox-'));
  try {
    const files = { empty: join(dir, 'empty.yaml'), small: join(dir, 'small.yaml'), large: join(dir, 'large.yaml') };
    await writeFile(files.empty, '');
    await writeFile(files.small, clusterOf(50));
    await writeFile(files.large, clusterOf(500));
    const empty = await measure(files.empty);
    const small = await measure(files.small);
    const large = await measure(files.large);
    const demo = await demoStartMs();
    const fast = simulatedPerWall(clusterOf(50), 600);
    const slow = simulatedPerWall(clusterOf(500), 600);
    const row = (name: string, u: Usage) =>
      `| ${name} | ${u.startMs} | ${u.cpuPercent.toFixed(1)}% | ${u.rssMi.toFixed(0)} | ${(u.rssMi / empty.rssMi).toFixed(2)}× |`;
    return `## The sandbox's cost

\`claw sandbox\` left running (its controllers tick every 200 ms) on a generated cluster: nginx with
a readiness probe, redis, a busybox loop, an opaque image and a crash-looping busybox, ten replicas
per Deployment, fifty pods per node. CPU is the process's user+system time over ${SAMPLE_MS / 1000} s of
steady state (after start-up), as a share of one core; memory is its RSS; the baseline is the
same command on an empty cluster, in the same run. Goal: a 500-pod cluster under half a core.
Start to ready is the wall time from spawning the command to its \`ready\` line; the empty
cluster's is the CLI's own start (Node and the modules \`claw\` loads), the rest is the state.

| cluster | start to ready ms | CPU (one core) | RSS MiB | RSS vs empty |
|---|---:|---:|---:|---:|
${row('empty (baseline)', empty)}
${row('50 pods', small)}
${row('500 pods', large)}

In process (no CLI start), \`startSandbox\` on the demo's state (load, settle the controllers,
listen, write the kubeconfig) takes **${demo.toFixed(0)} ms** (median of 5).

Stepping simulated time forward (what \`--warmup\` and evaluations do: 5-second steps, each
reconciling every controller twice), the controllers compute **${Math.round(fast.rate)}** simulated seconds
per wall second with ${fast.pods} pods and **${Math.round(slow.rate)}** with ${slow.pods} pods
(${(fast.rate / slow.rate).toFixed(1)}× slower for ${(slow.pods / Math.max(1, fast.pods)).toFixed(0)}× the pods). Left running, the
sandbox keeps real time: one simulated second per wall second.
`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
