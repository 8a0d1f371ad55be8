import type { RunCoordinator } from 'node-cron';
import type { Db } from '../store/db.ts';
import { claimSlot, finishSlot } from '../store/scheduled-slots.ts';

/**
 * node-cron's distributed-task hook, backed by Postgres: every replica's timer fires, and the one
 * whose claim of the slot commits first runs the job. node-cron names a slot
 * `<task name>:<scheduled time, ISO>`, the same on every replica whatever its clock drift within
 * the slot, since the time is the one the cron expression matched. The slot is marked finished
 * by the scheduler (`finish`), not node-cron's `onComplete`, which runs after the job's promise.
 */
export class PostgresRunCoordinator implements RunCoordinator {
  private readonly db: Db;
  private readonly owner: string;

  constructor(db: Db, owner: string) {
    this.db = db;
    this.owner = owner;
  }

  shouldRun(key: string, ttlMs: number): Promise<boolean> {
    const { job, slot } = parseKey(key);
    return claimSlot(this.db, job, slot, this.owner, ttlMs);
  }

  /** Called by the scheduler inside the job's own promise, so `stop()` can wait for it too. */
  finish(job: string, slot: Date): Promise<void> {
    return finishSlot(this.db, job, slot, this.owner);
  }
}

function parseKey(key: string): { job: string; slot: Date } {
  const at = key.indexOf(':');
  const slot = new Date(key.slice(at + 1));
  if (at < 1 || Number.isNaN(slot.getTime())) throw new Error(`not a node-cron coordinator key: ${key}`);
  return { job: key.slice(0, at), slot };
}
