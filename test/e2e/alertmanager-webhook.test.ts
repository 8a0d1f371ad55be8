import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../src/sandbox/cluster-state.ts';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { TcpProxy, viaProxy } from '../helpers/tcp-proxy.ts';
import { openTestDb, TEST_DATABASE_URL, type TestDb } from '../helpers/test-db.ts';
import { waitFor } from '../helpers/wait-for.ts';

const TOKEN = 'am-webhook-token';
const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/alertmanager/${name}.json`, import.meta.url), 'utf8'));

/** The demo incident as kube-prometheus would alert on it: the crash-looping cart pod in `shop`. */
function cartAlert(pod: string, status: 'firing' | 'resolved') {
  const p = fixture('crashloop-firing');
  p.groupKey = '{}:{alertname="KubePodCrashLooping", namespace="shop"}';
  p.status = status;
  p.groupLabels = { alertname: 'KubePodCrashLooping', namespace: 'shop' };
  p.commonLabels = { ...p.commonLabels, namespace: 'shop', container: 'cart' };
  p.alerts = [
    {
      ...p.alerts[0],
      status,
      labels: { ...p.alerts[0].labels, namespace: 'shop', pod, container: 'cart' },
      fingerprint: undefined,
      ...(status === 'resolved' ? { endsAt: new Date().toISOString() } : {}),
    },
  ];
  return p;
}

describe('Alertmanager → claw serve over real HTTP', () => {
  const h = useSlackApp({
    secret: 'e2e-signing-secret',
    clawYaml: 'slack:\n  alertChannel: C0ALERTS\napprovals:\n  approvers: [U0APPROVER1]\n',
    env: { ALERTMANAGER_TOKEN: TOKEN },
    server: { alerts: { pollMs: 100, holdMs: 100 } },
  });
  const hook = () => `${h.app.url}/webhooks/alertmanager`;
  const send = (body: unknown, auth = `Bearer ${TOKEN}`) =>
    fetch(hook(), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: auth },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const groups = () => h.app.runtime.store.db.selectFrom('alert_groups').selectAll().execute();

  it('refuses bad credentials with 401, malformed bodies with 400 naming the problem, oversized ones with 413; stores nothing', async () => {
    const body = fixture('crashloop-firing');
    expect((await send(body, '')).status).toBe(401);
    expect((await send(body, 'Bearer wrong')).status).toBe(401);
    expect((await send(body, `Bearer ${TOKEN}x`)).status).toBe(401);
    expect((await send(body, `Basic ${Buffer.from('am:wrong').toString('base64')}`)).status).toBe(401);
    const notJson = await send('{"version": "4", ');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: string }).error).toMatch(/^body is not JSON/);
    const wrong = await send({ ...body, alerts: [{ ...body.alerts[0], status: 'exploded' }] });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as { error: string }).error).toMatch(/alerts\[0\]\.status/);
    const big = {
      ...body,
      alerts: Array.from({ length: 9000 }, (_, i) => ({
        ...body.alerts[0],
        labels: { ...body.alerts[0].labels, pod: `p-${i}`, filler: 'x'.repeat(400) },
        fingerprint: undefined,
      })),
    };
    expect(JSON.stringify(big).length).toBeGreaterThan(4 * 1024 * 1024);
    expect((await send(big)).status).toBe(413);
    // Without a content-length (chunked), the limit still holds.
    const chunked = await fetch(hook(), {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: new Blob([JSON.stringify(big)]).stream(),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await fetch(hook(), { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    expect(await groups()).toEqual([]);
    // Basic auth with the token as password is accepted.
    expect((await send(body, `Basic ${Buffer.from(`alertmanager:${TOKEN}`).toString('base64')}`)).status).toBe(200);
  });

  it('opens a thread for the group, investigates the alert into a proposal, and posts the resolution there', async () => {
    const pod = h.sandbox.state.store.list(T.pod, 'shop').find((p) => p.metadata.name.startsWith('cart-'))!
      .metadata.name;
    const first = await send(cartAlert(pod, 'firing'));
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ status: 'accepted', changed: true });
    // A clustered Alertmanager's duplicate and a repeat are accepted and change nothing.
    expect(await (await send(cartAlert(pod, 'firing'))).json()).toMatchObject({ changed: false });
    const root = await waitFor('the alert thread', () =>
      h.slack
        .callsTo('chat.postMessage')
        .find((c) => c.args.channel === 'C0ALERTS' && String(c.args.text).includes('shop')),
    );
    const ts = String(root.result!.ts);
    expect(root.args.text).toBe('FIRING: KubePodCrashLooping (1 firing) in shop');
    const card = await waitFor(
      'a proposal card in the alert thread',
      () =>
        h.slack
          .callsTo('chat.postMessage')
          .find((c) => c.args.thread_ts === ts && JSON.stringify(c.args.blocks ?? []).includes('claw_approve')),
      60_000,
    );
    expect(JSON.stringify(card.args.blocks)).toContain('cart');
    const task = await h.app.runtime.store.db
      .selectFrom('tasks')
      .selectAll()
      .where('source', '=', 'alert')
      .where('namespace', '=', 'shop')
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({ namespace: 'shop', slack_thread_ts: ts, requester: 'alertmanager:claw' });
    expect(task.alert!.objects).toEqual([{ kind: 'Pod', name: pod, namespace: 'shop' }]);

    expect((await send(cartAlert(pod, 'resolved'))).status).toBe(200);
    await waitFor('the resolution in the thread', () =>
      h.slack
        .callsTo('chat.postMessage')
        .find((c) => c.args.thread_ts === ts && String(c.args.text).includes('Resolved: every alert')),
    );
    await waitFor('the root marked resolved', () =>
      h.slack.callsTo('chat.update').find((c) => c.args.ts === ts && String(c.args.text).startsWith('RESOLVED')),
    );
    expect(
      h.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === 'C0ALERTS' && !c.args.thread_ts && String(c.args.text).includes('shop')),
    ).toHaveLength(1);
  }, 90_000);
});

describe.skipIf(!TEST_DATABASE_URL)('Alertmanager webhook while Postgres is unreachable', () => {
  let db: TestDb;
  let proxy: TcpProxy;
  const env: Record<string, string> = { ALERTMANAGER_TOKEN: TOKEN };
  beforeAll(async () => {
    db = await openTestDb('postgres');
    const u = new URL(db.url!);
    proxy = new TcpProxy({ host: u.hostname, port: Number(u.port) });
    await proxy.start();
    env.DATABASE_URL = viaProxy(db.url!, proxy);
  });
  afterAll(async () => {
    await proxy?.stop();
    await db?.close();
  });
  const h = useSlackApp({
    secret: 'e2e-signing-secret',
    clawYaml: 'slack:\n  alertChannel: C0ALERTS\n',
    env,
    server: { memoryStore: false, alerts: { pollMs: 100, holdMs: 100 } },
  });
  const send = (body: unknown) =>
    fetch(`${h.app.url}/webhooks/alertmanager`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
    });

  it('answers 503 so Alertmanager retries, then stores the retry with nothing lost or doubled', async () => {
    proxy.cut();
    const during = await send(fixture('pvc-filling-critical'));
    expect(during.status).toBe(503);
    expect(await during.json()).toEqual({ error: 'could not store the notification; retry' });
    proxy.restore();
    // Alertmanager retries the same notification; the pool reconnects.
    const retry = await waitFor(
      'a stored retry',
      async () => {
        const r = await send(fixture('pvc-filling-critical'));
        return r.status === 200 ? r : undefined;
      },
      20_000,
      200,
    );
    expect(await retry.json()).toMatchObject({ changed: true });
    expect(await (await send(fixture('pvc-filling-critical'))).json()).toMatchObject({ changed: false });
    const alerts = await db.db.selectFrom('alerts').select(['fingerprint', 'status']).execute();
    expect(alerts).toEqual([{ fingerprint: '20d64780a7eaf0ef', status: 'firing' }]);
    await waitFor('one thread for the group', () =>
      h.slack
        .callsTo('chat.postMessage')
        .find((c) => String(c.args.text).startsWith('FIRING: KubePersistentVolumeFillingUp')),
    );
    expect(
      h.slack
        .callsTo('chat.postMessage')
        .filter((c) => String(c.args.text).startsWith('FIRING: KubePersistentVolumeFillingUp')),
    ).toHaveLength(1);
  }, 60_000);
});
