import type { FindingCategory } from '../analyzers/pod-health.ts';
import type { Proposal, Run, Task } from '../store/schema.ts';
import type { ObjectRef, ToolContext, WritePlan } from '../tools/define-tool.ts';
import type { ReadToolOutput } from '../tools/run-read-tool.ts';

/** A structured progress event; persisted in order and fanned out to sinks by the supervisor. */
export type RunEventInput =
  | { type: 'step'; data: { message: string } }
  | { type: 'tool_call'; data: { tool: string; cluster?: string; input: unknown } }
  | { type: 'tool_result'; data: { tool: string; ok: boolean; summary: string } }
  | { type: 'finding'; data: Finding }
  | { type: 'proposal'; data: { proposalId: string; action: string; target: ObjectRef; summary: string } }
  | { type: 'execution'; data: { proposalId: string; applied: boolean; verified: boolean; message: string } }
  | { type: 'decision'; data: { proposalId: string; status: string; message: string } }
  | { type: 'error'; data: { message: string } }
  | { type: 'final'; data: { status: string; summary: string } };

export interface Finding {
  category: FindingCategory;
  summary: string;
  object: ObjectRef;
  evidence: string[];
}

export interface WorkerContext {
  task: Task;
  run: Run;
  /** What the worker saved when it last paused (awaiting approval); undefined on a fresh run. */
  checkpoint: unknown;
  tools: ToolContext;
  /** Runs a read tool by name: validated input, recorded call and result summary. */
  callTool<T = unknown>(name: string, input: Record<string, unknown>): Promise<T>;
  /** The same, with the tool's framing (cluster, trimming note) kept for rendering to a model. */
  readTool(name: string, input: Record<string, unknown>): Promise<ReadToolOutput>;
  /** Plans a write tool and turns it into a pending proposal (policy, dry-run, diff). */
  propose(name: string, input: Record<string, unknown>): Promise<{ proposal: Proposal; plan: WritePlan }>;
  getProposal(id: string): Promise<Proposal | undefined>;
  emit(event: RunEventInput): void;
  signal: AbortSignal;
}

export type WorkerResult =
  | { status: 'succeeded' | 'failed' | 'escalated'; summary: string }
  | { status: 'awaiting_approval'; summary: string; checkpoint: unknown };

export interface Worker {
  /** `runbooks`, `anthropic:<model>`, `openai:<model>`, `<provider>:<model>`. */
  id: string;
  run(ctx: WorkerContext): Promise<WorkerResult>;
}
