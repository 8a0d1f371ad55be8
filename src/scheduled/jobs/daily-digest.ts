import { auditHead } from '../../audit/audit-log.ts';
import { type ChannelDigest, dailyDigests } from '../../store/daily-digest.ts';
import type { Db } from '../../store/db.ts';
import type { ScheduledJob } from '../scheduler.ts';

export type DigestPoster = (digest: ChannelDigest, day: string) => Promise<void>;

/**
 * Each channel's morning summary: open incidents, approvals waiting, the last day's runs and
 * proposals. A channel Slack refuses does not stop the others.
 */
export function dailyDigestJob(
  db: Db,
  schedule: { cron: string; channels: readonly string[] },
  post: DigestPoster,
): ScheduledJob {
  return {
    name: 'daily-digest',
    cron: schedule.cron,
    async run(slot) {
      // The audit head goes out with every digest: a copy in Slack that no database writer can reach.
      const head = await auditHead(db);
      const digests = (await dailyDigests(db, new Date(slot.getTime() - 24 * 3600_000), schedule.channels)).map(
        (d) => ({ ...d, ...(head ? { auditHead: head } : {}) }),
      );
      const day = slot.toISOString().slice(0, 10);
      const results = await Promise.allSettled(digests.map((d) => post(d, day)));
      const failed = results.flatMap((r, i) =>
        r.status === 'rejected' ? [`${digests[i]!.channel}: ${(r.reason as Error).message}`] : [],
      );
      if (failed.length) throw new Error(`daily digest not posted in ${failed.join('; ')}`);
      return { channels: digests.length };
    },
  };
}
