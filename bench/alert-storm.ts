// An alert storm: 50,000 alerts in 5,000 notifications across 500 groups, POSTed by a separate
// process at `claw serve` (PostgreSQL, fake Slack in its own process), versus a raw
// `INSERT … ON CONFLICT` loop of the same alerts into the same PostgreSQL in the same run.

import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/config.ts';
import { startServer } from '../src/surfaces/http/server.ts';
import { TEST_SIGNING_KEY } from '../test/helpers/test-db.ts';
import { STORM_CHANNELS, stormNotification } from './alert-storm-payloads.ts';
import { benchPostgres, freshDatabase } from './throwaway-postgres.ts';

const GROUPS = Number(process.env.STORM_GROUPS ?? 500);
const PER_GROUP = 10;
const ALERTS_PER = 10;
/** Groups in flight at once. Alertmanager flushes each group on its own, so a real storm has hundreds. */
const CONCURRENCIES = (process.env.STORM_CONCURRENCY ?? '16,64').split(',').map(Number);
const TOKEN = 'bench-am-token';

interface SlackCall {
  method: string;
  channel?: string;
  thread?: string;
  ok?: boolean;
  at: number;
  text: string;
}

/** A bench script in its own process; resolves to what it printed once it exits. */
function child(script: string, args: string[]): { out: Promise<string> } {
  const p = spawn(process.execPath, [join(import.meta.dirname, script), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  return { out: new Promise<string>((r) => p.once('exit', () => r(out))) };
}

async function fakeSlack(log: string): Promise<{ url: string; stop(): Promise<void> }> {
  const p = spawn(process.execPath, [join(import.meta.dirname, 'fake-slack-process.ts'), log], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  const url = await new Promise<string>((resolve) => p.stdout.once('data', (d) => resolve(String(d).trim())));
  return {
    url,
    stop: () => {
      p.kill('SIGTERM');
      return exited;
    },
  };
}

/** The baseline: each notification's alerts in one INSERT … ON CONFLICT, same concurrency, same order per group. */
async function rawLoop(url: string, inFlight: number): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: inFlight });
  await pool.query('drop table if exists bench_raw_alerts');
  await pool.query(
    'create table bench_raw_alerts (group_key text not null, fingerprint text not null, status text not null, labels jsonb not null, annotations jsonb not null, starts_at timestamptz not null, ends_at timestamptz, generator_url text not null, primary key (group_key, fingerprint))',
  );
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let g = next++; g < GROUPS; g = next++) {
        for (let k = 0; k < PER_GROUP; k++) {
          const n = stormNotification(g, k, ALERTS_PER);
          const values: unknown[] = [];
          const rows = n.alerts.map((a, i) => {
            values.push(
              n.groupKey,
              a.fingerprint,
              a.status,
              JSON.stringify(a.labels),
              JSON.stringify(a.annotations),
              a.startsAt,
              null,
              a.generatorURL,
            );
            return `(${Array.from({ length: 8 }, (_, j) => `$${i * 8 + j + 1}`).join(', ')})`;
          });
          await pool.query(
            `insert into bench_raw_alerts values ${rows.join(', ')} on conflict (group_key, fingerprint) do update set status = excluded.status, annotations = excluded.annotations, ends_at = excluded.ends_at`,
            values,
          );
        }
      }
    }),
  );
  const ms = performance.now() - started;
  await pool.end();
  return ms;
}

interface Round {
  inFlight: number;
  from: number;
  to: number;
  raw: number;
  ours: number;
  statuses: Record<string, number>;
  stored: number;
  threads: number;
  digests: number;
  groups: number;
  lagS: number;
}

/** One round on a fresh database: the raw loop, then ours, then until Slack has caught up. */
async function round(postgresUrl: string, slackUrl: string, dir: string, n: number, inFlight: number): Promise<Round> {
  const url = await freshDatabase(postgresUrl, `claw_bench_storm_${process.pid}_${n}`);
  const config = loadConfig(
    {
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: 'bench',
      SLACK_API_URL: slackUrl,
      LOG_LEVEL: 'error',
      DATABASE_URL: url,
      CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
      ALERTMANAGER_TOKEN: TOKEN,
      CLAW_CONFIG: join(dir, 'claw.yaml'),
    },
    dir,
  );
  const from = Date.now();
  const app = await startServer(config, {
    slackClientOptions: { retryConfig: { retries: 0 } },
    botId: 'B0BOT',
    botUserId: 'U0BOT',
  });
  try {
    const raw = await rawLoop(url, inFlight);
    const sender = child('alert-sender-process.ts', [
      `${app.url}/webhooks/alertmanager`,
      TOKEN,
      String(GROUPS),
      String(PER_GROUP),
      String(ALERTS_PER),
      String(inFlight),
    ]);
    const sent = JSON.parse(await sender.out) as { ms: number; statuses: Record<string, number> };
    const after = performance.now();
    const db = app.runtime.store.db;
    for (;;) {
      const behind = await db
        .selectFrom('alert_groups')
        .select('id')
        .whereRef('version', '>', 'synced_version')
        .where('muted', '=', false)
        .limit(1)
        .executeTakeFirst();
      const digestBehind = await db
        .selectFrom('alert_digests')
        .select('id')
        .whereRef('version', '>', 'synced_version')
        .limit(1)
        .executeTakeFirst();
      if (!behind && !digestBehind) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const lagS = (performance.now() - after) / 1000;
    const c = await counts(url);
    return { inFlight, from, to: Date.now(), raw, ours: sent.ms, statuses: sent.statuses, lagS, ...c };
  } finally {
    await app.stop();
  }
}

/** The most calls within any `windowMs`, in one channel (or overall with `perChannel` false). */
function peak(calls: SlackCall[], windowMs: number, perChannel = true): number {
  const by = new Map<string, number[]>();
  for (const c of calls) {
    const k = perChannel ? (c.channel ?? '') : '';
    by.set(k, [...(by.get(k) ?? []), c.at]);
  }
  let most = 0;
  for (const at of by.values()) {
    at.sort((a, b) => a - b);
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i]! - at[j]! >= windowMs) j++;
      most = Math.max(most, i - j + 1);
    }
  }
  return most;
}

const ROUNDS = Number(process.env.STORM_ROUNDS ?? 3);

export async function alertStormSection(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'claw-bench-storm-'));
  const log = join(dir, 'slack-calls.json');
  const slack = await fakeSlack(log);
  const postgres = await benchPostgres();
  const routes = Array.from(
    { length: STORM_CHANNELS },
    (_, i) => `    - { matchers: ['team="t${i}"'], channel: C0TEAM${i} }`,
  ).join('\n');
  await writeFile(
    join(dir, 'claw.yaml'),
    `slack:\n  alertChannel: C0ALERTS\nalerts:\n  investigate: false\n  routes:\n${routes}\n`,
  );
  try {
    const rounds: Round[] = [];
    for (const inFlight of CONCURRENCIES)
      for (let n = 0; n < ROUNDS; n++) rounds.push(await round(postgres.url, slack.url, dir, rounds.length, inFlight));
    await slack.stop();
    const calls = (JSON.parse(await readFile(log, 'utf8')) as SlackCall[]).filter(
      (c) => c.method.startsWith('chat.') && c.ok,
    );
    const roots = calls.filter(
      (c) => c.method === 'chat.postMessage' && !c.thread && c.text.startsWith('FIRING'),
    ).length;
    const digests = calls.filter(
      (c) => c.method === 'chat.postMessage' && !c.thread && c.text.startsWith('Alert storm'),
    ).length;
    const sum = (f: (r: Round) => number) => rounds.reduce((a, r) => a + f(r), 0);
    const duplicates = roots - sum((r) => r.threads) + (digests - sum((r) => r.digests));
    const posts = calls.filter((c) => c.method === 'chat.postMessage');
    const updates = calls.filter((c) => c.method === 'chat.update');
    // Each round is its own server (its own budgets): peaks are taken within a round.
    const perRound = (xs: SlackCall[], windowMs: number, perChannel = true) =>
      Math.max(
        ...rounds.map((r) =>
          peak(
            xs.filter((c) => c.at >= r.from && c.at <= r.to),
            windowMs,
            perChannel,
          ),
        ),
      );
    const alerts = GROUPS * PER_GROUP * ALERTS_PER;
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const statuses = new Map<string, number>();
    for (const r of rounds)
      for (const [k, v] of Object.entries(r.statuses)) statuses.set(k, (statuses.get(k) ?? 0) + v);
    const rate = (ms: number) => Math.round(alerts / (ms / 1000)).toLocaleString('en');
    const rows = CONCURRENCIES.map((inFlight) => {
      const rs = rounds.filter((r) => r.inFlight === inFlight).sort((a, b) => a.raw / a.ours - b.raw / b.ours);
      const mid = rs[Math.floor(rs.length / 2)]!;
      return `| ${inFlight} | ${s(mid.ours)} (${rate(mid.ours)}/s) | ${s(mid.raw)} (${rate(mid.raw)}/s) | **${Math.round((mid.raw / mid.ours) * 100)}%** (${rs.map((r) => `${Math.round((r.raw / r.ours) * 100)}%`).join(', ')}) |`;
    });
    const mid = rounds[0]!;
    return `## Alert storm through the webhook

\`bench/alert-storm.ts\`: ${alerts.toLocaleString('en')} alerts in ${(GROUPS * PER_GROUP).toLocaleString('en')} notifications across ${GROUPS} groups (${STORM_CHANNELS} channels by route), POSTed by a separate process at \`claw serve\` on PostgreSQL (each group's notifications in order, as Alertmanager sends them; the fake Slack in its own process). Ingest covers HTTP, auth, validation, the per-fingerprint delta and batched transactions. Baseline: the same alerts as one \`INSERT … ON CONFLICT\` per notification, with as many in flight, into the same PostgreSQL just before. ${ROUNDS} rounds per row, each on a fresh database; the median round is shown, every round in brackets.

| groups in flight | ingest | raw loop | **ingest rate versus raw** (goal ≥ 50%) |
|---|---|---|---|
${rows.join('\n')}

| all rounds | figure |
|---|---|
| HTTP answers | ${[...statuses].map(([k, v]) => `${v} × ${k}`).join(', ')} |
| alerts lost (goal 0) | **${sum((r) => alerts - r.stored)}** (${sum((r) => r.stored).toLocaleString('en')} of ${(alerts * rounds.length).toLocaleString('en')} stored) |
| duplicate threads (goal 0) | **${duplicates}** (per round ${mid.threads} group threads and ${mid.digests} storm digests for ${mid.groups} groups; the rest are listed in the digests) |
| Slack caught up after the last notification | ${rounds.map((r) => `${r.lagS.toFixed(0)} s`).join(', ')} |
| chat.postMessage | ${posts.length} calls; at most ${perRound(posts, 1000)} in any second and ${perRound(posts, 60_000)} in any minute in one channel (paced: bursts of 8, then 1/s per channel) |
| chat.update (Tier 3: ~50/min per workspace) | ${updates.length} calls; at most ${perRound(updates, 60_000, false)} in any minute (budget: bursts of 5, then 50/min) |
`;
  } finally {
    await slack.stop().catch(() => {});
    postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function counts(url: string): Promise<{ stored: number; groups: number; threads: number; digests: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query(
    'select (select count(*) from alerts) as stored, (select count(*) from alert_groups) as groups, (select count(*) from alert_groups where thread_ts is not null) as threads, (select count(*) from alert_digests where ts is not null) as digests',
  );
  await c.end();
  const row = r.rows[0] as Record<string, string>;
  return {
    stored: Number(row.stored),
    groups: Number(row.groups),
    threads: Number(row.threads),
    digests: Number(row.digests),
  };
}
