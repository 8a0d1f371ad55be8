import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { IngestQueue } from '../../../src/alerts/ingest-queue.ts';
import { QueueFull } from '../../../src/domain/errors.ts';
import { createLogger } from '../../../src/observability/logger.ts';
import { testConfig } from '../../helpers/proposal-fixture.ts';
import { useSlackApp } from '../../helpers/slack-app-harness.ts';
import { openTestDb } from '../../helpers/test-db.ts';

const TOKEN = 'edge-webhook-token';

/**
 * Starts a request whose body never ends (chunked, one chunk written) and resolves with the
 * response: a server that reads bodies before checking credentials never answers it.
 */
function endlessPost(
  url: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, url),
      { method: 'POST', headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.write('{"receiver":"x", "padding":"');
    req.write('a'.repeat(64 * 1024));
    setTimeout(() => reject(new Error('no answer: the server is reading a body it should have refused')), 5000).unref();
  });
}

describe('HTTP edges: refused before the body is read, capped while read', () => {
  const h = useSlackApp({
    secret: 'edge-signing-secret',
    clawYaml: 'approvals:\n  approvers: [U0APPROVER1]\n',
    env: { ALERTMANAGER_TOKEN: TOKEN, METRICS_TOKEN: 'scrape-token' },
  });

  it('an unauthenticated webhook gets 401 without its (endless) body being read', async () => {
    const r = await endlessPost(h.app.url, '/webhooks/alertmanager', { authorization: 'Bearer wrong' });
    expect(r.status).toBe(401);
    expect(r.headers.connection).toBe('close');
  });

  it('/slack/events without Slack signature headers, or with a stale timestamp, gets 401 unread; without a length, 411', async () => {
    expect((await endlessPost(h.app.url, '/slack/events', {})).status).toBe(401);
    const stale = await endlessPost(h.app.url, '/slack/events', {
      'x-slack-signature': 'v0=00',
      'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000) - 3600),
    });
    expect(stale).toMatchObject({ status: 401, body: expect.stringContaining('stale') });
    const chunked = await endlessPost(h.app.url, '/slack/events', {
      'x-slack-signature': 'v0=00',
      'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
    });
    expect(chunked.status).toBe(411);
  });

  it('/metrics requires METRICS_TOKEN when set; /readyz names what is missing without internals', async () => {
    expect((await fetch(`${h.app.url}/metrics`)).status).toBe(401);
    const scraped = await fetch(`${h.app.url}/metrics`, { headers: { authorization: 'Bearer scrape-token' } });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('claw_runs_total');
    const ready = (await (await fetch(`${h.app.url}/readyz`)).json()) as { checks: Record<string, string> };
    expect(Object.values(ready.checks).join(' ')).not.toMatch(/\/|ECONN|Error/);
  });
});

describe('the ingest queue is bounded', () => {
  it('refuses with QueueFull past maxPending, so the webhook answers 503 + Retry-After instead of growing without end', async () => {
    const t = await openTestDb('pglite');
    try {
      const queue = new IngestQueue({
        db: t.db,
        routing: testConfig([]).alerts,
        logger: createLogger('silent'),
        clusterOf: () => undefined,
        maxPending: 3,
      });
      const payload = (i: number) => ({
        version: '4',
        receiver: 'r',
        status: 'firing',
        groupKey: `{}:{alertname="A${i}"}`,
        groupLabels: { alertname: `A${i}` },
        commonLabels: { alertname: `A${i}` },
        commonAnnotations: {},
        externalURL: 'http://am',
        truncatedAlerts: 0,
        alerts: [
          {
            status: 'firing',
            labels: { alertname: `A${i}` },
            annotations: {},
            startsAt: new Date().toISOString(),
            endsAt: '0001-01-01T00:00:00Z',
            generatorURL: '',
            fingerprint: `f${i}`,
          },
        ],
      });
      const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => queue.submit(payload(i) as never)));
      const refused = results.filter((r) => r.status === 'rejected');
      expect(refused.length).toBeGreaterThan(0);
      for (const r of refused) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(QueueFull);
      expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThanOrEqual(3);
    } finally {
      await t.close();
    }
  });
});
