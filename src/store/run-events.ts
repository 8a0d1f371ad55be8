import { sql } from 'kysely';
import type { Db } from './db.ts';
import type { RunEvent } from './schema.ts';

export interface NewRunEvent {
  type: string;
  data: Record<string, unknown>;
}

/** Appends events after the run's last sequence number, in one statement. */
export async function appendRunEvents(db: Db, runId: string, events: NewRunEvent[]): Promise<number[]> {
  if (events.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const last = await sql<{ max: number | null }>`select max(seq)::int as max from run_events where run_id = ${runId}`.execute(trx);
    const base = last.rows[0]?.max ?? 0;
    const rows = events.map((e, i) => ({ run_id: runId, seq: base + i + 1, type: e.type, data: JSON.stringify(e.data) }));
    await trx.insertInto('run_events').values(rows).execute();
    return rows.map((r) => r.seq);
  });
}

export async function listRunEvents(db: Db, runId: string): Promise<RunEvent[]> {
  return db.selectFrom('run_events').selectAll().where('run_id', '=', runId).orderBy('seq').execute();
}
