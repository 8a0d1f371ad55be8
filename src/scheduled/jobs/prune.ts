import type { Db } from '../../store/db.ts';
import { pruneSlots } from '../../store/scheduled-slots.ts';
import { pruneSlackEvents } from '../../store/slack-events.ts';
import { pruneInbox } from '../../store/slack-inbox.ts';
import type { ScheduledJob } from '../scheduler.ts';

/** Forgets dedupe keys nobody can repeat any more: Slack event ids after a day, finished Slack requests after 7, cron slots after 30. */
export function pruneJob(db: Db, cron: string): ScheduledJob {
  return {
    name: 'prune',
    cron,
    async run() {
      const slackEvents = await pruneSlackEvents(db, 24);
      const requests = await pruneInbox(db, 7);
      const slots = await pruneSlots(db, 30);
      return slackEvents || requests || slots ? { slackEvents, requests, slots } : undefined;
    },
  };
}
