import type { WorkerContext, WorkerResult } from '../worker.ts';
import { proposeFix } from './propose-fix.ts';

const MAINTAIN = /\b(maintain|maintenance( plan)?|(upgrade|patch|reboot) the nodes?|roll(ing)? (the )?nodes?)\b/i;
const KUBELET = /\bkubelet\s+(v\d+\.\d+\.\d+)\b|\bnodes?\b[^.]*\bto\s+(v\d+\.\d+\.\d+)\b/i;
const LABEL = /\blabel(?:led|ed)?\s+([a-z0-9./-]+)=([a-z0-9._-]*)/i;

/** "Maintain nodes a and b, waiting for kubelet v1.32.3", `claw maintain`: a node maintenance plan. */
export function isMaintenanceTask(task: WorkerContext['task']): boolean {
  return !task.alert && task.source !== 'alert' && MAINTAIN.test(task.question) && /\bnodes?\b/i.test(task.question);
}

/**
 * A node maintenance plan with no model: the nodes the question names (all in order; or, asked
 * about upgrading the nodes to a kubelet version, every node still older), the change it asks for,
 * proposed as one plan that is approved once and run one node at a time.
 */
export async function maintainNodes(ctx: WorkerContext): Promise<WorkerResult> {
  const q = ctx.task.question;
  const all = await ctx.callTool<{ name: string; kubelet?: string }[]>('list_nodes', {});
  const kubelet = KUBELET.exec(q);
  const version = kubelet?.[1] ?? kubelet?.[2];
  const named = all
    .filter((n) => new RegExp(`\\b${n.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).test(q))
    .sort((a, b) => q.indexOf(a.name) - q.indexOf(b.name));
  const chosen = named.length ? named : version ? all.filter((n) => n.kubelet !== version) : [];
  if (!chosen.length) {
    const summary = version
      ? `Every node already reports kubelet ${version}: nothing to maintain.`
      : `Name the nodes to maintain (${all.map((n) => n.name).join(', ') || 'none found'}).`;
    return { status: version ? 'succeeded' : 'escalated', summary };
  }
  const label = LABEL.exec(q);
  const input = {
    nodes: chosen.map((n) => n.name),
    ...(version ? { kubeletVersion: version } : {}),
    ...(label && !version ? { labels: { [label[1]!]: label[2]! } } : {}),
    reason: q.slice(0, 200),
  };
  ctx.emit({
    type: 'step',
    data: { message: `Planning maintenance of ${input.nodes.join(', ')}, one node at a time` },
  });
  const finding = {
    category: 'healthy' as const,
    summary: `Node maintenance requested for ${input.nodes.join(', ')}`,
    object: { kind: 'Node', name: input.nodes[0]! },
    evidence: [q.slice(0, 300)],
  };
  const r = await proposeFix(ctx, finding, 'node_maintenance', input, `Maintenance of ${input.nodes.length} node(s)`);
  return typeof r === 'string'
    ? { status: 'escalated', summary: `The maintenance plan could not be proposed: ${r}.` }
    : r;
}
