import { hostname } from 'node:os';
import type { Config } from '../config/config.ts';
import { PermanentNotifyError } from '../domain/errors.ts';
import type { Logger } from '../observability/logger.ts';
import {
  claimDigests,
  digestGroups,
  markDigestSynced,
  placeGroup,
  releaseDigest,
  syncDigested,
  touchDigest,
} from '../store/alert-digests.ts';
import {
  ALERTS_CHANNEL,
  claimUnsynced,
  groupAlerts,
  markNotesPosted,
  markSynced,
  pendingNotes,
  releaseGroup,
  setGroupThread,
} from '../store/alert-groups.ts';
import type { Db, StoreHandle } from '../store/db.ts';
import type { AlertDigest, AlertGroup } from '../store/schema.ts';
import type { AlertNotifier } from './alert-notifier.ts';
import { settleInvestigation, startDigestInvestigation } from './investigations.ts';

export interface DispatcherDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Absent without Slack: groups are still stored and investigated, just not shown. */
  notifier?: AlertNotifier;
  listen?: StoreHandle['listen'];
  /** New runs were queued: wake the supervisor. */
  notifyRuns?: () => void;
  owner?: string;
  pollMs?: number;
  /** A root or digest message is edited at most this often (Slack: about one update per 3 s). */
  holdMs?: number;
  leaseSeconds?: number;
}

/**
 * Brings Slack up to date with the stored alert groups, on any replica: opens each group's thread
 * once (or folds it into the channel's storm digest), edits its root as it changes, posts its
 * notes in order, and starts, re-starts or stops its investigation. A group whose Slack call
 * fails is retried with back-off; a channel that refuses the bot is given up on, loudly, and
 * the investigation still runs.
 */
export class AlertDispatcher {
  private readonly deps: DispatcherDeps;
  private readonly owner: string;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private again = false;
  private stopped = true;
  private unlisten: (() => Promise<void>)[] = [];
  private current: Promise<void> = Promise.resolve();

  constructor(deps: DispatcherDeps) {
    this.deps = deps;
    this.owner = deps.owner ?? `${hostname()}:${process.pid}:alerts`;
  }

  async start(): Promise<void> {
    this.stopped = false;
    if (this.deps.listen) this.unlisten.push(await this.deps.listen(ALERTS_CHANNEL, () => this.wake()));
    this.schedule(0);
  }

  /**
   * Stops after the pass in progress, waiting at most `graceMs` for it: a pass held up by Slack's
   * rate limits leaves its groups to their leases, and another replica carries on.
   */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.unlisten.splice(0).map((u) => u().catch(() => {})));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.current, new Promise((r) => (timer = setTimeout(r, graceMs)))]);
    clearTimeout(timer);
  }

  wake(): void {
    if (this.stopped) return;
    if (this.busy) this.again = true;
    else this.schedule(0);
  }

  /** One pass over everything that is behind (tests and the CLI call it directly). */
  async pass(): Promise<number> {
    const { db } = this.deps;
    const lease = this.deps.leaseSeconds ?? 120;
    let done = 0;
    for (;;) {
      const groups = await claimUnsynced(db, this.owner, lease, 25);
      if (!groups.length) break;
      // Groups are independent; posts to one channel are ordered and paced by the notifier's outbox.
      await Promise.all(groups.map((g) => this.syncGroup(g)));
      done += groups.length;
    }
    for (const d of await claimDigests(db, this.owner, lease)) await this.syncDigest(d);
    return done;
  }

  private schedule(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.current = this.loop();
    }, ms);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    if (this.busy || this.stopped) return;
    this.busy = true;
    try {
      await this.pass();
    } catch (err) {
      this.deps.logger.error({ err }, 'alert dispatch failed');
    } finally {
      this.busy = false;
      const now = this.again;
      this.again = false;
      if (!this.stopped) this.schedule(now ? 0 : (this.deps.pollMs ?? 1000));
    }
  }

  private async syncGroup(g: AlertGroup): Promise<void> {
    const { db, notifier, logger } = this.deps;
    const hold = this.deps.holdMs ?? 3000;
    try {
      if (g.muted) return await markSynced(db, g.id, this.owner, g.version, 0);
      // In a digest: its notes are folded into the digest's counts; the digest re-renders itself.
      if (g.digest_id) return await syncDigested(db, g, this.owner, hold * 3);
      const notes = await pendingNotes(db, g.id);
      let ts = g.thread_ts;
      let slackError = g.slack_error;
      if (notifier && g.channel && !ts && !g.digest_id && !slackError) {
        const placed = await placeGroup(db, g, this.deps.config.alerts.digest);
        if (placed.thread === 'digest') g.digest_id = placed.digestId;
        else {
          try {
            ts = await notifier.openThread({ group: g, alerts: await groupAlerts(db, g.id) });
            await setGroupThread(db, g.id, ts);
          } catch (e) {
            if (!(e instanceof PermanentNotifyError)) throw e;
            slackError = e.message;
            logger.error(
              { group: g.id, channel: g.channel, err: e },
              'cannot open the alert thread; the group is stored and investigated without one',
            );
          }
        }
      } else if (notifier && ts && !slackError) {
        await notifier.updateRoot({ group: g, alerts: await groupAlerts(db, g.id) }, ts);
      }
      if (g.digest_id) await touchDigest(db, g.digest_id);
      const extra = await settleInvestigation(
        this.deps,
        { ...g, thread_ts: ts },
        notes.map((n) => n.kind),
      );
      const say = [...notes, ...(extra ? [{ id: '', kind: 'info', text: extra }] : [])];
      if (say.length && notifier && ts && !slackError) await notifier.postNotes(g, ts, say);
      if (notes.length)
        await markNotesPosted(
          db,
          notes.map((n) => n.id),
        );
      await markSynced(
        db,
        g.id,
        this.owner,
        g.version,
        hold,
        slackError !== g.slack_error ? { slack_error: slackError } : {},
      );
    } catch (err) {
      if (err instanceof PermanentNotifyError) {
        logger.error(
          { err, group: g.id, channel: g.channel },
          'Slack refuses this alert thread; giving up on it (the group stays stored)',
        );
        return await markSynced(db, g.id, this.owner, g.version, 0, { slack_error: err.message }).catch(() => {});
      }
      const retry = Math.min(300, 2 ** Math.min(g.sync_failures, 8));
      logger.warn({ err, group: g.id, retryInSeconds: retry }, 'alert group not synced to Slack; will retry');
      await releaseGroup(db, g.id, this.owner, retry).catch(() => {});
    }
  }

  private async syncDigest(d: AlertDigest): Promise<void> {
    const { db, notifier, logger } = this.deps;
    try {
      const view = { digest: d, groups: await digestGroups(db, d.id) };
      let ts = d.ts;
      if (notifier) {
        if (ts) await notifier.updateDigest(view, ts);
        else ts = await notifier.openDigest(view);
      }
      // Saved before anything else can fail: the digest message is posted once.
      if (ts !== d.ts) await markDigestSynced(db, d.id, this.owner, d.version - 1, { ts }, 0, true);
      if (!d.task_id) await startDigestInvestigation(this.deps, { ...d, ts }, view.groups);
      await markDigestSynced(db, d.id, this.owner, d.version, {}, this.deps.holdMs ?? 3000);
    } catch (err) {
      logger.warn({ err, digest: d.id }, 'alert digest not synced to Slack; will retry');
      await releaseDigest(db, d.id, this.owner, 10).catch(() => {});
    }
  }
}
