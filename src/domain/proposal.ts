import type { CiSummary } from './git-change.ts';
import type { UndoCall } from './write-plan.ts';

/**
 * A proposal's life: inserted `pending` (or `refused`, never decidable), decided by a human or by
 * time, executed once. Every status change is a conditional transition (store/proposals.ts) from
 * one of the statuses this table allows.
 */
export type ProposalStatus =
  | 'pending'
  | 'approved'
  | 'rejected'
  | 'expired'
  | 'superseded'
  | 'executing'
  | 'executed'
  | 'failed'
  | 'refused';

export const PROPOSAL_TRANSITIONS: Readonly<Record<ProposalStatus, readonly ProposalStatus[]>> = {
  // A decision, the TTL, a newer proposal for the same target, or its run's cancellation.
  pending: ['approved', 'rejected', 'expired', 'superseded'],
  // The executor claims it (once); a cancelled run withdraws it before that, and so does an
  // approver taking their approval back (it waits for approvals again).
  approved: ['executing', 'superseded', 'pending'],
  // Recorded by the executor, or by its successor from the journal; fenced back to approved
  // when the executor died before journalling (nothing applied).
  executing: ['executed', 'failed', 'approved'],
  executed: [],
  failed: [],
  rejected: [],
  expired: [],
  superseded: [],
  refused: [],
};

/** The statuses a proposal may be in for a move to `to`; throws when `from` names one that may not. */
export function legalSources(from: readonly ProposalStatus[], to: ProposalStatus): ProposalStatus[] {
  const illegal = from.filter((s) => !PROPOSAL_TRANSITIONS[s].includes(to));
  if (illegal.length) throw new Error(`a proposal cannot go from ${illegal.join('/')} to ${to}`);
  return [...from];
}

export type Risk = 'low' | 'medium' | 'high';

/** How far a change reaches, as policy counts it and the card shows it. */
export interface BlastRadius {
  pods?: number;
  replicas?: number;
  /** Every namespace the change writes in (a drain's evictions included). */
  namespaces?: string[];
  description: string;
}

/** The `blast_radius` column: the reach, with the ways back and the reviewer's warnings kept beside it. */
export interface StoredBlastRadius extends BlastRadius {
  /** How a human would undo the change (shown on the card). */
  rollback?: string;
  /** The same undo as a vocabulary call: a ready rollback proposal when the change does not verify. */
  undo?: UndoCall;
  /** What a reviewer must see: dangerous fields, protected pods a drain evicts. */
  warnings?: string[];
}

/**
 * What the server's dry-run said, per step: the object it would store (its content view: no
 * status or server bookkeeping), or that the object would go.
 */
export type StepResult = { object: unknown; generation?: number } | { gone: true };

export interface DryRunRecord {
  ok: true;
  results: StepResult[];
  /** A git_change: what CI said about the candidate commit. */
  ci?: CiSummary;
  /** A git_change: the rendered manifests' server dry-runs, or why there are none ("not applicable"). */
  manifests?: string;
}

/** The `dry_run` column: the record the approval binds to, or why the server (or scope, or policy) refused. */
export type StoredDryRun = DryRunRecord | { ok: false; error: string };

/** The executor's record of an execution (and its successor's, `recovered`). */
export interface ExecutionOutcome {
  applied: boolean;
  verified: boolean;
  message: string;
  /** True when the cluster moved since approval: the approval is void and nothing was applied. */
  stale?: boolean;
  recovered?: boolean;
  /** A delivered git_change's pull (merge) request. */
  pullRequest?: { url: string; number: number };
}

/** The `outcome` column, by status: what settled the proposal. */
export type StoredOutcome =
  | ExecutionOutcome
  | { rejectedBy: string; reason: string | null }
  | { withdrawn: string }
  | { refused: { stage: string; rule: string; reason: string } };

/** A proposal's fate, read from its status and outcome in one place (verdictOf). */
export type ProposalVerdict =
  | { kind: 'open'; status: 'pending' | 'approved' | 'executing' }
  | { kind: 'executed'; verified: boolean; message: string; recovered: boolean }
  | { kind: 'not_applied'; message: string; stale: boolean }
  | { kind: 'rejected'; by: string; reason: string | null }
  | { kind: 'withdrawn'; reason: string }
  | { kind: 'expired' }
  | { kind: 'refused'; stage: string; rule: string; reason: string };

export function verdictOf(p: { status: ProposalStatus; outcome: StoredOutcome | null }): ProposalVerdict {
  const o = (p.outcome ?? {}) as Partial<ExecutionOutcome> &
    Partial<{ rejectedBy: string; reason: string | null; withdrawn: string }> &
    Partial<{ refused: { stage: string; rule: string; reason: string } }>;
  switch (p.status) {
    case 'pending':
    case 'approved':
    case 'executing':
      return { kind: 'open', status: p.status };
    case 'executed':
    case 'failed':
      return o.applied
        ? { kind: 'executed', verified: Boolean(o.verified), message: o.message ?? '', recovered: Boolean(o.recovered) }
        : { kind: 'not_applied', message: o.message ?? '', stale: Boolean(o.stale) };
    case 'rejected':
      return { kind: 'rejected', by: o.rejectedBy ?? '', reason: o.reason ?? null };
    case 'superseded':
      return { kind: 'withdrawn', reason: o.withdrawn ?? 'a newer proposal for the same target replaced it' };
    case 'expired':
      return { kind: 'expired' };
    case 'refused':
      return {
        kind: 'refused',
        stage: o.refused?.stage ?? '',
        rule: o.refused?.rule ?? '',
        reason: o.refused?.reason ?? '',
      };
  }
}
