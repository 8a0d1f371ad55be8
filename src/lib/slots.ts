/**
 * At most `size` holders at once; the rest wait in arrival order. `take` resolves with a release
 * function (call it once), or rejects when `signal` aborts first.
 */
export class Slots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  /** Whether a holder must wait right now. */
  get full(): boolean {
    return this.free <= 0;
  }

  async take(signal?: AbortSignal): Promise<() => void> {
    if (this.free > 0) this.free -= 1;
    else
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', stop);
          resolve();
        };
        const stop = () => {
          const i = this.waiting.indexOf(go);
          if (i >= 0) this.waiting.splice(i, 1);
          reject(signal!.reason);
        };
        this.waiting.push(go);
        signal?.addEventListener('abort', stop, { once: true });
      });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    };
  }
}
