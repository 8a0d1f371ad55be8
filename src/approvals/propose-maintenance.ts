import { stringify } from 'yaml';
import type { KubeReader } from '../cluster/kube-reader.ts';
import type { ProposalRefused } from '../domain/errors.ts';
import { cordonStep, evictable, type MaintenancePlanRequest, maintenanceSteps } from '../domain/maintenance-plan.ts';
import type { WritePlan } from '../domain/write-plan.ts';
import { sha256 } from '../lib/canonical-json.ts';
import type { PolicyInput } from '../policy/evaluate.ts';
import { countActive } from '../store/proposals.ts';
import type { Proposal, Task } from '../store/schema.ts';
import { artifactHash } from './artifact.ts';
import { backupAges } from './backup-freshness.ts';
import { dryRunDigest, dryRunRecord } from './dry-run-record.ts';
import { strictestPolicy } from './judge-objects.ts';
import type { ProposeDeps } from './propose.ts';
import { recordRefusal } from './record-refusal.ts';
import { storeProposal } from './store-proposal.ts';

/**
 * The state a plan was approved against: each node's spec, labels and kubelet version. The
 * executor compares it before the first step, so a node someone changed meanwhile voids it.
 */
export async function nodesHash(reader: KubeReader, nodes: string[]): Promise<string> {
  const seen = await Promise.all(nodes.map((name) => reader.read({ apiVersion: 'v1', kind: 'Node', name })));
  return sha256(
    seen.map((n) => ({
      name: n.metadata.name,
      spec: n.spec ?? {},
      labels: n.metadata.labels ?? {},
      kubelet: n.status?.nodeInfo?.kubeletVersion,
    })),
  );
}

/** Policy's view of the plan at one moment: each node a drain of the pods it runs now. */
export async function judgeMaintenance(
  deps: Pick<ProposeDeps, 'reader' | 'config' | 'db'>,
  req: MaintenancePlanRequest,
  base: { requester: string; risk: PolicyInput['risk']; nodes?: string[]; executing?: boolean },
) {
  const cluster = deps.reader.cluster;
  // While executing, the plan itself is one of the active drains: only the others count against it.
  const active =
    (await countActive(deps.db, cluster, 'drain')) +
    (await countActive(deps.db, cluster, 'node_maintenance')) -
    (base.executing ? 1 : 0);
  const backups = await backupAges(deps.reader, deps.config, 'node_maintenance', cluster);
  const inputs: PolicyInput[] = [];
  for (const name of base.nodes ?? req.nodes) {
    const node = await deps.reader.read({ apiVersion: 'v1', kind: 'Node', name });
    const evictions: Record<string, string[]> = {};
    for (const p of evictable(await deps.reader.listPods(undefined, `spec.nodeName=${name}`))) {
      const ns = p.metadata.namespace!;
      evictions[ns] = [...(evictions[ns] ?? []), p.metadata.name];
    }
    inputs.push({
      action: 'node_maintenance',
      cluster,
      target: { kind: 'Node', name },
      evictions,
      labels: node.metadata.labels,
      risk: base.risk,
      blastRadius: { pods: Object.values(evictions).flat().length },
      requester: base.requester,
      at: new Date(),
      activeDrains: active,
      ...(backups ? { backups } : {}),
    });
  }
  return strictestPolicy(inputs, deps.config, base.risk);
}

/**
 * A node maintenance plan → a pending proposal. Policy judges each node as a drain of what it
 * runs now (and the executor judges each drain again when it gets there: pods move meanwhile);
 * every cordon is server-side dry-run; the artifact covers the plan, the nodes' state and the
 * dry-run. The card lists every step.
 */
export async function proposeMaintenance(
  deps: ProposeDeps,
  input: { task: Task; runId: string; plan: WritePlan; request: MaintenancePlanRequest },
): Promise<Proposal> {
  const { task, runId, plan, request } = input;
  const cluster = deps.reader.cluster;
  const target = { kind: 'Node', name: request.nodes[0]! };
  const refuse = (stage: ProposalRefused['stage'], rule: string, reason: string) =>
    recordRefusal(
      deps.db,
      {
        runId,
        taskId: task.id,
        action: 'node_maintenance',
        cluster,
        target,
        request,
        risk: plan.risk,
        blastRadius: { ...plan.blastRadius, rollback: plan.rollback },
        rationale: plan.summary,
      },
      stage,
      { rule, reason },
    );
  const decided = await judgeMaintenance(deps, request, { requester: task.requester, risk: plan.risk });
  if (decided.decision === 'deny')
    throw await refuse('policy', decided.rule, `${decided.reason} (rule ${decided.rule})`);
  let record: ReturnType<typeof dryRunRecord>;
  try {
    record = dryRunRecord(
      await deps.reader.dryRun({ verb: 'sequence', steps: request.nodes.map((n) => cordonStep(n, true)) }),
    );
  } catch (e) {
    throw await refuse('dry_run', 'dry-run', `the server rejected a cordon in a dry-run: ${(e as Error).message}`);
  }
  const targetSpecHash = await nodesHash(deps.reader, request.nodes);
  const steps = maintenanceSteps(request);
  const warnings = decided.unsatisfiable ? [`cannot be approved as configured: ${decided.unsatisfiable}`] : [];
  return storeProposal(deps.db, deps.config, {
    task,
    runId,
    action: 'node_maintenance',
    cluster,
    target,
    request,
    targetSpecHash,
    artifactHash: artifactHash({
      cluster,
      action: 'node_maintenance',
      request,
      targetSpecHash,
      dryRun: dryRunDigest(record),
    }),
    dryRun: record,
    diff: ['# the plan, step by step (each verified before the next; stops at the first failure):', ...steps].join(
      '\n',
    ),
    requestView: stringify({ ...request, steps }),
    risk: plan.risk,
    blastRadius: { ...plan.blastRadius, rollback: plan.rollback, ...(warnings.length ? { warnings } : {}) },
    rationale: plan.summary,
    approval: { count: decided.count, approvers: decided.approvers, rule: decided.rule },
    audit: { warnings, trace: decided.trace },
  });
}
