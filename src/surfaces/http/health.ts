import type { IncomingMessage, ServerResponse } from 'node:http';
import { sql } from 'kysely';
import type { Runtime } from '../../runtime.ts';
import { pendingMigrations } from '../../store/migrate.ts';
import { type SlackAuthCheck, slackReady } from '../slack/slack-auth-check.ts';

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** `/healthz`: the process is up and serving. */
export function healthz(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/**
 * `/readyz`: 200 when every dependency is usable (database reachable, migrations applied, the Slack
 * token accepted, a kubeconfig), otherwise 503 naming what is missing.
 */
export async function readyz(rt: Runtime, slack: SlackAuthCheck | undefined, res: ServerResponse): Promise<void> {
  const checks: Record<string, string> = {};
  try {
    await sql`select 1`.execute(rt.store.db);
    checks.database = 'ok';
    const pending = await pendingMigrations(rt.store.db);
    checks.migrations = pending.length ? `pending: ${pending.join(', ')}` : 'ok';
  } catch (e) {
    checks.database = `unreachable: ${(e as Error).message}`;
  }
  checks.slack = slack ? await slack.status() : 'missing: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET';
  try {
    rt.kubeConfigFor('default');
    checks.kubernetes = 'ok';
  } catch (e) {
    checks.kubernetes = `missing: ${(e as Error).message}`;
  }
  const ready = Object.entries(checks).every(([k, v]) => v === 'ok' || (k === 'slack' && slackReady(v)));
  sendJson(res, ready ? 200 : 503, { ready, checks });
}
