import type { UpgradeFinding, UpgradeReport } from '../../domain/upgrade-report.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';
import { proposeFix } from './propose-fix.ts';

const RECORDED = 200;
/** Asking about upgrading the cluster — not an incident that names "the upgrade" of an app ("down since the upgrade"). */
const UPGRADE =
  /\b(upgrad(e|ing) (the )?(cluster|openshift|kubernetes|k8s|control ?plane|node ?pools?|nodes|to v?\d)|upgrade (readiness|preflight|plan|status)|upgrade \S+ to v?\d|update (the )?(cluster|openshift)|update (openshift )?to v?\d|openshift update|cluster ?version|cluster ?operators?|machine ?config ?pools?|mcps?|node ?pools?|machine ?deployments?|control ?plane version|version skew|(deprecated|removed) apis?|scale \S+ to \d+ machines)\b/i;
const ALERTS =
  /^(ClusterOperator|ClusterVersion|ClusterNotUpgradeable|UpdateAvailable|KubeVersionMismatch|MCDDrainError|MCCDrainError|MachineConfig)/;
const TARGET = /(?:\bto|->|→)\s+v?(\d+\.\d+(?:\.\d+)?)\b/i;

/** A question about upgrades (`claw upgrade`, "can we go to 1.32?"), or an OpenShift update or operator alert. */
export function isUpgradeTask(task: WorkerContext['task']): boolean {
  if (task.alert) return task.alert.alertnames.some((a) => ALERTS.test(a));
  return task.source !== 'alert' && UPGRADE.test(task.question) && !/\bhelm\b/i.test(task.question);
}

/**
 * Upgrades with no model: `upgrade_status` for the target the question names (or the next one),
 * versions, the preflight and the step plan into the thread, every finding recorded; then the
 * upgrade asked for (`cluster_upgrade` on OpenShift, `node_pool_upgrade` of the Cluster API object
 * the question names) or, when only asked whether, the first fix that clears a blocker.
 */
export async function reviewUpgrade(ctx: WorkerContext): Promise<WorkerResult> {
  if (ctx.task.namespace)
    return {
      status: 'escalated',
      summary: `An upgrade is cluster-wide, and this task is scoped to namespace ${ctx.task.namespace}: ask again without a namespace.`,
    };
  const q = ctx.task.question;
  const target = TARGET.exec(q)?.[1];
  ctx.emit({ type: 'step', data: { message: `Checking upgrade readiness${target ? ` for ${target}` : ''}` } });
  const report = (await ctx.readTool('upgrade_status', target ? { target } : {})).data as UpgradeReport;
  for (const line of describe(report)) ctx.emit({ type: 'step', data: { message: line } });
  for (const u of report.unavailable) ctx.emit({ type: 'step', data: { message: `Not checked: ${u}` } });
  for (const f of report.findings.slice(0, RECORDED)) ctx.emit({ type: 'finding', data: f });
  const serious = report.findings.filter((f) => f.severity === 'critical' || f.severity === 'high');
  const headline = serious.length
    ? `Upgrade ${report.current} → ${report.target ?? '?'}: ${serious.length} blocker(s). First: ${serious[0]!.summary}`
    : `Upgrade ${report.current} → ${report.target ?? '?'}: nothing blocks it`;
  if (!report.findings.length)
    ctx.emit({
      type: 'finding',
      data: {
        category: 'healthy',
        summary: `${headline}.`,
        object: { kind: 'Cluster', name: 'kubernetes' },
        evidence: report.plan,
      },
    });
  const asked =
    target &&
    /\b(upgrade|update|go|move|bump)\b/i.test(q) &&
    !/^\s*(can|could|is|are|may|should|what|why|how)\b/i.test(q);
  const call = asked ? requestedCall(report, q, target) : undefined;
  if (call) {
    const r = await proposeFix(ctx, call.finding, call.tool, call.input, headline);
    if (typeof r !== 'string') return r;
    return { status: 'escalated', summary: `${headline}. The upgrade could not be proposed: ${r}.` };
  }
  for (const f of report.findings.filter((x) => x.fix && x.severity !== 'low').slice(0, 3)) {
    const r = await proposeFix(ctx, f, f.fix!.tool, { ...f.fix!.input, reason: f.fix!.why }, headline);
    if (typeof r !== 'string') return r;
  }
  return serious.length
    ? { status: 'escalated', summary: `${headline}. Plan: ${report.plan.join(' → ')}` }
    : { status: 'succeeded', summary: `${headline}. Plan: ${report.plan.join(' → ')}` };
}

/** The lines a human reads first: versions, what is offered, Cluster API, the plan. */
function describe(r: UpgradeReport): string[] {
  const os = r.openshift;
  const lines = [
    os
      ? `OpenShift ${os.version ?? '?'} (Kubernetes ${r.kubernetes}), channel ${os.channel ?? '?'}; available: ${os.availableUpdates.map((u) => u.version).join(', ') || 'none'}${os.conditionalUpdates.length ? `; conditional: ${os.conditionalUpdates.map((u) => `${u.version} (Recommended=${u.recommended}${u.risks.length ? `: ${u.risks.join('; ')}` : ''})`).join(', ')}` : ''}`
      : `Kubernetes ${r.kubernetes}; target ${r.target ?? '?'}`,
  ];
  if (os?.conditions.Progressing?.status === 'True') lines.push(`In progress: ${os.conditions.Progressing.message}`);
  for (const c of r.clusterApi)
    lines.push(
      `Cluster API ${c.namespace}/${c.name}: control plane ${c.controlPlane ? `${c.controlPlane.kind} ${c.controlPlane.name} ${c.controlPlane.statusVersion ?? c.controlPlane.version ?? '?'}` : 'unknown'}; pools: ${c.pools.map((p) => `${p.kind} ${p.name} ${p.version ?? '?'} ${p.updated ?? '?'}/${p.replicas ?? '?'}`).join(', ') || 'none'}`,
    );
  lines.push(`Plan: ${r.plan.map((s, i) => `${i + 1}. ${s}`).join(' ')}`);
  return lines;
}

/** The change the question asks for: OpenShift's update, or the Cluster API object it names. */
function requestedCall(
  r: UpgradeReport,
  q: string,
  target: string,
): { tool: string; input: Record<string, unknown>; finding: UpgradeFinding } | undefined {
  const finding = (object: UpgradeFinding['object']): UpgradeFinding => ({
    category: 'upgrade_blocked',
    severity: 'low',
    summary: `Upgrade to ${target} requested`,
    object,
    evidence: r.plan,
  });
  if (r.platform === 'openshift' && /^4\./.test(target))
    return {
      tool: 'cluster_upgrade',
      input: {
        version: target,
        allowNotRecommended: /not recommended|accept(ing)? (the )?risks?/i.test(q),
        reason: q.slice(0, 200),
      },
      finding: finding({ kind: 'ClusterVersion', name: 'version' }),
    };
  const scale = /\b(\d+)\s+(machines|nodes|replicas)\b/i.exec(q);
  for (const c of r.clusterApi) {
    const named = [
      ...c.pools.map((p) => ({ kind: p.kind, name: p.name })),
      ...(c.controlPlane ? [c.controlPlane] : []),
    ].find((o) => new RegExp(`\\b${o.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(q));
    const cluster = !named && new RegExp(`\\b${c.name}\\b`).test(q);
    if (!named && !cluster) continue;
    const obj = named ?? (c.topologyVersion ? { kind: 'Cluster', name: c.name } : c.controlPlane!);
    return {
      tool: 'node_pool_upgrade',
      input: {
        namespace: c.namespace,
        kind: obj.kind,
        name: obj.name,
        ...(scale ? { replicas: Number(scale[1]) } : { version: target }),
        reason: q.slice(0, 200),
      },
      finding: finding({ kind: obj.kind, namespace: c.namespace, name: obj.name }),
    };
  }
  return undefined;
}
