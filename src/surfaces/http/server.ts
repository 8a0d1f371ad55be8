import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { webApi } from '@slack/bolt';
import { AlertDispatcher, type DispatcherDeps } from '../../alerts/alert-dispatcher.ts';
import { watchAuditHead } from '../../audit/audit-log.ts';
import { clusterNameOf } from '../../cluster/kube-config.ts';
import type { Config } from '../../config/config.ts';
import { Metrics } from '../../observability/metrics.ts';
import { openRuntime, type Runtime } from '../../runtime.ts';
import { housekeepingJobs, scheduledJobs } from '../../scheduled/scheduled-jobs.ts';
import { Scheduler } from '../../scheduled/scheduler.ts';
import { Supervisor, type SupervisorDeps } from '../../supervisor/supervisor.ts';
import { alertmanagerWebhook } from '../alertmanager/webhook-route.ts';
import { AfterAck } from '../slack/after-ack.ts';
import { slackAlertNotifier } from '../slack/alert-notifier.ts';
import { slackLogger } from '../slack/bolt-logger.ts';
import { slackDigestPoster } from '../slack/daily-digest-poster.ts';
import { sweepInbox } from '../slack/inbox.ts';
import { SlackOutbox } from '../slack/outbox.ts';
import { createSlackApp } from '../slack/slack-app.ts';
import { SlackAuthCheck } from '../slack/slack-auth-check.ts';
import { slackThreadSink } from '../slack/thread-sink.ts';
import { readyz } from './health.ts';
import { httpRouter } from './router.ts';

export interface ServerOptions {
  memoryStore?: boolean;
  slackClientOptions?: webApi.WebClientOptions;
  botId?: string;
  botUserId?: string;
  supervisor?: Partial<Pick<SupervisorDeps, 'pollMs' | 'verifyTimeoutMs' | 'owner'>>;
  /** Scheduled jobs: off in tests that count Slack posts and leases themselves. */
  scheduler?: boolean;
  slackUpdateEveryMs?: number;
  alerts?: Partial<Pick<DispatcherDeps, 'pollMs' | 'holdMs' | 'owner'>>;
}

export interface RunningServer {
  url: string;
  server: Server;
  runtime: Runtime;
  supervisor: Supervisor;
  alerts: AlertDispatcher;
  scheduler?: Scheduler;
  stop(): Promise<void>;
}

/** The context name behind a task's cluster; the raw name when no kubeconfig can be loaded yet. */
function displayCluster(rt: Runtime, cluster: string): string {
  try {
    return clusterNameOf(rt.kubeConfigFor(cluster));
  } catch {
    return cluster;
  }
}

/** Why a task cannot target `cluster`: the kubeconfig has no such context (or cannot be loaded). */
function unknownCluster(rt: Runtime, cluster: string): string | undefined {
  try {
    rt.kubeConfigFor(cluster);
    return undefined;
  } catch (e) {
    return `I cannot reach cluster \`${cluster}\`: ${(e as Error).message}.`;
  }
}

/**
 * `claw serve`: config → runtime → surfaces + supervisor in one process. Health answers as soon
 * as the server listens, with or without Slack, kubeconfig or claw.yaml.
 */
export async function startServer(config: Config, opts: ServerOptions = {}): Promise<RunningServer> {
  const rt = await openRuntime(config, { memoryStore: opts.memoryStore });
  const metrics = new Metrics(rt.store.db);
  // Every append moves the head; logging it (and the gauge) anchors it outside the database, so
  // `claw audit verify --expect-head` can be run against any head a log pipeline kept.
  watchAuditHead(rt.store.db, (head) => {
    metrics.auditHeadSeq.set(Number(head.seq));
    rt.logger.info({ auditHead: `${head.seq}:${head.hash}` }, 'audit head');
  });
  const withScheduler = opts.scheduler !== false;
  const supervisor = new Supervisor({
    db: rt.store.db,
    config,
    logger: rt.logger,
    kubeConfigFor: rt.kubeConfigFor,
    sinks: [],
    listen: rt.store.listen,
    metrics,
    // Without the scheduler (tests that count posts and leases themselves) the supervisor runs them.
    housekeeping: withScheduler ? [] : housekeepingJobs(rt.store.db, config, metrics),
    ...opts.supervisor,
  });
  const afterAck = new AfterAck(rt.logger);
  const deps = {
    db: rt.store.db,
    config,
    logger: rt.logger,
    notify: () => supervisor.wake(),
    clusterName: (c: string) => displayCluster(rt, c),
    unknownCluster: (c: string) => unknownCluster(rt, c),
    afterAck,
  };
  const { botToken, signingSecret, appToken, apiUrl } = config.slack;
  const slack =
    botToken && (signingSecret || appToken)
      ? createSlackApp(deps, {
          botToken,
          signingSecret,
          appToken,
          apiUrl,
          clientOptions: opts.slackClientOptions,
          botId: opts.botId,
          botUserId: opts.botUserId,
        })
      : undefined;
  // Thread posts (runs and alerts) share a client that hands 429s back and one per-channel outbox
  // that paces them, instead of pausing every call the app makes, button clicks included.
  const threadClient = botToken
    ? new webApi.WebClient(botToken, {
        slackApiUrl: apiUrl,
        logger: slackLogger(rt.logger, 'slack-web-api'),
        ...opts.slackClientOptions,
        rejectRateLimitedCalls: true,
      })
    : undefined;
  // Its own client: readiness must not queue behind thread posts paced by the outbox.
  const slackAuth =
    slack && botToken
      ? new SlackAuthCheck(
          new webApi.WebClient(botToken, {
            slackApiUrl: apiUrl,
            logger: slackLogger(rt.logger, 'slack-web-api'),
            ...opts.slackClientOptions,
            retryConfig: { retries: 0 },
            timeout: 3000,
          }),
        )
      : undefined;
  const outbox = new SlackOutbox({ logger: rt.logger, metrics });
  const sink = threadClient
    ? slackThreadSink({
        client: threadClient,
        db: rt.store.db,
        logger: rt.logger,
        updateEveryMs: opts.slackUpdateEveryMs,
        outbox,
      })
    : undefined;
  if (sink) supervisor.addSink(sink);
  if (!slack)
    rt.logger.warn(
      'Slack is not configured (SLACK_BOT_TOKEN with SLACK_SIGNING_SECRET or SLACK_APP_TOKEN): /slack/events answers 503',
    );
  const alerts = new AlertDispatcher({
    db: rt.store.db,
    config,
    logger: rt.logger,
    listen: rt.store.listen,
    notifyRuns: () => supervisor.wake(),
    ...opts.alerts,
    notifier: threadClient
      ? slackAlertNotifier({ client: threadClient, outbox, clusterName: (c) => displayCluster(rt, c) })
      : undefined,
  });
  const webhook = alertmanagerWebhook({
    db: rt.store.db,
    config,
    logger: rt.logger,
    metrics,
    clusterOf: (label) => (label && !unknownCluster(rt, label) ? label : undefined),
    onChange: () => alerts.wake(),
  });
  if (!config.alertmanagerToken)
    rt.logger.warn('ALERTMANAGER_TOKEN is not set: /webhooks/alertmanager refuses every notification');
  else if (!config.alerts.defaultChannel && !config.alerts.routes.some((r) => r.channel))
    rt.logger.warn(
      'no slack.alertChannel and no alerts.routes channel: alert groups are stored and investigated, but not posted',
    );

  const server = createServer(
    httpRouter({
      metrics,
      metricsToken: config.metricsToken,
      readyz: (res) => readyz(rt, slackAuth, res),
      alertmanagerWebhook: webhook,
      slack,
    }),
  );
  await new Promise<void>((resolve) => server.listen(config.port, resolve));
  const { port } = server.address() as AddressInfo;
  // Socket Mode dials out to Slack; a failure here (bad app token) is a start-up error, not a silent deaf bot.
  if (slack?.mode === 'socket') {
    await slack.app.start().catch(async (e) => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rt.close();
      throw e;
    });
  }
  await supervisor.start();
  await alerts.start();
  // Housekeeping and the daily digest: every replica schedules them, one runs each slot.
  const scheduler = withScheduler
    ? new Scheduler({
        db: rt.store.db,
        owner: supervisor.owner,
        logger: rt.logger,
        metrics,
        timezone: config.schedule.timezone,
      })
    : undefined;
  scheduler?.start(
    scheduledJobs(rt.store.db, config, {
      metrics,
      postDigest: threadClient ? slackDigestPoster(threadClient, outbox) : undefined,
      sweepSlackInbox: slack ? () => sweepInbox(slack.app.client, deps) : undefined,
    }),
  );
  rt.logger.info({ port, slack: Boolean(slack), store: rt.store.kind }, 'claw serve listening');
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    runtime: rt,
    supervisor,
    alerts,
    scheduler,
    async stop() {
      await scheduler?.stop();
      await Promise.race([afterAck.drained(), new Promise((r) => setTimeout(r, 5000).unref())]);
      await alerts.stop();
      // Runs still going after the grace period are handed to another replica, not waited for.
      await supervisor.stop(config.runs.shutdownSeconds * 1000);
      if (slack?.mode === 'socket') await slack.app.stop();
      // What the runs said last still reaches Slack, within reason.
      if (sink) await Promise.race([sink.drain(), new Promise((r) => setTimeout(r, 5000).unref())]);
      await Promise.race([outbox.drain(), new Promise((r) => setTimeout(r, 5000).unref())]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rt.close();
    },
  };
}
