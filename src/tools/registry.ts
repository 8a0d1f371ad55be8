import type { Tool } from './define-tool.ts';
import { findProblems } from './read/find-problems.ts';
import { getPod } from './read/get-pod.ts';
import { getWorkload } from './read/get-workload.ts';
import { listNodes } from './read/list-nodes.ts';
import { listPods } from './read/list-pods.ts';
import { objectEvents } from './read/object-events.ts';
import { podLogs } from './read/pod-logs.ts';
import { rolloutHistoryTool } from './read/rollout-history.ts';
import { applyManifest } from './write/apply-manifest.ts';
import { cordon } from './write/cordon.ts';
import { deletePod } from './write/delete-pod.ts';
import { drain } from './write/drain.ts';
import { expandPvc } from './write/expand-pvc.ts';
import { patch } from './write/patch.ts';
import { rolloutRestart } from './write/rollout-restart.ts';
import { rolloutUndo } from './write/rollout-undo.ts';
import { scale } from './write/scale.ts';
import { setImage } from './write/set-image.ts';
import { setResources } from './write/set-resources.ts';
import { uncordon } from './write/uncordon.ts';

/** The bounded operational vocabulary: the agent can do nothing that is not listed here. */
export const TOOLS: readonly Tool[] = [
  findProblems, listPods, getPod, getWorkload, listNodes, podLogs, objectEvents, rolloutHistoryTool,
  rolloutRestart, rolloutUndo, scale, setResources, setImage, deletePod, cordon, uncordon, drain, patch, applyManifest, expandPvc,
];

export function findTool(name: string): Tool | undefined {
  return TOOLS.find((t) => t.name === name);
}
