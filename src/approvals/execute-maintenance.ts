import { appendAudit } from '../audit/audit-log.ts';
import { describeKubeError } from '../cluster/api-error.ts';
import { impersonating } from '../cluster/impersonate.ts';
import { KubeReader } from '../cluster/kube-reader.ts';
import { KubeWriter } from '../cluster/kube-writer.ts';
import { cordonStep, evictable, type MaintenancePlanRequest } from '../domain/maintenance-plan.ts';
import { isNodeReady, type KubeObject } from '../lib/kube-object.ts';
import { recordExecution } from '../store/proposals.ts';
import type { Proposal } from '../store/schema.ts';
import { getTask } from '../store/tasks.ts';
import { actingIdentity, approverAuthority } from './approver-authority.ts';
import type { ExecuteDeps } from './execute.ts';
import { failedExecution, type HalfExecution } from './execution-half.ts';
import { judgeMaintenance, nodesHash } from './propose-maintenance.ts';

class Stop extends Error {}

/**
 * The executor's plan half: an approved node maintenance plan, run once, one node at a time.
 * Before the first step the nodes must be as approved and the approvers authorized. Each node:
 * cordon (verified), drain — the pods it runs then, judged by policy again, evicted through the
 * Eviction API and retried while a PodDisruptionBudget refuses, until none is left or the drain
 * times out — the change (verified), uncordon (verified Ready and schedulable). Progress is
 * reported step by step; the first failure stops the plan, naming the node and the way back.
 */
export async function executeMaintenancePlan(
  deps: ExecuteDeps,
  p: Proposal,
  req: MaintenancePlanRequest,
  ctx: { executor: string; startedAt: string; actor: string; approvers: string[] },
): Promise<HalfExecution> {
  const acting = actingIdentity(deps.config, ctx.approvers);
  if (!acting.ok) return failedExecution(`refused: ${acting.reason}`);
  const kc = deps.kubeConfigFor(p.cluster);
  const reader = new KubeReader(kc);
  const writer = new KubeWriter(acting.who ? impersonating(kc, acting.who) : kc);
  if ((await nodesHash(reader, req.nodes)) !== p.target_spec_hash)
    return failedExecution(
      'not applied: a node of the plan changed since it was proposed, so the approval is void; a new proposal is needed',
      {
        stale: true,
      },
    );
  const authority = await approverAuthority(
    reader,
    deps.config,
    ctx.approvers,
    req.nodes.map((n) => cordonStep(n, true)),
  );
  if (!authority.ok) return failedExecution(`refused: ${authority.reason}`);
  await appendAudit(deps.db, {
    actor: ctx.actor,
    action: 'proposal.executing',
    subject: p.id,
    data: { artifactHash: p.artifact_hash, approvers: ctx.approvers, nodes: req.nodes },
  });
  if (
    !(await recordExecution(deps.db, p.id, {
      executor: ctx.executor,
      startedAt: ctx.startedAt,
      before: { nodes: req.nodes },
    }))
  )
    return { settled: false, reason: 'another process took this execution over; nothing was applied here' };
  const requester = (await getTask(deps.db, p.task_id))?.requester ?? '';
  const say = (m: string) => deps.progress?.(m);
  const done: string[] = [];
  let applied = false;
  for (const [i, node] of req.nodes.entries()) {
    const at = `${i + 1}/${req.nodes.length} ${node}`;
    let stage = 'cordon';
    try {
      say(`${at}: cordoning`);
      await writer.apply(cordonStep(node, true));
      applied = true;
      await until(reader, node, (n) => Boolean(n.spec?.unschedulable), 30_000, 'is not cordoned');
      stage = 'drain';
      const moved = await drainNode(deps, reader, writer, req, node, requester, (m) => say(`${at}: ${m}`));
      say(`${at}: drained (${moved} pod(s) evicted)`);
      stage = 'change';
      await change(reader, writer, req, node, (m) => say(`${at}: ${m}`));
      stage = 'uncordon';
      await writer.apply(cordonStep(node, false));
      await until(
        reader,
        node,
        (n) => !n.spec?.unschedulable && isNodeReady(n),
        60_000,
        'is not Ready and schedulable',
      );
      done.push(node);
      say(`${at}: done — back in service`);
    } catch (e) {
      const why = e instanceof Stop ? e.message : describeKubeError(e);
      const back =
        stage === 'cordon'
          ? `nothing to undo on ${node}`
          : `kubectl uncordon ${node} puts it back in service (evicted pods are recreated elsewhere)`;
      return failedExecution(
        `stopped at ${at}, ${stage}: ${why}. Done: ${done.join(', ') || 'none'}; not started: ${req.nodes.slice(i + 1).join(', ') || 'none'}. The way back: ${back}`,
        { applied },
      );
    }
  }
  return {
    settled: true,
    status: 'executed',
    outcome: {
      applied: true,
      verified: true,
      message: `all ${req.nodes.length} node(s) maintained one at a time and back in service: ${done.join(', ')}`,
    },
  };
}

/** Evicts what the node runs until nothing evictable is left; a budget's refusal is retried until the timeout. */
async function drainNode(
  deps: ExecuteDeps,
  reader: KubeReader,
  writer: KubeWriter,
  req: MaintenancePlanRequest,
  node: string,
  requester: string,
  say: (m: string) => void,
): Promise<number> {
  // Pods moved since the approval (the previous node's, for one): policy judges this drain as it is now.
  const decided = await judgeMaintenance({ reader, config: deps.config, db: deps.db }, req, {
    requester,
    risk: 'high',
    nodes: [node],
    executing: true,
  });
  if (decided.decision === 'deny')
    throw new Stop(`policy now denies draining it: ${decided.reason} (rule ${decided.rule})`);
  const deadline = Date.now() + req.drainTimeoutSeconds * 1000;
  const evicted = new Set<string>();
  let blocked = '';
  for (;;) {
    const left = evictable(await reader.listPods(undefined, `spec.nodeName=${node}`)).filter(
      (x) => !x.metadata.deletionTimestamp,
    );
    if (!left.length) return evicted.size;
    const refused: string[] = [];
    for (const pod of left) {
      try {
        await writer.apply({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: pod.metadata.namespace,
          name: pod.metadata.name,
          verb: 'evict',
          uid: pod.metadata.uid,
        });
        evicted.add(pod.metadata.uid!);
      } catch (e) {
        const code = (e as { code?: number }).code;
        if (code === 404) continue;
        if (code !== 429) throw e;
        refused.push(`${pod.metadata.namespace}/${pod.metadata.name}: ${describeKubeError(e)}`);
      }
    }
    const now = refused.join('; ');
    if (now && now !== blocked) say(`drain waiting: ${now}`);
    blocked = now;
    if (Date.now() >= deadline)
      throw new Stop(
        `the drain did not finish in ${req.drainTimeoutSeconds}s${blocked ? `: PodDisruptionBudgets still refuse ${blocked}` : `: ${left.length} pod(s) still terminating`}`,
      );
    await new Promise((r) => setTimeout(r, deps.pollMs ?? 1000));
  }
}

async function change(
  reader: KubeReader,
  writer: KubeWriter,
  req: MaintenancePlanRequest,
  node: string,
  say: (m: string) => void,
) {
  const c = req.change;
  if (c.kind === 'none') return;
  if (c.kind === 'labels') {
    await writer.apply({
      apiVersion: 'v1',
      kind: 'Node',
      name: node,
      verb: 'patch',
      patchType: 'strategic',
      body: { metadata: { labels: c.labels } },
    });
    await until(
      reader,
      node,
      (n) => Object.entries(c.labels).every(([k, v]) => n.metadata.labels?.[k] === v),
      30_000,
      'does not carry the labels',
    );
    say(`labelled ${Object.keys(c.labels).join(', ')}`);
    return;
  }
  say(`waiting for kubelet ${c.version}`);
  await until(
    reader,
    node,
    (n) => n.status?.nodeInfo?.kubeletVersion === c.version && isNodeReady(n),
    req.changeTimeoutSeconds * 1000,
    `does not report kubelet ${c.version} and Ready`,
  );
  say(`reports kubelet ${c.version} and Ready`);
}

/** Polls the node until `ok`, or stops the plan saying what it still is not. */
async function until(reader: KubeReader, name: string, ok: (n: KubeObject) => boolean, timeoutMs: number, not: string) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await reader.read({ apiVersion: 'v1', kind: 'Node', name });
    if (ok(n)) return;
    if (Date.now() >= deadline)
      throw new Stop(
        `after ${Math.round(timeoutMs / 1000)}s, ${name} ${not} (kubelet ${n.status?.nodeInfo?.kubeletVersion ?? '?'}, ${isNodeReady(n) ? 'Ready' : 'NotReady'}${n.spec?.unschedulable ? ', cordoned' : ''})`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}
