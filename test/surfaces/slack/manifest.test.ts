import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** The scope each Web API method we call needs (docs.slack.dev/reference/methods). */
const SCOPE_OF: Record<string, string | null> = {
  'chat.postMessage': 'chat:write',
  'chat.update': 'chat:write',
  'chat.postEphemeral': 'chat:write',
  'chat.startStream': 'chat:write',
  'chat.appendStream': 'chat:write',
  'chat.stopStream': 'chat:write',
  'usergroups.users.list': 'usergroups:read',
  'views.open': null,
  'views.publish': null,
  'views.update': null,
  'auth.test': null,
};

async function slackSources(): Promise<string> {
  const dir = join(ROOT, 'src', 'surfaces', 'slack');
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.ts'));
  return (
    (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n') +
    (await readFile(join(ROOT, 'src', 'surfaces', 'http', 'server.ts'), 'utf8'))
  );
}

describe('the Slack app manifest matches what the code does', async () => {
  const manifest = parse(await readFile(join(ROOT, 'manifests', 'slack-app.yaml'), 'utf8'));
  const code = await slackSources();

  it('subscribes to exactly the events the app listens to, and registers /claw', () => {
    const listened = [...code.matchAll(/app\.event\('([a-z_]+)'/g)].map((m) => m[1]).sort();
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(listened);
    const commands = [...code.matchAll(/app\.command\('([^']+)'/g)].map((m) => m[1]);
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual(commands);
  });

  it('asks for the scope of every Web API method the code calls, and no more', () => {
    const methods = [
      ...new Set(
        [...code.matchAll(/client\.(chat|views|usergroups|auth)\.([a-zA-Z.]+?)\(/g)].map((m) => `${m[1]}.${m[2]}`),
      ),
    ];
    expect(methods.length).toBeGreaterThan(4);
    for (const m of methods) expect(SCOPE_OF, `add ${m} to SCOPE_OF`).toHaveProperty([m]);
    const needed = new Set(methods.map((m) => SCOPE_OF[m]).filter(Boolean));
    if (code.includes("app.event('app_mention'")) needed.add('app_mentions:read');
    if (code.includes('app.command(')) needed.add('commands');
    expect(new Set(manifest.oauth_config.scopes.bot)).toEqual(needed);
  });

  it('points commands, events and interactivity at the one endpoint, with the Home tab on', () => {
    const urls = [
      manifest.settings.event_subscriptions.request_url,
      manifest.settings.interactivity.request_url,
      ...manifest.features.slash_commands.map((c: { url: string }) => c.url),
    ];
    for (const url of urls) expect(new URL(url).pathname).toBe('/slack/events');
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
  });
});
