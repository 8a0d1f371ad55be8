import type { RunCheckpoint } from '../../domain/run-checkpoint.ts';
import type { UpgradeReport } from '../../domain/upgrade-report.ts';
import { stepsOf } from '../../domain/write-request.ts';
import type { Proposal } from '../../store/schema.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';

/** How long one look follows the rollout before the run steps aside (deferred, holding no worker). */
const WINDOW_MS = 10 * 60_000;
const POLL_MS = 2_000;
/** An upgrade still running after this long is handed to humans. */
const GIVE_UP_MS = 24 * 3_600_000;
const LOOK_AGAIN_MS = 60_000;

type Progress = { done: true; message: string } | { failed: true; message: string } | { message: string };

/**
 * An accepted upgrade is followed to its end: OpenShift until the ClusterVersion's history says
 * Completed (or the update fails), a Cluster API pool until every machine runs the new version,
 * a control plane until it reports it. Progress goes to the thread as it changes; after ten
 * minutes the run is deferred and looks again every minute, for up to a day.
 */
export async function followUpgrade(ctx: WorkerContext, p: Proposal, about: string): Promise<WorkerResult> {
  const since = (ctx.checkpoint as { upgradeWait?: { since: string } } | undefined)?.upgradeWait?.since;
  const started = since ? Date.parse(since) : Date.now();
  const deadline = Date.now() + WINDOW_MS;
  let last = '';
  while (Date.now() < deadline && !ctx.signal.aborted) {
    const report = await ctx.callTool<UpgradeReport>('upgrade_status', {});
    const now = progressOf(report, p);
    if ('done' in now) return { status: 'succeeded', summary: `${about}. ${now.message}.` };
    if ('failed' in now) return { status: 'escalated', summary: `${about}. ${now.message}. A human should look now.` };
    if (now.message !== last) ctx.emit({ type: 'step', data: { message: now.message } });
    last = now.message;
    ctx.heartbeat();
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  if (Date.now() - started >= GIVE_UP_MS)
    return { status: 'escalated', summary: `${about}. Still not finished after a day: ${last}. A human should look.` };
  const cp: RunCheckpoint & { upgradeWait: { since: string } } = {
    ...(ctx.checkpoint ?? {}),
    proposalId: p.id,
    upgradeWait: { since: new Date(started).toISOString() },
  };
  return {
    status: 'waiting',
    summary: `${about}. In progress: ${last}; followed here until it completes.`,
    checkpoint: cp,
    until: new Date(Date.now() + LOOK_AGAIN_MS),
  };
}

/** Where the upgrade a proposal made stands now. */
export function progressOf(report: UpgradeReport, p: Proposal): Progress {
  const body = (stepsOf(p.request as never)[0] as { body?: any }).body ?? {};
  if (p.action === 'cluster_upgrade') {
    const want = body.spec?.desiredUpdate?.version as string;
    const os = report.openshift;
    const latest = os?.history[0];
    if (latest?.version === want && latest.state === 'Completed') {
      const behind = (os?.operators ?? []).filter((o) => o.version !== want).map((o) => o.name);
      return behind.length
        ? {
            message: `the update to ${want} is recorded Completed, but ${behind.join(', ')} still report another version`,
          }
        : { done: true, message: `Resolved: OpenShift ${want} is installed; every cluster operator reports it` };
    }
    if (os?.conditions.Failing?.status === 'True')
      return {
        failed: true,
        message: `The update to ${want} is failing: ${os.conditions.Failing.message ?? os.conditions.Failing.reason}`,
      };
    const pools = (os?.pools ?? [])
      .map((x) => `${x.name} ${x.updated}/${x.machineCount}${x.paused ? ' (paused)' : ''}`)
      .join(', ');
    return {
      message: `${os?.conditions.Progressing?.message ?? `updating to ${want}`}${pools ? `; pools: ${pools}` : ''}`,
    };
  }
  const t = p.target;
  for (const c of report.clusterApi) {
    if (c.namespace !== t.namespace) continue;
    const pool = c.pools.find((x) => x.kind === t.kind && x.name === t.name);
    if (pool) {
      const want = body.spec?.template?.spec?.version ?? pool.version;
      const replicas = body.spec?.replicas ?? pool.replicas;
      if (pool.phase === 'Failed')
        return { failed: true, message: `${t.kind} ${t.namespace}/${t.name} failed its rollout` };
      if (
        pool.version === want &&
        pool.updated === replicas &&
        (pool.ready ?? replicas) === replicas &&
        pool.phase !== 'ScalingUp'
      )
        return {
          done: true,
          message: `Resolved: ${t.kind} ${t.namespace}/${t.name} runs ${want} on all ${replicas} machine(s)`,
        };
      return {
        message: `${t.kind} ${t.name}: ${pool.updated ?? '?'}/${replicas ?? '?'} machines on ${want} (${pool.phase ?? 'rolling'})`,
      };
    }
    if (c.controlPlane?.kind === t.kind && c.controlPlane.name === t.name) {
      const want = body.spec?.version;
      const norm = (v: unknown) => String(v ?? '').replace(/^v/, '');
      if (c.controlPlane.statusVersion && norm(c.controlPlane.statusVersion).startsWith(norm(want)))
        return {
          done: true,
          message: `Resolved: control plane ${t.kind} ${t.namespace}/${t.name} runs ${c.controlPlane.statusVersion}`,
        };
      return {
        message: `control plane ${t.name}: ${c.controlPlane.message ?? `at ${c.controlPlane.statusVersion ?? '?'}, going to ${want}`}`,
      };
    }
    if (t.kind === 'Cluster' && c.name === t.name) {
      const want = body.spec?.topology?.version;
      const behind = c.pools.filter((x) => x.version !== want || x.updated !== x.replicas);
      if (c.controlPlane?.statusVersion === want && !behind.length)
        return {
          done: true,
          message: `Resolved: cluster ${t.namespace}/${t.name} runs ${want}: control plane and every pool`,
        };
      return {
        message: `cluster ${t.name}: control plane at ${c.controlPlane?.statusVersion ?? '?'}, ${behind.length} pool(s) still rolling to ${want}`,
      };
    }
  }
  return { failed: true, message: `${t.kind} ${t.namespace}/${t.name} is no longer there` };
}
