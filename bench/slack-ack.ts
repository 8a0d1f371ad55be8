// Ack latency of /claw under a burst: 200 concurrent signed slash commands against `claw serve`
// (PostgreSQL store, supervisor running, a `claw sandbox` process as the cluster) versus a bare
// Bolt app whose /claw handler only acks, both in this process, alternating rounds in one run.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import { loadConfig } from '../src/config/config.ts';
import { DEMO_SEED } from '../src/sandbox/seeds/demo-seed.ts';
import { startServer } from '../src/surfaces/http/server.ts';
import { startSandboxProcess } from '../test/helpers/cli.ts';
import { TEST_SIGNING_KEY } from '../test/helpers/test-db.ts';
import { benchPostgres, freshDatabase } from './throwaway-postgres.ts';

const SECRET = 'bench-signing-secret';
const BURST = 200;
const ROUNDS = 8;

async function bareBolt(apiUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
  const receiver = new HTTPReceiver({ signingSecret: SECRET, endpoints: '/slack/events', logLevel: LogLevel.ERROR });
  const app = new App({
    token: 'xoxb-bench',
    receiver,
    botId: 'B0BOT',
    botUserId: 'U0BOT',
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: apiUrl },
  });
  app.command('/claw', async ({ ack }) => ack());
  const server = createServer((req, res) => receiver.requestListener(req, res));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise((r) => server.close(() => r())),
  };
}

/** Latencies (ms) of BURST concurrent signed slash commands, fired from a separate process. */
function burst(url: string, round: number): Promise<number[]> {
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, 'slack-burst-process.ts'), url, SECRET, String(BURST), String(round)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`burst exited ${code}`)))),
  );
}

/** The fake Slack Web API as a child process: its CPU is Slack's, not the app's. */
function fakeSlackProcess(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'fake-slack-process.ts')], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`fake Slack exited ${code}`)));
    child.stdout.once('data', (d) => {
      child.removeAllListeners('exit');
      resolve({ url: String(d).trim(), stop: () => child.kill('SIGTERM') });
    });
  });
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

export async function slackAckSection(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'claw-bench-ack-'));
  const slack = await fakeSlackProcess();
  const postgres = await benchPostgres();
  const sandbox = await startSandboxProcess(DEMO_SEED, join(dir, 'kubeconfig'));
  const config = loadConfig(
    {
      PORT: '0',
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.url,
      LOG_LEVEL: 'error',
      DATABASE_URL: await freshDatabase(postgres.url, `claw_bench_ack_${process.pid}`),
      CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
      KUBECONFIG: join(dir, 'kubeconfig'),
      ...(process.env.ACK_CLAW_CONFIG ? { CLAW_CONFIG: process.env.ACK_CLAW_CONFIG } : {}),
    },
    dir,
  );
  const ours = await startServer(config, {
    slackClientOptions: { retryConfig: { retries: 0 } },
    botId: 'B0BOT',
    botUserId: 'U0BOT',
  });
  const bare = await bareBolt(slack.url);
  const samples = { bare: [] as number[], ours: [] as number[] };
  try {
    await burst(bare.url, -1); // warm both (JIT, connection pools)
    await burst(ours.url, -1);
    // Each round starts quiet: the investigations a burst of ours creates finish before the next
    // round, so neither app is measured under the other's leftover work.
    const idle = async () => {
      for (;;) {
        const busy = await ours.runtime.store.db
          .selectFrom('runs')
          .select('id')
          .where('status', 'in', ['queued', 'running'])
          .limit(1)
          .executeTakeFirst();
        if (!busy) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    for (let r = 0; r < ROUNDS; r++) {
      await idle();
      samples.bare.push(...(await burst(bare.url, r)));
      samples.ours.push(...(await burst(ours.url, r)));
    }
  } finally {
    await ours.stop();
    await bare.stop();
    await sandbox.stop();
    slack.stop();
    postgres.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const row = (name: string, xs: number[]) => `| ${name} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 99).toFixed(1)} |`;
  const ratio = (p: number) => (pct(samples.ours, p) / pct(samples.bare, p)).toFixed(2);
  process.stderr.write(`slack-ack: p50 ${ratio(50)}×, p99 ${ratio(99)}×\n`);
  return `## Slack ack latency under a burst

${BURST} concurrent signed \`/claw investigate …\` requests per round, ${ROUNDS} rounds alternating
between a bare Bolt app whose handler only acks and \`claw serve\` (PostgreSQL store, supervisor
running the investigations the burst creates against a \`claw sandbox\` process), both in this
process, the fake Slack Web API and the client firing the burst each in their own; each round starts once the previous burst's investigations are done. Latency is from
sending a request to its response. Goal: p99 ≤ 1.2× bare Bolt.

| app | p50 ms | p99 ms |
|---|---:|---:|
${row('bare Bolt, empty handler', samples.bare)}
${row('claw serve', samples.ours)}

Ratio to bare Bolt: p50 **${ratio(50)}×**, p99 **${ratio(99)}×**.
`;
}

if (import.meta.main) process.stdout.write(await slackAckSection());
