import { sql } from 'kysely';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../store/db.ts';

/**
 * What `GET /metrics` shows (Prometheus text format, every name prefixed `claw_`). One registry
 * per server, so two in one process (tests) never share counts. Gauges of shared state (queue
 * depth, alert groups behind) are read from the store at scrape time: every replica reports the
 * same cluster-wide figure.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly runs = new Counter({
    name: 'claw_runs_total',
    help: 'Run attempts by how they ended (retry, awaiting_approval, succeeded, failed, escalated, cancelled) and worker.',
    labelNames: ['status', 'worker'],
    registers: [this.registry],
  });
  readonly toolSeconds = new Histogram({
    name: 'claw_tool_duration_seconds',
    help: 'Read tool calls by tool and outcome.',
    labelNames: ['tool', 'ok'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly modelTokens = new Counter({
    name: 'claw_model_tokens_total',
    help: 'Model tokens by worker and direction (input, output).',
    labelNames: ['worker', 'direction'],
    registers: [this.registry],
  });
  readonly modelCost = new Counter({
    name: 'claw_model_cost_usd_total',
    help: 'Model spend at list price, by worker.',
    labelNames: ['worker'],
    registers: [this.registry],
  });
  readonly proposals = new Counter({
    name: 'claw_proposals_total',
    help: 'Proposals made, by action and risk.',
    labelNames: ['action', 'risk'],
    registers: [this.registry],
  });
  readonly decisions = new Counter({
    name: 'claw_proposal_outcomes_total',
    help: 'Proposal outcomes as their runs saw them (executed, failed, rejected, expired, superseded).',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  readonly slackErrors = new Counter({
    name: 'claw_slack_api_errors_total',
    help: 'Slack Web API calls that failed, by error.',
    labelNames: ['error'],
    registers: [this.registry],
  });
  readonly slackRateLimitWaits = new Counter({
    name: 'claw_slack_rate_limit_waits_total',
    help: '429 answers waited out (Retry-After).',
    registers: [this.registry],
  });
  readonly slackRateLimitSeconds = new Counter({
    name: 'claw_slack_rate_limit_wait_seconds_total',
    help: 'Seconds spent waiting out 429s.',
    registers: [this.registry],
  });
  readonly leaseTakeovers = new Counter({
    name: 'claw_lease_takeovers_total',
    help: 'Runs re-queued because their process stopped renewing the lease.',
    registers: [this.registry],
  });
  readonly scheduledJobs = new Counter({
    name: 'claw_scheduled_jobs_total',
    help: 'Scheduled job slots by result: ran or failed here, other_replica (another replica ran it), coordinator_error.',
    labelNames: ['job', 'result'],
    registers: [this.registry],
  });
  readonly auditHeadSeq = new Gauge({
    name: 'claw_audit_head_seq',
    help: 'Sequence number of the newest audit log row this replica appended: an anchor of the signed chain outside the database (the log line "audit head" carries its hash).',
    registers: [this.registry],
  });
  readonly alertNotifications = new Counter({
    name: 'claw_alert_notifications_total',
    help: 'Alertmanager webhook notifications by result (changed, repeat, unauthorized, malformed, too_large, failed).',
    labelNames: ['result'],
    registers: [this.registry],
  });

  constructor(db?: Db) {
    collectDefaultMetrics({ register: this.registry, prefix: 'claw_' });
    if (!db) return;
    new Gauge({
      name: 'claw_queue_depth',
      help: 'Runs by waiting state, across replicas.',
      labelNames: ['status'],
      registers: [this.registry],
      async collect() {
        // A scrape while the database is away still answers, without this gauge.
        const rows = await sql<{
          status: string;
          n: number;
        }>`select status, count(*)::int as n from runs where status in ('queued', 'running', 'awaiting_approval') group by status`
          .execute(db)
          .then(
            (r) => r.rows,
            () => undefined,
          );
        if (!rows) return;
        this.reset();
        for (const status of ['queued', 'running', 'awaiting_approval'])
          this.set({ status }, rows.find((r) => r.status === status)?.n ?? 0);
      },
    });
    new Gauge({
      name: 'claw_alert_groups_behind',
      help: 'Alert groups whose Slack thread has not caught up yet.',
      registers: [this.registry],
      async collect() {
        const row = await sql<{
          n: number;
        }>`select count(*)::int as n from alert_groups where version > synced_version and not muted`
          .execute(db)
          .then(
            (r) => r.rows[0],
            () => undefined,
          );
        if (row) this.set(row.n);
      },
    });
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
