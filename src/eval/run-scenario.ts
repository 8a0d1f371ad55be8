import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alertScope } from '../alerts/alert-question.ts';
import { backupStatus } from '../analyzers/backup/backup-status.ts';
import { securityPosture } from '../analyzers/security/posture.ts';
import { refKey } from '../analyzers/snapshot.ts';
import { triage } from '../analyzers/triage.ts';
import { upgradeStatus } from '../analyzers/upgrade/upgrade-status.ts';
import { readBackupSnapshot } from '../cluster/backup-reader.ts';
import { KubeReader } from '../cluster/kube-reader.ts';
import { readUpgradeSnapshot } from '../cluster/upgrade-reader.ts';
import type { Config } from '../config/config.ts';
import { verdictOf } from '../domain/proposal.ts';
import { getProposal } from '../store/proposals.ts';
import { driveRun } from '../supervisor/drive-run.ts';
import { createTask } from '../tasks/create-task.ts';
import { buildReport } from '../tasks/report.ts';
import { readSecuritySnapshot } from '../tools/read/security-reader.ts';
import { readSnapshot } from '../tools/read/snapshot-reader.ts';
import { approveAndExecute, type Harness, withHarness } from './eval-harness.ts';
import type { Scenario } from './scenario.ts';
import { runHelmSteps } from './scenario-helm.ts';
import { scenarioRepo } from './scenario-repo.ts';
import { type Check, score } from './score.ts';

/** What cluster.yaml writes where the scenario repository's URL goes. */
const REPO_URL = ['$', '{REPO_URL}'].join('');

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
  const result: ScenarioResult = { name: s.name, worker: null, checks: [], seconds: 0 };
  const root = s.repo ? await mkdtemp(join(tmpdir(), 'claw-scenario-')) : undefined;
  try {
    // A scenario with a repository: its GitOps objects sync from it, and the run may fix it.
    const made = root ? await scenarioRepo(s, root) : undefined;
    const repo = made?.config;
    const cfg = repo
      ? { ...config, dataDir: join(root!, 'data'), repos: { ...config.repos, [repo.name]: repo } }
      : config;
    const stateYaml = repo ? s.clusterYaml.replaceAll(REPO_URL, repo.url) : s.clusterYaml;
    const warmup = repo ? 0 : s.warmupSeconds;
    await withHarness(cfg, { stateYaml, tickMs: 50, warmupSeconds: warmup }, async (h) => {
      // The GitOps controllers work asynchronously (Git, helm): simulated time passes in real steps.
      const clock = repo ? timePasses(h) : undefined;
      if (clock) {
        await clock.run(s.warmupSeconds);
        await made!.pushChanges(); // the change that breaks it, once the cluster ran the one before
        await clock.run(s.repo!.settleSeconds);
      }
      // Helm releases installed and upgraded by the real helm: the upgrade that breaks it.
      await runHelmSteps(s, h.kc);
      const scope = s.alert ? alertScope(s.alert) : undefined;
      const { run } = await createTask(h.db, {
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
      const done = await driveRun(h.supervisor, h.db, run.id, 180_000);
      const report = await buildReport(h.db, done.id);
      result.worker = report.run.worker;
      result.checks = score(s, report);
      if (s.expect.healthyAfter) {
        clock?.start();
        result.checks.push(await healthyAfter(s, report, h, done.id, opts.healthyTimeoutMs ?? 60_000));
        clock?.stop();
      }
    });
  } catch (e) {
    result.error = (e as Error).message;
  } finally {
    if (root) await rm(root, { recursive: true, force: true });
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
  }
  return result;
}

/** Simulated time in real steps: a warm-up, or 20 s every 100 ms while a fix is delivered and synced. */
function timePasses(h: Harness) {
  let timer: NodeJS.Timeout | undefined;
  const step = (seconds: number) => {
    h.sandbox.state.clockOffsetMs += seconds * 1000;
  };
  return {
    async run(seconds: number) {
      for (let t = 0; t < seconds; t += 10) {
        step(10);
        await new Promise((r) => setTimeout(r, 30));
      }
    },
    start: () => {
      timer = setInterval(() => step(20), 100);
    },
    stop: () => clearInterval(timer),
  };
}

const BACKUP_CATEGORIES = new Set(['backup_missing', 'backup_failed', 'restore_failed']);
const UPGRADE_CATEGORIES = new Set(['upgrade_blocked', 'cluster_operator_degraded']);
const SECURITY_CATEGORIES = new Set([
  'vulnerable_image',
  'pod_security_violation',
  'network_exposure',
  'rbac_excessive',
]);

async function healthyAfter(
  s: Scenario,
  report: Awaited<ReturnType<typeof buildReport>>,
  h: Harness,
  runId: string,
  timeoutMs: number,
): Promise<Check> {
  const proposal = report.proposals[0];
  if (!proposal) return { name: 'healthyAfter', pass: false, detail: 'no proposal to approve' };
  const approved = await approveAndExecute(h, runId, proposal.id);
  if (!approved.ok) return { name: 'healthyAfter', pass: false, detail: `approval refused: ${approved.message}` };
  const executed = await getProposal(h.db, proposal.id);
  const verdict = executed && verdictOf(executed);
  const message = verdict && (verdict.kind === 'executed' || verdict.kind === 'not_applied') ? verdict.message : '';
  if (executed?.status !== 'executed')
    return { name: 'healthyAfter', pass: false, detail: `proposal ${executed?.status}: ${message}` };
  const target = s.expect.object ?? proposal.target;
  const reader = new KubeReader(h.kc);
  const deadline = Date.now() + timeoutMs;
  let still: string | undefined;
  // A posture finding is healthy when the posture review no longer reports it; an incident, when triage does not.
  const posture = SECURITY_CATEGORIES.has(s.expect.category);
  const backups = BACKUP_CATEGORIES.has(s.expect.category);
  const upgrades = UPGRADE_CATEGORIES.has(s.expect.category);
  do {
    const ns = target.namespace ?? s.namespace;
    // A backup finding is healthy when only low-severity notes remain ("no schedule will do it again").
    const problems = upgrades
      ? upgradeStatus(await readUpgradeSnapshot(reader)).findings.filter(
          (f) => f.category === s.expect.category && refKey(f.object) === refKey(target) && f.severity !== 'low',
        )
      : backups
        ? backupStatus(await readBackupSnapshot(reader, ns ?? target.name)).findings.filter(
            (f) => f.category === s.expect.category && refKey(f.object) === refKey(target) && f.severity !== 'low',
          )
        : posture
          ? securityPosture(await readSecuritySnapshot(reader, ns)).findings.filter(
              (f) => f.category === s.expect.category && refKey(f.object) === refKey(target),
            )
          : triage(await readSnapshot(reader, ns)).filter(
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
