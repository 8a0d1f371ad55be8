// Benchmarks as ratios against a baseline measured in the same run (these machines are noisy).
// Baseline: one raw HTTP list of every pod from the sandbox. Run: `npm run bench`.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { DEMO_SEED } from '../src/cli/commands/demo.ts';
import { loadConfig } from '../src/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { startSandbox } from '../src/sandbox/start-sandbox.ts';
import { openStore } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { Supervisor } from '../src/supervisor/supervisor.ts';
import { createTask } from '../src/tasks/create-task.ts';

async function median(n: number, f: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f();
    times.push(performance.now() - t);
  }
  return times.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

const sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8') });
await new Promise((r) => setTimeout(r, 1500));
const kc = new KubeConfig();
kc.loadFromString(sandbox.kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const store = await openStore({ dataDir: '', memory: true });
await migrate(store.db);
const config = { ...loadConfig({}, '/nonexistent'), approvals: { approvers: ['U0BENCH'], allowSelfApproval: false, ttlMinutes: 30 } };
const supervisor = new Supervisor({ db: store.db, config, logger: createLogger('silent'), kubeConfigFor: () => kc, sinks: [] });

for (let i = 0; i < 20; i++) await fetch(`${sandbox.url}/api/v1/pods`).then((r) => r.arrayBuffer()); // warm-up
const raw = await median(200, () => fetch(`${sandbox.url}/api/v1/pods`).then((r) => r.arrayBuffer()));
const clientNode = await median(200, () => core.listPodForAllNamespaces());
const investigation = await median(15, async () => {
  await createTask(store.db, { kind: 'investigate', source: 'cli', requester: 'cli:bench', question: 'checkout is failing' });
  await supervisor.runOnce();
});

const rows = [
  ['raw HTTP list of all pods (baseline)', raw, 1],
  ['client-node listPodForAllNamespaces', clientNode, clientNode / raw],
  ['investigation: queued → proposal with dry-run (runbooks, PGlite)', investigation, investigation / raw],
] as const;
const table = ['| measurement | median ms | × baseline |', '|---|---:|---:|', ...rows.map(([name, ms, ratio]) => `| ${name} | ${ms.toFixed(2)} | ${ratio.toFixed(1)} |`)].join('\n');
const doc = `# Benchmarks

Produced by \`npm run bench\` (bench/run-all.ts) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch}.
Ratios are against the baseline measured in the same run; absolute times vary with the machine.

${table}

The investigation row is the whole runbook path for the demo incident: claim the run, list pods,
read the crashing pod, its previous logs and events, the rollout history, plan \`rollout_undo\`,
run policy, the server dry-run and the diff, store the proposal and the audit entry, persist
every event. About a dozen API calls and two dozen store statements.
`;
await writeFile(join(import.meta.dirname, '..', 'BENCHMARKS.md'), doc);
process.stdout.write(`${table}\n`);
await store.close();
await sandbox.stop();
