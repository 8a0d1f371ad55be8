import type { KubeConfig } from '@kubernetes/client-node';
import { alertScope } from '../alerts/alert-question.ts';
import { refKey } from '../analyzers/snapshot.ts';
import { triage } from '../analyzers/triage.ts';
import { decide } from '../approvals/decide.ts';
import { kubeConfigFromText } from '../cluster/kube-config.ts';
import { KubeReader } from '../cluster/kube-reader.ts';
import type { Config } from '../config/config.ts';
import { verdictOf } from '../domain/proposal.ts';
import { createLogger } from '../observability/logger.ts';
import { startSandbox } from '../sandbox/start-sandbox.ts';
import { housekeepingJobs } from '../scheduled/scheduled-jobs.ts';
import { openStore } from '../store/db.ts';
import { migrate } from '../store/migrate.ts';
import { getProposal } from '../store/proposals.ts';
import { driveRun } from '../supervisor/drive-run.ts';
import { Supervisor } from '../supervisor/supervisor.ts';
import { createTask } from '../tasks/create-task.ts';
import { buildReport } from '../tasks/report.ts';
import { readSnapshot } from '../tools/read/snapshot-reader.ts';
import type { Scenario } from './scenario.ts';
import { type Check, score } from './score.ts';

export const EVAL_APPROVER = 'eval:approver';
const EVAL_APPROVERS = [EVAL_APPROVER, 'eval:second-approver'];

export interface ScenarioResult {
  name: string;
  worker: string | null;
  checks: Check[];
  error?: string;
  seconds: number;
}

/**
 * One scenario in a fresh sandbox and a fresh in-memory store, through the real supervisor and
 * the configured worker chain. With `healthyAfter`, approves the proposal as the eval approver,
 * lets the executor apply and verify it, then checks the analyzers no longer flag the object.
 */
export async function runScenario(
  s: Scenario,
  config: Config,
  opts: { healthyTimeoutMs?: number } = {},
): Promise<ScenarioResult> {
  const started = Date.now();
  const sandbox = await startSandbox({ stateYaml: s.clusterYaml, tickMs: 50, warmupSeconds: s.warmupSeconds });
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
  const result: ScenarioResult = { name: s.name, worker: null, checks: [], seconds: 0 };
  try {
    await migrate(store.db);
    const scope = s.alert ? alertScope(s.alert) : undefined;
    const { run } = await createTask(store.db, {
      kind: 'investigate',
      source: 'cli',
      requester: 'eval:requester',
      question: s.question || scope?.question || '',
      namespace: s.namespace ?? scope?.namespace,
      cluster: 'default',
      timeoutSeconds: 120,
      alertGroupKey: scope?.groupKey,
      alert: scope?.alert,
    });
    const done = await driveRun(supervisor, store.db, run.id, 180_000);
    const report = await buildReport(store.db, done.id);
    result.worker = report.run.worker;
    result.checks = score(s, report);
    if (s.expect.healthyAfter)
      result.checks.push(
        await healthyAfter(s, report, {
          supervisor,
          db: store.db,
          config: cfg,
          kc,
          runId: done.id,
          timeoutMs: opts.healthyTimeoutMs ?? 60_000,
        }),
      );
  } catch (e) {
    result.error = (e as Error).message;
  } finally {
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
    await supervisor.stop();
    await sandbox.stop();
    await store.close();
  }
  return result;
}

async function healthyAfter(
  s: Scenario,
  report: Awaited<ReturnType<typeof buildReport>>,
  d: {
    supervisor: Supervisor;
    db: Parameters<typeof driveRun>[1];
    config: Config;
    kc: KubeConfig;
    runId: string;
    timeoutMs: number;
  },
): Promise<Check> {
  const proposal = report.proposals[0];
  if (!proposal) return { name: 'healthyAfter', pass: false, detail: 'no proposal to approve' };
  // Distinct eval approvers approve until the proposal's policy is satisfied (high risk: two).
  for (const actor of EVAL_APPROVERS) {
    const decision = await decide(
      { db: d.db, config: d.config },
      { proposalId: proposal.id, actor, decision: 'approve' },
    );
    if (!decision.ok) return { name: 'healthyAfter', pass: false, detail: `approval refused: ${decision.message}` };
    if (decision.outcome === 'approved') break;
  }
  await driveRun(d.supervisor, d.db, d.runId, 180_000);
  const executed = await getProposal(d.db, proposal.id);
  const verdict = executed && verdictOf(executed);
  const message = verdict && (verdict.kind === 'executed' || verdict.kind === 'not_applied') ? verdict.message : '';
  if (executed?.status !== 'executed')
    return { name: 'healthyAfter', pass: false, detail: `proposal ${executed?.status}: ${message}` };
  const target = s.expect.object ?? proposal.target;
  const reader = new KubeReader(d.kc);
  const deadline = Date.now() + d.timeoutMs;
  let still: string | undefined;
  do {
    const problems = triage(await readSnapshot(reader, target.namespace ?? s.namespace)).filter(
      (p) => p.severity >= 2 && refKey(p.object) === refKey(target),
    );
    still = problems[0] ? `${problems[0].category}: ${problems[0].summary}` : undefined;
    if (!still)
      return {
        name: 'healthyAfter',
        pass: true,
        detail: `${proposal.action} executed (${message}); ${target.kind} ${target.name} healthy`,
      };
    await new Promise((r) => setTimeout(r, 250));
  } while (Date.now() < deadline);
  return { name: 'healthyAfter', pass: false, detail: `executed, but still unhealthy: ${still}` };
}
