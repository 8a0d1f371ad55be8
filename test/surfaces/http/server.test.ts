import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { type RunningServer, startServer } from '../../../src/surfaces/http/server.ts';
import { CLAW } from '../../helpers/cli.ts';
import { waitFor } from '../../helpers/wait-for.ts';

describe('claw serve with nothing configured', () => {
  let app: RunningServer;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-serve-'));
    app = await startServer(
      loadConfig({ PORT: '0', KUBECONFIG: join(dir, 'missing-kubeconfig'), LOG_LEVEL: 'silent' }, dir),
      { memoryStore: true },
    );
  });
  afterAll(() => app.stop());

  it('is healthy as soon as it listens', async () => {
    const res = await fetch(`${app.url}/healthz`);
    expect(res.status).toBe(200);
  });

  it('is not ready, and says what is missing', async () => {
    const res = await fetch(`${app.url}/readyz`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as { checks: Record<string, string> };
    expect(body.checks.database).toBe('ok');
    expect(body.checks.migrations).toBe('ok');
    expect(body.checks.slack).toContain('SLACK_BOT_TOKEN');
    expect(body.checks.kubernetes).toContain('missing');
  });

  it('answers Slack requests with 503 until Slack is configured, and unknown routes with 404', async () => {
    expect((await fetch(`${app.url}/slack/events`, { method: 'POST', body: 'x' })).status).toBe(503);
    expect((await fetch(`${app.url}/nope`)).status).toBe(404);
  });
});

describe('claw serve output', () => {
  it('is JSON lines only, the Slack SDKs included (a failed call, a forged signature), and it stops on SIGTERM while Slack is unreachable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'claw-serve-out-'));
    const child = spawn(process.execPath, [CLAW, 'serve'], {
      env: {
        PATH: process.env.PATH,
        PORT: '0',
        CLAW_DATA_DIR: join(dir, 'data'),
        KUBECONFIG: join(dir, 'missing-kubeconfig'),
        SLACK_BOT_TOKEN: 'xoxb-test',
        SLACK_SIGNING_SECRET: 'serve-out-secret',
        // Nothing listens there: the SDK's calls fail, and it logs that.
        SLACK_API_URL: 'http://127.0.0.1:1/api/',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    try {
      const listening = await waitFor('claw serve listening', () => /"port":(\d+).*"claw serve listening"/.exec(out));
      const body = 'command=%2Fclaw&text=hi';
      const res = await fetch(`http://127.0.0.1:${listening[1]}/slack/events`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
          'x-slack-signature': 'v0=forged',
        },
      });
      expect(res.status).toBe(401);
      await waitFor('the SDK to log the failed call', () => out.includes('http request failed'), 20_000);
      await waitFor('the SDK to log the forged signature', () => out.includes('signature mismatch'), 20_000);
    } finally {
      // It stops on SIGTERM although the Slack client is still retrying its unreachable API.
      const closed = new Promise((r) => child.once('close', r));
      child.kill('SIGTERM');
      await closed;
      await rm(dir, { recursive: true, force: true });
    }
    const lines = out.split('\n').filter((l) => l.trim());
    const notJson = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(lines.some((l) => l.includes('"component":"bolt"'))).toBe(true);
  }, 60_000);
});
