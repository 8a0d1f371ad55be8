import { describeKubeError } from '../../cluster/api-error.ts';
import { isCodedError } from '../../domain/errors.ts';
import type { FindingCategory } from '../../domain/findings.ts';
import type { SecurityFinding, SecurityReport } from '../../domain/security-finding.ts';
import { refLabel } from '../../lib/kube-object.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';
import { bumpImage } from './git-edits.ts';
import { fixOwnerSourceInGit, ownerLabel, reconciles } from './git-first.ts';
import type { Checkpoint } from './resume.ts';

/** Findings recorded on the run (the thread shows the first few; `claw show` and `--json` all of them). */
const RECORDED = 200;

/** What a question is about, in the words on-call engineers use, → the category it ranks first. */
const FOCUS: [RegExp, FindingCategory][] = [
  [/\b(cves?|vulnerab\w*|trivy|patch(ed)? images?|image scan\w*|exposed secrets?)\b/i, 'vulnerable_image'],
  [
    /\b(pod security|psa|pss|restricted|baseline|privileged|securitycontext|run(s|ning)? as root)\b/i,
    'pod_security_violation',
  ],
  [/\b(network ?polic\w*|default[- ]deny|reachable|open to|exposed|ingress traffic|lateral)\b/i, 'network_exposure'],
  [
    /\b(rbac|cluster-admin|role ?bindings?|permissions?|service ?accounts?|escalat\w*|impersonat\w*|who can)\b/i,
    'rbac_excessive',
  ],
];
const SECURITY =
  /\b(security|secure|posture|hardening|harden|cves?|vulnerab\w*|trivy|pod security|psa|pss|network ?polic\w*|default[- ]deny|rbac|cluster-admin|exposed to|reachable from|open to (the|every|all))\b/i;

/** A security task (`claw security`, `/claw security`), or a question asking about security. */
export function isSecurityTask(task: WorkerContext['task']): boolean {
  return task.kind === 'security' || (task.source !== 'alert' && !task.alert && SECURITY.test(task.question));
}

/**
 * The posture review with no model: `security_posture` over the task's scope, every finding ranked
 * into the thread (what the question asks about first), then the first fix the vocabulary can make
 * proposed through the usual gate. What could not be checked (no Trivy Operator, no permission) is
 * said, never read as "nothing found".
 */
export async function reviewSecurity(ctx: WorkerContext): Promise<WorkerResult> {
  const ns = ctx.task.namespace ?? undefined;
  ctx.emit({
    type: 'step',
    data: { message: `Reviewing security posture of ${ns ? `namespace ${ns}` : 'every namespace'}` },
  });
  const read = await ctx.readTool('security_posture', ns ? { namespace: ns } : {});
  const report = read.data as SecurityReport;
  // A cluster too big for one report keeps its worst findings; the rest are said, never dropped silently.
  const cut = read.truncated
    ? [
        `only the worst ${read.truncated.shown} of ${read.truncated.total} findings fit one review: ${read.truncated.narrow}`,
      ]
    : [];
  const gaps = [...(report.trivy.note ? [report.trivy.note] : []), ...report.unavailable, ...cut];
  for (const g of gaps) ctx.emit({ type: 'step', data: { message: `Not checked: ${g}` } });
  for (const c of report.compliance)
    if (c.failing.length)
      ctx.emit({
        type: 'step',
        data: {
          message: `Trivy compliance ${c.id}: failing ${c.failing.map((f) => `${f.name} (${f.totalFail})`).join(', ')}`,
        },
      });
  const focus = FOCUS.find(([re]) => re.test(ctx.task.question))?.[1];
  const findings = focus
    ? [...report.findings.filter((f) => f.category === focus), ...report.findings.filter((f) => f.category !== focus)]
    : report.findings;
  const c = report.counts;
  const tally = `${c.critical} critical, ${c.high} high, ${c.medium} medium, ${c.low} low`;
  const checked = `${report.checked.workloads} workloads, ${report.checked.bindings} bindings, ${report.checked.networkPolicies} NetworkPolicies in ${report.scope}`;
  if (!findings.length) {
    const summary = `No security findings in ${report.scope} (${checked})${gaps.length ? `; not checked: ${gaps.join('; ')}` : ''}.`;
    ctx.emit({
      type: 'finding',
      data: {
        category: 'healthy',
        summary,
        object: { kind: 'Namespace', name: ns ?? '*' },
        evidence: [checked, ...gaps],
      },
    });
    return { status: 'succeeded', summary };
  }
  for (const f of findings.slice(0, RECORDED)) ctx.emit({ type: 'finding', data: f });
  const unchecked = gaps.length ? ` Not checked: ${gaps.join('; ')}.` : '';
  const headline = `Security posture of ${report.scope}: ${tally}.${unchecked} ${focus ? 'First' : 'Worst'}: ${findings[0]!.summary}`;
  // A question about one kind of finding gets a fix of that kind; a whole review, the worst fixable.
  const fixable = findings.filter((f) => f.fix && (!focus || f.category === focus));
  for (const f of fixable.slice(0, 3)) {
    const fix = f.fix!;
    // Argo CD or Flux re-applies this workload from Git: the image bump is a change to Git.
    if (fix.tool === 'set_image' && f.image && reconciles(f.owner)) return bumpInGit(ctx, f, String(fix.input.image));
    ctx.emit({ type: 'step', data: { message: `Proposing ${fix.tool} for ${refLabel(f.object)}: ${fix.why}` } });
    try {
      const { proposal, plan } = await ctx.propose(fix.tool, { ...fix.input, reason: fix.why });
      ctx.emit({
        type: 'proposal',
        data: { proposalId: proposal.id, action: proposal.action, target: plan.target, summary: plan.summary },
      });
      const paused: Checkpoint = { proposalId: proposal.id, finding: f, action: proposal.action };
      return { status: 'awaiting_approval', summary: `${headline}. Proposed: ${plan.summary}.`, checkpoint: paused };
    } catch (e) {
      // A refused fix (policy, a GitOps-owned object, a dry-run the server rejects) is said; the next one is tried.
      const message = isCodedError(e) ? e.message : describeKubeError(e);
      ctx.emit({
        type: 'error',
        data: { message: `could not propose ${fix.tool} for ${refLabel(f.object)}: ${message}` },
      });
    }
  }
  const serious = c.critical + c.high > 0;
  return {
    status: serious ? 'escalated' : 'succeeded',
    summary: `${headline}.${serious ? ' No fix in the vocabulary was proposed for the critical and high findings: the owners of these objects need to act.' : ''}`,
  };
}

/** The bump to a tag scanned clean, where the owner's repository sets the image: a git_change. */
function bumpInGit(ctx: WorkerContext, f: SecurityFinding, to: string): Promise<WorkerResult> {
  const owner = f.owner!;
  const from = f.image!;
  const path = owner.source?.path ?? '.';
  const why = `${refLabel(f.object)} is applied by ${ownerLabel(owner)}: a live set_image would be reverted at its next sync, so the bump to ${to} goes to Git`;
  ctx.emit({ type: 'step', data: { message: why } });
  return fixOwnerSourceInGit(
    ctx,
    { owner, finding: f },
    {
      what: `where Git sets ${from}`,
      run: async (dir) =>
        (await bumpImage(dir, path, from, to)) ?? (path !== '.' ? bumpImage(dir, '.', from, to) : undefined),
      describe: (e) =>
        `Bump ${from} to ${to}, which Trivy scanned without its critical and high CVEs: ${e.changes.join('; ')}`,
    },
    why,
  );
}
