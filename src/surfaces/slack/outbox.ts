import type { Logger } from '../../observability/logger.ts';

/** What a rate-limited Web API call throws with `rejectRateLimitedCalls` (web-api's WebAPIRateLimitedError). */
interface RateLimited {
  code: 'slack_webapi_rate_limited_error';
  retryAfter: number;
}

function rateLimited(e: unknown): e is RateLimited {
  return (e as { code?: string } | null)?.code === 'slack_webapi_rate_limited_error';
}

/**
 * Everything the bot posts into threads goes through here, one queue per channel: messages in a
 * channel stay in order (and Slack allows about one post per second per channel anyway). A 429
 * pauses only that channel for its Retry-After and the same call is tried again; other channels
 * keep flowing. (The Web API client would otherwise pause every call on the client and retry.)
 * Callers get a promise; nothing is dropped except after `maxRateLimitRetries` 429s in a row.
 */
export class SlackOutbox {
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly logger: Logger;
  private readonly maxRateLimitRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(opts: { logger: Logger; maxRateLimitRetries?: number; sleep?: (ms: number) => Promise<void> }) {
    this.logger = opts.logger;
    this.maxRateLimitRetries = opts.maxRateLimitRetries ?? 5;
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Runs `call` after everything queued for `channel` before it; retries it on 429. */
  send<T>(channel: string, call: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(channel) ?? Promise.resolve();
    const mine = previous.catch(() => {}).then(() => this.attempt(channel, call));
    const tail = mine.catch(() => {});
    this.queues.set(channel, tail);
    // Forget an idle channel once its last call settles.
    void tail.then(() => {
      if (this.queues.get(channel) === tail) this.queues.delete(channel);
    });
    return mine;
  }

  /** Resolves when every call queued so far has settled (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.queues.size) await Promise.all([...this.queues.values()]);
  }

  private async attempt<T>(channel: string, call: () => Promise<T>): Promise<T> {
    for (let tries = 0; ; tries++) {
      try {
        return await call();
      } catch (e) {
        if (!rateLimited(e) || tries >= this.maxRateLimitRetries) throw e;
        const waitMs = Math.max(1, e.retryAfter) * 1000;
        this.logger.warn({ channel, retryAfter: e.retryAfter }, 'Slack rate-limited this channel; waiting before the next post');
        await this.sleep(waitMs);
      }
    }
  }
}
