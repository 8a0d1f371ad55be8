import type { Logger } from '../../observability/logger.ts';

/** Work starts once no ack has come in for this long… */
const QUIET_MS = 20;
/** …or once the oldest job has waited this long, so steady traffic never starves it. */
const MAX_WAIT_MS = 500;

/**
 * The work a listener does after acknowledging (post the root message, create the task), run in
 * the background a few at a time, and held back while acks keep arriving: a burst of commands is
 * acknowledged first, well within Slack's 3 seconds, instead of each ack queueing behind earlier
 * commands' database work in the same event loop (measured in bench/slack-ack.ts).
 */
export class AfterAck {
  private running = 0;
  private readonly queue: { job: () => Promise<unknown>; at: number }[] = [];
  private idle: (() => void)[] = [];
  private lastAck = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly concurrency: number;
  private readonly logger: Logger;

  constructor(logger: Logger, concurrency = 4) {
    this.logger = logger;
    this.concurrency = concurrency;
  }

  run(job: () => Promise<unknown>): void {
    this.lastAck = Date.now();
    this.queue.push({ job, at: this.lastAck });
    this.pump();
  }

  /** Resolves when nothing is queued or running (shutdown). */
  drained(): Promise<void> {
    return this.running === 0 && this.queue.length === 0 ? Promise.resolve() : new Promise((r) => this.idle.push(r));
  }

  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.queue.length) return;
    const now = Date.now();
    const wait = Math.min(this.lastAck + QUIET_MS - now, this.queue[0]!.at + MAX_WAIT_MS - now);
    if (wait > 0) {
      this.timer = setTimeout(() => this.pump(), wait);
      return;
    }
    while (this.running < this.concurrency && this.queue.length) {
      const { job } = this.queue.shift()!;
      this.running++;
      job()
        .catch((err) => this.logger.error({ err }, 'slack work after ack failed'))
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) for (const r of this.idle.splice(0)) r();
        });
    }
  }
}
