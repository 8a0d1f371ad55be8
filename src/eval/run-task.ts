import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config/config.ts';
import { driveRun } from '../supervisor/drive-run.ts';
import { createTask } from '../tasks/create-task.ts';
import { buildReport } from '../tasks/report.ts';
import { approveAndExecute, type Harness, withHarness } from './eval-harness.ts';
import type { Task } from './task.ts';
import { runTaskScript } from './task-script.ts';

export interface TaskResult {
  name: string;
  disabled: boolean;
  setup: 'ok' | 'failed' | 'none';
  /** Requests the sandbox refused during setup (a fidelity gap, not the task's doing). */
  refused: string[];
  proposals: number;
  approved: number;
  executed: number;
  verify: 'pass' | 'fail' | 'none';
  /** For answer-only tasks: the `expect` strings the answer lacked. */
  missing: string[];
  /** How many `expect` strings the task has (answer-only tasks). */
  expected: number;
  worker: string | null;
  detail?: string;
  error?: string;
  seconds: number;
}

const BENIGN = new Set([404, 409]);

/**
 * One task in a fresh sandbox: setup with the real kubectl, then ClusterClaw on the prompt with
 * its proposals approved as an approver would (policy still denies what it denies), then the
 * verifier decides; cleanup runs whatever happened.
 */
export async function runTask(
  task: Task,
  config: Config,
  opts: { scriptTimeoutMs?: number; agent?: boolean } = {},
): Promise<TaskResult> {
  const started = Date.now();
  const result: TaskResult = {
    name: task.name,
    disabled: task.disabled,
    setup: 'none',
    refused: [],
    proposals: 0,
    approved: 0,
    executed: 0,
    verify: 'none',
    missing: [],
    expected: task.expect.length,
    worker: null,
    seconds: 0,
  };
  if (task.disabled) return result;
  const dir = await mkdtemp(join(tmpdir(), 'claw-task-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const script = (path: string) =>
    runTaskScript(path, {
      cwd: task.folder,
      kubeconfig,
      timeoutMs: opts.scriptTimeoutMs ?? 180_000,
      env: { KUBECACHEDIR: join(dir, 'cache') },
    });
  try {
    await withHarness(config, { stateYaml: '', kubeconfigPath: kubeconfig, tickMs: 50 }, async (h) => {
      if (task.setup) {
        const from = h.sandbox.journal.length;
        const setup = await script(task.setup);
        result.setup = setup.code === 0 ? 'ok' : 'failed';
        result.refused = h.sandbox.journal
          .slice(from)
          .filter((e) => e.status !== undefined && e.status >= 400 && !BENIGN.has(e.status))
          .map((e) => `${e.method} ${e.path} → ${e.status}`);
        if (setup.code !== 0) {
          result.detail = `setup exited ${setup.code}: ${tail(setup.output)}`;
          return;
        }
      }
      if (opts.agent !== false) await agentOnPrompt(task, h, result);
      if (task.verify) {
        const verify = await script(task.verify);
        result.verify = verify.code === 0 ? 'pass' : 'fail';
        if (verify.code !== 0) result.detail = `verify exited ${verify.code}: ${tail(verify.output)}`;
      }
      if (task.cleanup) await script(task.cleanup);
    });
  } catch (e) {
    result.error = (e as Error).message;
  } finally {
    result.seconds = Math.round((Date.now() - started) / 100) / 10;
    await rm(dir, { recursive: true, force: true });
  }
  return result;
}

/** ClusterClaw on the prompt: investigate, then approve each proposal it makes, up to three rounds. */
async function agentOnPrompt(task: Task, h: Harness, result: TaskResult): Promise<void> {
  const { run } = await createTask(h.db, {
    kind: 'investigate',
    source: 'cli',
    requester: 'eval:requester',
    question: task.prompt,
    cluster: 'default',
    timeoutSeconds: 120,
  });
  await driveRun(h.supervisor, h.db, run.id, 180_000);
  const seen = new Set<string>();
  for (let round = 0; round < 3; round++) {
    const pending = (await buildReport(h.db, run.id)).proposals.filter((p) => !seen.has(p.id));
    if (pending.length === 0) break;
    for (const p of pending) {
      seen.add(p.id);
      if (p.status !== 'pending') continue;
      const outcome = await approveAndExecute(h, run.id, p.id);
      if (outcome.ok) {
        result.approved++;
        if (outcome.status === 'executed') result.executed++;
      }
    }
  }
  const report = await buildReport(h.db, run.id);
  result.proposals = report.proposals.length;
  result.worker = report.run.worker;
  const answer = [report.run.summary ?? '', ...report.findings.map((f) => JSON.stringify(f))].join('\n').toLowerCase();
  result.missing = task.expect.filter((e) => !answer.includes(e.toLowerCase()));
}

function tail(text: string): string {
  const lines = text.trim().split('\n');
  return lines.slice(-3).join(' | ').slice(0, 400);
}
