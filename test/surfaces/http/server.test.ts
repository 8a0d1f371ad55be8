import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { type RunningServer, startServer } from '../../../src/surfaces/http/server.ts';

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
