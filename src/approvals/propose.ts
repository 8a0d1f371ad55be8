import { appendAudit } from '../audit/audit-log.ts';
import { describeKubeError } from '../cluster/api-error.ts';
import type { KubeReader } from '../cluster/kube-reader.ts';
import { redactText } from '../cluster/redact.ts';
import { scrubValues, secretValues } from '../cluster/secret-values.ts';
import type { Config } from '../config.ts';
import { evaluatePolicy } from '../policy/evaluate.ts';
import type { Db } from '../store/db.ts';
import { newId } from '../store/ids.ts';
import { countActive, findLiveProposal, insertProposal, supersedePending } from '../store/proposals.ts';
import { resumeRun } from '../store/runs.ts';
import type { Proposal, Task } from '../store/schema.ts';
import type { WritePlan } from '../tools/define-tool.ts';
import { primaryRef } from '../cluster/write-request.ts';
import { absent, artifactHash, specHash } from './artifact.ts';
import { changeDiff, dryRunDigest, dryRunRecord } from './dry-run-record.ts';

export class ProposalRefused extends Error {
  readonly stage: 'policy' | 'dry_run';
  constructor(stage: 'policy' | 'dry_run', message: string) {
    super(message);
    this.stage = stage;
  }
}

export interface ProposeDeps {
  db: Db;
  reader: KubeReader;
  config: Config;
}

/**
 * Turns a write plan into a pending proposal: policy → server-side dry-run → diff → artifact hash.
 * Nothing here can change the cluster: the reader can only dry-run.
 */
export async function propose(deps: ProposeDeps, input: { task: Task; runId: string; plan: WritePlan }): Promise<Proposal> {
  const { task, runId, plan } = input;
  const targetRef = primaryRef(plan.request);
  const found = await deps.reader.find(targetRef);
  const live = found ?? absent(targetRef);
  const policy = evaluatePolicy({
    action: plan.action, cluster: deps.reader.cluster, target: plan.target, labels: found?.metadata?.labels, risk: plan.risk, blastRadius: plan.blastRadius,
    requester: task.requester, at: new Date(), activeDrains: plan.action === 'drain' ? await countActive(deps.db, deps.reader.cluster, 'drain') : 0,
  }, deps.config);
  if (policy.decision === 'deny') {
    await appendAudit(deps.db, { actor: `task:${task.requester}`, action: 'policy.denied', subject: task.id, data: { action: plan.action, target: plan.target, rule: policy.rule, reason: policy.reason } });
    throw new ProposalRefused('policy', `${policy.reason} (rule ${policy.rule})`);
  }
  let objects: Awaited<ReturnType<KubeReader['dryRun']>>;
  try {
    objects = await deps.reader.dryRun(plan.request);
  } catch (e) {
    throw new ProposalRefused('dry_run', `the server rejected the change in a dry-run: ${describeKubeError(e)}`);
  }
  const record = dryRunRecord(objects);
  const targetSpecHash = specHash(live);
  const cluster = deps.reader.cluster;
  const hash = artifactHash({ cluster, action: plan.action, request: plan.request, targetSpecHash, dryRun: dryRunDigest(record) });
  // A run that started over (its replica died before the run paused) proposes the same change
  // again: the card already out, perhaps already approved, is that proposal, not a new one.
  const same = await findLiveProposal(deps.db, runId, hash);
  if (same) return same;
  const id = newId('prop');
  // The older card is obsolete: audited, and its waiting run wakes to say so (fail closed).
  for (const old of await supersedePending(deps.db, cluster, plan.target)) {
    await appendAudit(deps.db, { actor: `task:${task.requester}`, action: 'proposal.superseded', subject: old.id, data: { by: id } });
    await resumeRun(deps.db, old.run_id);
  }
  const proposal = await insertProposal(deps.db, {
    id,
    run_id: runId,
    task_id: task.id,
    action: plan.action,
    cluster,
    target: JSON.stringify(plan.target),
    request: JSON.stringify(plan.request),
    target_spec_hash: targetSpecHash,
    artifact_hash: hash,
    dry_run: JSON.stringify(record),
    diff: scrubValues(redactText(changeDiff(live, objects, plan.request)), await secretValues(deps.reader, targetRef.namespace)),
    risk: plan.risk,
    blast_radius: JSON.stringify({ ...plan.blastRadius, rollback: plan.rollback, ...(plan.undo ? { undo: plan.undo } : {}) }),
    rationale: plan.summary,
    required_approvals: policy.count,
    policy_rule: policy.rule,
    approvers: JSON.stringify(policy.approvers),
    status: 'pending',
    expires_at: new Date(Date.now() + deps.config.approvals.ttlMinutes * 60_000),
  });
  await appendAudit(deps.db, { actor: `task:${task.requester}`, action: 'proposal.created', subject: proposal.id, data: { action: plan.action, target: plan.target, artifactHash: hash, rule: policy.rule, approvals: policy.count, trace: policy.trace } });
  return proposal;
}
