import type { Finding } from './findings.ts';
import type { ObjectRef } from './object-ref.ts';

/** A structured progress event; persisted in order and fanned out to sinks by the supervisor. */
export type RunEventInput =
  | { type: 'step'; data: { message: string } }
  /** `label`: the call as a person reads it in the thread (`Edit deploy/values.yaml`); the tool's name when absent. */
  | { type: 'tool_call'; data: { tool: string; cluster?: string; input: unknown; label?: string } }
  | { type: 'tool_result'; data: { tool: string; ok: boolean; summary: string } }
  | { type: 'finding'; data: Finding }
  | { type: 'proposal'; data: { proposalId: string; action: string; target: ObjectRef; summary: string } }
  | { type: 'execution'; data: { proposalId: string; applied: boolean; verified: boolean; message: string } }
  | { type: 'decision'; data: { proposalId: string; status: string; message: string } }
  | { type: 'error'; data: { message: string } }
  | { type: 'final'; data: { status: string; summary: string } };
