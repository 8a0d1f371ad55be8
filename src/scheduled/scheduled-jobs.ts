import type { Config } from '../config/config.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Db } from '../store/db.ts';
import { type DigestPoster, dailyDigestJob } from './jobs/daily-digest.ts';
import { expireProposalsJob } from './jobs/expire-proposals.ts';
import { pruneJob } from './jobs/prune.ts';
import { reapLeasesJob } from './jobs/reap-leases.ts';
import { slackInboxJob } from './jobs/slack-inbox.ts';
import type { ScheduledJob } from './scheduler.ts';

/**
 * Lease reaping (runs of a dead replica resume elsewhere) and proposal expiry (fail closed). `claw
 * serve` schedules them; a process without a scheduler (the CLI) hands them to its supervisor,
 * which runs them before claiming. One implementation, two triggers.
 */
export function housekeepingJobs(db: Db, config: Config, metrics?: Metrics): ScheduledJob[] {
  return [
    reapLeasesJob(db, config.schedule.reapLeases, metrics),
    expireProposalsJob(db, config.schedule.expireProposals),
  ];
}

/** The jobs `claw serve` schedules, from claw.yaml's `schedule:`; the Slack ones only with Slack. */
export function scheduledJobs(
  db: Db,
  config: Config,
  deps: { metrics?: Metrics; postDigest?: DigestPoster; sweepSlackInbox?: () => Promise<number> },
): ScheduledJob[] {
  const s = config.schedule;
  return [
    ...housekeepingJobs(db, config, deps.metrics),
    pruneJob(db, s.prune),
    ...(deps.sweepSlackInbox ? [slackInboxJob(s.slackInbox, deps.sweepSlackInbox)] : []),
    ...(s.dailyDigest && deps.postDigest ? [dailyDigestJob(db, s.dailyDigest, deps.postDigest)] : []),
  ];
}
