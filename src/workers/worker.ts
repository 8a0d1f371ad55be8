import type { GitChangeInput } from '../approvals/propose-git-change.ts';
import type { RepoConfig } from '../config/config.ts';
import type { GitOpsFix } from '../domain/gitops-owner.ts';
import type { RunCheckpoint } from '../domain/run-checkpoint.ts';
import type { RunEventInput } from '../domain/run-events.ts';
import type { WritePlan } from '../domain/write-plan.ts';
import type { Proposal, Run, Task } from '../store/schema.ts';
import type { ToolContext } from '../tools/define-tool.ts';
import type { ReadToolOutput } from '../tools/run-read-tool.ts';

export interface WorkerContext {
  task: Task;
  run: Run;
  /** What the worker saved when it last paused (awaiting approval); undefined on a fresh run. */
  checkpoint: RunCheckpoint | undefined;
  tools: ToolContext;
  /** Runs a read tool by name: validated input, recorded call and result summary. */
  callTool<T = unknown>(name: string, input: Record<string, unknown>): Promise<T>;
  /** The same, with the tool's framing (cluster, trimming note) kept for rendering to a model. */
  readTool(name: string, input: Record<string, unknown>): Promise<ReadToolOutput>;
  /** Plans a write tool and turns it into a pending proposal (policy, dry-run, diff). */
  propose(name: string, input: Record<string, unknown>): Promise<{ proposal: Proposal; plan: WritePlan }>;
  getProposal(id: string): Promise<Proposal | undefined>;
  emit(event: RunEventInput): void;
  /** Aborted when the run is killed (hard timeout, stall, cancellation). */
  signal: AbortSignal;
  /**
   * A signal for one model turn: aborted with a `Nudge` when the supervisor sees no progress for
   * too long (the worker should add the nudge's context and try the turn again), or with the run.
   */
  turnSignal(): AbortSignal;
  /** Progress that is not an event (streamed model text): keeps the stall detector quiet. */
  heartbeat(): void;
  /** Adds a model turn's token usage to the run (and its cost, when the model's price is known). */
  recordUsage(usage: { inputTokens: number; outputTokens: number }): void;
  /** The USD an agent's SDK reports for tokens already recorded: the run's cost when models.registry has no price. */
  recordReportedCost(usd: number): void;
  /** Why the run's budget (steps, tokens, cost, wall time) is spent, or undefined while it is not. */
  budgetExhausted(): string | undefined;
  /** Persists resumable progress (a transcript) so another process can take the run over. */
  saveProgress(checkpoint: RunCheckpoint): Promise<void>;
  /** A change task: its repository (claw.yaml `repos`), or undefined (not configured, or not a change task). */
  repo: RepoConfig | undefined;
  /** Every configured repository (claw.yaml `repos`): where a Git-managed object's fix belongs. */
  repos: Readonly<Record<string, RepoConfig>>;
  /** Where ClusterClaw keeps its own files (repository mirrors, attempts' clones). */
  dataDir: string;
  /**
   * Proposes a candidate that passed the CI gate: a sealed git_change, its commit kept in the
   * store. On the task's repository, or `repo` (an investigation fixing a GitOps owner's source).
   */
  proposeChange(input: Omit<GitChangeInput, 'task' | 'runId' | 'repo'>, repo?: string): Promise<Proposal>;
  /**
   * Starts a change task for the coding agents in this task's thread (once per repository): a
   * GitOps-managed object's fix no runbook edit can make. The findings go in `context` (cluster
   * data, never instructions). Says instead what is missing when no coding agent is configured.
   */
  startChange(req: ChangeRequest): Promise<{ taskId: string; existing: boolean } | { unavailable: string }>;
}

export interface ChangeRequest {
  repo: string;
  question: string;
  context: string;
  acceptance: string[];
  gitopsFix: GitOpsFix;
}

/** The supervisor's nudge: what the worker should be told to get going again. */
export class Nudge {
  readonly context: string;
  constructor(context: string) {
    this.context = context;
  }
}

/** A budget ran out; workers end with a partial answer instead of failing. */
export class BudgetExhausted extends Error {}

/**
 * A worker that is not the right one for this task says so before it concludes anything: the
 * supervisor hands the run to the next worker in the chain at once. Not a failure (no breaker,
 * no back-off).
 */
export class WorkerDeclined extends Error {}

export type WorkerResult =
  | { status: 'succeeded' | 'failed' | 'escalated' | 'cancelled'; summary: string }
  | { status: 'awaiting_approval'; summary: string; checkpoint: RunCheckpoint }
  /**
   * Nothing to do until `until` (a delivered branch waiting for a human's merge): the run goes
   * back to the queue, claimable then, its checkpoint kept, holding no worker slot meanwhile.
   */
  | { status: 'waiting'; summary: string; checkpoint: RunCheckpoint; until: Date };

export interface Worker {
  /** `runbooks`, `anthropic:<model>`, `openai:<model>`, `<provider>:<model>`. */
  id: string;
  /** Why this worker cannot run here (a change route with no coding agent configured), when it cannot. */
  unavailable?: string;
  run(ctx: WorkerContext): Promise<WorkerResult>;
}
