import type { RunEventInput } from '../domain/run-events.ts';

/** How many identical calls, or identical failures, make a loop. */
export const LOOP_REPEATS = 3;

/**
 * Spots a worker going round in circles, from its events alone: the same tool call with the same
 * input, or the same failure, `LOOP_REPEATS` times in one attempt. Whatever the worker (a model
 * loop, Claude Code, Codex), the supervisor treats a loop as it treats a stall: a nudge with more
 * context, then a kill. After tripping, a key counts afresh. The gate's own CI runs are not the
 * worker's calls and never count.
 */
export class LoopDetector {
  private readonly seen = new Map<string, number>();

  /** Why this event completes a loop, or undefined. */
  see(e: RunEventInput): string | undefined {
    if ((e.type !== 'tool_call' && e.type !== 'tool_result') || e.data.tool === 'ci') return undefined;
    if (e.type === 'tool_result' && e.data.ok) return undefined;
    const key =
      e.type === 'tool_call'
        ? `call ${e.data.tool} ${stable(e.data.input)}`
        : `error ${e.data.tool} ${e.data.summary.slice(0, 300)}`;
    const n = (this.seen.get(key) ?? 0) + 1;
    if (n < LOOP_REPEATS) {
      this.seen.set(key, n);
      return undefined;
    }
    this.seen.delete(key);
    return e.type === 'tool_call'
      ? `it called ${e.data.tool} with the same input ${LOOP_REPEATS} times (${stable(e.data.input).slice(0, 200)})`
      : `${e.data.tool} failed the same way ${LOOP_REPEATS} times (${e.data.summary.slice(0, 200)})`;
  }
}

/** JSON with object keys sorted: the same input however its keys were ordered. */
function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}
