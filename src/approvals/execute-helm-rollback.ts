import { appendAudit } from '../audit/audit-log.ts';
import { readReleaseRevisions } from '../cluster/helm-releases.ts';
import { helmRollback } from '../cluster/helm-writer.ts';
import { KubeReader } from '../cluster/kube-reader.ts';
import { childProcessEnv } from '../config/config.ts';
import { type HelmRollbackRequest, helmRollbackCommand } from '../domain/helm-rollback.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { manifestObjects } from '../lib/manifest-objects.ts';
import { recordExecution } from '../store/proposals.ts';
import type { Proposal } from '../store/schema.ts';
import { getTask } from '../store/tasks.ts';
import { actingIdentity, approverAuthority } from './approver-authority.ts';
import { absent } from './artifact.ts';
import type { ExecuteDeps } from './execute.ts';
import { failedExecution, type HalfExecution } from './execution-half.ts';
import { helmRollbackState, rollbackSteps } from './helm-release-state.ts';
import { checkManifests } from './manifest-checks.ts';
import { verifyOutcome } from './verify-outcome.ts';

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * The executor's Helm half: an approved `helm_rollback`, run once through the real helm. Just
 * before helm runs, the release and every object it touches must be as dry-run (the hash), a
 * fresh dry-run must give the approved lines, and the approvers must hold the RBAC for each write
 * (with `approvals.checkAuthority`); helm acts as the approver when impersonating. Then the new
 * revision must be deployed as a rollback to the target, and its workloads rolled out.
 */
export async function executeHelmRollback(
  deps: ExecuteDeps,
  p: Proposal,
  req: HelmRollbackRequest,
  ctx: { executor: string; startedAt: string; actor: string; approvers: string[] },
): Promise<HalfExecution> {
  const acting = actingIdentity(deps.config, ctx.approvers);
  if (!acting.ok) return failedExecution(`refused: ${acting.reason}`);
  const kc = deps.kubeConfigFor(p.cluster);
  const reader = new KubeReader(kc);
  const read = await helmRollbackState(reader, req);
  if (!read.ok) return failedExecution(`not applied: ${read.problem}; a new proposal is needed`, { stale: true });
  if (read.state.hash !== p.target_spec_hash)
    return failedExecution(
      `not applied: Helm release ${req.namespace}/${req.release} or one of its objects changed since the dry-run, so the approval is void; a new proposal is needed`,
      { stale: true },
    );
  const authority = await approverAuthority(reader, deps.config, ctx.approvers, rollbackSteps(read.state));
  if (!authority.ok) return failedExecution(`refused: ${authority.reason}`);
  const requester = (await getTask(deps.db, p.task_id))?.requester ?? '';
  const again = await checkManifests(reader, deps.config, read.state.objects, requester);
  const approvedLines = p.dry_run.ok ? (p.dry_run.manifests ?? '') : '';
  if (again.refused || !again.lines.every((l) => approvedLines.includes(l)))
    return failedExecution(
      'not applied: a fresh dry-run no longer gives the approved result; a new proposal is needed',
      {
        stale: true,
      },
    );
  await appendAudit(deps.db, {
    actor: ctx.actor,
    action: 'proposal.executing',
    subject: p.id,
    data: {
      artifactHash: p.artifact_hash,
      approvers: ctx.approvers,
      command: helmRollbackCommand(req),
      ...(acting.who ? { actingAs: { approver: acting.approver, user: acting.who.user } } : {}),
    },
  });
  const before = { release: req.release, namespace: req.namespace, revision: req.from };
  if (!(await recordExecution(deps.db, p.id, { executor: ctx.executor, startedAt: ctx.startedAt, before })))
    return { settled: false, reason: 'another process took this execution over; nothing was applied here' };
  const ran = await helmRollback(kc, req, { helm: deps.helm, path: childProcessEnv().PATH, as: acting.who });
  if (ran.code !== 0) {
    const newest = (await readReleaseRevisions(reader, req.namespace, req.release))[0];
    const lastLine = ran.out.split('\n').filter(Boolean).at(-1) ?? `exit ${ran.code}`;
    return failedExecution(`${helmRollbackCommand(req)} failed: ${lastLine}`, {
      applied: (newest?.version ?? 0) > req.from,
    });
  }
  return verifyHelmRollback(deps, reader, req, read.state.objects);
}

/**
 * The proof a rollback worked: a revision after `from` that is deployed as a rollback to the
 * target, and each workload of the target revision rolled out (failing fast when its pods fail).
 */
export async function verifyHelmRollback(
  deps: ExecuteDeps,
  reader: KubeReader,
  req: HelmRollbackRequest,
  objects: KubeObject[],
): Promise<HalfExecution> {
  const where = `Helm release ${req.namespace}/${req.release}`;
  const newest = (await readReleaseRevisions(reader, req.namespace, req.release))[0];
  const rolledBack =
    newest && newest.version > req.from && (newest.info.description ?? '').includes(`Rollback to ${req.revision}`);
  if (!newest || !rolledBack)
    return {
      settled: true,
      status: 'failed',
      outcome: {
        applied: Boolean(newest && newest.version > req.from),
        verified: false,
        message: `${where} has no rollback to revision ${req.revision} after revision ${req.from}`,
      },
    };
  const opts = { timeoutMs: deps.verifyTimeoutMs ?? 120_000, pollMs: deps.pollMs ?? 500 };
  const said = [`${where} is at revision ${newest.version} (${newest.info.status}: ${newest.info.description})`];
  let ok = newest.info.status === 'deployed';
  for (const o of objects.filter((x) => WORKLOADS.has(x.kind))) {
    const ref = {
      apiVersion: o.apiVersion,
      kind: o.kind,
      namespace: o.metadata.namespace ?? req.namespace,
      name: o.metadata.name,
    };
    const verdict = await verifyOutcome(
      reader,
      {
        action: 'helm_rollback',
        request: { ...ref, verb: 'patch', patchType: 'apply', body: {} },
        before: absent(ref),
      },
      opts,
    );
    said.push(`${o.kind} ${ref.namespace}/${ref.name}: ${verdict.message}`);
    ok &&= verdict.done;
  }
  return {
    settled: true,
    status: ok ? 'executed' : 'failed',
    outcome: { applied: true, verified: ok, message: said.join('; ') },
  };
}

/**
 * A rollback whose executor stopped after journalling: helm either wrote a revision after `from`
 * (then it is verified now, never run again) or it did not (nothing changed; not retried).
 */
export async function recoverHelmRollback(
  deps: ExecuteDeps,
  p: Proposal,
  req: HelmRollbackRequest,
  who: string,
): Promise<HalfExecution & { settled: true }> {
  const reader = new KubeReader(deps.kubeConfigFor(p.cluster));
  const revisions = await readReleaseRevisions(reader, req.namespace, req.release);
  if ((revisions[0]?.version ?? 0) <= req.from)
    return {
      settled: true,
      status: 'failed',
      outcome: {
        applied: false,
        verified: false,
        message: `interrupted before helm rolled back: its executor${who} stopped; Helm release ${req.namespace}/${req.release} is still at revision ${req.from}, so nothing changed and it is not retried`,
      },
    };
  const target = revisions.find((r) => r.version === req.revision);
  const verdict = (await verifyHelmRollback(
    deps,
    reader,
    req,
    target ? manifestObjects(target.manifest) : [],
  )) as HalfExecution & { settled: true };
  return {
    ...verdict,
    outcome: {
      ...verdict.outcome,
      message: `${verdict.outcome.message} (verified after its executor${who} stopped mid-way; helm was not run again)`,
    },
  };
}
