// An alert storm: 50,000 alerts in 5,000 notifications across 500 groups, POSTed by a separate
// process at `claw serve` (PostgreSQL, fake Slack in its own process), versus a raw
// `INSERT … ON CONFLICT` loop of the same alerts into the same PostgreSQL in the same run.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/main.ts';
import { STORM_CHANNELS, stormNotification } from './alert-storm-payloads.ts';
import { benchPostgres, freshDatabase } from './throwaway-postgres.ts';

const GROUPS = Number(process.env.STORM_GROUPS ?? 500);
const PER_GROUP = 10;
const ALERTS_PER = 10;
const CONCURRENCY = 16;
const TOKEN = 'bench-am-token';

interface SlackCall { method: string; channel?: string; thread?: string; ok?: boolean; at: number; text: string }

function child(script: string, args: string[]): { out: Promise<string>; kill(): Promise<void> } {
  const p = spawn(process.execPath, [join(import.meta.dirname, script), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  p.stdout.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  return { out: exited.then(() => out), kill: async () => void (p.kill('SIGTERM'), await exited) };
}

async function fakeSlack(log: string): Promise<{ url: string; stop(): Promise<void> }> {
  const p = spawn(process.execPath, [join(import.meta.dirname, 'fake-slack-process.ts'), log], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((r) => p.once('exit', () => r()));
  const url = await new Promise<string>((resolve) => p.stdout.once('data', (d) => resolve(String(d).trim())));
  return { url, stop: () => (p.kill('SIGTERM'), exited) };
}

/** The baseline: each notification's alerts in one INSERT … ON CONFLICT, same concurrency, same order per group. */
async function rawLoop(url: string): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY });
  await pool.query('drop table if exists bench_raw_alerts');
  await pool.query('create table bench_raw_alerts (group_key text not null, fingerprint text not null, status text not null, labels jsonb not null, annotations jsonb not null, starts_at timestamptz not null, ends_at timestamptz, generator_url text not null, primary key (group_key, fingerprint))');
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let g = next++; g < GROUPS; g = next++) {
      for (let k = 0; k < PER_GROUP; k++) {
        const n = stormNotification(g, k, ALERTS_PER);
        const values: unknown[] = [];
        const rows = n.alerts.map((a, i) => {
          values.push(n.groupKey, a.fingerprint, a.status, JSON.stringify(a.labels), JSON.stringify(a.annotations), a.startsAt, null, a.generatorURL);
          return `(${Array.from({ length: 8 }, (_, j) => `$${i * 8 + j + 1}`).join(', ')})`;
        });
        await pool.query(`insert into bench_raw_alerts values ${rows.join(', ')} on conflict (group_key, fingerprint) do update set status = excluded.status, annotations = excluded.annotations, ends_at = excluded.ends_at`, values);
      }
    }
  }));
  const ms = performance.now() - started;
  await pool.end();
  return ms;
}

/** The most calls in any one-second window, per channel. */
function peakPerSecond(calls: SlackCall[]): number {
  const byChannel = new Map<string, number[]>();
  for (const c of calls) byChannel.set(c.channel ?? '', [...(byChannel.get(c.channel ?? '') ?? []), c.at]);
  let peak = 0;
  for (const at of byChannel.values()) {
    at.sort((a, b) => a - b);
    for (let i = 0, j = 0; i < at.length; i++) {
      while (at[i]! - at[j]! >= 1000) j++;
      peak = Math.max(peak, i - j + 1);
    }
  }
  return peak;
}

export async function alertStormSection(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'claw-bench-storm-'));
  const log = join(dir, 'slack-calls.json');
  const slack = await fakeSlack(log);
  const postgres = await benchPostgres();
  const url = await freshDatabase(postgres.url, `claw_bench_storm_${process.pid}`);
  const routes = Array.from({ length: STORM_CHANNELS }, (_, i) => `    - { matchers: ['team="t${i}"'], channel: C0TEAM${i} }`).join('\n');
  await writeFile(join(dir, 'claw.yaml'), `slack:\n  alertChannel: C0ALERTS\nalerts:\n  investigate: false\n  routes:\n${routes}\n`);
  const config = loadConfig({
    PORT: '0', SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: 'bench', SLACK_API_URL: slack.url, LOG_LEVEL: 'error',
    DATABASE_URL: url, ALERTMANAGER_TOKEN: TOKEN, CLAW_CONFIG: join(dir, 'claw.yaml'),
  }, dir);
  const app = await startServer(config, { slackClientOptions: { retryConfig: { retries: 0 } }, botId: 'B0BOT', botUserId: 'U0BOT' });
  const db = app.runtime.store.db;
  try {
    const rawBefore = await rawLoop(url);
    const sender = child('alert-sender-process.ts', [`${app.url}/webhooks/alertmanager`, TOKEN, String(GROUPS), String(PER_GROUP), String(ALERTS_PER), String(CONCURRENCY)]);
    const sent = JSON.parse(await sender.out) as { ms: number; statuses: Record<string, number> };
    const caughtUpAt = performance.now();
    for (;;) {
      const behind = await db.selectFrom('alert_groups').select('id').whereRef('version', '>', 'synced_version').where('muted', '=', false).limit(1).executeTakeFirst();
      const digestBehind = await db.selectFrom('alert_digests').select('id').whereRef('version', '>', 'synced_version').limit(1).executeTakeFirst();
      if (!behind && !digestBehind) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const slackLagS = (performance.now() - caughtUpAt) / 1000;
    const rawAfter = await rawLoop(url);
    await app.stop();
    await slack.stop();
    const calls = (JSON.parse(await readFile(log, 'utf8')) as SlackCall[]).filter((c) => c.method.startsWith('chat.'));
    const stored = Number((await countAlerts(url)).n);
    const groups = await countGroups(url);
    const roots = calls.filter((c) => c.method === 'chat.postMessage' && !c.thread && c.text.startsWith('FIRING'));
    const digests = calls.filter((c) => c.method === 'chat.postMessage' && !c.thread && c.text.startsWith('Alert storm'));
    const duplicates = roots.length - Number(groups.threads) + (digests.length - Number(groups.digests));
    const posts = calls.filter((c) => c.method === 'chat.postMessage');
    const updates = calls.filter((c) => c.method === 'chat.update');
    const span = (xs: SlackCall[]) => Math.max(1, (Math.max(...xs.map((c) => c.at)) - Math.min(...xs.map((c) => c.at))) / 1000);
    const raw = (rawBefore + rawAfter) / 2;
    const alerts = GROUPS * PER_GROUP * ALERTS_PER;
    const ours = sent.ms;
    return `## Alert storm through the webhook

\`bench/alert-storm.ts\`: ${alerts.toLocaleString('en')} alerts in ${(GROUPS * PER_GROUP).toLocaleString('en')} notifications across ${GROUPS} groups (${STORM_CHANNELS} channels by route), POSTed by a separate process with ${CONCURRENCY} groups in flight (each group's notifications in order, as Alertmanager sends them) at \`claw serve\` on PostgreSQL with the fake Slack in its own process. Baseline: the same alerts as one \`INSERT … ON CONFLICT\` per notification, same concurrency, same PostgreSQL, run before and after ours (mean).

| | figure |
|---|---|
| ingest (HTTP, auth, validation, per-fingerprint delta, transaction) | ${(ours / 1000).toFixed(1)} s, ${Math.round(alerts / (ours / 1000)).toLocaleString('en')} alerts/s |
| raw \`INSERT … ON CONFLICT\` loop | ${(raw / 1000).toFixed(1)} s (${(rawBefore / 1000).toFixed(1)} s before, ${(rawAfter / 1000).toFixed(1)} s after), ${Math.round(alerts / (raw / 1000)).toLocaleString('en')} alerts/s |
| **ingest rate versus raw** (goal ≥ 50%) | **${Math.round((raw / ours) * 100)}%** |
| HTTP answers | ${Object.entries(sent.statuses).map(([s, n]) => `${n} × ${s}`).join(', ')} |
| alerts stored / lost (goal 0) | ${stored.toLocaleString('en')} / **${alerts - stored}** |
| duplicate threads (goal 0) | **${duplicates}** (${roots.length} group threads and ${digests.length} storm digests for ${groups.groups} groups; the rest are listed in the digests) |
| Slack caught up after the last notification | ${slackLagS.toFixed(1)} s |
| chat.postMessage | ${posts.length} calls; peak ${peakPerSecond(posts)} in one second in one channel (pacing: bursts of 8, then 1/s per channel), ${(posts.length / span(posts) / STORM_CHANNELS).toFixed(2)}/s per channel on average |
| chat.update (Tier 3, ~50/min per workspace) | ${updates.length} calls, ${(updates.length / (span(updates) / 60)).toFixed(0)}/min |
`;
  } finally {
    await app.stop().catch(() => {});
    await slack.stop().catch(() => {});
    postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function countAlerts(url: string): Promise<{ n: string }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query('select count(*) as n from alerts');
  await c.end();
  return r.rows[0];
}

async function countGroups(url: string): Promise<{ groups: string; threads: string; digests: string }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query('select (select count(*) from alert_groups) as groups, (select count(*) from alert_groups where thread_ts is not null) as threads, (select count(*) from alert_digests where ts is not null) as digests');
  await c.end();
  return r.rows[0];
}
