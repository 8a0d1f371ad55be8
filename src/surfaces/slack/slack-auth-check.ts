import type { webApi } from '@slack/bolt';

/** Slack's answers meaning the token itself is bad: no retry will fix them, a human must. */
const BAD_TOKEN = new Set([
  'invalid_auth',
  'not_authed',
  'token_revoked',
  'token_expired',
  'account_inactive',
  'no_permission',
  'missing_scope',
  'team_access_not_granted',
]);

/**
 * Readiness' Slack check: `auth.test` with the bot token, at most once per `everyMs` (probes come
 * every few seconds from every kubelet; Slack's Tier-4 limit is shared with real work). A bad
 * token makes the replica unready. Slack being unreachable or erroring does not: every replica
 * would drop out together and alerts and approvals would be refused for an outage they can ride
 * out (posts are retried from the store), so that case reads `unverified: …` and stays ready.
 */
export class SlackAuthCheck {
  private last?: { at: number; status: string };
  private inFlight?: Promise<string>;
  private readonly client: webApi.WebClient;
  private readonly everyMs: number;

  constructor(client: webApi.WebClient, everyMs = 60_000) {
    this.client = client;
    this.everyMs = everyMs;
  }

  async status(now = Date.now()): Promise<string> {
    if (this.last && now - this.last.at < this.everyMs) return this.last.status;
    this.inFlight ??= this.check().then((status) => {
      this.last = { at: Date.now(), status };
      this.inFlight = undefined;
      return status;
    });
    return this.inFlight;
  }

  private async check(): Promise<string> {
    try {
      const r = await this.client.auth.test();
      return r.ok ? 'ok' : `failed: ${r.error}`;
    } catch (e) {
      const error = (e as { data?: { error?: string } }).data?.error;
      if (error && BAD_TOKEN.has(error)) return `failed: ${error}`;
      // Slack's own error code is safe to show; a transport error's text (hosts, proxies) is not.
      return `unverified: ${error ?? 'Slack did not answer'}`;
    }
  }
}

/** Whether a check's status lets the replica take traffic. */
export function slackReady(status: string): boolean {
  return status === 'ok' || status.startsWith('unverified:');
}
