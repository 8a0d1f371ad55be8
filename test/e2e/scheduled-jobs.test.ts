import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { listSlots } from '../../src/store/scheduled-slots.ts';
import { type RunningServer, startServer } from '../../src/surfaces/http/server.ts';
import { FakeSlack } from '../fakes/fake-slack.ts';
import { openTestDb, TEST_DATABASE_URL, TEST_SIGNING_KEY, type TestDb } from '../helpers/test-db.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Two `claw serve` replicas on one PostgreSQL, the daily digest scheduled every second: each slot
// is posted once, by one of them.
describe.skipIf(!TEST_DATABASE_URL)('scheduled jobs on two claw serve replicas', () => {
  let t: TestDb;
  let dir: string;
  const slack = new FakeSlack();
  const replicas: RunningServer[] = [];
  beforeAll(async () => {
    t = await openTestDb('postgres');
    await slack.start();
    dir = await mkdtemp(join(tmpdir(), 'claw-cron-'));
    await writeFile(
      join(dir, 'claw.yaml'),
      'schedule:\n  expireProposals: "* * * * * *"\n  dailyDigest: { cron: "* * * * * *", channels: [C0DIGEST] }\n',
    );
    for (const owner of ['replica-a', 'replica-b']) {
      const config = loadConfig(
        {
          PORT: '0',
          DATABASE_URL: t.url,
          CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
          SLACK_BOT_TOKEN: 'xoxb-cron',
          SLACK_API_URL: slack.url,
          CLAW_CONFIG: join(dir, 'claw.yaml'),
          KUBECONFIG: join(dir, 'none'),
          LOG_LEVEL: 'silent',
        },
        dir,
      );
      replicas.push(
        await startServer(config, { slackClientOptions: { retryConfig: { retries: 0 } }, supervisor: { owner } }),
      );
    }
  });
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await slack.stop();
    await rm(dir, { recursive: true, force: true });
    await t?.close();
  });

  it('posts one digest per slot, whichever replica wins it, and records who did', async () => {
    const digests = () => slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'C0DIGEST');
    await waitFor('four digests', () => digests().length >= 4 || undefined, 20_000, 100);
    await Promise.all(replicas.splice(0).map((r) => r.stop()));
    const slots = (await listSlots(t.db, 'daily-digest')).filter((s) => s.finished_at);
    expect(digests().length).toBe(slots.length);
    expect(new Set(slots.map((s) => s.owner)).size).toBeGreaterThanOrEqual(1);
    for (const s of slots) expect(['replica-a', 'replica-b']).toContain(s.owner);
    // The housekeeping jobs took their slots too.
    const expiry = await listSlots(t.db, 'expire-proposals');
    expect(expiry.length).toBeGreaterThanOrEqual(3);
  });
});
