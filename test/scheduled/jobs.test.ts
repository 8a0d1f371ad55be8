import { webApi } from '@slack/bolt';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { appendAudit, auditHead } from '../../src/audit/audit-log.ts';
import { createLogger } from '../../src/observability/logger.ts';
import { dailyDigestJob } from '../../src/scheduled/jobs/daily-digest.ts';
import { expireProposalsJob } from '../../src/scheduled/jobs/expire-proposals.ts';
import { pruneJob } from '../../src/scheduled/jobs/prune.ts';
import { reapLeasesJob } from '../../src/scheduled/jobs/reap-leases.ts';
import { getProposal, insertProposal } from '../../src/store/proposals.ts';
import { getRun } from '../../src/store/runs.ts';
import { firstDelivery } from '../../src/store/slack-events.ts';
import { slackDigestPoster } from '../../src/surfaces/slack/daily-digest-poster.ts';
import { SlackOutbox } from '../../src/surfaces/slack/outbox.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { FakeSlack } from '../fakes/fake-slack.ts';
import { BACKENDS, openTestDb, type TestDb } from '../helpers/test-db.ts';

const NOW = new Date();
const hoursAgo = (h: number) => new Date(NOW.getTime() - h * 3600_000);

async function task(db: TestDb['db'], channel: string, runStatus: string, finishedHoursAgo?: number) {
  const { task, run } = await createTask(db, {
    kind: 'investigate',
    source: 'slash',
    requester: 'U0ONCALL',
    question: `what is wrong in ${channel}`,
    slack: { channel, threadTs: '1700000000.000100' },
  });
  await db
    .updateTable('runs')
    .set({
      status: runStatus as never,
      ...(finishedHoursAgo === undefined ? {} : { finished_at: hoursAgo(finishedHoursAgo) }),
    })
    .where('id', '=', run.id)
    .execute();
  return { task, run };
}

async function proposal(
  db: TestDb['db'],
  channel: string,
  status: string,
  t: { task: { id: string }; run: { id: string } },
  at: Date,
) {
  return insertProposal(db, {
    id: `prop-${Math.random().toString(36).slice(2, 10)}`,
    run_id: t.run.id,
    task_id: t.task.id,
    action: 'rollout_undo',
    cluster: 'default',
    target: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
    request: { verb: 'sequence', steps: [] },
    target_spec_hash: 'x',
    artifact_hash: 'y',
    dry_run: { ok: true, results: [] },
    diff: '',
    risk: 'medium',
    blast_radius: { description: '' },
    status: status as never,
    outcome: null,
    slack_channel: channel,
    slack_ts: '1700000001.000200',
    expires_at: at,
    decided_at: status === 'pending' ? null : at,
  });
}

describe.each(BACKENDS)('scheduled jobs (%s)', (backend) => {
  let t: TestDb;
  const slack = new FakeSlack();
  beforeAll(async () => {
    t = await openTestDb(backend);
    await slack.start();
  });
  afterAll(async () => {
    await slack.stop();
    await t.close();
  });
  beforeEach(() => t.truncate());

  it('expire-proposals closes pending proposals past their TTL and resumes their runs', async () => {
    const a = await task(t.db, 'C0A', 'awaiting_approval');
    const stale = await proposal(t.db, 'C0A', 'pending', a, hoursAgo(1));
    const fresh = await proposal(t.db, 'C0A', 'pending', a, new Date(NOW.getTime() + 3600_000));
    expect(await expireProposalsJob(t.db, '* * * * *').run(NOW)).toEqual({ expired: 1 });
    expect((await getProposal(t.db, stale.id))!.status).toBe('expired');
    expect((await getProposal(t.db, fresh.id))!.status).toBe('pending');
    expect((await getRun(t.db, a.run.id))!.status).toBe('queued');
    expect(await expireProposalsJob(t.db, '* * * * *').run(NOW)).toBeUndefined();
  });

  it('reap-leases re-queues runs whose replica stopped renewing, and only those', async () => {
    const dead = await task(t.db, 'C0A', 'running');
    const alive = await task(t.db, 'C0A', 'running');
    await t.db
      .updateTable('runs')
      .set({ lease_owner: 'gone', lease_expires_at: hoursAgo(0.01) })
      .where('id', '=', dead.run.id)
      .execute();
    await t.db
      .updateTable('runs')
      .set({ lease_owner: 'here', lease_expires_at: new Date(NOW.getTime() + 60_000) })
      .where('id', '=', alive.run.id)
      .execute();
    expect(await reapLeasesJob(t.db, '* * * * *').run(NOW)).toEqual({ requeued: 1, resumed: 0 });
    expect((await getRun(t.db, dead.run.id))!.status).toBe('queued');
    expect((await getRun(t.db, alive.run.id))!.status).toBe('running');
  });

  it('reap-leases also resumes runs left paused on a proposal whose decider died before resuming them', async () => {
    const orphan = await task(t.db, 'C0A', 'awaiting_approval');
    const waiting = await task(t.db, 'C0A', 'awaiting_approval');
    const decided = await proposal(t.db, 'C0A', 'approved', orphan, new Date(NOW.getTime() + 3600_000));
    const pending = await proposal(t.db, 'C0A', 'pending', waiting, new Date(NOW.getTime() + 3600_000));
    await t.db
      .updateTable('runs')
      .set({ checkpoint: JSON.stringify({ proposalId: decided.id }) })
      .where('id', '=', orphan.run.id)
      .execute();
    await t.db
      .updateTable('runs')
      .set({ checkpoint: JSON.stringify({ proposalId: pending.id }) })
      .where('id', '=', waiting.run.id)
      .execute();
    expect(await reapLeasesJob(t.db, '* * * * *').run(NOW)).toEqual({ requeued: 0, resumed: 1 });
    expect((await getRun(t.db, orphan.run.id))!.status).toBe('queued');
    expect((await getRun(t.db, waiting.run.id))!.status).toBe('awaiting_approval');
  });

  it('prune forgets Slack event ids after a day, keeping recent ones', async () => {
    await firstDelivery(t.db, 'Ev-old');
    await firstDelivery(t.db, 'Ev-new');
    await t.db
      .updateTable('slack_events')
      .set({ received_at: hoursAgo(25) })
      .where('event_id', '=', 'Ev-old')
      .execute();
    expect(await pruneJob(t.db, '* * * * *').run(NOW)).toMatchObject({ slackEvents: 1 });
    expect(await firstDelivery(t.db, 'Ev-new')).toBe(false);
    expect(await firstDelivery(t.db, 'Ev-old')).toBe(true);
  });

  it('daily-digest posts each active channel its open incidents, approvals waiting and the last day, escaped', async () => {
    const yesterday = await task(t.db, 'C0SHOP', 'succeeded', 3);
    await task(t.db, 'C0SHOP', 'failed', 5);
    await task(t.db, 'C0SHOP', 'succeeded', 30); // before the window
    const waiting = await task(t.db, 'C0SHOP', 'awaiting_approval');
    await proposal(t.db, 'C0SHOP', 'pending', waiting, new Date(NOW.getTime() + 1800_000));
    await proposal(t.db, 'C0SHOP', 'executed', yesterday, hoursAgo(2));
    await task(t.db, 'C0PAY', 'succeeded', 1);
    await task(t.db, 'C0OLD', 'succeeded', 48); // nothing in the window: no digest
    await t.db
      .insertInto('alert_groups')
      .values({
        receiver: 'clusterclaw',
        group_key: '{}:{alertname="KubePodCrashLooping"}',
        status: 'firing',
        channel: 'C0SHOP',
        firing: 2,
        thread_ts: '1700000002.000300',
        opened_at: hoursAgo(1),
        group_labels: JSON.stringify({ alertname: 'KubePodCrashLooping' }),
        common_labels: JSON.stringify({ alertname: 'KubePodCrashLooping', namespace: 'shop<@here>' }),
        common_annotations: '{}',
      })
      .execute();
    await appendAudit(t.db, { actor: 'U0APPROVER1', action: 'proposal.approve', subject: 'prop_1' });
    const head = (await auditHead(t.db))!;
    const client = new webApi.WebClient('xoxb-digest', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    const job = dailyDigestJob(
      t.db,
      { cron: '0 9 * * *', channels: [] },
      slackDigestPoster(client, new SlackOutbox({ logger: createLogger('silent') })),
    );
    expect(await job.run(NOW)).toEqual({ channels: 2 });
    const posts = slack.callsTo('chat.postMessage').filter((c) => c.token === 'xoxb-digest');
    expect(posts.map((p) => p.args.channel).sort()).toEqual(['C0PAY', 'C0SHOP']);
    const shop = JSON.stringify(posts.find((p) => p.args.channel === 'C0SHOP')!.args.blocks);
    expect(shop).toContain('Open incidents (1)');
    expect(shop).toContain('<https://slack.com/archives/C0SHOP/p1700000002000300|KubePodCrashLooping>');
    expect(shop).toContain('shop&lt;@here&gt;');
    expect(shop).toContain('Waiting for approval (1)');
    expect(shop).toContain('rollout_undo');
    expect(shop).toContain('runs 1 failed, 1 succeeded');
    expect(shop).toContain('proposals 1 executed');
    const pay = JSON.stringify(posts.find((p) => p.args.channel === 'C0PAY')!.args.blocks);
    expect(pay).toContain('Open incidents:* none');
    expect(pay).toContain('runs 1 succeeded');
    // The audit head goes out with every digest: anchored in Slack, outside the database.
    expect(pay).toContain(`claw audit verify --expect-head ${head.seq}:${head.hash}`);
  });

  it('daily-digest with listed channels reports to those only, quiet ones included; a refusing channel does not stop the rest', async () => {
    await task(t.db, 'C0SHOP', 'succeeded', 2);
    slack.notInChannel.add('C0GONE');
    const client = new webApi.WebClient('xoxb-listed', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    const job = dailyDigestJob(
      t.db,
      { cron: '0 9 * * *', channels: ['C0GONE', 'C0QUIET'] },
      slackDigestPoster(client, new SlackOutbox({ logger: createLogger('silent') })),
    );
    await expect(job.run(NOW)).rejects.toThrow(/C0GONE: .*not_in_channel/);
    const posted = slack
      .callsTo('chat.postMessage')
      .filter((c) => c.token === 'xoxb-listed' && c.result?.ok)
      .map((c) => c.args.channel);
    expect(posted).toEqual(['C0QUIET']);
  });
});
