import type { ObjectStore, WatchEvent } from './object-store.ts';

/**
 * A bounded ring of recent watch events so a watch that starts from a resourceVersion
 * (as `kubectl rollout status` and informers do after a LIST) misses nothing in between.
 */
export class WatchHistory {
  private readonly events: { rv: number; e: WatchEvent }[] = [];
  private readonly capacity: number;
  private readonly unsubscribe: () => void;

  constructor(store: ObjectStore, capacity = 2000) {
    this.capacity = capacity;
    this.unsubscribe = store.onEvent((e) => {
      this.events.push({ rv: Number(e.object.metadata.resourceVersion), e });
      if (this.events.length > this.capacity) this.events.shift();
    });
  }

  /** Events after `rv`, or `undefined` when `rv` is older than the ring (the watch gets 410 Expired). */
  since(rv: number): WatchEvent[] | undefined {
    const oldest = this.events[0]?.rv;
    if (oldest !== undefined && rv < oldest - 1 && this.events.length >= this.capacity) return undefined;
    return this.events.filter((x) => x.rv > rv).map((x) => x.e);
  }

  close(): void {
    this.unsubscribe();
  }
}
