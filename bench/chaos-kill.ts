// Chaos: two `claw serve` replicas (child processes) on one PostgreSQL, one incident after another
// through their real HTTP surfaces, with a replica SIGKILLed at a random point of most rounds and
// PostgreSQL restarted under a run in some. Counts what must never happen: runs lost, changes
// applied twice, duplicate threads or tasks; and what a kill costs in time, against rounds
// without one in the same run.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../src/sandbox/start-sandbox.ts';
import { openStore } from '../src/store/db.ts';
import { FakeSlack } from '../test/fakes/fake-slack.ts';
import {
  CHAOS_CLAW_YAML,
  CHAOS_SECRET,
  incidentRound,
  incidentSeed,
  type KillPoint,
  openIncident,
  type RoundResult,
  seededRandom,
} from '../test/helpers/chaos.ts';
import { ReplicaSet } from '../test/helpers/replicas.ts';
import { TEST_SIGNING_KEY } from '../test/helpers/test-db.ts';
import { throwawayPostgres } from '../test/helpers/throwaway-postgres.ts';
import { freshDatabase } from './throwaway-postgres.ts';

const ROUNDS = Number(process.env.CHAOS_ROUNDS ?? 60);
const PG_RESTARTS = Number(process.env.CHAOS_PG_RESTARTS ?? 6);
const SEED = Number(process.env.CHAOS_SEED ?? 20261128);
const POINTS: KillPoint[] = ['none', 'ack', 'investigating', 'awaiting-approval', 'executing'];

interface Timed extends RoundResult {
  ms: number;
  recovered: boolean;
  pgRestart?: boolean;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)]! : Number.NaN;
};

export async function chaosKillSection(): Promise<string> {
  // Our own server: the last rounds restart it under a run.
  const pg = await throwawayPostgres();
  const url = await freshDatabase(pg.url, 'claw_chaos');
  const dir = await mkdtemp(join(tmpdir(), 'claw-chaos-bench-'));
  const total = ROUNDS + PG_RESTARTS;
  const sandbox = await startSandbox({
    stateYaml: incidentSeed(0),
    tickMs: 50,
    kubeconfigPath: join(dir, 'kubeconfig'),
  });
  const slack = new FakeSlack();
  await slack.start();
  await writeFile(join(dir, 'claw.yaml'), CHAOS_CLAW_YAML);
  const store = await openStore({
    databaseUrl: url,
    dataDir: '',
    signing: { key: TEST_SIGNING_KEY },
    onIdleError: () => {},
  });
  const replicas = await ReplicaSet.start(2, {
    DATABASE_URL: url,
    CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
    SLACK_BOT_TOKEN: 'xoxb-chaos',
    SLACK_SIGNING_SECRET: CHAOS_SECRET,
    SLACK_API_URL: slack.url,
    KUBECONFIG: join(dir, 'kubeconfig'),
    CLAW_CONFIG: join(dir, 'claw.yaml'),
    LOG_LEVEL: 'warn',
  });
  const rng = seededRandom(SEED);
  const w = { slack, sandbox, replicas, db: store.db, rng };
  const results: Timed[] = [];
  try {
    for (let i = 0; i < total; i++) {
      const pgRestart = i >= ROUNDS;
      const kill = pgRestart ? 'none' : POINTS[Math.floor(rng() * POINTS.length)]!;
      // Each round's namespace joins the cluster just before it (and leaves after): the simulated
      // kubelet's work stays that of one incident, however many rounds there are.
      openIncident(sandbox, i);
      const started = Date.now();
      const round = incidentRound(w, i, kill, { doubleClick: rng() < 0.5, timeoutMs: 90_000 });
      if (pgRestart) {
        // Under a run in progress: every connection of both replicas is cut.
        for (let t = 0; t < 300; t++) {
          const r = await store.db
            .selectFrom('runs')
            .innerJoin('tasks', 'tasks.id', 'runs.task_id')
            .select('runs.status')
            .where('tasks.slack_channel', '=', `C0ROUND${i}`)
            .executeTakeFirst()
            .catch(() => undefined);
          if (r?.status === 'running') break;
          await new Promise((res) => setTimeout(res, 10));
        }
        pg.restart();
      }
      const r = await round;
      results.push({
        ...r,
        ms: Date.now() - started,
        recovered: r.detail?.includes('"recovered":true') ?? false,
        pgRestart,
      });
      process.stderr.write(
        `round ${i} ${pgRestart ? 'pg-restart' : kill}: ${r.status} writes=${r.writes}${r.lost ? ` LOST ${r.detail}` : ''}\n`,
      );
    }
  } finally {
    await replicas.stopAll();
    await store.close();
    await sandbox.stop();
    await slack.stop();
    pg.stop();
    await rm(dir, { recursive: true, force: true });
  }
  return render(results, replicas.kills);
}

function render(results: Timed[], kills: number): string {
  const baseline = median(results.filter((r) => r.kill === 'none' && !r.pgRestart).map((r) => r.ms));
  const rows = [
    ...POINTS.map((p) => ({
      label:
        p === 'none'
          ? 'no kill (baseline)'
          : `SIGKILL ${p === 'ack' ? 'right after the command was acknowledged' : `while ${p}`}`,
      rs: results.filter((r) => r.kill === p && !r.pgRestart),
    })),
    { label: 'PostgreSQL restarted under a running run', rs: results.filter((r) => r.pgRestart) },
  ];
  const line = (label: string, rs: Timed[]) => {
    const lostRuns = rs.filter((r) => r.lost && r.tasks > 0).length;
    const lostCommands = rs.filter((r) => r.lost && r.tasks === 0).length;
    const doubles = rs.filter((r) => r.writes > 1).length;
    const dupTasks = rs.filter((r) => r.tasks > 1).length;
    const extraRoots = rs.reduce((n, r) => n + Math.max(0, r.threads - 1), 0);
    const executed = rs.filter((r) => r.proposal === 'executed').length;
    const m = median(rs.map((r) => r.ms));
    return `| ${label} | ${rs.length} | ${rs.reduce((n, r) => n + r.killed, 0)} | **${lostRuns}** | **${lostCommands}** | **${doubles}** | **${dupTasks}** | ${extraRoots} | ${executed} (${rs.filter((r) => r.recovered).length} recovered) | ${(m / 1000).toFixed(1)} s (${(m / baseline).toFixed(1)}×) |`;
  };
  const all = results;
  return `## Chaos: replicas killed, PostgreSQL restarted

\`bench/chaos-kill.ts\` (\`npm run bench -- chaos-kill\`; seed ${SEED}): two \`claw serve\` replicas as child processes on one PostgreSQL, the fake Slack and the simulated cluster in the bench process. Each round is one incident in its own namespace (cart 1.4.2 crash-looping) driven through the replicas' HTTP surfaces: \`/claw investigate\` to a random replica, the rollout_undo proposal, an Approve click (half of them a double click on both replicas at once), execution and verification. A random kill point per round: none, the replica that acknowledged the command right after its ack, or the run's lease holder while investigating, while the run awaits approval (a random replica) or once execution has started; the killed replica restarts within a second (\`runs.leaseSeconds: 2\`). Then ${PG_RESTARTS} rounds with PostgreSQL restarted (\`pg_ctl restart -m fast\`) while the run is in progress. A write counts when the Deployment's generation moved; "recovered" is an execution whose executor died and whose outcome the run's next owner established without applying it again.

| round | rounds | kills | **runs lost** (goal 0) | **commands lost after the ack** (goal 0) | **double executions** (goal 0) | **duplicate tasks** (goal 0) | extra root messages | proposals executed | median round (vs no kill) |
|---|---|---|---|---|---|---|---|---|---|
${rows.map((r) => line(r.label, r.rs)).join('\n')}
| **all** | ${all.length} | ${kills} | **${all.filter((r) => r.lost && r.tasks > 0).length}** | **${all.filter((r) => r.lost && r.tasks === 0).length}** | **${all.filter((r) => r.writes > 1).length}** | **${all.filter((r) => r.tasks > 1).length}** | ${all.reduce((n, r) => n + Math.max(0, r.threads - 1), 0)} | ${all.filter((r) => r.proposal === 'executed').length} | ${(median(all.map((r) => r.ms)) / 1000).toFixed(1)} s |

An acknowledged command is stored before Slack gets its 200 and started by the replica that acked it, or — when that replica died — by any replica's \`slack-inbox\` sweep (every 5 s, for requests older than 10 s): hence the ack-kill rounds' longer median. An extra root message appears when a replica dies in the milliseconds between Slack accepting the thread's root and the store recording it: the retry cannot know that post happened and opens the thread again (the task is still created once).
`;
}

if (import.meta.main) process.stdout.write(await chaosKillSection());
