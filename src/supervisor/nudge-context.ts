import type { RunEventInput } from '../domain/run-events.ts';
import type { Task } from '../store/schema.ts';
import type { ToolContext } from '../tools/define-tool.ts';
import { findTool } from '../tools/registry.ts';
import { type ReadToolOutput, renderForModel, runReadTool } from '../tools/run-read-tool.ts';
import { questionForModel } from '../workers/scope-input.ts';

const ANALYZER_TIMEOUT_MS = 5000;

/**
 * What a stalled worker is told to get going again: the task, what it has done this attempt, and
 * the analyzers' ranked problems (fenced as untrusted cluster data like every tool result). The
 * analyzers get a short deadline: a stall is often a slow cluster, and the nudge must not hang too.
 */
export async function nudgeContext(
  task: Task,
  history: readonly RunEventInput[],
  tools: ToolContext,
  /** `No progress for 60s`, `Going in circles: …`. */
  why: string,
): Promise<string> {
  const done = history.flatMap((e) =>
    e.type === 'tool_call'
      ? [`${e.data.tool} ${JSON.stringify(e.data.input)}`]
      : e.type === 'tool_result'
        ? [`  → ${e.data.ok ? '' : 'failed: '}${e.data.summary}`]
        : [],
  );
  // A coding agent is told what done means and what it did; the cluster's analyzers are not its work.
  if (task.kind === 'change')
    return [
      `${why}. Stop what you are doing and carry on with the change; if it is made, say what you changed.`,
      `Task: ${questionForModel(task)}`,
      `Done means:\n${task.acceptance_criteria.map((c) => `- ${c}`).join('\n')}`,
      done.length ? `Your calls so far:\n${done.slice(-20).join('\n')}` : 'You have made no calls yet.',
    ].join('\n\n');
  const analyzers = await analyzerFindings(task, tools);
  return [
    `${why}. Continue the investigation or, if you have enough, call report now.`,
    `Task: ${questionForModel(task)}${task.namespace ? ` (namespace ${task.namespace})` : ''}.`,
    done.length ? `Tool calls so far:\n${done.slice(-20).join('\n')}` : 'No tool calls yet: start with find_problems.',
    analyzers ? `Analyzer findings:\n${analyzers}` : 'The analyzers did not answer in time.',
  ].join('\n\n');
}

async function analyzerFindings(task: Task, tools: ToolContext): Promise<string | undefined> {
  const tool = findTool('find_problems');
  if (tool?.effect !== 'read') return undefined;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ANALYZER_TIMEOUT_MS);
  });
  try {
    const run = runReadTool(tool, tools, {
      ...(task.namespace ? { namespace: task.namespace } : {}),
      question: task.question.slice(0, 500),
    });
    const out = await Promise.race([run, deadline]).catch(() => undefined);
    if (!out) return undefined;
    const data = out.data as { problems?: { category: string; object: unknown; summary: string }[] };
    const top = (data.problems ?? [])
      .slice(0, 3)
      .map((p) => ({ category: p.category, object: p.object, summary: p.summary }));
    return renderForModel({ ...out, data: { problems: top } } satisfies ReadToolOutput);
  } finally {
    clearTimeout(timer);
  }
}
