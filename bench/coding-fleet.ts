// The supervisor's overhead on a fleet of coding agents, with a stub Codex CLI that replays a
// recorded event stream (so the CLIs' own cost does not hide ours), driven through the real Codex
// SDK, the CI gate and the proposal. Baselines in the same run: parsing the same JSONL (CPU), the
// process at rest (RSS), and one attempt alone (wall time: the ideal for 20 at once).
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ThreadEvent } from '@openai/codex-sdk';
import { loadConfig } from '../src/config/config.ts';
import { createLogger } from '../src/observability/logger.ts';
import { housekeepingJobs } from '../src/scheduled/scheduled-jobs.ts';
import { openStore } from '../src/store/db.ts';
import { migrate } from '../src/store/migrate.ts';
import { getRun } from '../src/store/runs.ts';
import { EventPump } from '../src/supervisor/event-pump.ts';
import { Supervisor } from '../src/supervisor/supervisor.ts';
import { createTask } from '../src/tasks/create-task.ts';
import { codexEvents } from '../src/workers/coding/codex-session.ts';
import { bareRepo } from '../test/helpers/git-repo.ts';

const EVENTS = Number(process.env.BENCH_EVENTS ?? 1000);
const FLEET = 20;
/** Each stub attempt spreads its events over this long: an agent's pace, not ours. */
const ATTEMPT_MS = 3000;

/** A recorded-looking Codex stream: command executions started and completed, then the edit. */
function stream(n: number): string[] {
  const lines = [JSON.stringify({ type: 'thread.started', thread_id: '0199a213-81c0-7800-8aa1-bbab2a035a53' })];
  lines.push(JSON.stringify({ type: 'turn.started' }));
  for (let i = 0; i < n / 2; i++) {
    const item = { id: `item_${i}`, type: 'command_execution', command: `/bin/bash -lc 'cat src/file-${i}.ts'` };
    lines.push(
      JSON.stringify({ type: 'item.started', item: { ...item, aggregated_output: '', status: 'in_progress' } }),
    );
    lines.push(
      JSON.stringify({
        type: 'item.completed',
        item: { ...item, aggregated_output: 'export const x = 1;\n'.repeat(20), exit_code: 0, status: 'completed' },
      }),
    );
  }
  return lines;
}

/** The stub CLI: replays the stream (spaced over ATTEMPT_MS), edits the clone, ends its turn. */
function writeStub(dir: string, lines: string[]): string {
  const path = join(dir, 'codex');
  writeFileSync(
    path,
    `#!${process.execPath}
const fs = require('node:fs');
const args = process.argv.slice(2);
const cd = args[args.indexOf('--cd') + 1];
const lines = ${JSON.stringify(lines)};
process.stdin.resume();
process.stdin.on('end', async () => {
  const pause = ${ATTEMPT_MS} / lines.length;
  for (const l of lines) {
    process.stdout.write(l + '\\n');
    if (pause >= 1) await new Promise((r) => setTimeout(r, pause));
  }
  fs.writeFileSync(cd + '/deploy/values.yaml', 'replicas: 3\\n');
  const change = { id: 'item_edit', type: 'file_change', changes: [{ path: cd + '/deploy/values.yaml', kind: 'update' }] };
  process.stdout.write(JSON.stringify({ type: 'item.started', item: { ...change, status: 'in_progress' } }) + '\\n');
  process.stdout.write(JSON.stringify({ type: 'item.completed', item: { ...change, status: 'completed' } }) + '\\n');
  process.stdout.write(JSON.stringify({ type: 'item.completed', item: { id: 'item_msg', type: 'agent_message', text: 'Scaled cart to 3.' } }) + '\\n');
  process.stdout.write(JSON.stringify({ type: 'turn.completed', usage: { input_tokens: 1000, cached_input_tokens: 0, output_tokens: 50 } }) + '\\n');
});
`,
  );
  chmodSync(path, 0o755);
  return path;
}

/** CPU of this process and its waited-for children (the stub CLIs, git, CI), in ms, from /proc. */
function cpuNow(): { own: number; children: number } {
  const f = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ').map(Number);
  // utime stime cutime cstime are fields 14–17; after the ") " split they start at index 11.
  return { own: (f[11]! + f[12]!) * 10, children: (f[13]! + f[14]!) * 10 };
}

const cpuMs = async (f: () => Promise<void> | void) => {
  const before = process.cpuUsage();
  await f();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
};

export async function codingFleetSection(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'claw-bench-fleet-'));
  const lines = stream(EVENTS);
  const r = bareRepo({ 'deploy/values.yaml': 'replicas: 2\n' }, { ci: 'true' });
  writeFileSync(
    join(dir, 'claw.yaml'),
    [
      'approvals: { approvers: [U0BENCH] }',
      'models: { routes: { change: ["codex:gpt-5.4"] } }',
      `workers: { concurrency: ${FLEET} }`,
      `runs: { concurrency: { global: ${FLEET}, perProcess: ${FLEET} } }`,
      'repos:',
      `  demo: { url: "file://${r.bare}", ci: "true" }`,
    ].join('\n'),
  );
  const config = loadConfig(
    {
      CLAW_CONFIG: join(dir, 'claw.yaml'),
      OPENAI_API_KEY: 'sk-bench',
      CODEX_PATH: writeStub(dir, lines),
    },
    join(dir, 'data'),
  );
  const store = await openStore({ dataDir: '', memory: true });
  await migrate(store.db);
  const supervisor = new Supervisor({
    db: store.db,
    config,
    logger: createLogger('silent'),
    kubeConfigFor: () => {
      throw new Error('no cluster in this bench');
    },
    sinks: [],
    housekeeping: housekeepingJobs(store.db, config),
    pollMs: 50,
  });
  const change = () =>
    createTask(store.db, { kind: 'change', source: 'cli', requester: 'bench', question: 'scale', repo: 'demo' });
  const rested = async (ids: string[]) => {
    for (;;) {
      const runs = await Promise.all(ids.map((id) => getRun(store.db, id)));
      if (runs.every((x) => x && ['awaiting_approval', 'succeeded', 'failed', 'escalated'].includes(x.status)))
        return runs;
      await new Promise((res) => setTimeout(res, 50));
    }
  };
  try {
    // CPU per 1,000 events: the stream turned into run events, stored and delivered, against parsing it.
    const { task, run } = await change();
    const parse = Math.min(
      ...(await Promise.all([0, 1, 2].map(() => cpuMs(() => void lines.map((l) => JSON.parse(l)))))),
    );
    let supervise = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 3; round++)
      supervise = Math.min(
        supervise,
        await cpuMs(async () => {
          const pump = new EventPump({
            db: store.db,
            task,
            run,
            sinks: [{ onEvent: () => {} }],
            logger: createLogger('silent'),
          });
          for (const l of lines) for (const e of codexEvents(JSON.parse(l) as ThreadEvent, '/w/clone')) pump.push(e);
          await pump.flush();
        }),
      );
    await supervisor.start();
    // One attempt alone (the ideal for a fleet whose attempts do not wait on each other), warm.
    await rested([(await change()).run.id]);
    const t0 = Date.now();
    await rested([(await change()).run.id]);
    const alone = Date.now() - t0;
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    const t1 = Date.now();
    const cpu1 = cpuNow();
    const ids = await Promise.all(Array.from({ length: FLEET }, async () => (await change()).run.id));
    const runs = await rested(ids);
    const fleet = Date.now() - t1;
    const cpu2 = cpuNow();
    const ownPerAttempt = (cpu2.own - cpu1.own) / FLEET;
    const childPerAttempt = (cpu2.children - cpu1.children) / FLEET;
    const cpuPerAttempt = ownPerAttempt + childPerAttempt;
    const cpus = availableParallelism();
    const cpuBound = (cpuPerAttempt * FLEET) / cpus;
    clearInterval(sampler);
    const proposed = runs.filter((x) => x!.status === 'awaiting_approval').length;
    return `## A fleet of coding agents

The supervisor's own cost with a stub Codex CLI that replays a recorded event stream
(${EVENTS.toLocaleString('en')} events: command executions started and completed), through the real Codex SDK, the CI
gate and the proposal, so the agents' own cost does not hide ours (\`npm run bench -- coding-fleet\`).
Each stub attempt spreads its events over ${ATTEMPT_MS / 1000} s; CI is \`true\`. On a machine with few CPUs the fleet
is bound by the processes each attempt starts (the agent CLI, git for the clone, commit, CI
checkout and bundle), not by the supervisor: compare the fleet's time with the CPU row.

| measure | value |
|---|---|
| supervising ${EVENTS.toLocaleString('en')} Codex events (to run events, stored, delivered) | ${supervise.toFixed(0)} ms of CPU |
| parsing their JSON lines alone (baseline) | ${parse.toFixed(1)} ms of CPU (${(supervise / parse).toFixed(0)}×) |
| one attempt alone: queued → proposal (the ideal) | ${(alone / 1000).toFixed(2)} s |
| ${FLEET} attempts at once (workers.concurrency ${FLEET}) | ${(fleet / 1000).toFixed(2)} s (${(fleet / alone).toFixed(2)}× the ideal), ${proposed} of ${FLEET} proposed |
| CPU per attempt | ${(cpuPerAttempt / 1000).toFixed(2)} s: ClusterClaw ${(ownPerAttempt / 1000).toFixed(2)} s, its children (stub CLI, git, CI) ${(childPerAttempt / 1000).toFixed(2)} s; ${FLEET} need ≥ ${(cpuBound / 1000).toFixed(1)} s of this machine's ${cpus} CPUs |
| RSS per concurrent attempt | ${((peak - rssBefore) / FLEET / 1024 / 1024).toFixed(1)} MB (peak ${(peak / 1024 / 1024).toFixed(0)} MB, at rest ${(rssBefore / 1024 / 1024).toFixed(0)} MB) |
`;
  } finally {
    await supervisor.stop();
    await store.close();
  }
}
