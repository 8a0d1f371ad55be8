import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { folderOf, importsOf, readSources, type Source } from './helpers/imports.ts';

const SRC = join(import.meta.dirname, '..', 'src');
const sources = readSources(SRC);

/**
 * The folders of src/ in data-flow order — surfaces → tasks/supervisor → workers → tools → policy →
 * approvals → cluster, shared vocabulary and utilities last — each with the folders it may import.
 * A folder imports only folders listed after it, so no cycle can form; type imports count too.
 * The README's folder table lists the same folders in the same order.
 */
// biome-ignore format: one folder per line reads as the table it is
const LAYERS: [folder: string, mayImport: string[]][] = [
  ['cli', ['eval', 'surfaces', 'runtime', 'scheduled', 'alerts', 'tasks', 'supervisor', 'workers', 'tools', 'approvals', 'policy', 'audit', 'analyzers', 'cluster', 'store', 'config', 'sandbox', 'lib', 'domain']],
  ['eval', ['scheduled', 'alerts', 'tasks', 'supervisor', 'tools', 'approvals', 'analyzers', 'observability', 'cluster', 'store', 'config', 'domain', 'sandbox', 'lib']],
  ['surfaces', ['runtime', 'scheduled', 'alerts', 'tasks', 'supervisor', 'approvals', 'policy', 'audit', 'observability', 'cluster', 'store', 'config', 'domain']],
  ['runtime', ['observability', 'cluster', 'store', 'config', 'domain']],
  ['scheduled', ['approvals', 'audit', 'observability', 'store', 'config', 'domain']],
  ['alerts', ['tasks', 'observability', 'store', 'config', 'domain', 'lib']],
  ['supervisor', ['tasks', 'workers', 'models', 'gate', 'tools', 'approvals', 'observability', 'git', 'cluster', 'store', 'config', 'domain']],
  ['tasks', ['audit', 'store', 'config', 'domain']],
  ['workers', ['models', 'gate', 'tools', 'approvals', 'analyzers', 'git', 'cluster', 'store', 'config', 'domain', 'lib']],
  ['models', ['domain']],
  ['gate', ['git', 'cluster', 'config', 'domain', 'lib']],
  ['tools', ['analyzers', 'cluster', 'domain', 'lib']],
  ['approvals', ['policy', 'audit', 'analyzers', 'git', 'cluster', 'store', 'config', 'domain', 'lib']],
  ['policy', ['config', 'domain', 'lib']],
  ['audit', ['store', 'lib', 'domain']],
  ['analyzers', ['domain', 'lib']],
  ['observability', ['cluster', 'store', 'domain']],
  ['git', ['config', 'domain', 'lib']],
  ['cluster', ['domain', 'lib']],
  ['store', ['domain', 'lib']],
  ['config', ['domain']],
  ['domain', ['lib']],
  ['sandbox', ['lib']],
  ['lib', []],
];

/** Imports between folders that the table does not allow: `from → to (file imports specifier)`. */
function layerViolations(files: Source[]): string[] {
  const allowed = new Map(LAYERS.map(([f, deps]) => [f, new Set(deps)]));
  return files.flatMap((s) =>
    importsOf(s)
      .filter((i) => i.target !== undefined)
      .flatMap((i) => {
        const from = folderOf(s.path);
        const to = folderOf(i.target!);
        return from === to || allowed.get(from)?.has(to) ? [] : [`${from} → ${to} (${s.path} imports ${i.specifier})`];
      }),
  );
}

/**
 * Invariant 1, by import analysis: the only path that changes a cluster is the executor's
 * KubeWriter. Nothing outside cluster/ may load the Kubernetes client as a value (its
 * `.create/.patch/.delete` come with it), nor ObjectClient (client-node's dynamic client); nothing
 * but approvals/execute.ts may load KubeWriter at all. Type imports carry no behaviour and are fine.
 */
function writeGuardViolations(files: Source[]): string[] {
  return files.flatMap((s) =>
    importsOf(s).flatMap((i) => {
      const inCluster = s.path.startsWith('cluster/');
      if (i.specifier.startsWith('@kubernetes/client-node') && !i.typeOnly && !inCluster)
        return [`${s.path} loads the Kubernetes client`];
      if (i.target === 'cluster/object-client.ts' && !i.typeOnly && !inCluster)
        return [`${s.path} loads the dynamic object client`];
      if (
        i.target === 'cluster/kube-writer.ts' &&
        !i.typeOnly &&
        s.path !== 'approvals/execute.ts' &&
        s.path !== 'approvals/execute-maintenance.ts' &&
        s.path !== 'cluster/kube-writer.ts'
      )
        return [`${s.path} loads the cluster writer`];
      return [];
    }),
  );
}

describe('architecture: folders depend down the data flow', () => {
  it('lists every folder of src/ once, in an order where each imports only folders after it', () => {
    const folders = readdirSync(SRC).map((f) => (statSync(join(SRC, f)).isDirectory() ? f : f.replace(/\.ts$/, '')));
    expect(LAYERS.map(([f]) => f).sort()).toEqual([...new Set(folders)].sort());
    const order = LAYERS.map(([f]) => f);
    for (const [folder, deps] of LAYERS)
      for (const d of deps)
        expect(order.indexOf(d), `${folder} may import ${d}, which comes before it`).toBeGreaterThan(
          order.indexOf(folder),
        );
  });

  it('every import between folders, type imports included, is one the table allows', () => {
    expect(layerViolations(sources)).toEqual([]);
  });

  it('the check fails on an import against the flow, even a type-only one', () => {
    const upward = [
      { path: 'store/x.ts', text: "import type { Supervisor } from '../supervisor/supervisor.ts';" },
      { path: 'domain/y.ts', text: "export type { Proposal } from '../store/schema.ts';" },
      { path: 'tools/z.ts', text: "const w = await import('../workers/router.ts');" },
    ];
    expect(layerViolations(upward)).toEqual([
      'store → supervisor (store/x.ts imports ../supervisor/supervisor.ts)',
      'domain → store (domain/y.ts imports ../store/schema.ts)',
      'tools → workers (tools/z.ts imports ../workers/router.ts)',
    ]);
  });

  it('the README folder table lists the same folders, in data-flow order', () => {
    const readme = readFileSync(join(SRC, '..', 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `src\/([a-z-]+)(?:\.ts)?[`/]/gm)].map((m) => m[1]);
    expect(rows).toEqual(LAYERS.map(([f]) => f));
  });
});

describe('architecture: the one writer (Invariant 1)', () => {
  it('only cluster/ loads the Kubernetes client or the object client, and only the executor loads KubeWriter', () => {
    expect(writeGuardViolations(sources)).toEqual([]);
    const users = sources.filter((s) => importsOf(s).some((i) => i.target === 'cluster/kube-writer.ts'));
    // The executor and its plan half (node maintenance, step by step), which only the executor loads.
    expect(users.map((s) => s.path).sort()).toEqual(['approvals/execute-maintenance.ts', 'approvals/execute.ts']);
    const planLoaders = sources.filter((s) =>
      importsOf(s).some((i) => i.target === 'approvals/execute-maintenance.ts' && !i.typeOnly),
    );
    expect(planLoaders.map((s) => s.path)).toEqual(['approvals/execute.ts']);
  });

  it('only the executor writes to a Git host: push-candidate and pull-request are loaded by its Git half alone, which only the executor loads', () => {
    const loaders = (target: string) =>
      sources.filter((s) => importsOf(s).some((i) => i.target === target && !i.typeOnly)).map((s) => s.path);
    expect(loaders('git/push-candidate.ts')).toEqual(['approvals/deliver-git-change.ts']);
    expect(loaders('git/pull-request.ts')).toEqual(['approvals/deliver-git-change.ts']);
    expect(loaders('approvals/deliver-git-change.ts').sort()).toEqual([
      'approvals/execute.ts',
      'approvals/recover-execution.ts',
    ]);
  });

  it('only the executor runs helm against a cluster: the Helm writer is loaded by its Helm half alone, which only the executor loads', () => {
    const loaders = (target: string) =>
      sources.filter((s) => importsOf(s).some((i) => i.target === target && !i.typeOnly)).map((s) => s.path);
    expect(loaders('cluster/helm-writer.ts')).toEqual(['approvals/execute-helm-rollback.ts']);
    expect(loaders('approvals/execute-helm-rollback.ts').sort()).toEqual([
      'approvals/execute.ts',
      'approvals/recover-execution.ts',
    ]);
  });

  it('the guard fails on each way around it, and lets type imports through', () => {
    const attempts = [
      { path: 'workers/a.ts', text: "import { KubeWriter } from '../cluster/kube-writer.ts';" },
      { path: 'tools/b.ts', text: "import { CoreV1Api } from '@kubernetes/client-node';" },
      { path: 'supervisor/c.ts', text: "import * as k8s from '@kubernetes/client-node';" },
      { path: 'approvals/d.ts', text: "import { ObjectClient } from '../cluster/object-client.ts';" },
      { path: 'surfaces/e.ts', text: "export { KubeWriter } from '../cluster/kube-writer.ts';" },
      { path: 'tasks/f.ts', text: "const { KubeWriter } = await import('../cluster/kube-writer.ts');" },
      { path: 'eval/g.ts', text: "import type { KubeConfig } from '@kubernetes/client-node';" },
      { path: 'workers/h.ts', text: "import { type KubeWriter } from '../cluster/kube-writer.ts';" },
    ];
    expect(writeGuardViolations(attempts)).toEqual([
      'workers/a.ts loads the cluster writer',
      'tools/b.ts loads the Kubernetes client',
      'supervisor/c.ts loads the Kubernetes client',
      'approvals/d.ts loads the dynamic object client',
      'surfaces/e.ts loads the cluster writer',
      'tasks/f.ts loads the cluster writer',
    ]);
  });

  it('generic writes (PATCH/POST/DELETE through the dynamic client) are issued only by KubeReader', () => {
    const writers = sources.filter((s) => /\.request\('(PATCH|POST|DELETE)'/.test(s.text)).map((s) => s.path);
    expect(writers).toEqual(['cluster/kube-reader.ts']);
  });
});

describe('architecture: other invariants', () => {
  it('only config/config.ts reads process.env (and the MCP relay, a separate program the agent CLI starts)', () => {
    expect(sources.filter((s) => /process\.env/.test(s.text)).map((s) => s.path)).toEqual([
      'config/config.ts',
      'workers/coding/mcp-stdio-relay.ts',
    ]);
    // The relay holds nothing of ClusterClaw's: no config, no store, no cluster client.
    const relay = sources.find((s) => s.path === 'workers/coding/mcp-stdio-relay.ts')!;
    expect(importsOf(relay).map((i) => i.specifier)).toEqual(['node:readline']);
  });

  it('Slack listeners never touch the cluster, workers or the supervisor', () => {
    const listeners = sources.filter((s) => s.path.startsWith('surfaces/slack/listeners/'));
    expect(listeners.length).toBeGreaterThan(0);
    for (const l of listeners)
      for (const i of importsOf(l))
        expect(i.specifier, `${l.path} imports ${i.specifier}`).not.toMatch(
          /\/(cluster|workers|supervisor|sandbox)\/|execute\.ts$/,
        );
  });

  it('keeps files small (split before 300 formatted lines; hand-written data tables named *.data.ts may run long)', () => {
    const long = sources
      .filter((s) => !s.path.endsWith('.data.ts') && s.text.split('\n').length > 300)
      .map((s) => s.path);
    expect(long).toEqual([]);
  });
});
