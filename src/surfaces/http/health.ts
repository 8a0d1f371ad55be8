import type { IncomingMessage, ServerResponse } from 'node:http';
import { sql } from 'kysely';
import type { Runtime } from '../../runtime.ts';
import { maybeSignerOf } from '../../store/db.ts';
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
 * `/readyz`: 200 when every dependency is usable (database reachable, migrations applied, the
 * signing key, the Slack token accepted, a kubeconfig), otherwise 503 naming what is missing. The
 * answer is for anyone who can reach the port: it names what is missing, never an error's text
 * (a database error can carry hosts and user names); the log has the details.
 */
export async function readyz(rt: Runtime, slack: SlackAuthCheck | undefined, res: ServerResponse): Promise<void> {
  const checks: Record<string, string> = {};
  try {
    await sql`select 1`.execute(rt.store.db);
    checks.database = 'ok';
    const pending = await pendingMigrations(rt.store.db);
    checks.migrations = pending.length ? `pending: ${pending.length} migration(s); run claw migrate or restart` : 'ok';
  } catch (e) {
    rt.logger.warn({ err: (e as Error).message }, 'readiness: the database is unreachable');
    checks.database = 'unreachable';
  }
  checks.signing = maybeSignerOf(rt.store.db)
    ? 'ok'
    : 'missing: set CLAW_SIGNING_KEY (a shared store signs approvals and the audit log with it)';
  checks.slack = slack ? await slack.status() : 'missing: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET';
  try {
    rt.kubeConfigFor('default');
    checks.kubernetes = 'ok';
  } catch (e) {
    rt.logger.warn({ err: (e as Error).message }, 'readiness: no kubeconfig');
    checks.kubernetes = 'missing: no kubeconfig (KUBECONFIG, ~/.kube/config, or the in-cluster service account)';
  }
  const ready = Object.entries(checks).every(([k, v]) => v === 'ok' || (k === 'slack' && slackReady(v)));
  sendJson(res, ready ? 200 : 503, { ready, checks });
}
