import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { T } from '../../src/sandbox/cluster-state.ts';
import { loadState } from '../../src/sandbox/load-state.ts';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, warmUp } from '../../src/sandbox/start-sandbox.ts';
import type { Db } from '../../src/store/db.ts';
import type { FakeSlack } from '../fakes/fake-slack.ts';
import type { ReplicaSet } from './replicas.ts';
import { buttonClickBody, postSigned, slashCommandBody } from './slack-requests.ts';

export const CHAOS_SECRET = 'chaos-signing-secret';
export const CHAOS_APPROVER = 'U0APPROVER1';
export const CHAOS_CLAW_YAML = `approvals:\n  approvers: [${CHAOS_APPROVER}]\nmodels:\n  routes:\n    investigate: [runbooks]\nruns:\n  leaseSeconds: 2\n  shutdownSeconds: 1\nschedule:\n  dailyDigest: false\nalerts:\n  digest: { threshold: 1000 }\n`;

const DEMO_DOCS = () => parseAllDocuments(readFileSync(DEMO_SEED, 'utf8')).map((d) => d.toJS());
const inShop = (doc: any) =>
  doc.metadata?.namespace === 'shop' || (doc.kind === 'Namespace' && doc.metadata.name === 'shop');

/** The demo incident's namespaced objects (cart 1.4.2 crash-looping) as namespace shop-<i>. */
export function namespaceYaml(i: number): string {
  return DEMO_DOCS()
    .filter(inShop)
    .map((doc) => {
      const copy = JSON.parse(JSON.stringify(doc).replaceAll('redis.shop.svc', `redis.shop-${i}.svc`));
      if (copy.kind === 'Namespace') copy.metadata.name = `shop-${i}`;
      else copy.metadata.namespace = `shop-${i}`;
      return stringify(copy);
    })
    .join('---\n');
}

/** Nodes (big enough for every round) and image behaviours, plus the incidents shop-0 … shop-(n-1). */
export function incidentSeed(n: number): string {
  const base = DEMO_DOCS()
    .filter((d) => !inShop(d))
    .map((doc) => {
      if (doc.kind === 'Node')
        doc.status.allocatable = doc.status.capacity = { cpu: '64', memory: '256Gi', pods: '2000' };
      return stringify(doc);
    });
  return [...base, ...Array.from({ length: n }, (_, i) => namespaceYaml(i))].join('---\n');
}

/** Adds incident `i` to a running sandbox and lets simulated time pass until it crash-loops. */
export function openIncident(sandbox: Sandbox, i: number): void {
  loadState(sandbox.state, namespaceYaml(i));
  warmUp(sandbox.state, 30);
}

/** Removes a finished round's workloads, so the simulated kubelet keeps to the live rounds. */
export function retireIncident(sandbox: Sandbox, i: number): void {
  const store = sandbox.state.store;
  for (const type of [T.deployment, T.replicaSet, T.pod, T.event]) {
    for (const o of store.list(type, `shop-${i}`)) {
      try {
        store.delete(type, o.metadata.namespace, o.metadata.name);
      } catch {
        // Already gone (a controller removed it first).
      }
    }
  }
}

/** A seeded generator (LCG): a failing chaos run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/**
 * Where a replica is SIGKILLed: `ack` kills the replica that acknowledged the command at once;
 * the others kill the run's lease holder (or a random replica while nobody holds the run).
 */
export type KillPoint = 'none' | 'ack' | 'investigating' | 'awaiting-approval' | 'executing';

export interface World {
  slack: FakeSlack;
  sandbox: Sandbox;
  replicas: ReplicaSet;
  db: Db;
  rng: () => number;
}

export interface RoundResult {
  round: number;
  kill: KillPoint;
  killed: number;
  status: string;
  proposal?: string;
  /** Writes that reached the cluster for this round's target (1 when executed, never more). */
  writes: number;
  /** Root messages in the round's channel: one thread per request. */
  threads: number;
  tasks: number;
  lost: boolean;
  detail?: string;
}

const TERMINAL = new Set(['succeeded', 'failed', 'escalated', 'cancelled']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(w: World): number[] {
  return w.replicas.ports.map((_, i) => i).filter((i) => w.replicas.alive(i));
}

/** POSTs to a live replica, trying the others when one refuses the connection (it just died). */
async function toAnyReplica(w: World, body: string, prefer?: number): Promise<Response & { replica?: number }> {
  const order = [
    ...new Set([prefer ?? Math.floor(w.rng() * w.replicas.ports.length), ...w.replicas.ports.map((_, i) => i)]),
  ];
  let last: unknown;
  for (let attempt = 0; attempt < 20; attempt++) {
    for (const i of order) {
      if (!w.replicas.alive(i)) continue;
      try {
        return Object.assign(await postSigned(`${w.replicas.url(i)}/slack/events`, CHAOS_SECRET, body), { replica: i });
      } catch (e) {
        last = e;
      }
    }
    await sleep(250);
  }
  throw new Error(`no replica answered: ${(last as Error)?.message}`);
}

async function poll<T>(probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 100): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // The database may be restarting under us (a chaos case): a failed probe is just "not yet".
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(everyMs);
  }
  return undefined;
}

/** SIGKILLs the replica holding `runId`'s lease (or a random live one), then starts it again. */
async function killOne(w: World, runId: string | undefined, restarts: Promise<void>[]): Promise<number> {
  let victim: number | undefined;
  if (runId) {
    const owner = (await w.db.selectFrom('runs').select('lease_owner').where('id', '=', runId).executeTakeFirst())
      ?.lease_owner;
    victim = w.replicas.ports.map((_, i) => i).find((i) => owner && w.replicas.owner(i) === owner);
  }
  const candidates = alive(w);
  victim ??= candidates[Math.floor(w.rng() * candidates.length)];
  if (victim === undefined) return 0;
  await w.replicas.kill(victim);
  const v = victim;
  restarts.push(sleep(300 + w.rng() * 700).then(() => w.replicas.startOne(v)));
  return 1;
}

/**
 * One incident, end to end, through the replicas' real HTTP surfaces: `/claw investigate` in
 * namespace shop-<round>, the rollout_undo proposal, an approval click (sometimes a double click
 * on two replicas at once), execution and verification; with a replica SIGKILLed at `kill`.
 */
export async function incidentRound(
  w: World,
  round: number,
  kill: KillPoint,
  opts: { doubleClick?: boolean; timeoutMs?: number } = {},
): Promise<RoundResult> {
  const ns = `shop-${round}`;
  const channel = `C0ROUND${round}`;
  const restarts: Promise<void>[] = [];
  let killed = 0;
  const result = (r: Partial<RoundResult>): RoundResult => ({
    round,
    kill,
    killed,
    status: 'none',
    writes: 0,
    threads: 0,
    tasks: 0,
    lost: false,
    ...r,
  });
  const timeoutMs = opts.timeoutMs ?? 120_000;

  const ack = await toAnyReplica(
    w,
    slashCommandBody({ text: `investigate cart is crash-looping in ${ns}`, user: 'U0ONCALL', channel }),
  );
  if (ack.status !== 200) return result({ lost: true, detail: `command answered ${ack.status}` });
  if (kill === 'ack' && ack.replica !== undefined) {
    await w.replicas.kill(ack.replica);
    killed++;
    const r = ack.replica;
    restarts.push(sleep(300).then(() => w.replicas.startOne(r)));
  }
  // The task exists once the acknowledging replica has posted the root message and stored it.
  const task = await poll(
    () => w.db.selectFrom('tasks').select(['id']).where('slack_channel', '=', channel).executeTakeFirst(),
    40_000,
  );
  if (!task) {
    await Promise.all(restarts);
    return result({ lost: true, detail: 'no task was created for the acknowledged command' });
  }
  // Polled like every read here: the database may be restarting under this very query.
  const found = await poll(
    () => w.db.selectFrom('runs').select(['id']).where('task_id', '=', task.id).executeTakeFirst(),
    40_000,
  );
  if (!found) {
    await Promise.all(restarts);
    return result({ lost: true, detail: `task ${task.id} has no run` });
  }
  const run = found.id;

  if (kill === 'investigating') {
    await poll(
      async () =>
        (await w.db.selectFrom('runs').select('status').where('id', '=', run).executeTakeFirst())?.status === 'running'
          ? true
          : undefined,
      5000,
      20,
    );
    await sleep(w.rng() * 800);
    killed += await killOne(w, run, restarts);
  }
  const proposal = await poll(
    () =>
      w.db
        .selectFrom('proposals')
        .select(['id', 'status', 'slack_ts'])
        .where('run_id', '=', run)
        .where('status', '=', 'pending')
        .executeTakeFirst(),
    timeoutMs,
  );
  if (!proposal) {
    const r = await w.db
      .selectFrom('runs')
      .select(['status', 'error', 'summary'])
      .where('id', '=', run)
      .executeTakeFirst();
    await Promise.all(restarts);
    return result({
      status: r?.status ?? 'missing',
      lost: !TERMINAL.has(r?.status ?? ''),
      detail: `no proposal: run ${r?.status} ${r?.error ?? r?.summary ?? ''}`,
    });
  }
  if (kill === 'awaiting-approval') killed += await killOne(w, undefined, restarts);

  // The card may not be posted yet (or its replica died first): a click carries whatever ts it had.
  const card = w.slack
    .callsTo('chat.postMessage')
    .find((c) => JSON.stringify(c.args.blocks ?? '').includes(proposal.id));
  const click = () =>
    buttonClickBody({
      actionId: 'claw_approve',
      value: proposal.id,
      user: CHAOS_APPROVER,
      channel,
      messageTs: String(card?.result?.ts ?? proposal.slack_ts ?? '1700000000.000001'),
      threadTs: String(card?.args.thread_ts ?? '1700000000.000001'),
    });
  const live = alive(w);
  if (opts.doubleClick && live.length > 1) await Promise.all(live.slice(0, 2).map((i) => toAnyReplica(w, click(), i)));
  else await toAnyReplica(w, click());
  if (kill === 'executing') {
    await poll(
      async () =>
        (await w.db.selectFrom('runs').select('status').where('id', '=', run).executeTakeFirst())?.status === 'running'
          ? true
          : undefined,
      10_000,
      20,
    );
    await sleep(w.rng() * 1500);
    killed += await killOne(w, run, restarts);
  }
  // Pending approvals survive a kill: a replica that never saw the first click approves on a retry.
  const decided = await poll(async () => {
    const p = await w.db.selectFrom('proposals').select('status').where('id', '=', proposal.id).executeTakeFirst();
    return p && p.status !== 'pending' ? p.status : undefined;
  }, 10_000);
  if (!decided) await toAnyReplica(w, click());

  const final = await poll(
    async () => {
      const r = await w.db.selectFrom('runs').select(['status']).where('id', '=', run).executeTakeFirst();
      return r && TERMINAL.has(r.status) ? r.status : undefined;
    },
    timeoutMs,
    200,
  );
  await Promise.all(restarts);
  const stored = await w.db
    .selectFrom('proposals')
    .select(['status', 'outcome'])
    .where('id', '=', proposal.id)
    .executeTakeFirst();
  const stuck = final
    ? undefined
    : await w.db
        .selectFrom('runs')
        .select(['status', 'lease_owner', 'lease_expires_at', 'attempt', 'history', 'not_before'])
        .where('id', '=', run)
        .executeTakeFirst();
  // Every change to the Deployment's spec bumps its generation (2 as seeded): the count of writes
  // that reached it, which no journal cap can lose.
  const writes = (w.sandbox.state.store.get(T.deployment, ns, 'cart')?.metadata.generation ?? 2) - 2;
  const threads = w.slack
    .callsTo('chat.postMessage')
    .filter((c) => c.args.channel === channel && !c.args.thread_ts).length;
  const tasks = (await w.db.selectFrom('tasks').select('id').where('slack_channel', '=', channel).execute()).length;
  retireIncident(w.sandbox, round);
  return result({
    status: final ?? 'not finished',
    proposal: stored?.status,
    writes,
    threads,
    tasks,
    lost: !final,
    detail: final
      ? JSON.stringify(stored?.outcome ?? null).slice(0, 200)
      : `run ${run} did not finish within ${timeoutMs} ms: ${JSON.stringify(stuck)}`,
  });
}
