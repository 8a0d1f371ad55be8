import { redactText } from '../cluster/redact.ts';
import { scrubValues } from '../cluster/secret-values.ts';
import { fence } from '../lib/fence.ts';
import type { ReadTool, ToolContext } from './define-tool.ts';

export const DEFAULT_BUDGET = 12_000;

export interface ReadToolOutput {
  tool: string;
  cluster: string;
  data: unknown;
  /** Present when the budget trimmed the output: what was left out and how to narrow the query. */
  truncated?: { shown: number; total: number; narrow: string };
}

/**
 * Runs a read tool the one way every caller (runbooks, model agents, CLI) must: validated input,
 * every string in the output passed through secret redaction, and the output held to the tool's
 * budget by trimming its longest list, with a note saying how to narrow instead of silently cutting.
 */
export async function runReadTool(tool: ReadTool, ctx: ToolContext, input: unknown): Promise<ReadToolOutput> {
  const parsed = tool.input.parse(input);
  const known = ctx.secretValues ? await ctx.secretValues() : [];
  const data = redactDeep(await tool.run(ctx, parsed), known);
  const budget = tool.budget ?? DEFAULT_BUDGET;
  const out: ReadToolOutput = { tool: tool.name, cluster: ctx.reader.cluster, data };
  if (JSON.stringify(data).length <= budget) return out;
  const list = longestList(data);
  if (!list)
    return {
      ...out,
      data: `${JSON.stringify(data).slice(0, budget)}…`,
      truncated: { shown: 1, total: 1, narrow: tool.narrow ?? 'ask for one object' },
    };
  const total = list.items.length;
  // Each item's share of the JSON, measured once: cutting is linear, not one stringify per item.
  const sizes = list.items.map((item) => JSON.stringify(item ?? null).length + 1);
  let length = JSON.stringify(data).length;
  let shown = total;
  while (shown > 1 && length > budget) length -= sizes[--shown]!;
  list.items.length = shown;
  while (shown > 1 && JSON.stringify(data).length > budget) list.items.length = --shown;
  return { ...out, truncated: { shown, total, narrow: tool.narrow ?? 'narrow the query' } };
}

/** Every string (values and keys) passed through redactText and scrubbed of known secret values; structure unchanged. */
export function redactDeep<T>(value: T, known: string[] = []): T {
  if (typeof value === 'string') return scrubValues(redactText(value), known) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, known)) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [scrubValues(k, known), redactDeep(v, known)]),
    ) as T;
  return value;
}

function longestList(data: unknown): { items: unknown[] } | undefined {
  if (Array.isArray(data)) return { items: data };
  if (!data || typeof data !== 'object') return undefined;
  let best: unknown[] | undefined;
  for (const v of Object.values(data))
    if (Array.isArray(v) && (!best || JSON.stringify(v).length > JSON.stringify(best).length)) best = v;
  return best ? { items: best } : undefined;
}

/**
 * The text a model sees for a tool result: fenced and labelled as untrusted cluster data, so
 * instructions inside logs or annotations are data to report, never commands to follow.
 */
export function renderForModel(out: ReadToolOutput): string {
  const note = out.truncated
    ? `\n[output trimmed to ${out.truncated.shown} of ${out.truncated.total} items; to see the rest: ${out.truncated.narrow}]`
    : '';
  return fence(
    'cluster-data',
    `tool="${out.tool}" cluster="${out.cluster}" trust="untrusted"`,
    `${JSON.stringify(out.data)}${note}`,
  );
}
