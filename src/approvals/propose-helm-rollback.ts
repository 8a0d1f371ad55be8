import { stringify } from 'yaml';
import type { ProposalRefused } from '../domain/errors.ts';
import { type HelmRollbackRequest, helmRollbackCommand } from '../domain/helm-rollback.ts';
import type { DryRunRecord } from '../domain/proposal.ts';
import type { WritePlan } from '../domain/write-plan.ts';
import { evaluatePolicy } from '../policy/evaluate.ts';
import type { Proposal, Task } from '../store/schema.ts';
import { artifactHash } from './artifact.ts';
import { dryRunDigest } from './dry-run-record.ts';
import { helmRollbackState } from './helm-release-state.ts';
import { checkManifests } from './manifest-checks.ts';
import type { ProposeDeps } from './propose.ts';
import { recordRefusal } from './record-refusal.ts';
import { storeProposal } from './store-proposal.ts';

/**
 * A `helm_rollback` plan → a pending proposal. The release must still be as the tool saw it; the
 * task's scope holds for every object the target revision writes; policy judges the rollback
 * (action `helm_rollback`, kind `HelmRelease`) and each object as the apply it amounts to; every
 * object is server-side dry-run and diffed against live, and the objects helm would delete are
 * named. The artifact covers the request (release, target revision and its manifest's hash, the
 * revision it replaces), the release's state and the dry-run lines. Nothing runs helm here.
 */
export async function proposeHelmRollback(
  deps: ProposeDeps,
  input: { task: Task; runId: string; plan: WritePlan; request: HelmRollbackRequest },
): Promise<Proposal> {
  const { task, runId, plan, request } = input;
  const cluster = deps.reader.cluster;
  const target = { kind: 'HelmRelease', namespace: request.namespace, name: request.release };
  const refuse = (stage: ProposalRefused['stage'], rule: string, reason: string) =>
    recordRefusal(
      deps.db,
      {
        runId,
        taskId: task.id,
        action: 'helm_rollback',
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
  const read = await helmRollbackState(deps.reader, request);
  if (!read.ok) throw await refuse('request', 'helm-release', read.problem);
  const { state } = read;
  if (task.namespace) {
    const outside = [...state.objects.map((o) => ({ kind: o.kind, ...o.metadata })), ...state.removed].find(
      (o) => o.namespace !== task.namespace,
    );
    if (outside)
      throw await refuse(
        'request',
        'task-scope',
        `${outside.namespace ? `namespace "${outside.namespace}"` : `cluster-scoped ${outside.kind} ${outside.name}`} is outside this task's scope (namespace ${task.namespace})`,
      );
  }
  const decided = evaluatePolicy(
    {
      action: 'helm_rollback',
      cluster,
      target,
      namespaces: [request.namespace],
      risk: plan.risk,
      blastRadius: plan.blastRadius,
      requester: task.requester,
      at: new Date(),
    },
    deps.config,
  );
  if (decided.decision === 'deny')
    throw await refuse('policy', decided.rule, `${decided.reason} (rule ${decided.rule})`);
  const checks = await checkManifests(deps.reader, deps.config, state.objects, task.requester);
  if (checks.refused)
    throw await refuse(
      checks.refused.rule === 'manifests' ? 'dry_run' : 'policy',
      checks.refused.rule,
      checks.refused.reason,
    );
  const approval =
    checks.approvals.count > decided.count
      ? checks.approvals
      : { count: decided.count, approvers: decided.approvers, rule: decided.rule };
  const deleted = state.removed.map(
    (r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}: deleted (not in revision ${request.revision})`,
  );
  const record: DryRunRecord = {
    ok: true,
    results: [],
    manifests: [`revision ${request.revision} → ${cluster}:`, ...checks.lines, ...deleted].join('\n'),
  };
  const warnings = decided.unsatisfiable ? [`cannot be approved as configured: ${decided.unsatisfiable}`] : [];
  return storeProposal(deps.db, deps.config, {
    task,
    runId,
    action: 'helm_rollback',
    cluster,
    target,
    request,
    targetSpecHash: state.hash,
    artifactHash: artifactHash({
      cluster,
      action: 'helm_rollback',
      request,
      targetSpecHash: state.hash,
      dryRun: dryRunDigest(record),
    }),
    dryRun: record,
    diff: [
      `# ${helmRollbackCommand(request)}: what revision ${request.revision}'s objects would change (server dry-run)`,
      checks.diff,
      ...deleted.map((d) => `# ${d}`),
    ]
      .filter(Boolean)
      .join('\n'),
    requestView: stringify({ ...request, command: helmRollbackCommand(request) }),
    risk: plan.risk,
    blastRadius: { ...plan.blastRadius, rollback: plan.rollback, ...(warnings.length ? { warnings } : {}) },
    rationale: plan.summary,
    approval,
    audit: { warnings, trace: decided.trace },
  });
}
