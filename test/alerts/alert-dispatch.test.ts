import { readFileSync } from 'node:fs';
import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AlertDispatcher } from '../../src/alerts/alert-dispatcher.ts';
import { ingestNotification } from '../../src/alerts/ingest.ts';
import type { Config } from '../../src/config/config.ts';
import { parsePayload } from '../../src/domain/alertmanager-payload.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { slackAlertNotifier } from '../../src/surfaces/slack/alert-notifier.ts';
import { SlackOutbox } from '../../src/surfaces/slack/outbox.ts';
import { FakeSlack } from '../fakes/fake-slack.ts';
import { testConfig } from '../helpers/proposal-fixture.ts';
import { BACKENDS, openTestDb, type TestDb } from '../helpers/test-db.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/alertmanager/${name}.json`, import.meta.url), 'utf8'));
const logger = createLogger('silent');

function config(alerts: Partial<Config['alerts']> = {}): Config {
  const base = testConfig([]);
  return {
    ...base,
    alerts: {
      ...base.alerts,
      defaultChannel: 'C0ALERTS',
      routes: [
        { matchers: ['severity="critical"'], channel: 'C0CRIT' },
        { matchers: ['alertname="Watchdog"'], mute: true },
      ],
      ...alerts,
    },
  };
}

/** A crash-loop group of its own: `name` becomes the namespace, so the groupKey differs. */
function group(name: string, status: 'firing' | 'resolved' = 'firing', startsAt = '2026-08-20T09:14:07.512Z') {
  const p = fixture('crashloop-firing');
  p.groupKey = `{}:{alertname="KubePodCrashLooping", namespace="${name}"}`;
  p.groupLabels.namespace = name;
  p.commonLabels.namespace = name;
  p.status = status;
  for (const a of p.alerts) {
    a.labels.namespace = name;
    a.status = status;
    a.startsAt = startsAt;
    a.endsAt = status === 'resolved' ? '2026-08-20T09:41:07.512Z' : '0001-01-01T00:00:00Z';
    delete a.fingerprint;
  }
  return p;
}

describe.each(BACKENDS)('alert groups → Slack threads and investigations on %s', (backend) => {
  let t: TestDb;
  let slack: FakeSlack;
  const posts = (channel: string, top = true) =>
    slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === channel && c.result?.ok && !c.args.thread_ts === top);
  const replies = (channel: string, ts: string) =>
    slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === channel && c.args.thread_ts === ts && c.result?.ok)
      .map((c) => String(c.args.text));
  const dispatcher = (cfg: Config, owner = 'test') => {
    const client = new webApi.WebClient('xoxb-test', {
      slackApiUrl: slack.url,
      retryConfig: { retries: 0 },
      rejectRateLimitedCalls: true,
    });
    const outbox = new SlackOutbox({ logger, pace: { burst: 1000, perSecond: 1000 } });
    return new AlertDispatcher({
      db: t.db,
      config: cfg,
      logger,
      owner,
      holdMs: 0,
      notifier: slackAlertNotifier({ client, outbox, clusterName: (c) => c }),
    });
  };
  const ingest = (cfg: Config, body: unknown) =>
    ingestNotification(t.db, cfg.alerts, parsePayload(body), () => undefined);
  const tasks = () => t.db.selectFrom('tasks').selectAll().orderBy('created_at').execute();

  beforeAll(async () => {
    t = await openTestDb(backend);
    slack = new FakeSlack();
    await slack.start();
  });
  afterAll(async () => {
    await slack.stop();
    await t.close();
  });
  beforeEach(async () => {
    await t.truncate();
    slack.calls.length = 0;
  });

  it('first, repeat, separate group, resolved: one thread per group, one investigation each, the resolution in the thread', async () => {
    const cfg = config();
    const d = dispatcher(cfg);
    expect(await ingest(cfg, fixture('crashloop-firing'))).toMatchObject({ created: true, changed: true, fired: 2 });
    await d.pass();
    const [root] = posts('C0ALERTS');
    expect(root!.args.text).toBe('FIRING: KubePodCrashLooping (2 firing) in payments');
    expect(JSON.stringify(root!.args.blocks)).toContain(
      'runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodcrashlooping|Runbook',
    );
    expect(JSON.stringify(root!.args.blocks)).toContain('/#/silences/new?filter=');
    const ts = String(root!.result!.ts);
    const [task] = await tasks();
    expect(task).toMatchObject({
      source: 'alert',
      requester: 'alertmanager:claw',
      namespace: 'payments',
      slack_channel: 'C0ALERTS',
      slack_thread_ts: ts,
      alert_group_key: fixture('crashloop-firing').groupKey,
    });
    expect(task!.alert!.categories).toContain('crash_loop');

    // The repeat (repeat_interval) changes nothing and says nothing.
    expect(await ingest(cfg, fixture('crashloop-repeat'))).toMatchObject({ created: false, changed: false });
    const calls = slack.calls.length;
    await d.pass();
    expect(slack.calls.length).toBe(calls);

    // Another group (critical → its route's channel) gets its own thread and investigation.
    await ingest(cfg, fixture('pvc-filling-critical'));
    await d.pass();
    expect(posts('C0CRIT')).toHaveLength(1);
    expect(posts('C0ALERTS')).toHaveLength(1);
    expect(await tasks()).toHaveLength(2);

    // Resolved: the root says so, the thread says so, and the queued investigation is stopped.
    expect(await ingest(cfg, fixture('crashloop-resolved'))).toMatchObject({ changed: true, resolved: 2 });
    await d.pass();
    const update = slack
      .callsTo('chat.update')
      .filter((c) => c.args.ts === ts)
      .at(-1)!;
    expect(update.args.text).toBe('RESOLVED: KubePodCrashLooping (0 firing) in payments');
    // One message for what changed: the resolution, and what it meant for the investigation.
    expect(replies('C0ALERTS', ts)).toEqual([
      expect.stringMatching(
        /^:white_check_mark: Resolved: every alert in this group has ended.*\n:information_source: Stopping the investigation \(run_\w+\): every alert resolved/,
      ),
    ]);
    const run = await t.db.selectFrom('runs').selectAll().where('task_id', '=', task!.id).executeTakeFirstOrThrow();
    expect(run.status).toBe('cancelled');
    expect(posts('C0ALERTS')).toHaveLength(1);
    const stored = await t.db.selectFrom('alerts').select(['fingerprint', 'status']).orderBy('fingerprint').execute();
    expect(stored).toEqual([
      { fingerprint: '20d64780a7eaf0ef', status: 'firing' },
      { fingerprint: '40a8e9b69a14ce3c', status: 'resolved' },
      { fingerprint: 'e789a71be1e7f45c', status: 'resolved' },
    ]);
  });

  it('a flap re-opens the same thread; it is investigated again only after reinvestigateAfterMinutes, or when the last one was stopped', async () => {
    for (const [minutes, expectTasks, concluded] of [
      [30, 1, true],
      [0, 2, true],
      [30, 2, false],
    ] as const) {
      await t.truncate();
      const cfg = config({ reinvestigateAfterMinutes: minutes });
      const d = dispatcher(cfg);
      await ingest(cfg, group('flappy'));
      await d.pass();
      // No supervisor runs here: a concluded investigation is one that finished before the alert resolved.
      if (concluded)
        await t.db.updateTable('runs').set({ status: 'succeeded', summary: 'cart crash-looped' }).execute();
      await ingest(cfg, group('flappy', 'resolved'));
      await d.pass();
      await ingest(cfg, group('flappy', 'firing', '2026-08-20T10:00:00Z'));
      await d.pass();
      const roots = posts('C0ALERTS');
      const ts = String(roots.at(-1)!.result!.ts);
      const thread = replies('C0ALERTS', ts);
      expect(thread.some((x) => x.startsWith(':repeat: :fire: Firing again: pod=payments-api'))).toBe(true);
      const all = await tasks();
      expect(all).toHaveLength(expectTasks);
      if (expectTasks === 1)
        expect(thread.at(-1)).toMatch(/Not investigating again: the last investigation started 0 min ago/);
      else
        expect(all[1]).toMatchObject({
          parent_task_id: all[0]!.id,
          slack_thread_ts: ts,
          context: concluded ? 'cart crash-looped' : 'The same alerts fired before and resolved.',
        });
      const group_ = await t.db.selectFrom('alert_groups').selectAll().executeTakeFirstOrThrow();
      expect(group_).toMatchObject({ status: 'firing', firing: 2, resolved: 0 });
      slack.calls.length = 0;
    }
  });

  it('ingest tells new, repeated, resolved, late-duplicate and re-fired alerts apart', async () => {
    const cfg = config();
    expect(await ingest(cfg, group('delta'))).toMatchObject({ created: true, changed: true, fired: 2 });
    expect(await ingest(cfg, group('delta'))).toMatchObject({ created: false, changed: false });
    expect(await ingest(cfg, group('delta', 'resolved'))).toMatchObject({ changed: true, resolved: 2 });
    // A clustered peer's late copy of the old firing notification (same start) changes nothing.
    expect(await ingest(cfg, group('delta'))).toMatchObject({ changed: false, refired: 0 });
    expect(await ingest(cfg, group('delta', 'firing', '2026-08-20T10:00:00Z'))).toMatchObject({
      changed: true,
      refired: 2,
    });
    const g = await t.db.selectFrom('alert_groups').selectAll().executeTakeFirstOrThrow();
    expect(g).toMatchObject({ status: 'firing', firing: 2, resolved: 0, notifications: 5 });
    const notes = await t.db.selectFrom('alert_group_notes').select(['kind']).orderBy('id').execute();
    expect(notes.map((n) => n.kind)).toEqual(['resolved', 'refired']);
  });

  it('racing dispatchers and duplicate deliveries still open each thread and investigation once', async () => {
    const cfg = config();
    const names = Array.from({ length: 8 }, (_, i) => `race-${i}`);
    // Clustered Alertmanagers deliver each notification twice, concurrently.
    await Promise.all(names.flatMap((n) => [ingest(cfg, group(n)), ingest(cfg, group(n))]));
    expect(
      await t.db
        .selectFrom('alerts')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .executeTakeFirstOrThrow(),
    ).toEqual({ n: backend === 'postgres' ? '16' : 16 });
    await Promise.all([dispatcher(cfg, 'a').pass(), dispatcher(cfg, 'b').pass(), dispatcher(cfg, 'c').pass()]);
    expect(posts('C0ALERTS')).toHaveLength(8);
    expect(await tasks()).toHaveLength(8);
    const groups = await t.db.selectFrom('alert_groups').select(['firing', 'notifications']).execute();
    expect(groups.every((g) => g.firing === 2 && g.notifications === 2)).toBe(true);
  });

  it('a storm folds groups past the threshold into one digest with one investigation, kept current', async () => {
    const cfg = config({ digest: { threshold: 3, windowSeconds: 60, idleMinutes: 5 } });
    const d = dispatcher(cfg);
    for (let i = 0; i < 8; i++) await ingest(cfg, group(`storm-${i}`));
    await d.pass();
    const top = posts('C0ALERTS');
    expect(top).toHaveLength(4);
    const digest = top.find((c) => String(c.args.text).startsWith('Alert storm'))!;
    expect(digest.args.text).toBe('Alert storm: 5 alert groups (5 firing)');
    const all = await tasks();
    expect(all).toHaveLength(4);
    expect(all.filter((x) => x.requester === 'alertmanager:storm')).toEqual([
      expect.objectContaining({ slack_thread_ts: String(digest.result!.ts), namespace: null }),
    ]);
    // A digested group resolving edits the digest; it never gets a thread of its own.
    const digested = await t.db
      .selectFrom('alert_groups')
      .select('group_key')
      .where('digest_id', 'is not', null)
      .orderBy('id')
      .executeTakeFirstOrThrow();
    const ns = /namespace="([^"]+)"/.exec(digested.group_key)![1]!;
    await ingest(cfg, group(ns, 'resolved'));
    await d.pass();
    const edits = slack.callsTo('chat.update').filter((c) => c.args.ts === digest.result!.ts);
    expect(edits.at(-1)!.args.text).toBe('Alert storm: 5 alert groups (4 firing)');
    expect(posts('C0ALERTS')).toHaveLength(4);
    expect(posts('C0ALERTS', false).filter((c) => c.args.thread_ts === digest.result!.ts)).toHaveLength(0);
  });

  it('a channel that refuses the bot is given up on loudly; the group is stored and still investigated; a muted group says nothing', async () => {
    const cfg = config({ defaultChannel: 'C0NOPE' });
    slack.notInChannel.add('C0NOPE');
    const d = dispatcher(cfg);
    await ingest(cfg, group('lonely'));
    await ingest(cfg, {
      ...fixture('crashloop-firing'),
      groupKey: '{}:{alertname="Watchdog"}',
      groupLabels: { alertname: 'Watchdog' },
      commonLabels: { alertname: 'Watchdog' },
      alerts: [{ ...fixture('crashloop-firing').alerts[0], labels: { alertname: 'Watchdog' }, fingerprint: undefined }],
    });
    await d.pass();
    await d.pass();
    expect(slack.callsTo('chat.postMessage').map((c) => c.args.channel)).toEqual(['C0NOPE']);
    const groups = await t.db
      .selectFrom('alert_groups')
      .select(['slack_error', 'muted', 'task_id', 'version', 'synced_version'])
      .orderBy('id')
      .execute();
    expect(groups[0]).toMatchObject({ slack_error: 'Slack refused (not_in_channel) in channel C0NOPE', muted: false });
    expect(groups[0]!.task_id).toBeTruthy();
    expect(groups[1]).toMatchObject({ muted: true, task_id: null });
    expect(groups.every((g) => g.synced_version === g.version)).toBe(true);
    expect((await tasks())[0]).toMatchObject({ slack_thread_ts: null });
    slack.notInChannel.clear();
  });
});
