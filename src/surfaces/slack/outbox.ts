import type { Logger } from '../../observability/logger.ts';
import type { Metrics } from '../../observability/metrics.ts';

/** What a rate-limited Web API call throws with `rejectRateLimitedCalls` (web-api's WebAPIRateLimitedError). */
interface RateLimited {
  code: 'slack_webapi_rate_limited_error';
  retryAfter: number;
}

/** Slack's error code (`channel_not_found`…), or the client's own (`slack_webapi_request_error`). */
function slackError(e: unknown): string {
  const x = e as { data?: { error?: string }; code?: string } | null;
  return x?.data?.error ?? x?.code ?? 'unknown';
}

function rateLimited(e: unknown): e is RateLimited {
  return (e as { code?: string } | null)?.code === 'slack_webapi_rate_limited_error';
}

/**
 * Slack's chat.postMessage limit: about one message per second per channel, short bursts allowed.
 * `reservedForFirst`: the last tokens of a channel's burst, which only what a reader needs first
 * (a new thread, a run's first finding) may spend, so a storm's later threads are not left
 * waiting a second per card and summary posted before them.
 */
export const POST_PACE = { burst: 8, perSecond: 1, reservedForFirst: 4 };

interface Pace {
  burst: number;
  perSecond: number;
  reservedForFirst?: number;
}
/** chat.update is Tier 3 (50+ per minute) per workspace, whatever the channel: at most 55 in any minute. */
export const UPDATE_PACE = { burst: 5, perSecond: 50 / 60 };

interface Bucket {
  tokens: number;
  at: number;
}

/** A channel's posting budget, and who waits for it: what a reader needs first is served first. */
interface ChannelPace extends Bucket {
  /** Until then Slack told us to wait (a 429's Retry-After): nothing is posted in the channel. */
  resumeAt: number;
  waiting: { first: boolean; grant: () => void }[];
  pumping: boolean;
  /** Ends the pump's wait for the reserve early: a `first` call came, which needs no reserve. */
  wake?: () => void;
}

/**
 * Everything the bot posts into threads goes through here, in lanes per channel, each in order:
 * what a reader needs first (`first`: a new alert thread, a run's first finding), everything
 * else, and edits. Calls marked `paced` (new messages) spend the channel's token bucket, so a
 * burst of alerts or runs stays within Slack's posting rate instead of collecting 429s; when the
 * budget is short, `first` calls get it before the rest, so in a storm each thread shows its
 * finding before older threads get their cards and summaries. (A caller that needs one message
 * before another in the same thread awaits the first, so lanes never reorder a thread.) A 429
 * pauses only that channel for its Retry-After and the same call is tried again; other channels
 * keep flowing. (The Web API client would otherwise pause every call on the client and retry.)
 * Callers get a promise; nothing is dropped except after `maxRateLimitRetries` 429s in a row.
 */
export class SlackOutbox {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly logger: Logger;
  private readonly maxRateLimitRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pace: Pace;
  private readonly updatePace: { burst: number; perSecond: number };
  private readonly buckets = new Map<string, ChannelPace>();
  private readonly updates: Bucket;
  /** Updates wait their turn for the shared budget one after another. */
  private updateTurn: Promise<void> = Promise.resolve();

  private readonly metrics?: Metrics;

  constructor(opts: {
    logger: Logger;
    maxRateLimitRetries?: number;
    sleep?: (ms: number) => Promise<void>;
    pace?: Pace;
    updatePace?: { burst: number; perSecond: number };
    metrics?: Metrics;
  }) {
    this.logger = opts.logger;
    this.metrics = opts.metrics;
    this.maxRateLimitRetries = opts.maxRateLimitRetries ?? 5;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.pace = opts.pace ?? POST_PACE;
    this.updatePace = opts.updatePace ?? UPDATE_PACE;
    this.updates = { tokens: this.updatePace.burst, at: Date.now() };
  }

  /**
   * Runs `call` after everything queued before it in its lane of `channel`; retries it on 429.
   * `paced`: a new message (per-channel budget); `first`: one a reader needs before the rest
   * (served first from that budget); `update`: an edit (one budget for the workspace).
   */
  send<T>(
    channel: string,
    call: () => Promise<T>,
    opts: { paced?: boolean; first?: boolean; update?: boolean } = {},
  ): Promise<T> {
    // Edits wait in a lane of their own: after a storm, a new thread is posted at once instead of
    // behind a minute of queued edits to old ones (which share one workspace budget). An edit
    // needs the message it edits, which its caller has already posted; edits stay in order.
    const lane = opts.update ? `${channel}\u0000edits` : opts.first ? `${channel}\u0000first` : channel;
    const previous = this.queues.get(lane) ?? Promise.resolve();
    const mine = previous
      .catch(() => {})
      .then(async () => {
        if (opts.paced) await this.takeToken(channel, Boolean(opts.first));
        if (opts.update) await this.takeUpdateToken();
        return this.attempt(channel, call);
      });
    const tail = mine.catch(() => {});
    this.queues.set(lane, tail);
    // Forget an idle lane once its last call settles.
    void tail.then(() => {
      if (this.queues.get(lane) === tail) this.queues.delete(lane);
    });
    return mine;
  }

  /** Resolves when every call queued so far has settled (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.queues.size) await Promise.all([...this.queues.values()]);
  }

  private paceOf(channel: string): ChannelPace {
    let b = this.buckets.get(channel);
    if (!b) {
      b = { tokens: this.pace.burst, at: Date.now(), resumeAt: 0, waiting: [], pumping: false };
      this.buckets.set(channel, b);
    }
    // An idle channel's bucket is full again: forget it.
    if (this.buckets.size > 1000)
      for (const [c, x] of this.buckets)
        if (!x.waiting.length && Date.now() - x.at > (this.pace.burst / this.pace.perSecond) * 1000)
          this.buckets.delete(c);
    return b;
  }

  /** Waits until the channel's budget has a token for this call, then spends it; `first` calls go ahead of the rest. */
  private takeToken(channel: string, first: boolean): Promise<void> {
    const b = this.paceOf(channel);
    const granted = new Promise<void>((grant) => {
      const behind = first ? b.waiting.findIndex((w) => !w.first) : -1;
      if (behind < 0) b.waiting.push({ first, grant });
      else b.waiting.splice(behind, 0, { first, grant });
    });
    if (first) b.wake?.();
    void this.pump(b);
    return granted;
  }

  /**
   * Hands out the channel's tokens as the budget refills: to a `first` waiter while a whole token
   * is left, to the others only above the reserve, each kind in the order it came.
   */
  private async pump(b: ChannelPace): Promise<void> {
    if (b.pumping) return;
    b.pumping = true;
    const reserve = Math.min(this.pace.reservedForFirst ?? 0, this.pace.burst - 1);
    try {
      while (b.waiting.length) {
        const now = Date.now();
        if (now < b.resumeAt) {
          await this.sleep(b.resumeAt - now);
          continue;
        }
        b.tokens = Math.min(this.pace.burst, b.tokens + ((now - b.at) / 1000) * this.pace.perSecond);
        b.at = now;
        // `first` waiters are queued ahead of the rest, so the head is the one to serve.
        const need = b.waiting[0]!.first ? 1 : 1 + reserve;
        if (b.tokens < need) {
          const ms = Math.ceil(((need - b.tokens) / this.pace.perSecond) * 1000);
          // Waiting for the reserve to refill, a `first` call queued meanwhile wakes the pump: it may go at once.
          await Promise.race([this.sleep(ms), new Promise<void>((r) => (b.wake = r))]);
          b.wake = undefined;
          continue;
        }
        b.tokens -= 1;
        b.waiting.shift()!.grant();
      }
    } finally {
      b.pumping = false;
    }
  }

  private takeUpdateToken(): Promise<void> {
    const mine = this.updateTurn.then(() => this.spend(this.updates, this.updatePace));
    this.updateTurn = mine;
    return mine;
  }

  private async spend(b: Bucket, pace: { burst: number; perSecond: number }): Promise<void> {
    const now = Date.now();
    b.tokens = Math.min(pace.burst, b.tokens + ((now - b.at) / 1000) * pace.perSecond);
    b.at = now;
    if (b.tokens < 1) {
      await this.sleep(Math.ceil(((1 - b.tokens) / pace.perSecond) * 1000));
      b.tokens = 1;
      b.at = Date.now();
    }
    b.tokens -= 1;
  }

  private async attempt<T>(channel: string, call: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await call();
      } catch (e) {
        if (!rateLimited(e) || tries >= this.maxRateLimitRetries) {
          this.metrics?.slackErrors.inc({ error: slackError(e) });
          throw e;
        }
        const waitMs = Math.max(1, e.retryAfter) * 1000;
        // The whole channel waits, whichever lane met the 429.
        const b = this.paceOf(channel);
        b.resumeAt = Math.max(b.resumeAt, Date.now() + waitMs);
        this.metrics?.slackRateLimitWaits.inc();
        this.metrics?.slackRateLimitSeconds.inc(waitMs / 1000);
        this.logger.warn(
          { channel, retryAfter: e.retryAfter },
          'Slack rate-limited this channel; waiting before the next post',
        );
        await this.sleep(waitMs);
      }
    }
  }
}
