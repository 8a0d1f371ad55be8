import type { IncomingMessage, ServerResponse } from 'node:http';
import { sql } from 'kysely';
import type { Runtime } from '../../runtime.ts';
import { pendingMigrations } from '../../store/migrate.ts';

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** `/healthz`: the process is up and serving. */
export function healthz(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** `/readyz`: 200 when every dependency is usable, otherwise 503 naming what is missing. */
export async function readyz(rt: Runtime, slackConfigured: boolean, res: ServerResponse): Promise<void> {
  const checks: Record<string, string> = {};
  try {
    await sql`select 1`.execute(rt.store.db);
    checks.database = 'ok';
    const pending = await pendingMigrations(rt.store.db);
    checks.migrations = pending.length ? `pending: ${pending.join(', ')}` : 'ok';
  } catch (e) {
    checks.database = `unreachable: ${(e as Error).message}`;
  }
  checks.slack = slackConfigured ? 'ok' : 'missing: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET';
  try {
    rt.kubeConfigFor('default');
    checks.kubernetes = 'ok';
  } catch (e) {
    checks.kubernetes = `missing: ${(e as Error).message}`;
  }
  const ready = Object.values(checks).every((v) => v === 'ok');
  sendJson(res, ready ? 200 : 503, { ready, checks });
}
