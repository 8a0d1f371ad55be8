import { webApi } from '@slack/bolt';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/observability/logger.ts';
import { setInboxRoot } from '../../../src/store/slack-inbox.ts';
import { AfterAck } from '../../../src/surfaces/slack/after-ack.ts';
import { acceptInvestigation, processInboxItem, sweepInbox } from '../../../src/surfaces/slack/inbox.ts';
import type { SlackDeps } from '../../../src/surfaces/slack/slack-deps.ts';
import { FakeSlack } from '../../fakes/fake-slack.ts';
import { testConfig } from '../../helpers/proposal-fixture.ts';
import { BACKENDS, openTestDb, type TestDb } from '../../helpers/test-db.ts';

const ask = (channel: string) => ({
  source: 'slash' as const,
  channel,
  user: 'U0ONCALL',
  team: 'T0001',
  question: 'cart is crash-looping',
  namespace: 'shop',
});

describe.each(BACKENDS)('the Slack inbox: acknowledged requests survive their replica (%s)', (backend) => {
  let t: TestDb;
  const slack = new FakeSlack();
  let deps: SlackDeps;
  let client: webApi.WebClient;
  beforeAll(async () => {
    t = await openTestDb(backend);
    await slack.start();
    client = new webApi.WebClient('xoxb-inbox', { slackApiUrl: slack.url, retryConfig: { retries: 0 } });
    const logger = createLogger('silent');
    deps = {
      db: t.db,
      config: testConfig(['U0APPROVER1']),
      logger,
      notify: () => {},
      clusterName: (c) => c,
      unknownCluster: () => undefined,
      afterAck: new AfterAck(logger),
    };
  });
  afterAll(async () => {
    await slack.stop();
    await t.close();
  });
  beforeEach(() => t.truncate());
  /** The replica that acked died: its request is older than the sweep's grace. */
  const ageAll = () => sql`update slack_inbox set received_at = now() - interval '1 minute'`.execute(t.db);
  const roots = (channel: string) =>
    slack.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && !c.args.thread_ts);
  const tasks = (channel: string) =>
    t.db.selectFrom('tasks').selectAll().where('slack_channel', '=', channel).execute();

  it('a request stored before the ack and never started is started by the sweep, once however often it runs', async () => {
    await acceptInvestigation(deps, ask('C0DIED1'), { responseUrl: `${slack.url}response` });
    expect(await sweepInbox(client, deps)).toBe(0); // fresh: left to the replica that acked
    await ageAll();
    expect(await sweepInbox(client, deps)).toBe(1);
    expect(await sweepInbox(client, deps)).toBe(0);
    expect(roots('C0DIED1')).toHaveLength(1);
    const [task] = await tasks('C0DIED1');
    expect(task).toMatchObject({
      namespace: 'shop',
      requester: 'U0ONCALL',
      slack_thread_ts: roots('C0DIED1')[0]!.result!.ts,
    });
  });

  it('died after posting the root: the retry replies in that thread instead of opening another', async () => {
    const id = await acceptInvestigation(deps, ask('C0DIED2'), { responseUrl: `${slack.url}response` });
    await setInboxRoot(t.db, id, '1700000042.000100');
    await ageAll();
    await sweepInbox(client, deps);
    expect(roots('C0DIED2')).toHaveLength(0);
    expect((await tasks('C0DIED2')).map((x) => x.slack_thread_ts)).toEqual(['1700000042.000100']);
  });

  it('the acking replica and a sweeping one racing: one task', async () => {
    const id = await acceptInvestigation(deps, ask('C0RACE'), { responseUrl: `${slack.url}response` });
    await ageAll();
    await Promise.all([
      processInboxItem(client, deps, id),
      sweepInbox(client, deps),
      processInboxItem(client, deps, id),
    ]);
    expect(await tasks('C0RACE')).toHaveLength(1);
    expect(roots('C0RACE')).toHaveLength(1);
  });

  it('a request the bot cannot post for is answered to the asker and closed, not retried forever', async () => {
    slack.notInChannel.add('C0NOTIN');
    await acceptInvestigation(deps, ask('C0NOTIN'), {
      responseUrl: `${slack.url.replace(/\/api\/$/, '')}/hooks/notin`,
    });
    await ageAll();
    await sweepInbox(client, deps);
    expect(slack.calls.filter((c) => c.method === 'response:/hooks/notin').map((c) => c.args.text)).toEqual([
      expect.stringContaining('Invite me first'),
    ]);
    expect(await sweepInbox(client, deps)).toBe(0);
    expect(await tasks('C0NOTIN')).toHaveLength(0);
  });

  it('a member or a channel past its hourly limit is told so and starts nothing; others are not held back', async () => {
    const limited = {
      ...deps,
      config: { ...deps.config, slack: { ...deps.config.slack, limits: { perUserPerHour: 2, perChannelPerHour: 3 } } },
    };
    const hook = (n: number) => ({ responseUrl: `${slack.url.replace(/\/api\/$/, '')}/hooks/limit${n}` });
    for (let i = 0; i < 3; i++)
      await processInboxItem(client, limited, await acceptInvestigation(limited, ask('C0FLOOD'), hook(i)));
    expect(await tasks('C0FLOOD')).toHaveLength(2);
    expect(slack.calls.filter((c) => c.method === 'response:/hooks/limit2').map((c) => c.args.text)).toEqual([
      expect.stringContaining('slack.limits.perUserPerHour: 2'),
    ]);
    // Another member in the same channel may still ask, until the channel's own limit.
    const other = (channel: string) => ({ ...ask(channel), user: 'U0OTHER' });
    await processInboxItem(client, limited, await acceptInvestigation(limited, other('C0FLOOD'), hook(3)));
    expect(await tasks('C0FLOOD')).toHaveLength(2);
    expect(slack.calls.filter((c) => c.method === 'response:/hooks/limit3').map((c) => c.args.text)).toEqual([
      expect.stringContaining('slack.limits.perChannelPerHour: 3'),
    ]);
    await processInboxItem(client, limited, await acceptInvestigation(limited, other('C0QUIET'), hook(4)));
    expect(await tasks('C0QUIET')).toHaveLength(1);
  });

  it('a change asked for in Slack becomes a change task on its repository, said in the root; an unknown repository is answered', async () => {
    const withRepo = {
      ...deps,
      config: {
        ...deps.config,
        repos: {
          gitops: {
            name: 'gitops',
            url: 'file:///srv/git/gitops.git',
            branch: 'main',
            ci: 'true',
            ciTimeoutSeconds: 60,
            paths: ['**'],
            ciPaths: [],
            ciMaxFixAttempts: 2,
            agentCommands: [],
            manifests: [],
            cluster: 'prod',
            delivery: 'push-branch' as const,
          },
        },
      },
    };
    const change = { ...ask('C0CHANGE'), namespace: undefined, question: 'raise cart memory to 512Mi', repo: 'gitops' };
    await processInboxItem(
      client,
      withRepo,
      await acceptInvestigation(withRepo, change, { responseUrl: `${slack.url}response` }),
    );
    const [task] = await tasks('C0CHANGE');
    expect(task).toMatchObject({
      kind: 'change',
      repo: 'gitops',
      cluster: 'prod',
      question: 'raise cart memory to 512Mi',
    });
    expect(task!.acceptance_criteria.join('\n')).toContain("the repository's CI passes");
    expect(String(roots('C0CHANGE')[0]!.args.text)).toBe(
      ':hammer_and_wrench: Changing `gitops`: raise cart memory to 512Mi',
    );

    const hook = { responseUrl: `${slack.url.replace(/\/api\/$/, '')}/hooks/norepo` };
    await processInboxItem(
      client,
      withRepo,
      await acceptInvestigation(withRepo, { ...change, channel: 'C0NOREPO', repo: 'nope' }, hook),
    );
    expect(await tasks('C0NOREPO')).toHaveLength(0);
    expect(slack.calls.filter((c) => c.method === 'response:/hooks/norepo').map((c) => c.args.text)).toEqual([
      expect.stringContaining('No repository `nope` is configured: one of `gitops`'),
    ]);
  });
});
