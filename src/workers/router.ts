import type { Config } from '../config.ts';
import type { Task } from '../store/schema.ts';
import { runbookWorker } from './runbook-worker.ts';
import type { Worker } from './worker.ts';

const AVAILABLE: Record<string, Worker> = { runbooks: runbookWorker };

/**
 * Task kind → ordered worker chain from claw.yaml `models.routes`, keeping the workers that exist
 * and have credentials; `runbooks` is always the last resort. Model workers (Anthropic, OpenAI,
 * OpenAI-compatible) join this table with the agent-runtime issue.
 */
export function workerChain(task: Task, config: Config): Worker[] {
  const route = config.models.routes[task.kind] ?? [];
  const chain = route.map((id) => AVAILABLE[id]).filter((w): w is Worker => w !== undefined);
  if (!chain.includes(runbookWorker)) chain.push(runbookWorker);
  return chain;
}
