/**
 * One breaker per model worker, shared by every run in this process: after `failures`
 * consecutive unavailability errors the model is skipped for `cooldownMs`; then one run may try
 * it (half-open) — success closes the breaker, failure opens it again. A trial that never reports
 * (its run chose another worker, or died) lapses after one more cooldown.
 */
export class CircuitBreakers {
  private readonly state = new Map<string, { failures: number; openUntil: number; trialUntil: number }>();
  private readonly failures: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;

  constructor(opts: { failures: number; cooldownSeconds: number; now?: () => number }) {
    this.failures = opts.failures;
    this.cooldownMs = opts.cooldownSeconds * 1000;
    this.now = opts.now ?? Date.now;
  }

  /** May a run use this worker now? A half-open breaker lets exactly one run through. */
  allow(id: string): boolean {
    const s = this.state.get(id);
    if (!s || s.failures < this.failures) return true;
    const now = this.now();
    if (now < s.openUntil || now < s.trialUntil) return false;
    s.trialUntil = now + this.cooldownMs;
    return true;
  }

  success(id: string): void {
    this.state.delete(id);
  }

  failure(id: string): void {
    const s = this.state.get(id) ?? { failures: 0, openUntil: 0, trialUntil: 0 };
    s.failures += 1;
    s.trialUntil = 0;
    if (s.failures >= this.failures) s.openUntil = this.now() + this.cooldownMs;
    this.state.set(id, s);
  }

  /** Open breakers and when they close again, for logs and /metrics. */
  open(): { id: string; until: Date }[] {
    const t = this.now();
    return [...this.state.entries()]
      .filter(([, s]) => s.failures >= this.failures && s.openUntil > t)
      .map(([id, s]) => ({ id, until: new Date(s.openUntil) }));
  }
}
