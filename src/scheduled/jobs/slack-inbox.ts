import type { ScheduledJob } from '../scheduler.ts';

/**
 * Slack investigation requests a replica acknowledged but never started (it died right after
 * the ack) are started by whichever replica runs this slot.
 */
export function slackInboxJob(cron: string, sweep: () => Promise<number>): ScheduledJob {
  return {
    name: 'slack-inbox',
    cron,
    async run() {
      const recovered = await sweep();
      return recovered ? { recovered } : undefined;
    },
  };
}
