import { expireProposals } from '../../approvals/expire.ts';
import type { Db } from '../../store/db.ts';
import type { ScheduledJob } from '../scheduler.ts';

/** Pending proposals past their TTL expire (fail closed) and their runs resume. */
export function expireProposalsJob(db: Db, cron: string): ScheduledJob {
  return {
    name: 'expire-proposals',
    cron,
    async run() {
      const expired = await expireProposals(db);
      return expired ? { expired } : undefined;
    },
  };
}
