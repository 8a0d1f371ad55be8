import type { Tool } from './define-tool.ts';
import { getPod } from './read/get-pod.ts';
import { listPods } from './read/list-pods.ts';
import { objectEvents } from './read/object-events.ts';
import { podLogs } from './read/pod-logs.ts';
import { rolloutHistoryTool } from './read/rollout-history.ts';
import { rolloutRestart } from './write/rollout-restart.ts';
import { rolloutUndo } from './write/rollout-undo.ts';

/** The bounded operational vocabulary: the agent can do nothing that is not listed here. */
export const TOOLS: readonly Tool[] = [listPods, getPod, podLogs, objectEvents, rolloutHistoryTool, rolloutRestart, rolloutUndo];

export function findTool(name: string): Tool | undefined {
  return TOOLS.find((t) => t.name === name);
}
