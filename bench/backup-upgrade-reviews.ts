// The backup review (`backup_status`: every read, the analyzer, per-namespace answers) and the
// upgrade preflight (`upgrade_status`) versus only the kubectl reads a reviewer needs for the same
// data, on the same sandbox in the same run, at two cluster sizes. Goal: each review, analysis
// included, no slower than kubectl's reads alone.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeReader } from '../src/cluster/kube-reader.ts';
import { startSandbox } from '../src/sandbox/start-sandbox.ts';
import type { ToolContext } from '../src/tools/define-tool.ts';
import { backupStatusTool } from '../src/tools/read/backup-status.ts';
import { upgradeStatusTool } from '../src/tools/read/upgrade-status.ts';
import { runReadTool } from '../src/tools/run-read-tool.ts';
import { KUBECTL, median } from './kubectl-path.ts';

/** `n` namespaces (two Deployments, a claim, a budget each), a nightly schedule and 30 days of its backups. */
function cluster(n: number): string {
  const docs = [
    'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [velero]',
    'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCluster\nversion: v1.31.4',
    'apiVersion: v1\nkind: Namespace\nmetadata: { name: velero }',
    'apiVersion: velero.io/v1\nkind: BackupStorageLocation\nmetadata: { name: default, namespace: velero }\nspec: { default: true, provider: aws, objectStorage: { bucket: b } }',
    'apiVersion: velero.io/v1\nkind: Schedule\nmetadata: { name: nightly, namespace: velero }\nspec: { schedule: "0 2 * * *", template: { includedNamespaces: ["team-*"] } }\nstatus: { phase: Enabled, lastBackup: "2099-01-01T02:00:00Z" }',
  ];
  for (let d = 0; d < 30; d++) {
    const day = new Date(Date.now() - d * 86_400_000).toISOString().slice(0, 10);
    docs.push(
      `apiVersion: velero.io/v1\nkind: Backup\nmetadata: { name: nightly-${d}, namespace: velero, labels: { velero.io/schedule-name: nightly } }\nspec: { includedNamespaces: ["team-*"] }\nstatus: { phase: ${d === 0 ? 'PartiallyFailed' : 'Completed'}, startTimestamp: "${day}T02:00:00Z", completionTimestamp: "${day}T02:10:00Z", expiration: "2099-01-01T00:00:00Z", progress: { totalItems: ${n * 4}, itemsBackedUp: ${n * 4} } }`,
    );
  }
  for (let i = 0; i < n; i++) {
    const ns = `team-${i}`;
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }`);
    for (const app of ['api', 'web'])
      docs.push(
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${app}, namespace: ${ns} }\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: ${app} } }\n  template:\n    metadata: { labels: { app: ${app} } }\n    spec: { containers: [{ name: ${app}, image: "nginx:1.27" }] }`,
      );
    docs.push(
      `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: { name: data, namespace: ${ns} }\nspec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 1Gi } } }`,
    );
    docs.push(
      `apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: { name: api, namespace: ${ns} }\nspec: { maxUnavailable: 1, selector: { matchLabels: { app: api } } }`,
    );
  }
  return docs.join('\n---\n');
}

const BACKUP_READS = [
  ['get', 'backups,schedules,restores,backupstoragelocations', '-A', '-o', 'json'],
  ['get', 'namespaces,deployments,statefulsets,persistentvolumeclaims', '-A', '-o', 'json'],
];
const UPGRADE_READS = [
  ['version', '-o', 'json'],
  [
    'get',
    'nodes,poddisruptionbudgets,deployments,statefulsets,horizontalpodautoscalers,cronjobs,ingresses',
    '-A',
    '-o',
    'json',
  ],
  ['get', 'secrets', '-A', '-l', 'owner=helm,status=deployed', '-o', 'json'],
];

export async function backupUpgradeSection(): Promise<string> {
  const bin = KUBECTL;
  if (!bin)
    return '## Backup and upgrade reviews versus kubectl reads\n\nkubectl is not installed here; section skipped.\n';
  const rows: string[] = [];
  for (const n of [20, 80]) {
    const dir = await mkdtemp(join(tmpdir(), 'claw-bench-'));
    const sandbox = await startSandbox({
      stateYaml: cluster(n),
      warmupSeconds: 5,
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
    const kubectl = (args: string[]) =>
      new Promise<void>((resolve, reject) =>
        execFile(bin, args, { env, maxBuffer: 256 * 1024 * 1024 }, (e) => (e ? reject(e) : resolve())),
      );
    try {
      const kc = new KubeConfig();
      kc.loadFromString(sandbox.kubeconfig);
      const ctx: ToolContext = { reader: new KubeReader(kc), now: () => new Date() };
      await kubectl(['get', 'pods', '-A']); // a warm discovery cache, as a long-lived agent's would be
      for (const [name, tool, reads] of [
        ['backup_status', backupStatusTool, BACKUP_READS],
        ['upgrade_status', upgradeStatusTool, UPGRADE_READS],
      ] as const) {
        const review = () => runReadTool(tool as typeof backupStatusTool, ctx, {});
        const out = (await review()).data as { findings: unknown[] };
        const ours = await median(10, review);
        const theirs = await median(5, () => Promise.all(reads.map(kubectl)));
        rows.push(
          `| \`${name}\` | ${n} namespaces, 30 backups | ${out.findings.length} | ${ours.toFixed(1)} | ${theirs.toFixed(1)} | ${(theirs / ours).toFixed(1)}× |`,
        );
      }
    } finally {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return `## Backup and upgrade reviews versus kubectl reads

\`backup_status\` (Velero's objects and the namespaces' workloads read, every namespace judged
against its schedule, restorability, findings) and \`upgrade_status\` (versions, nodes, budgets,
workloads, the kinds an upgrade may stop serving, deployed Helm manifests; the preflight and plan)
over the whole cluster, against only the kubectl reads that fetch the same data (run in parallel,
discovery cache warm), on the same sandbox in the same run. Goal: each review, analysis included,
no slower than kubectl's reads alone.

| review | cluster | findings | review median ms | kubectl reads median ms | review faster by |
|---|---|---:|---:|---:|---:|
${rows.join('\n')}

kubectl reads: backups — ${BACKUP_READS.map((a) => `\`kubectl ${a.join(' ')}\``).join('; ')}; upgrades — ${UPGRADE_READS.map((a) => `\`kubectl ${a.join(' ')}\``).join('; ')}.
`;
}
