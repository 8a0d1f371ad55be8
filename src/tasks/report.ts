import type { Finding } from '../domain/findings.ts';
import type { StoredOutcome } from '../domain/proposal.ts';
import { listApprovals } from '../store/approvals.ts';
import type { Db } from '../store/db.ts';
import { listProposalsForRun } from '../store/proposals.ts';
import { listRunEvents } from '../store/run-events.ts';
import { getRun } from '../store/runs.ts';
import type { RunHistoryEntry } from '../store/schema.ts';

/** The `--json` investigation report (docs/cli.md). */
export interface InvestigationReport {
  run: {
    id: string;
    status: string;
    worker: string | null;
    steps: number;
    usage: { inputTokens: number; outputTokens: number; costUsd: number };
    attempt: number;
    history: RunHistoryEntry[];
    summary: string | null;
  };
  findings: Finding[];
  proposals: {
    id: string;
    action: string;
    target: { kind: string; namespace?: string; name: string };
    status: string;
    risk: string;
    summary: string;
    artifactHash: string;
    expiresAt: string;
    dryRun: { ok: boolean; diff: string };
    outcome: StoredOutcome | null;
    /** The stored request in full, as YAML, values that could be secrets as `[redacted sha256:…]`. */
    request: string;
    /** What makes the change riskier than it looks (dangerous fields, protected pods evicted): named on the card. */
    warnings: string[];
    blastRadius: string;
    rollback?: string;
    approvals: { required: number; rule: string; approvedBy: string[] };
  }[];
}

export async function buildReport(db: Db, runId: string): Promise<InvestigationReport> {
  const run = await getRun(db, runId);
  if (!run) throw new Error(`no run ${runId}`);
  const events = await listRunEvents(db, runId);
  const proposals = await listProposalsForRun(db, runId);
  const approvals = (await Promise.all(proposals.map((p) => listApprovals(db, p.id)))).flat();
  return {
    run: {
      id: run.id,
      status: run.status,
      worker: run.worker,
      steps: run.steps,
      usage: { inputTokens: run.input_tokens, outputTokens: run.output_tokens, costUsd: Number(run.cost_usd) },
      attempt: run.attempt,
      history: run.history,
      summary: run.summary,
    },
    findings: events.filter((e) => e.type === 'finding').map((e) => e.data as unknown as Finding),
    proposals: proposals.map((p) => ({
      id: p.id,
      action: p.action,
      target: p.target,
      status: p.status,
      risk: p.risk,
      summary: p.rationale,
      artifactHash: p.artifact_hash,
      expiresAt: new Date(p.expires_at).toISOString(),
      dryRun: { ok: p.dry_run.ok, diff: p.diff },
      request: p.request_view,
      warnings: p.blast_radius.warnings ?? [],
      outcome: p.outcome,
      blastRadius: p.blast_radius.description ?? '',
      ...(p.blast_radius.rollback ? { rollback: p.blast_radius.rollback } : {}),
      approvals: {
        required: p.required_approvals,
        rule: p.policy_rule,
        approvedBy: approvals.filter((a) => a.proposal_id === p.id && a.decision === 'approve').map((a) => a.actor),
      },
    })),
  };
}
