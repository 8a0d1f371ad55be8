import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { RunEvent } from './schema.ts';

export interface NewRunEvent {
  type: string;
  data: Record<string, unknown>;
}

/**
 * Appends events after the run's last sequence number in one statement (one round trip: a busy
 * supervisor persists thousands of batches). One attempt holds a run at a time, and the primary
 * key refuses a sequence number taken twice.
 */
export async function appendRunEvents(db: Db, runId: string, events: NewRunEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  const rows = await sql<{ seq: number }>`
    insert into run_events (run_id, seq, type, data)
    select ${runId}, coalesce((select max(seq) from run_events where run_id = ${runId}), 0) + e.ord, e.type, e.data
    from jsonb_to_recordset(${JSON.stringify(events.map((e, i) => ({ ord: i + 1, type: e.type, data: e.data })))}::jsonb)
      as e(ord int, type text, data jsonb)
    order by e.ord
    returning seq`.execute(db);
  return rows.rows.map((r) => r.seq).sort((a, b) => a - b);
}

export async function listRunEvents(db: Db, runId: string): Promise<RunEvent[]> {
  return db.selectFrom('run_events').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
}
