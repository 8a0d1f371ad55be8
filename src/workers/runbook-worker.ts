import type { Problem } from '../analyzers/snapshot.ts';
import { focusScore } from '../analyzers/triage.ts';
import { describeKubeError } from '../cluster/api-error.ts';
import { isCodedError } from '../domain/errors.ts';
import type { Finding } from '../domain/findings.ts';
import { refLabel } from '../lib/kube-object.ts';
import { isBackupTask, reviewBackups } from './runbooks/backup-review.ts';
import { deepenEvidence } from './runbooks/evidence.ts';
import { generateWorkload } from './runbooks/generate-workload.ts';
import { fixInGit, isGitManaged } from './runbooks/git-first.ts';
import { isMaintenanceTask, maintainNodes } from './runbooks/maintain-nodes.ts';
import { chooseRemediation, type RemediationContext } from './runbooks/remediation.ts';
import { type Checkpoint, resume, runbookCheckpoint } from './runbooks/resume.ts';
import { isSecurityTask, reviewSecurity } from './runbooks/security-review.ts';
import { isUpgradeTask, reviewUpgrade } from './runbooks/upgrade-review.ts';
import { findProblemsInput } from './scope-input.ts';
import { type Worker, type WorkerContext, WorkerDeclined, type WorkerResult } from './worker.ts';

interface Triage {
  scope: string;
  checked: { pods: number; nodes: number };
  problems: Problem[];
  /** What the analyzers could not check (volume usage without kubelet stats or Prometheus). */
  unavailable?: string[];
  /** The namespace asked about, when the cluster has no such namespace. */
  missingNamespace?: string;
  /** Objects the alert names that the cluster does not have (`Pod shop/cart-1`). */
  absent?: string[];
}

/** Deterministic investigation and remediation; needs no model. */
export const runbookWorker: Worker = {
  id: 'runbooks',
  async run(ctx) {
    const checkpoint = runbookCheckpoint(ctx.checkpoint);
    return checkpoint?.proposalId ? resume(ctx, checkpoint, investigate) : investigate(ctx);
  },
};

/**
 * The runbooks in front of a model for a known alert: they take the run only when the analyzers'
 * top problem explains the alert (its object or a category that causes it); otherwise they decline
 * and the model starts, with the same analyzer findings in its opening.
 */
export const alertRunbookWorker: Worker = {
  id: 'runbooks',
  async run(ctx) {
    const checkpoint = runbookCheckpoint(ctx.checkpoint);
    return checkpoint?.proposalId ? resume(ctx, checkpoint, investigate) : investigate(ctx, true);
  },
};

async function investigate(ctx: WorkerContext, onlyIfConfident = false): Promise<WorkerResult> {
  if (ctx.task.kind === 'generate') return generateWorkload(ctx);
  if (isSecurityTask(ctx.task)) return reviewSecurity(ctx);
  if (isBackupTask(ctx.task)) return reviewBackups(ctx);
  if (isMaintenanceTask(ctx.task)) return maintainNodes(ctx);
  if (isUpgradeTask(ctx.task)) return reviewUpgrade(ctx);
  const ns = ctx.task.namespace ?? undefined;
  ctx.emit({
    type: 'step',
    data: { message: `Running the analyzers over ${ns ? `namespace ${ns}` : 'every namespace'}` },
  });
  const triage = await ctx.callTool<Triage>('find_problems', findProblemsInput(ctx));
  const problems = triage.problems.filter((p) => p.severity >= 2);
  const alert = ctx.task.alert;
  const missing = [
    ...(triage.missingNamespace ? [`namespace ${triage.missingNamespace} does not exist`] : []),
    ...(triage.absent ?? []).map((o) => `${o} is not there`),
  ];
  if (missing.length) {
    // Said first, before any finding: an alert about objects this cluster lacks is no all-clear.
    const where = `cluster ${ctx.tools.reader.cluster}`;
    const why = alert
      ? 'the alert may come from another cluster (check which cluster its route points at), or what it names is already gone'
      : 'another cluster, or a misspelled name?';
    const said = `On ${where}, ${missing.join('; ')}: ${why}.`;
    ctx.emit({ type: 'step', data: { message: said } });
    if (problems.length === 0) {
      ctx.emit({
        type: 'finding',
        data: {
          category: 'unknown',
          summary: `What was asked about is not in ${where}`,
          object: { kind: 'Namespace', name: ns ?? triage.missingNamespace ?? '*' },
          evidence: missing,
        },
      });
      return {
        status: 'escalated',
        summary: `${said} Finding no problem there is no all-clear: a human should confirm where it runs.`,
      };
    }
  }
  if (onlyIfConfident && alert && !(problems[0] && focusScore(problems[0], alert) > 0)) {
    throw new WorkerDeclined(
      `the analyzers found nothing that explains ${alert.alertnames.join(', ') || 'the alert'}${problems[0] ? ` (top problem: ${refLabel(problems[0].object)}, ${problems[0].category})` : ''}`,
    );
  }
  if (problems.length === 0) {
    // What could not be checked is said: "volume usage unavailable" is not "healthy".
    const unchecked = triage.unavailable ?? [];
    const summary = `No problems found in ${triage.scope}: ${triage.checked.pods} pods and ${triage.checked.nodes} nodes checked${unchecked.length ? `, but ${unchecked.join('; ')}` : ', all healthy'}.`;
    ctx.emit({
      type: 'finding',
      data: {
        category: 'healthy',
        summary,
        object: { kind: 'Namespace', name: ns ?? '*' },
        evidence: [
          `${triage.checked.pods} pods, ${triage.checked.nodes} nodes checked; no analyzer reported a problem`,
          ...unchecked,
        ],
      },
    });
    return { status: 'succeeded', summary };
  }
  const [top, ...others] = problems;
  const where = (p: Problem) => refLabel(p.object);
  ctx.emit({
    type: 'step',
    data: {
      message: `Most likely root cause: ${where(top!)} (${top!.category})${
        others.length
          ? `; also: ${others
              .slice(0, 3)
              .map((o) => `${where(o)} (${o.category})`)
              .join(', ')}`
          : ''
      }`,
    },
  });
  const finding: Finding = {
    category: top!.category,
    summary: top!.summary,
    object: top!.object,
    evidence: [...top!.evidence, ...(await deepenEvidence(ctx, top!))],
  };
  ctx.emit({ type: 'finding', data: finding });
  for (const o of others.slice(0, 2))
    ctx.emit({
      type: 'finding',
      data: { category: o.category, summary: o.summary, object: o.object, evidence: o.evidence },
    });
  // Argo CD or Flux applies it from Git: the fix goes to Git, never live.
  if (isGitManaged(top!)) return fixInGit(ctx, top!, finding);
  const choice = chooseRemediation(top!, { ...(await remediationContext(ctx, top!)), evidence: finding.evidence });
  if ('escalate' in choice)
    return {
      status: 'escalated',
      summary: `${finding.summary}. ${capitalize(choice.escalate)}: a human needs to act.`,
    };
  ctx.emit({ type: 'step', data: { message: `Proposing ${choice.tool}: ${choice.why}` } });
  try {
    const { proposal, plan } = await ctx.propose(choice.tool, { ...choice.input, reason: choice.why });
    ctx.emit({
      type: 'proposal',
      data: { proposalId: proposal.id, action: proposal.action, target: plan.target, summary: plan.summary },
    });
    const paused: Checkpoint = { proposalId: proposal.id, finding, action: proposal.action };
    return {
      status: 'awaiting_approval',
      summary: `${finding.summary}. Proposed: ${plan.summary}.`,
      checkpoint: paused,
    };
  } catch (e) {
    const message = isCodedError(e) ? e.message : describeKubeError(e);
    ctx.emit({ type: 'error', data: { message: `could not propose ${choice.tool}: ${message}` } });
    return {
      status: 'escalated',
      summary: `${finding.summary}. The remediation (${choice.tool}) could not be proposed: ${message}`,
    };
  }
}

/** Reads what the remediation rules need beyond the problem: the workload's containers. */
async function remediationContext(ctx: WorkerContext, p: Problem): Promise<RemediationContext> {
  const rc: RemediationContext = {};
  if (p.category === 'probe_failure' && ['Deployment', 'StatefulSet', 'DaemonSet'].includes(p.object.kind)) {
    rc.workload = await ctx.callTool('get_workload', {
      namespace: p.object.namespace,
      kind: p.object.kind,
      name: p.object.name,
    });
  }
  return rc;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
