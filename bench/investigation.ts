// Baseline: one raw HTTP list of every pod from the sandbox; the investigation is a ratio of it.

import { readFile } from 'node:fs/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { DEMO_SEED } from '../src/sandbox/seeds/demo-seed.ts';
import { startSandbox } from '../src/sandbox/start-sandbox.ts';
import { housekeepingJobs } from '../src/scheduled/scheduled-jobs.ts';
import { openStore } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { Supervisor } from '../src/supervisor/supervisor.ts';
import { createTask } from '../src/tasks/create-task.ts';
import { median } from './kubectl-path.ts';

export async function investigationSection(): Promise<string> {
  const sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), warmupSeconds: 30 });
  const kc = new KubeConfig();
  kc.loadFromString(sandbox.kubeconfig);
  const core = kc.makeApiClient(CoreV1Api);
  const store = await openStore({ dataDir: '', memory: true });
  await migrate(store.db);
  const base = loadConfig({}, '/nonexistent');
  const config = { ...base, approvals: { ...base.approvals, approvers: ['U0BENCH'] } };
  const supervisor = new Supervisor({
    db: store.db,
    config,
    logger: createLogger('silent'),
    kubeConfigFor: () => kc,
    sinks: [],
    housekeeping: housekeepingJobs(store.db, config),
  });
  try {
    for (let i = 0; i < 20; i++) await fetch(`${sandbox.url}/api/v1/pods`).then((r) => r.arrayBuffer());
    const raw = await median(200, () => fetch(`${sandbox.url}/api/v1/pods`).then((r) => r.arrayBuffer()));
    const clientNode = await median(200, () => core.listPodForAllNamespaces());
    const investigation = await median(15, async () => {
      await createTask(store.db, {
        kind: 'investigate',
        source: 'cli',
        requester: 'cli:bench',
        question: 'checkout is failing',
      });
      await supervisor.runOnce();
    });
    const rows = [
      ['raw HTTP list of all pods (baseline)', raw, 1],
      ['client-node listPodForAllNamespaces', clientNode, clientNode / raw],
      ['investigation: queued → proposal with dry-run (runbooks, PGlite)', investigation, investigation / raw],
    ] as const;
    return `## Investigation latency

| measurement | median ms | × baseline |
|---|---:|---:|
${rows.map(([name, ms, ratio]) => `| ${name} | ${ms.toFixed(2)} | ${ratio.toFixed(1)} |`).join('\n')}

The investigation row is the whole runbook path for the demo incident: claim the run, run every
analyzer over the namespace (one snapshot: a dozen list calls), read the crashing pod's previous
logs and the rollout history, plan \`rollout_undo\`, run policy, the server dry-run and the diff,
store the proposal and the audit entry, persist every event.
`;
  } finally {
    await supervisor.stop();
    await store.close();
    await sandbox.stop();
  }
}
