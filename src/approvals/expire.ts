import { appendAudit } from '../audit/audit-log.ts';
import type { Db } from '../store/db.ts';
import { expireDue } from '../store/proposals.ts';
import { resumeRun } from '../store/runs.ts';

/**
 * Expires every pending proposal past its TTL, audits it, and resumes the run that waited on it:
 * the worker is told nobody decided in time and nothing changed. Nobody has to click for a stale
 * proposal to close.
 */
export async function expireProposals(db: Db): Promise<number> {
  const expired = await expireDue(db);
  for (const p of expired) {
    await appendAudit(db, {
      actor: 'system',
      action: 'proposal.expired',
      subject: p.id,
      data: { expiredAt: new Date(p.expires_at).toISOString() },
    });
    await resumeRun(db, p.run_id);
  }
  return expired.length;
}
