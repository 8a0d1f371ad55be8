import type { RunHistoryEntry } from '../store/schema.ts';
import type { Worker } from '../workers/worker.ts';

/**
 * Delay before attempt `attempt + 1`: exponential from `baseSeconds`, capped at `maxSeconds`, with
 * full jitter (uniform between half and all of it) so runs that failed together do not retry in
 * lockstep against the same recovering model.
 */
export function backoffMs(
  attempt: number,
  opts: { baseSeconds: number; maxSeconds: number },
  random = Math.random,
): number {
  const ceiling = Math.min(opts.maxSeconds, opts.baseSeconds * 2 ** Math.max(0, attempt - 1)) * 1000;
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

const GAVE_UP: RunHistoryEntry['outcome'][] = ['unavailable', 'declined', 'stalled', 'error'];

/**
 * The order in which a run tries workers: the one holding its checkpoint first (it can resume
 * where it stopped), then the route's chain minus workers that already failed this run and
 * workers whose breaker is open. The last resort (runbooks) is always kept.
 */
export function orderWorkers(
  chain: Worker[],
  run: { worker: string | null; history: RunHistoryEntry[] },
  allow: (id: string) => boolean,
): Worker[] {
  const failed = new Set(run.history.filter((h) => GAVE_UP.includes(h.outcome)).map((h) => h.worker));
  const last = chain.at(-1)!;
  const usable = chain.filter((w) => w === last || (!failed.has(w.id) && allow(w.id)));
  const current = run.worker ? usable.find((w) => w.id === run.worker) : undefined;
  return current ? [current, ...usable.filter((w) => w !== current)] : usable;
}

/**
 * Whether `to` can resume what `from` saved: model workers share one provider-neutral transcript,
 * so a run moves between models with its context; the runbooks keep their own state.
 */
export function checkpointPortable(from: string | null, to: string): boolean {
  if (!from) return false;
  const isModel = (id: string) => id !== 'runbooks';
  return from === to || (isModel(from) && isModel(to));
}
