import { analyzeClaims, analyzeJobs, analyzeNodePressure, analyzeNodes, analyzeServices } from './infrastructure.ts';
import type { FindingCategory } from './pod-health.ts';
import { analyzeReferences } from './references.ts';
import { analyzeCpu, analyzeVolumes } from './usage.ts';
import type { ClusterSnapshot, Problem } from './snapshot.ts';
import { analyzeWorkloads } from './workloads.ts';

// Root causes before what they cause, at equal severity.
const PRECEDENCE: FindingCategory[] = [
  'node_not_ready', 'pvc_pending', 'config_missing', 'image_pull', 'oom_killed', 'crash_loop', 'probe_failure',
  'unschedulable_placement', 'unschedulable_resources', 'service_no_endpoints', 'volume_filling', 'rollout_stuck', 'job_failed', 'cpu_throttling', 'unknown',
];

/**
 * Every deterministic analyzer over one snapshot, ranked: severity, then how well the question's
 * words name the object, then root-cause precedence. The question only ranks; it never invents.
 */
export function triage(s: ClusterSnapshot, question = ''): Problem[] {
  const words = new Set(question.toLowerCase().split(/[^a-z0-9-]+/).filter((w) => w.length >= 2));
  const mentions = (p: Problem) => [p.object.name, ...p.object.name.split('-'), p.object.namespace ?? ''].filter((w) => words.has(w.toLowerCase())).length;
  const problems = [...analyzeNodes(s), ...analyzeNodePressure(s), ...analyzeClaims(s), ...analyzeWorkloads(s), ...analyzeServices(s), ...analyzeJobs(s), ...analyzeVolumes(s), ...analyzeCpu(s), ...analyzeReferences(s)];
  return problems.sort((a, b) => b.severity - a.severity || mentions(b) - mentions(a) || PRECEDENCE.indexOf(a.category) - PRECEDENCE.indexOf(b.category));
}
