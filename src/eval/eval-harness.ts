import type { KubeConfig } from '@kubernetes/client-node';
import { decide } from '../approvals/decide.ts';
import { kubeConfigFromText } from '../cluster/kube-config.ts';
import type { Config } from '../config/config.ts';
import { createLogger } from '../observability/logger.ts';
import { type Sandbox, startSandbox } from '../sandbox/start-sandbox.ts';
import { housekeepingJobs } from '../scheduled/scheduled-jobs.ts';
import { type Db, openStore } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { getProposal } from '../store/proposals.ts';
import { driveRun } from '../supervisor/drive-run.ts';
import { Supervisor } from '../supervisor/supervisor.ts';

export const EVAL_APPROVER = 'eval:approver';
export const EVAL_APPROVERS = [EVAL_APPROVER, 'eval:second-approver'];

/** One evaluation's world: a fresh sandbox, a fresh in-memory store, the real supervisor over both. */
export interface Harness {
  sandbox: Sandbox;
  db: Db;
  config: Config;
  kc: KubeConfig;
  supervisor: Supervisor;
}

export async function withHarness<T>(
  config: Config,
  sandboxOpts: Parameters<typeof startSandbox>[0],
  run: (h: Harness) => Promise<T>,
): Promise<T> {
  const sandbox = await startSandbox(sandboxOpts);
  const store = await openStore({ dataDir: '', memory: true });
  const kc = kubeConfigFromText(sandbox.kubeconfig);
  const cfg: Config = {
    ...config,
    approvals: { ...config.approvals, approvers: [...config.approvals.approvers, ...EVAL_APPROVERS] },
  };
  const supervisor = new Supervisor({
    db: store.db,
    config: cfg,
    logger: createLogger('silent'),
    kubeConfigFor: () => kc,
    sinks: [],
    housekeeping: housekeepingJobs(store.db, cfg),
    verifyTimeoutMs: 60_000,
    pollMs: 50,
  });
  try {
    await migrate(store.db);
    return await run({ sandbox, db: store.db, config: cfg, kc, supervisor });
  } finally {
    await supervisor.stop();
    await sandbox.stop();
    await store.close();
  }
}

/**
 * Approves a proposal as an approver would: distinct eval approvers until its policy is satisfied
 * (high risk needs two), then lets the run execute it. The gate still applies: a proposal policy
 * denied, or one that cannot be approved, is reported and never executed.
 */
export async function approveAndExecute(
  h: Harness,
  runId: string,
  proposalId: string,
): Promise<{ ok: true; status: string } | { ok: false; message: string }> {
  for (const actor of EVAL_APPROVERS) {
    const decision = await decide({ db: h.db, config: h.config }, { proposalId, actor, decision: 'approve' });
    if (!decision.ok) return { ok: false, message: decision.message };
    if (decision.outcome === 'approved') break;
  }
  await driveRun(h.supervisor, h.db, runId, 180_000);
  return { ok: true, status: (await getProposal(h.db, proposalId))?.status ?? 'missing' };
}
