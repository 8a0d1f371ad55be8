export interface WatchdogOptions {
  stallMs: number;
  maxNudges: number;
  /** `loop`: why a loop, not silence, prompted it. */
  onNudge(n: number, idleMs: number, loop?: string): void;
  onKill(idleMs: number, loop?: string): void;
}

/**
 * Watches one attempt for progress. No activity for `stallMs` → `onNudge(n)` (n = 1…maxNudges);
 * still nothing after the last nudge's grace period → `onKill()`. Any activity resets the clock.
 */
export class StallWatchdog {
  private last = Date.now();
  private nudges = 0;
  private readonly timer: NodeJS.Timeout;
  private done = false;
  private readonly opts: WatchdogOptions;

  constructor(opts: WatchdogOptions) {
    this.opts = opts;
    this.timer = setInterval(() => this.check(), Math.max(10, Math.min(1000, opts.stallMs / 4)));
    this.timer.unref();
  }

  activity(): void {
    this.last = Date.now();
  }

  get nudgeCount(): number {
    return this.nudges;
  }

  /** A loop seen in the worker's events: it counts as a nudge, like a stall; past the last, a kill. */
  loop(reason: string): void {
    if (this.done) return;
    if (this.nudges < this.opts.maxNudges) {
      this.nudges += 1;
      this.last = Date.now();
      this.opts.onNudge(this.nudges, 0, reason);
      return;
    }
    this.stop();
    this.opts.onKill(0, reason);
  }

  stop(): void {
    this.done = true;
    clearInterval(this.timer);
  }

  private check(): void {
    if (this.done) return;
    const idle = Date.now() - this.last;
    if (idle < this.opts.stallMs) return;
    if (this.nudges < this.opts.maxNudges) {
      this.nudges += 1;
      this.last = Date.now();
      this.opts.onNudge(this.nudges, idle);
      return;
    }
    this.stop();
    this.opts.onKill(idle);
  }
}
