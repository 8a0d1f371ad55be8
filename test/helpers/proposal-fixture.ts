import { KubeConfig } from '@kubernetes/client-node';
import { propose } from '../../src/approvals/propose.ts';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { type Config, loadConfig } from '../../src/config/config.ts';
import type { Sandbox } from '../../src/sandbox/start-sandbox.ts';
import type { Db } from '../../src/store/db.ts';
import { claimRun } from '../../src/store/run-queue.ts';
import { finishRun } from '../../src/store/runs.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import type { WriteTool } from '../../src/tools/define-tool.ts';
import { findTool } from '../../src/tools/registry.ts';

export function testConfig(approvers: string[], extra: Partial<Config['approvals']> = {}): Config {
  const base = loadConfig({}, '/nonexistent');
  return { ...base, approvals: { ...base.approvals, approvers, allowSelfApproval: false, ttlMinutes: 30, ...extra } };
}

export function kubeConfigOf(sandbox: Sandbox): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(sandbox.kubeconfig);
  return kc;
}

/**
 * A proposal made the way a worker makes one, its run still running (held by owner `test`):
 * a task, the claimed run, propose(). `proposeAgain` proposes the same plan from the same run.
 */
export async function proposeInRun(
  db: Db,
  sandbox: Sandbox,
  config: Config,
  tool: string,
  input: Record<string, unknown>,
  requester = 'U0ONCALL',
) {
  const { task } = await createTask(db, { kind: 'investigate', source: 'slash', requester, question: 'test' });
  const run = (await claimRun(db, 'test', 60))!;
  const reader = new KubeReader(kubeConfigOf(sandbox));
  const t = findTool(tool) as WriteTool;
  const plan = await t.plan({ reader, now: () => new Date() }, t.input.parse(input));
  const proposeAgain = () => propose({ db, reader, config }, { task, runId: run.id, plan });
  return { task, run, proposal: await proposeAgain(), proposeAgain };
}

/** A pending proposal made the way a worker makes one, its run paused on it. */
export async function makeProposal(
  db: Db,
  sandbox: Sandbox,
  config: Config,
  tool: string,
  input: Record<string, unknown>,
  requester = 'U0ONCALL',
) {
  const { task, run, proposal } = await proposeInRun(db, sandbox, config, tool, input, requester);
  await finishRun(db, run.id, 'test', { status: 'awaiting_approval', checkpoint: { proposalId: proposal.id } });
  return { task, run, proposal };
}
