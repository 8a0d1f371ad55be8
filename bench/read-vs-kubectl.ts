// Read-tool latency versus spawning kubectl for the same read (what kubectl-based agents do),
// against the same sandbox in the same run. Goal (issue 3): ≥ 10× faster.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeReader } from '../src/cluster/kube-reader.ts';
import { secretValues } from '../src/cluster/secret-values.ts';
import { T } from '../src/sandbox/cluster-state.ts';
import { startSandbox } from '../src/sandbox/start-sandbox.ts';
import type { ReadTool, ToolContext } from '../src/tools/define-tool.ts';
import { findTool } from '../src/tools/registry.ts';
import { runReadTool } from '../src/tools/run-read-tool.ts';
import { KUBECTL, median } from './kubectl-path.ts';

const SCENARIO = join(import.meta.dirname, '..', 'scenarios', 'crash-loop-bad-release', 'cluster.yaml');

export async function readVsKubectlSection(): Promise<string> {
  const bin = KUBECTL;
  if (!bin) return '## Read tools versus kubectl\n\nkubectl is not installed here; section skipped.\n';
  const dir = await mkdtemp(join(tmpdir(), 'claw-bench-'));
  const sandbox = await startSandbox({
    stateYaml: await readFile(SCENARIO, 'utf8'),
    warmupSeconds: 60,
    kubeconfigPath: join(dir, 'kubeconfig'),
  });
  const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
  const kubectl = (args: string[]) =>
    new Promise<void>((resolve, reject) => execFile(bin, args, { env }, (e) => (e ? reject(e) : resolve())));
  const kc = new KubeConfig();
  kc.loadFromString(sandbox.kubeconfig);
  const reader = new KubeReader(kc);
  // Secret values are loaded once per run in production too (worker-context caches them).
  const known = await secretValues(reader, 'shop');
  const ctx: ToolContext = { reader, namespace: 'shop', now: () => new Date(), secretValues: async () => known };
  const pod = sandbox.state.store
    .list(T.pod, 'shop')
    .find((p) => p.metadata.labels?.['pod-template-hash'] === '7f4b8d9c66')!.metadata.name;
  const tool = (name: string) => findTool(name) as ReadTool;
  const cases: [string, () => Promise<unknown>, string[]][] = [
    [
      'list pods in a namespace',
      () => runReadTool(tool('list_pods'), ctx, { namespace: 'shop' }),
      ['get', 'pods', '-n', 'shop', '-o', 'json'],
    ],
    [
      'one pod in detail',
      () => runReadTool(tool('get_pod'), ctx, { namespace: 'shop', name: pod }),
      ['get', 'pod', pod, '-n', 'shop', '-o', 'json'],
    ],
    [
      'previous logs of a crashed container',
      () => runReadTool(tool('pod_logs'), ctx, { namespace: 'shop', name: pod, previous: true }),
      ['logs', pod, '-n', 'shop', '--previous', '--tail=50'],
    ],
    [
      'events of one pod',
      () => runReadTool(tool('object_events'), ctx, { namespace: 'shop', kind: 'Pod', name: pod }),
      ['get', 'events', '-n', 'shop', '--field-selector', `involvedObject.name=${pod}`, '-o', 'json'],
    ],
    [
      'rollout history',
      () => runReadTool(tool('rollout_history'), ctx, { namespace: 'shop', deployment: 'cart' }),
      ['rollout', 'history', 'deployment/cart', '-n', 'shop'],
    ],
  ];
  try {
    await kubectl(['get', 'pods', '-n', 'shop']); // fills kubectl's discovery cache, as a long-lived agent's would be
    const rows: string[] = [];
    const ratios: number[] = [];
    for (const [name, ours, args] of cases) {
      for (let i = 0; i < 5; i++) await ours();
      const a = await median(60, ours);
      const b = await median(15, () => kubectl(args));
      ratios.push(b / a);
      rows.push(
        `| ${name} | ${a.toFixed(2)} | \`kubectl ${args.join(' ')}\` | ${b.toFixed(1)} | ${(b / a).toFixed(0)}× |`,
      );
    }
    const geo = Math.exp(ratios.reduce((s, r) => s + Math.log(r), 0) / ratios.length);
    return `## Read tools versus spawning kubectl

Each read tool (through the one runner every caller uses: validation, redaction, Secret-value
scrubbing, budget) against spawning the real kubectl for the same read, both against the same
sandbox in the same run, kubectl's discovery cache warm. Goal: ≥ 10× faster.

| read | tool median ms | kubectl command | kubectl median ms | tool faster by |
|---|---:|---|---:|---:|
${rows.join('\n')}

Geometric mean: **${geo.toFixed(0)}×** faster than spawning kubectl.
`;
  } finally {
    await sandbox.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
