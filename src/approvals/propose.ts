import { appendAudit } from '../audit/audit-log.ts';
import { describeKubeError } from '../cluster/api-error.ts';
import type { KubeReader } from '../cluster/kube-reader.ts';
import { redactText } from '../cluster/redact.ts';
import { scrubValues, secretValues } from '../cluster/secret-values.ts';
import type { Config } from '../config/config.ts';
import { type ProposalRefused, RequestInvalid } from '../domain/errors.ts';
import { reconcilingOwnerMark } from '../domain/gitops-owner.ts';
import { isHelmRollback } from '../domain/helm-rollback.ts';
import { isMaintenancePlan } from '../domain/maintenance-plan.ts';
import type { WritePlan } from '../domain/write-plan.ts';
import { primaryRef, type WriteRequest } from '../domain/write-request.ts';
import type { PolicyInput } from '../policy/evaluate.ts';
import type { Db } from '../store/db.ts';
import { countActive } from '../store/proposals.ts';
import type { Proposal, Task } from '../store/schema.ts';
import { absent, artifactHash, contentHash } from './artifact.ts';
import { backupAges } from './backup-freshness.ts';
import { canonicalRequest, requestReach, veleroReach } from './canonical-request.ts';
import { requestForReview } from './card-redaction.ts';
import { changeDiff, dryRunDigest, dryRunRecord } from './dry-run-record.ts';
import { objectJudgements, strictestPolicy } from './judge-objects.ts';
import { proposeHelmRollback } from './propose-helm-rollback.ts';
import { proposeMaintenance } from './propose-maintenance.ts';
import { recordRefusal } from './record-refusal.ts';
import { dangerousChanges, maxRisk } from './request-risk.ts';
import { storeProposal } from './store-proposal.ts';

/** Live changes to fields Git sets: refused on objects a GitOps controller re-applies. */
const DRIFTS_FROM_GIT = new Set([
  'set_image',
  'set_resources',
  'scale',
  'patch',
  'rollout_undo',
  'apply_manifest',
  'expand_pvc',
]);

export interface ProposeDeps {
  db: Db;
  reader: KubeReader;
  config: Config;
}

/**
 * Turns a write plan into a pending proposal: canonical request → policy → server-side dry-run →
 * diff → artifact hash. One request object, built once: policy judges it, the card shows it, the
 * hash covers it and the executor sends it. Nothing here can change the cluster: the reader can
 * only dry-run. A refusal is recorded as a `refused` proposal naming why, then thrown.
 */
export async function propose(
  deps: ProposeDeps,
  input: { task: Task; runId: string; plan: WritePlan },
): Promise<Proposal> {
  const { task, runId, plan } = input;
  if (isHelmRollback(plan.request)) return proposeHelmRollback(deps, { task, runId, plan, request: plan.request });
  if (isMaintenancePlan(plan.request)) return proposeMaintenance(deps, { task, runId, plan, request: plan.request });
  const cluster = deps.reader.cluster;
  let request: WriteRequest;
  try {
    request = await canonicalRequest(deps.reader, plan.request);
  } catch (e) {
    if (!(e instanceof RequestInvalid)) throw e;
    throw await refuse(deps, input, plan.request, 'request', { rule: 'request', reason: e.message });
  }
  const outside = outsideScope(task, request);
  if (outside) throw await refuse(deps, input, request, 'request', { rule: 'task-scope', reason: outside });
  const targetRef = primaryRef(request);
  const target = {
    kind: targetRef.kind,
    ...(targetRef.namespace ? { namespace: targetRef.namespace } : {}),
    name: targetRef.name,
  };
  const found = await deps.reader.find(targetRef);
  const live = found ?? absent(targetRef);
  // What Argo CD or Flux re-applies from Git is fixed in Git: a live change to it would be
  // reverted at the next sync, or leave Git behind. Restarts, pod deletions and GitOps actions stand.
  const owner = found && DRIFTS_FROM_GIT.has(plan.action) ? reconcilingOwnerMark(found.metadata) : undefined;
  if (owner)
    throw await refuse(deps, input, request, 'request', {
      rule: 'gitops-owned',
      reason: `${targetRef.kind} ${targetRef.namespace ? `${targetRef.namespace}/` : ''}${targetRef.name} is applied by ${owner} from Git: a live ${plan.action} would be reverted at its next sync or leave Git behind; fix it in Git (a change to the owner's repository)`,
    });
  const reach = requestReach(request);
  const judged: PolicyInput = {
    action: plan.action,
    cluster,
    target,
    namespaces: reach.namespaces,
    evictions: reach.evictions,
    labels: found?.metadata?.labels,
    risk: plan.risk,
    blastRadius: plan.blastRadius,
    requester: task.requester,
    at: new Date(),
    activeDrains: plan.action === 'drain' ? await countActive(deps.db, cluster, 'drain') : 0,
    backups: await backupAges(deps.reader, deps.config, plan.action, cluster),
  };
  // A bundle's every object is judged, and none may be one a GitOps controller applies.
  const each = await objectJudgements(deps.reader, judged, request);
  if (each.ownedBy && DRIFTS_FROM_GIT.has(plan.action))
    throw await refuse(deps, input, request, 'request', {
      rule: 'gitops-owned',
      reason: `${each.ownedBy}: a live ${plan.action} would be reverted at its next sync or leave Git behind; fix it in Git`,
    });
  const policy = strictestPolicy(each.inputs, deps.config, plan.risk);
  if (policy.decision === 'deny') {
    await appendAudit(deps.db, {
      actor: `task:${task.requester}`,
      action: 'policy.denied',
      subject: task.id,
      data: { action: plan.action, target, rule: policy.rule, reason: policy.reason },
    });
    throw await refuse(
      deps,
      input,
      request,
      'policy',
      { rule: policy.rule, reason: `${policy.reason} (rule ${policy.rule})` },
      target,
    );
  }
  let objects: Awaited<ReturnType<KubeReader['dryRun']>>;
  try {
    objects = await deps.reader.dryRun(request);
  } catch (e) {
    throw await refuse(
      deps,
      input,
      request,
      'dry_run',
      { rule: 'dry-run', reason: `the server rejected the change in a dry-run: ${describeKubeError(e)}` },
      target,
    );
  }
  const record = dryRunRecord(objects);
  // What the request really does decides the risk, whatever the tool said: a change to a field
  // that does more than it looks, or evictions from a protected namespace, is high risk and named.
  const protectedNs = ['kube-system', 'kube-public', 'kube-node-lease', ...deps.config.policy.protectedNamespaces];
  const warnings = [
    ...dangerousChanges(found, objects[0]).map((what) => `changes ${what}`),
    ...Object.entries(reach.evictions)
      .filter(([ns]) => protectedNs.includes(ns))
      .map(([ns, pods]) => `evicts ${pods.length} pod(s) of protected namespace ${ns}: ${pods.join(', ')}`),
  ];
  const risk = warnings.length ? maxRisk(plan.risk, 'high') : plan.risk;
  // The risk can only have risen: ask policy again, so "high risk needs two" holds for it too.
  const decided = risk === plan.risk ? policy : strictestPolicy(each.inputs, deps.config, risk);
  if (decided.decision === 'deny')
    throw await refuse(
      deps,
      input,
      request,
      'policy',
      { rule: decided.rule, reason: `${decided.reason} (rule ${decided.rule})` },
      target,
    );
  // A proposal nobody configured could ever approve says so on its card, instead of waiting forever.
  if (decided.unsatisfiable) warnings.push(`cannot be approved as configured: ${decided.unsatisfiable}`);
  const targetSpecHash = contentHash(live);
  const hash = artifactHash({ cluster, action: plan.action, request, targetSpecHash, dryRun: dryRunDigest(record) });
  const known = await secretValues(deps.reader, targetRef.namespace);
  return storeProposal(deps.db, deps.config, {
    task,
    runId,
    action: plan.action,
    cluster,
    target,
    request,
    targetSpecHash,
    artifactHash: hash,
    dryRun: record,
    diff: scrubValues(redactText(changeDiff(live, objects, request)), known),
    requestView: requestForReview(request, known),
    risk,
    blastRadius: {
      ...plan.blastRadius,
      rollback: plan.rollback,
      ...(plan.undo ? { undo: plan.undo } : {}),
      ...(warnings.length ? { warnings } : {}),
    },
    rationale: plan.summary,
    approval: { count: decided.count, approvers: decided.approvers, rule: decided.rule },
    audit: { warnings, trace: decided.trace },
  });
}

/** Records the refusal of what `input` would have proposed (see record-refusal.ts). */
function refuse(
  deps: ProposeDeps,
  input: { task: Task; runId: string; plan: WritePlan },
  request: WriteRequest,
  stage: ProposalRefused['stage'],
  why: { rule: string; reason: string },
  target = input.plan.target,
): Promise<ProposalRefused> {
  return recordRefusal(
    deps.db,
    {
      runId: input.runId,
      taskId: input.task.id,
      action: input.plan.action,
      cluster: deps.reader.cluster,
      target,
      request,
      risk: input.plan.risk,
      blastRadius: { ...input.plan.blastRadius, rollback: input.plan.rollback },
      rationale: input.plan.summary,
    },
    stage,
    why,
  );
}

/**
 * A task scoped to a namespace changes that namespace — its objects and the Namespace itself (its
 * Pod Security labels) — and nodes (a cordoned or failing node is often why its pods suffer; a
 * drain evicts whatever runs there, named on the card) and Velero backups and restores of it alone;
 * never another namespace or another cluster-scoped object such as RBAC. Judged on the canonical request.
 */
function outsideScope(task: Task, request: WriteRequest): string | undefined {
  if (!task.namespace) return undefined;
  const steps = request.verb === 'sequence' ? request.steps : [request];
  const drainsNode = steps[0]?.kind === 'Node';
  for (const s of steps) {
    if (s.verb === 'evict' && drainsNode) continue;
    // A Velero Backup or Restore of this namespace alone lives in Velero's namespace.
    const velero = veleroReach(s);
    if (velero) {
      if (velero.every((n) => n === task.namespace)) continue;
      return `a Velero ${s.kind} reaching ${velero.map((n) => (n === '*' ? 'every namespace' : `namespace "${n}"`)).join(', ')} is outside this task's scope (namespace ${task.namespace})`;
    }
    if (!s.namespace && s.kind === 'Namespace' && s.name === task.namespace && s.verb !== 'delete') continue;
    if (s.namespace ? s.namespace !== task.namespace : s.kind !== 'Node') {
      return `${s.namespace ? `namespace "${s.namespace}"` : `cluster-scoped ${s.kind} ${s.name}`} is outside this task's scope (namespace ${task.namespace})`;
    }
  }
  return undefined;
}
