// Context size: the tokens (characters / 4) our tool outputs give a model for each scenario's
// investigation, versus the raw kubectl text a kubectl-based agent reads for the same one.
// Goal (issue 3): ≤ 25%.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeReader } from '../src/cluster/kube-reader.ts';
import { secretValues } from '../src/cluster/secret-values.ts';
import { loadScenarios } from '../src/eval/scenario.ts';
import { T } from '../src/sandbox/cluster-state.ts';
import { startSandbox } from '../src/sandbox/start-sandbox.ts';
import type { ReadTool, ToolContext } from '../src/tools/define-tool.ts';
import { findTool } from '../src/tools/registry.ts';
import { renderForModel, runReadTool } from '../src/tools/run-read-tool.ts';
import { runbookWorker } from '../src/workers/runbook-worker.ts';
import type { WorkerContext } from '../src/workers/worker.ts';
import { KUBECTL } from './kubectl-path.ts';

const tokens = (chars: number) => Math.round(chars / 4);

/** The reads a kubectl-based agent makes for this kind of object: the usual describe/get/logs/events round. */
function kubectlRound(
  ns: string,
  object: { kind: string; name: string },
  pod: string | undefined,
  previous: boolean,
  claimNode?: string,
): string[][] {
  const base = [
    ['get', 'pods', '-n', ns, '-o', 'wide'],
    ['get', 'events', '-n', ns],
  ];
  const podReads = pod
    ? [
        ['describe', 'pod', pod, '-n', ns],
        ['logs', pod, '-n', ns, '--tail=50', ...(previous ? ['--previous'] : [])],
      ]
    : [];
  switch (object.kind) {
    case 'Deployment':
      return [
        ...base,
        ['describe', 'deployment', object.name, '-n', ns],
        ['get', 'deployment', object.name, '-n', ns, '-o', 'yaml'],
        ...podReads,
        ['rollout', 'history', `deployment/${object.name}`, '-n', ns],
      ];
    case 'Service':
      return [
        ...base,
        ['describe', 'service', object.name, '-n', ns],
        ['get', 'endpoints', object.name, '-n', ns, '-o', 'yaml'],
        ['get', 'pods', '-n', ns, '--show-labels'],
      ];
    // Volume usage is not in any kubectl view but the kubelet's stats summary (or `exec df`).
    case 'PersistentVolumeClaim':
      return [
        ...base,
        ['describe', 'pvc', object.name, '-n', ns],
        ['get', 'storageclass'],
        ...podReads,
        ...(claimNode ? [['get', '--raw', `/api/v1/nodes/${claimNode}/proxy/stats/summary`]] : []),
      ];
    case 'Node':
      return [...base, ['get', 'nodes'], ['describe', 'node', object.name]];
    case 'Job':
      return [...base, ['describe', 'job', object.name, '-n', ns], ...podReads];
    default:
      return [...base, ['get', 'deployments', '-n', ns], ['get', 'services', '-n', ns]];
  }
}

export async function contextSizeSection(): Promise<string> {
  const bin = KUBECTL;
  if (!bin) return '## Context size\n\nkubectl is not installed here; section skipped.\n';
  const scenarios = await loadScenarios(join(import.meta.dirname, '..', 'scenarios'));
  const rows: string[] = [];
  let oursTotal = 0;
  let theirsTotal = 0;
  // Scenarios with a Git repository are measured by the gitops-incident bench; those with helm
  // steps have no incident until helm runs.
  for (const s of scenarios.filter((x) => !x.repo && !x.helm)) {
    const dir = await mkdtemp(join(tmpdir(), 'claw-ctx-'));
    const sandbox = await startSandbox({
      stateYaml: s.clusterYaml,
      warmupSeconds: s.warmupSeconds,
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    try {
      const kc = new KubeConfig();
      kc.loadFromString(sandbox.kubeconfig);
      const reader = new KubeReader(kc);
      const ns = s.namespace ?? 'payments';
      const known = await secretValues(reader, ns);
      const tools: ToolContext = { reader, namespace: ns, now: () => new Date(), secretValues: async () => known };
      let ours = 0;
      const ctx = {
        task: { namespace: ns, question: s.question },
        run: {},
        checkpoint: undefined,
        tools,
        signal: new AbortController().signal,
        emit: () => {},
        getProposal: async () => undefined,
        async callTool(name: string, input: Record<string, unknown>) {
          const out = await runReadTool(findTool(name) as ReadTool, tools, input);
          ours += renderForModel(out).length;
          return out.data;
        },
        propose: async () => {
          throw new Error('bench: reads only');
        },
      } as unknown as WorkerContext;
      await runbookWorker.run(ctx);
      const object = s.expect.object ?? { kind: 'Namespace', name: ns };
      const pods = sandbox.state.store
        .list(T.pod, ns)
        .filter(
          (p) =>
            !(p.status?.conditions ?? []).some(
              (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
            ),
        );
      const pod = pods.find((p) => p.metadata.name.startsWith(object.name)) ?? pods[0];
      const previous = Boolean(
        pod?.status?.containerStatuses?.some((c: { lastState?: { terminated?: unknown } }) => c.lastState?.terminated),
      );
      const claimNode =
        object.kind === 'PersistentVolumeClaim'
          ? sandbox.state.store
              .list(T.pod, ns)
              .find((p) =>
                (p.spec?.volumes ?? []).some(
                  (v: { persistentVolumeClaim?: { claimName: string } }) =>
                    v.persistentVolumeClaim?.claimName === object.name,
                ),
              )?.spec?.nodeName
          : undefined;
      const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
      let theirs = 0;
      for (const args of kubectlRound(ns, object, pod?.metadata.name, previous, claimNode)) {
        theirs += await new Promise<number>((resolve) =>
          execFile(bin, args, { env }, (_e, stdout, stderr) => resolve(String(stdout).length + String(stderr).length)),
        );
      }
      oursTotal += ours;
      theirsTotal += theirs;
      rows.push(
        `| ${s.name} | ${s.expect.category} | ${tokens(ours)} | ${tokens(theirs)} | ${Math.round((100 * ours) / theirs)}% |`,
      );
    } finally {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return `## Context size per investigation

Tokens (characters / 4) a model would read: **ours** is every tool output the runbook
investigation requested, as rendered for a model (\`renderForModel\`: framed, redacted,
budgeted); **kubectl** is the text of the read round a kubectl-based agent makes for the same
incident: \`get pods -o wide\`, \`get events\`, then by object kind \`describe\`, \`get -o yaml\`,
\`logs --tail=50 [--previous]\` of the failing pod, \`rollout history\`, \`get endpoints\`,
\`get storageclass\` or \`describe node\`. Goal: ≤ 25%.

| scenario | category | ours (tokens) | kubectl (tokens) | ours / kubectl |
|---|---|---:|---:|---:|
${rows.join('\n')}
| **all** | | **${tokens(oursTotal)}** | **${tokens(theirsTotal)}** | **${Math.round((100 * oursTotal) / theirsTotal)}%** |
`;
}
