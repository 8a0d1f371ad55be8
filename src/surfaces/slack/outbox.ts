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

/** Slack's chat.postMessage limit: about one message per second per channel, short bursts allowed. */
export const POST_PACE = { burst: 8, perSecond: 1 };
/** chat.update is Tier 3 (50+ per minute) per workspace, whatever the channel: at most 55 in any minute. */
export const UPDATE_PACE = { burst: 5, perSecond: 50 / 60 };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Everything the bot posts into threads goes through here, one queue per channel: messages in a
 * channel stay in order (edits in their own lane, also in order). Calls marked `paced` (new messages) spend a per-channel token bucket, so
 * a burst of alerts or runs stays within Slack's posting rate instead of collecting 429s. A 429
 * pauses only that channel for its Retry-After and the same call is tried again; other channels
 * keep flowing. (The Web API client would otherwise pause every call on the client and retry.)
 * Callers get a promise; nothing is dropped except after `maxRateLimitRetries` 429s in a row.
 */
export class SlackOutbox {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly logger: Logger;
  private readonly maxRateLimitRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly pace: { burst: number; perSecond: number };
  private readonly updatePace: { burst: number; perSecond: number };
  private readonly buckets = new Map<string, Bucket>();
  private readonly updates: Bucket;
  /** Updates wait their turn for the shared budget one after another. */
  private updateTurn: Promise<void> = Promise.resolve();

  private readonly metrics?: Metrics;

  constructor(opts: {
    logger: Logger;
    maxRateLimitRetries?: number;
    sleep?: (ms: number) => Promise<void>;
    pace?: { burst: number; perSecond: number };
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
   * Runs `call` after everything queued for `channel` before it; retries it on 429. `paced`: a new
   * message (per-channel budget); `update`: an edit (one budget for the workspace).
   */
  send<T>(channel: string, call: () => Promise<T>, opts: { paced?: boolean; update?: boolean } = {}): Promise<T> {
    // Edits wait in a lane of their own: after a storm, a new thread is posted at once instead of
    // behind a minute of queued edits to old ones (which share one workspace budget). An edit
    // needs the message it edits, which its caller has already posted; edits stay in order.
    const lane = opts.update ? `${channel}\u0000edits` : channel;
    const previous = this.queues.get(lane) ?? Promise.resolve();
    const mine = previous
      .catch(() => {})
      .then(async () => {
        if (opts.paced) await this.takeToken(channel);
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

  /** Waits until the channel's bucket has a token, then spends it. */
  private async takeToken(channel: string): Promise<void> {
    const b = this.buckets.get(channel) ?? { tokens: this.pace.burst, at: Date.now() };
    this.buckets.set(channel, b);
    await this.spend(b, this.pace);
    // An idle channel's bucket is full again: forget it.
    if (this.buckets.size > 1000)
      for (const [c, x] of this.buckets)
        if (Date.now() - x.at > (this.pace.burst / this.pace.perSecond) * 1000) this.buckets.delete(c);
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
