import type { FindingCategory } from '../domain/findings.ts';
import { analyzeGitOps } from './gitops.ts';
import { analyzeHelm } from './helm.ts';
import { analyzeClaims, analyzeJobs, analyzeNodePressure, analyzeNodes, analyzeServices } from './infrastructure.ts';
import { gitOpsOwnerOf } from './owners.ts';
import { analyzeReferences } from './references.ts';
import type { ClusterSnapshot, Problem } from './snapshot.ts';
import { analyzeCpu, analyzeVolumes } from './usage.ts';
import { analyzeWorkloads } from './workloads.ts';

// Root causes before what they cause, at equal severity.
const PRECEDENCE: FindingCategory[] = [
  'node_not_ready',
  'pvc_pending',
  'config_missing',
  'image_pull',
  'oom_killed',
  'crash_loop',
  'probe_failure',
  'unschedulable_placement',
  'unschedulable_resources',
  'service_no_endpoints',
  'volume_filling',
  // A release or sync that failed because its workloads cannot start is explained by them.
  'gitops_sync_failed',
  'helm_release_failed',
  'rollout_stuck',
  'gitops_degraded',
  'job_failed',
  'cpu_throttling',
  'gitops_out_of_sync',
  'unknown',
];

/** What an alert points at: problems on these objects, or of these categories, explain it. */
export interface TriageFocus {
  objects?: readonly { kind: string; name: string; namespace?: string }[];
  categories?: readonly string[];
}

/**
 * Every deterministic analyzer over one snapshot, ranked: real problems an alert's focus explains
 * first (its objects, then its categories), then severity, then how well the question's words name
 * the object, then root-cause precedence. Question and focus only rank; they never invent.
 */
export function triage(s: ClusterSnapshot, question = '', focus: TriageFocus = {}): Problem[] {
  const words = new Set(
    question
      .toLowerCase()
      .split(/[^a-z0-9-]+/)
      .filter((w) => w.length >= 2),
  );
  const mentions = (p: Problem) =>
    [p.object.name, ...p.object.name.split('-'), p.object.namespace ?? ''].filter((w) => words.has(w.toLowerCase()))
      .length;
  const focused = (p: Problem) => focusScore(p, focus);
  const problems = [
    ...analyzeNodes(s),
    ...analyzeNodePressure(s),
    ...analyzeClaims(s),
    ...analyzeWorkloads(s),
    ...analyzeServices(s),
    ...analyzeJobs(s),
    ...analyzeVolumes(s),
    ...analyzeCpu(s),
    ...analyzeReferences(s),
    ...analyzeGitOps(s),
    ...analyzeHelm(s),
  ].map((p) => {
    // A workload's finding says who applies it from Git: its fix belongs to that owner.
    const owner = p.owner ?? (s.gitops || s.helmReleases ? gitOpsOwnerOf(s, p.object) : undefined);
    return owner ? { ...p, owner } : p;
  });
  return problems.sort(
    (a, b) =>
      focused(b) - focused(a) ||
      b.severity - a.severity ||
      mentions(b) - mentions(a) ||
      PRECEDENCE.indexOf(a.category) - PRECEDENCE.indexOf(b.category),
  );
}

/** How well a problem explains an alert: 2 for its object, 1 for its category, 0 for a symptom or neither. */
export function focusScore(p: Pick<Problem, 'severity' | 'category' | 'object'>, focus: TriageFocus): number {
  if (p.severity < 2) return 0;
  return (focus.objects?.some((o) => names(o, p)) ? 2 : 0) + (focus.categories?.includes(p.category) ? 1 : 0);
}

/** The alert's object is the problem's, or one of its pods (`cart-7d9c6b8f5-x2k8q` belongs to `cart`). */
function names(o: { kind: string; name: string; namespace?: string }, p: Pick<Problem, 'object'>): boolean {
  if (o.namespace && p.object.namespace && o.namespace !== p.object.namespace) return false;
  if (o.name === p.object.name) return true;
  return o.kind === 'Pod' && o.name.startsWith(`${p.object.name}-`);
}
