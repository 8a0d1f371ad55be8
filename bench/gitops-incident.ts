// A GitOps incident (issue 24's measure): a bad image committed to the repository Argo CD syncs.
// 1. Tokens a model reads: the runbook investigation's tool outputs, against the kubectl, Argo CD
//    (the Application as `kubectl get -o yaml`) and git reads a CLI-driven agent makes. Goal ≤ 25%.
// 2. Alert → Git fix proposed (runbooks: analyzers, clone, the deterministic edit, CI, render,
//    dry-run, policy), against the same incident on a workload nobody syncs (a rollout_undo).
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeReader } from '../src/cluster/kube-reader.ts';
import { type Config, loadConfig } from '../src/config/config.ts';
import { DEFAULT_CI_PATHS } from '../src/config/repos-config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { T } from '../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../src/sandbox/start-sandbox.ts';
import { housekeepingJobs } from '../src/scheduled/scheduled-jobs.ts';
import { openStore } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { listProposalsForRun } from '../src/store/proposals.ts';
import { driveRun } from '../src/supervisor/drive-run.ts';
import { Supervisor } from '../src/supervisor/supervisor.ts';
import { createTask } from '../src/tasks/create-task.ts';
import type { ReadTool, ToolContext } from '../src/tools/define-tool.ts';
import { findTool } from '../src/tools/registry.ts';
import { renderForModel, runReadTool } from '../src/tools/run-read-tool.ts';
import { runbookWorker } from '../src/workers/runbook-worker.ts';
import type { WorkerContext } from '../src/workers/worker.ts';
import { HELM, KUBECTL } from './kubectl-path.ts';

const tokens = (chars: number) => Math.round(chars / 4);
const deployment = (image: string) =>
  `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {app: web}}\nspec:\n  replicas: 2\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers:\n        - name: web\n          image: ${image}\n`;
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Dev',
      GIT_AUTHOR_EMAIL: 'd@x',
      GIT_COMMITTER_NAME: 'Dev',
      GIT_COMMITTER_EMAIL: 'd@x',
    },
  });

/** The GitOps repository: good commit, then the bad image. */
function repository(root: string) {
  const work = join(root, 'work');
  const bare = join(root, 'remote.git');
  mkdirSync(join(work, 'deploy'), { recursive: true });
  git(root, 'init', '-q', '--bare', '--initial-branch=main', bare);
  git(work, 'init', '-q', '--initial-branch=main');
  writeFileSync(join(work, 'deploy/deployment.yaml'), deployment('nginx:1.25'));
  writeFileSync(join(work, 'ci.sh'), 'grep -q "image: nginx:" deploy/deployment.yaml\n');
  git(work, 'add', '-A');
  git(work, 'commit', '-qm', 'web: nginx 1.25');
  writeFileSync(join(work, 'deploy/deployment.yaml'), deployment('nginx:1.99'));
  git(work, 'commit', '-qam', 'web: move to nginx 1.99');
  git(work, 'push', '-q', bare, 'main');
  return { work, url: `file://${bare}` };
}

async function incident(url: string, root: string): Promise<Sandbox> {
  const sandbox = await startSandbox({
    tickMs: 50,
    gitopsTools: { helm: HELM },
    kubeconfigPath: join(root, 'kubeconfig'),
    stateYaml: [
      'apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [argocd]',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: argocd}',
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}',
      `apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web, namespace: argocd}\nspec:\n  source: {repoURL: '${url}', path: deploy, targetRevision: main}\n  destination: {namespace: shop}\n  syncPolicy: {automated: {selfHeal: true}}`,
      // The same incident on a workload nobody syncs: its previous revision ran nginx 1.25.
      'apiVersion: v1\nkind: Namespace\nmetadata: {name: plain}',
      deployment('nginx:1.25').replace('{name: web,', '{name: web, namespace: plain,'),
    ].join('\n---\n'),
  });
  const app = sandbox.state.types.findByKind('argoproj.io/v1alpha1', 'Application')!;
  for (let i = 0; i < 400; i++) {
    sandbox.state.clockOffsetMs += 20_000;
    if (sandbox.state.store.get(app, 'argocd', 'web')?.status?.health?.status === 'Degraded') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 500));
  const plain = sandbox.state.store.mustGet(T.deployment, 'plain', 'web');
  plain.spec.template.spec.containers[0].image = 'nginx:1.99';
  sandbox.state.store.update(T.deployment, plain);
  for (let i = 0; i < 200; i++) {
    sandbox.state.clockOffsetMs += 20_000;
    await new Promise((r) => setTimeout(r, 20));
  }
  return sandbox;
}

export async function gitopsIncidentSection(): Promise<string> {
  if (!KUBECTL) return '## GitOps incident\n\nkubectl is not installed here; section skipped.\n';
  const root = mkdtempSync(join(tmpdir(), 'claw-gitops-bench-'));
  const { work, url } = repository(root);
  const sandbox = await incident(url, root);
  try {
    const kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfig);
    const reader = new KubeReader(kc);
    // 1. What each reads.
    const tools: ToolContext = { reader, namespace: 'shop', now: () => new Date(), secretValues: async () => [] };
    let ours = 0;
    await runbookWorker.run({
      task: { namespace: 'shop', question: 'web is down' },
      run: {},
      tools,
      repos: {},
      signal: new AbortController().signal,
      emit: () => {},
      async callTool(name: string, input: Record<string, unknown>) {
        const out = await runReadTool(findTool(name) as ReadTool, tools, input);
        ours += renderForModel(out).length;
        return out.data;
      },
    } as unknown as WorkerContext);
    const env = { ...process.env, KUBECONFIG: join(root, 'kubeconfig'), KUBECACHEDIR: join(root, 'cache') };
    const pod = sandbox.state.store.list(T.pod, 'shop').find((p) => p.spec.containers[0].image === 'nginx:1.99');
    const reads: [string, string[]][] = [
      ...[
        ['get', 'application', 'web', '-n', 'argocd', '-o', 'yaml'],
        ['get', 'pods', '-n', 'shop', '-o', 'wide'],
        ['get', 'events', '-n', 'shop'],
        ['describe', 'deployment', 'web', '-n', 'shop'],
        ['get', 'deployment', 'web', '-n', 'shop', '-o', 'yaml'],
        ['describe', 'pod', pod?.metadata.name ?? 'web', '-n', 'shop'],
        ['rollout', 'history', 'deployment/web', '-n', 'shop'],
      ].map((a): [string, string[]] => [KUBECTL!, a]),
      ['git', ['-C', work, 'log', '-p', '-n', '3', '--', 'deploy']],
    ];
    let theirs = 0;
    for (const [bin, args] of reads)
      theirs += await new Promise<number>((resolve) =>
        execFile(bin, args, { env }, (_e, out, err) => resolve(String(out).length + String(err).length)),
      );
    // 2. Alert → fix proposed, Git path and live path, each in a fresh store.
    const time = async (namespace: string, repos: boolean) => {
      const store = await openStore({ dataDir: '', memory: true });
      await migrate(store.db);
      const base = loadConfig({}, '/nonexistent');
      const dataDir = mkdtempSync(join(root, 'data-'));
      const config: Config = {
        ...base,
        dataDir,
        approvals: { ...base.approvals, approvers: ['U0BENCH'] },
        repos: repos
          ? {
              gitops: {
                name: 'gitops',
                url,
                branch: 'main',
                ci: 'sh ci.sh',
                ciTimeoutSeconds: 60,
                paths: ['**'],
                ciPaths: DEFAULT_CI_PATHS,
                ciMaxFixAttempts: 0,
                agentCommands: [],
                manifests: ['deploy/**'],
                delivery: 'push' as const,
              },
            }
          : {},
      };
      const supervisor = new Supervisor({
        db: store.db,
        config,
        logger: createLogger('silent'),
        kubeConfigFor: () => kc,
        sinks: [],
        housekeeping: housekeepingJobs(store.db, config),
        pollMs: 20,
      });
      try {
        const started = performance.now();
        const { run } = await createTask(store.db, {
          kind: 'investigate',
          source: 'cli',
          requester: 'cli:bench',
          question: 'web is down',
          namespace,
        });
        await driveRun(supervisor, store.db, run.id, 120_000);
        const ms = performance.now() - started;
        const [p] = await listProposalsForRun(store.db, run.id);
        return { ms, action: p?.action ?? 'none' };
      } finally {
        await supervisor.stop();
        await store.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    };
    const runs = 5;
    const live: number[] = [];
    const gitPath: number[] = [];
    let actions = '';
    for (let i = 0; i < runs; i++) {
      const l = await time('plain', false);
      const g = await time('shop', true);
      live.push(l.ms);
      gitPath.push(g.ms);
      actions = `${l.action} / ${g.action}`;
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    return `## GitOps incident: what a model reads, and alert → Git fix proposed

A bad image committed to the repository Argo CD syncs (auto-sync, self-heal): the Application is
Degraded and its Deployment cannot pull. **Ours** is every tool output the runbook investigation
requested, as rendered for a model; **CLI** is the read round a CLI-driven agent makes: the
Application (\`kubectl get application -o yaml\`, what \`argocd app get\` shows), \`get pods -o wide\`,
\`get events\`, \`describe\`/\`get -o yaml\` of the Deployment, \`describe pod\`, \`rollout history\`, and
\`git log -p -n 3 -- deploy\` to find the commit. Goal: ≤ 25%.

| reads | tokens |
|---|---:|
| ours | ${tokens(ours)} |
| CLI (kubectl, Argo CD object, git) | ${tokens(theirs)} |
| **ours / CLI** | **${Math.round((100 * ours) / theirs)}%** |

Alert → fix proposed, median of ${runs}, each in a fresh in-memory store (actions: ${actions}).
The baseline is the same incident on a Deployment nobody syncs, fixed live by \`rollout_undo\`; the
Git path adds the clone, the search for the commit, the edit, CI, rendering, the server dry-run
of each rendered object and policy.

| path | median ms | × live |
|---|---:|---:|
| live fix (rollout_undo), baseline | ${median(live).toFixed(0)} | 1.0 |
| Git fix (runbooks' deterministic edit → git_change) | ${median(gitPath).toFixed(0)} | ${(median(gitPath) / median(live)).toFixed(1)} |
`;
  } finally {
    await sandbox.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
