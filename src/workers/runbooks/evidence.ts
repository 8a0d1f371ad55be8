import type { Problem } from '../../analyzers/snapshot.ts';
import type { WorkerContext } from '../worker.ts';

// Picks the lines of cluster text that carry the diagnosis. The text stays data: it is quoted
// as evidence, never interpreted as instructions.
const SIGNAL =
  /(panic|fatal|error|exception|traceback|failed|refused|denied|no such|not found|killed|segmentation|oom)/i;

export function keyLogLines(text: string, max = 3): string[] {
  const lines = text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() && !l.startsWith('[… '));
  const hits = lines.filter((l) => SIGNAL.test(l));
  const chosen = hits.length ? hits.slice(0, max) : lines.slice(-max);
  return chosen.map((l) => (l.length > 240 ? `${l.slice(0, 237)}...` : l));
}

/** Evidence the analyzers cannot see in a snapshot: what the failed container printed, and rollout history. */
export async function deepenEvidence(ctx: WorkerContext, p: Problem): Promise<string[]> {
  const facts = p.facts;
  const f = {
    pod: 'pod' in facts ? facts.pod : undefined,
    container: 'container' in facts ? facts.container : undefined,
    previousRevision: 'previousRevision' in facts ? facts.previousRevision : undefined,
  };
  const out: string[] = [];
  if (f.pod && ['crash_loop', 'oom_killed', 'probe_failure', 'job_failed'].includes(p.category)) {
    const logs = await ctx
      .callTool<{ text: string }>('pod_logs', {
        namespace: p.object.namespace,
        name: f.pod,
        container: f.container,
        previous: p.category !== 'job_failed',
        tailLines: 40,
      })
      .catch(() => undefined);
    const lines = logs ? keyLogLines(logs.text) : [];
    if (lines.length)
      out.push(
        `${p.category === 'job_failed' ? 'Container' : 'Previous container'} log: ${lines.map((l) => `"${l}"`).join(' / ')}`,
      );
  }
  if (p.object.kind === 'Deployment' && f.previousRevision) {
    const h = await ctx.callTool<any>('rollout_history', { namespace: p.object.namespace, deployment: p.object.name });
    const cur = h.revisions.find((r: any) => r.current);
    const prev = h.revisions.find((r: any) => r.revision === f.previousRevision);
    if (cur && prev)
      out.push(
        `Revision ${cur.revision} (${cur.images.join(', ')}): ${cur.available}/${cur.replicas} available; revision ${prev.revision} (${prev.images.join(', ')}): ${prev.available}/${prev.replicas} available; ${h.status.message}`,
      );
  }
  return out;
}
