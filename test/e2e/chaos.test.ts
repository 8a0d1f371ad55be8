import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { openStore, type StoreHandle } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { FakeSlack } from '../fakes/fake-slack.ts';
import {
  CHAOS_CLAW_YAML,
  CHAOS_SECRET,
  incidentRound,
  incidentSeed,
  type KillPoint,
  seededRandom,
  type World,
} from '../helpers/chaos.ts';
import { ReplicaSet } from '../helpers/replicas.ts';
import { eventCallback, postEvent } from '../helpers/slack-requests.ts';
import { openTestDb, TEST_DATABASE_URL, TEST_SIGNING_KEY, type TestDb } from '../helpers/test-db.ts';
import { type ThrowawayPostgres, throwawayPostgres } from '../helpers/throwaway-postgres.ts';
import { waitFor } from '../helpers/wait-for.ts';

const AM_TOKEN = 'chaos-alertmanager-token';
const FIRING = JSON.parse(
  readFileSync(new URL('../fixtures/alertmanager/crashloop-firing.json', import.meta.url), 'utf8'),
);

/** The sandbox with `incidents` crash-looping namespaces, the fake Slack, and `count` claw serve processes on `url`. */
async function world(
  url: string,
  count: number,
  incidents: number,
  seed: number,
): Promise<World & { dir: string; store: StoreHandle; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'claw-chaos-'));
  const sandbox: Sandbox = await startSandbox({
    stateYaml: incidentSeed(incidents),
    tickMs: 50,
    warmupSeconds: 30,
    kubeconfigPath: join(dir, 'kubeconfig'),
  });
  const slack = new FakeSlack();
  await slack.start();
  await writeFile(join(dir, 'claw.yaml'), `${CHAOS_CLAW_YAML}slack:\n  alertChannel: C0ALERTS\n`);
  const store = await openStore({
    databaseUrl: url,
    dataDir: '',
    signing: { key: TEST_SIGNING_KEY },
    onIdleError: () => {},
  });
  const replicas = await ReplicaSet.start(count, {
    DATABASE_URL: url,
    CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
    SLACK_BOT_TOKEN: 'xoxb-chaos',
    SLACK_SIGNING_SECRET: CHAOS_SECRET,
    SLACK_API_URL: slack.url,
    KUBECONFIG: join(dir, 'kubeconfig'),
    CLAW_CONFIG: join(dir, 'claw.yaml'),
    ALERTMANAGER_TOKEN: AM_TOKEN,
  });
  return {
    dir,
    store,
    slack,
    sandbox,
    replicas,
    db: store.db,
    rng: seededRandom(seed),
    async stop() {
      await replicas.stopAll();
      await store.close();
      await sandbox.stop();
      await slack.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** An Alertmanager notification for group `i` (namespace mon-i: no such workload, so no proposal). */
function notification(i: number): string {
  const labels = { ...FIRING.commonLabels, namespace: `mon-${i}` };
  return JSON.stringify({
    ...FIRING,
    groupLabels: { alertname: labels.alertname, namespace: labels.namespace },
    commonLabels: labels,
    groupKey: `{}/{severity=~"warning|critical"}:{alertname="KubePodCrashLooping", namespace="mon-${i}"}`,
    alerts: FIRING.alerts.map((a: { labels: Record<string, string> }) => ({
      ...a,
      labels: { ...a.labels, namespace: `mon-${i}`, pod: `api-${i}` },
      fingerprint: undefined,
    })),
  });
}

const failures = (rounds: { lost: boolean; writes: number; threads: number; tasks: number }[]) =>
  rounds.filter((r) => r.lost || r.writes !== 1 || r.threads !== 1 || r.tasks !== 1);

describe.skipIf(!TEST_DATABASE_URL)(
  'two replicas as one, under a storm and under SIGKILL (real PostgreSQL, child processes)',
  () => {
    let t: TestDb;
    let w: Awaited<ReturnType<typeof world>>;
    beforeAll(async () => {
      t = await openTestDb('postgres');
      w = await world(t.url!, 2, 10, 7);
    }, 120_000);
    afterAll(async () => {
      await w?.stop();
      await t?.close();
    });

    it('a storm of commands, double clicks, duplicated alerts and retried mentions across both: one thread, run and execution each', async () => {
      const incidents = Array.from({ length: 5 }, (_, i) => incidentRound(w, i, 'none', { doubleClick: true }));
      // An HA Alertmanager pair: each notification reaches both replicas at once.
      const alerts = Array.from({ length: 8 }, (_, i) =>
        Promise.all(
          w.replicas.ports.map((_, r) =>
            fetch(`${w.replicas.url(r)}/webhooks/alertmanager`, {
              method: 'POST',
              body: notification(i),
              headers: { authorization: `Bearer ${AM_TOKEN}`, 'content-type': 'application/json' },
            }),
          ),
        ),
      );
      // Slack retrying a mention event, the retry landing on the other replica.
      const mentions = Array.from({ length: 4 }, (_, i) => {
        const ts = `1700000900.00${i}100`;
        const body = eventCallback(
          {
            type: 'app_mention',
            user: 'U0ONCALL',
            text: `<@U0BOT> anything wrong in mon-${i}?`,
            ts,
            channel: `C0MENTION${i}`,
            event_ts: ts,
            team: 'T0001',
          },
          `Ev0CHAOS${i}`,
        );
        return Promise.all(
          w.replicas.ports.map((_, r) => postEvent(`${w.replicas.url(r)}/slack/events`, CHAOS_SECRET, body, r)),
        );
      });
      const [rounds, alertAnswers, mentionAnswers] = await Promise.all([
        Promise.all(incidents),
        Promise.all(alerts),
        Promise.all(mentions),
      ]);
      expect(alertAnswers.flat().map((r) => r.status)).toEqual(Array(16).fill(200));
      expect(mentionAnswers.flat().map((r) => r.status)).toEqual(Array(8).fill(200));
      expect(failures(rounds), JSON.stringify(rounds)).toEqual([]);
      expect(rounds.map((r) => r.proposal)).toEqual(Array(5).fill('executed'));

      const groups = await w.db.selectFrom('alert_groups').select(['id', 'thread_ts', 'task_id']).execute();
      expect(groups).toHaveLength(8);
      await waitFor(
        'every alert thread',
        async () =>
          (await w.db.selectFrom('alert_groups').select('id').where('thread_ts', 'is', null).execute()).length === 0,
        30_000,
      );
      const alertRoots = w.slack
        .callsTo('chat.postMessage')
        .filter((c) => c.args.channel === 'C0ALERTS' && !c.args.thread_ts);
      expect(alertRoots).toHaveLength(8);
      const alertTasks = await w.db.selectFrom('tasks').select('id').where('source', '=', 'alert').execute();
      expect(alertTasks).toHaveLength(8);
      const mentionTasks = await w.db
        .selectFrom('tasks')
        .select(['slack_channel', 'namespace'])
        .where('source', '=', 'mention')
        .orderBy('slack_channel')
        .execute();
      expect(mentionTasks.map((m) => m.slack_channel)).toEqual([
        'C0MENTION0',
        'C0MENTION1',
        'C0MENTION2',
        'C0MENTION3',
      ]);
      // Scoped to mon-i ("…in mon-0?"), so they propose nothing: a cluster-wide one would find the
      // shop-i crash loops and supersede a round's pending rollback, ending its run without a change.
      expect(mentionTasks.map((m) => m.namespace)).toEqual(['mon-0', 'mon-1', 'mon-2', 'mon-3']);
      const runsPerTask = await w.db.selectFrom('runs').select(['task_id']).execute();
      expect(new Set(runsPerTask.map((r) => r.task_id)).size).toBe(runsPerTask.length);
    }, 180_000);

    it('round 5: SIGKILL right after acknowledging a command loses nothing: another replica starts it from the inbox', async () => {
      const r = await incidentRound(w, 5, 'ack');
      expect(r.killed).toBe(1);
      expect(r, JSON.stringify(r)).toMatchObject({
        lost: false,
        tasks: 1,
        writes: 1,
        status: 'succeeded',
        proposal: 'executed',
      });
      // The one window left: dying between Slack accepting the root message and the store recording
      // it leaves that root without its thread; the retry opens a second one (the task is still one).
      expect(r.threads).toBeGreaterThanOrEqual(1);
      expect(r.threads).toBeLessThanOrEqual(2);
    }, 180_000);

    it.each<[number, KillPoint]>([
      [6, 'investigating'],
      [7, 'awaiting-approval'],
      [8, 'executing'],
      [9, 'executing'],
    ])(
      'round %i: SIGKILL while %s loses no run and executes once',
      async (round, kill) => {
        const r = await incidentRound(w, round, kill, { doubleClick: round % 2 === 0 });
        expect(r.killed).toBe(1);
        expect(failures([r]), JSON.stringify(r)).toEqual([]);
        expect(r).toMatchObject({ status: 'succeeded', proposal: 'executed' });
      },
      180_000,
    );
  },
);

const HAVE_POSTGRES_BINARIES = existsSync('/usr/lib/postgresql');

describe.skipIf(!HAVE_POSTGRES_BINARIES)('PostgreSQL restarted mid-run', () => {
  let pg: ThrowawayPostgres;
  let w: Awaited<ReturnType<typeof world>>;
  beforeAll(async () => {
    pg = await throwawayPostgres();
    const store = await openStore({ databaseUrl: pg.url, dataDir: '', signing: { key: TEST_SIGNING_KEY } });
    await migrate(store.db);
    await store.close();
    w = await world(pg.url, 1, 2, 11);
  }, 120_000);
  afterAll(async () => {
    await w?.stop();
    pg?.stop();
  });

  it('the replica rides it out without a restart of its own: the run finishes, and the next command works', async () => {
    const first = incidentRound(w, 0, 'none');
    await waitFor(
      'a run in progress',
      async () =>
        (
          await w.db
            .selectFrom('runs')
            .select('status')
            .executeTakeFirst()
            .catch(() => undefined)
        )?.status === 'running',
      30_000,
      10,
    );
    pg.restart();
    const done = await first;
    expect(failures([done]), JSON.stringify(done)).toEqual([]);
    expect(w.replicas.alive(0)).toBe(true);
    // The restart reached the replica: an idle connection dropped, or a query in flight failed or had
    // its socket reset (which one depends on what the replica was doing at that instant) — and it rode
    // it out either way.
    expect(w.replicas.tails[0]).toMatch(
      /a database connection dropped|ECONNREFUSED|ECONNRESET|connection error|terminating connection|Connection terminated/,
    );
    const next = await incidentRound(w, 1, 'none');
    expect(failures([next]), JSON.stringify(next)).toEqual([]);
    const ready = (await (await fetch(`${w.replicas.url(0)}/readyz`)).json()) as { checks: Record<string, string> };
    expect(ready.checks.database).toBe('ok');
  }, 120_000);
});
