import { z } from 'zod';
import type { ModelTool } from '../../models/model.ts';
import type { Tool } from '../../tools/define-tool.ts';

const CATEGORIES = [
  'crash_loop',
  'oom_killed',
  'image_pull',
  'config_missing',
  'unschedulable_resources',
  'unschedulable_placement',
  'pvc_pending',
  'probe_failure',
  'service_no_endpoints',
  'node_not_ready',
  'job_failed',
  'rollout_stuck',
  'volume_filling',
  'cpu_throttling',
  'healthy',
  'unknown',
] as const;

/** The structured final answer a model must give (the findings of docs/cli.md). */
export const REPORT_TOOL = 'report';
export const Report = z.object({
  summary: z.string().min(1).max(2000),
  findings: z
    .array(
      z.object({
        category: z.enum(CATEGORIES),
        summary: z.string().max(500),
        object: z.object({ kind: z.string(), namespace: z.string().optional(), name: z.string() }),
        evidence: z.array(z.string().max(500)).max(10),
      }),
    )
    .max(5),
});

const converted = new WeakMap<readonly Tool[], ModelTool[]>();

/** The vocabulary as the model sees it: name, description, JSON Schema; plus `report`. Converted once per list. */
export function modelTools(tools: readonly Tool[]): ModelTool[] {
  const cached = converted.get(tools);
  if (cached) return cached;
  const out = convert(tools);
  converted.set(tools, out);
  return out;
}

function convert(tools: readonly Tool[]): ModelTool[] {
  const schema = (s: z.ZodType) => {
    const { $schema: _, ...rest } = z.toJSONSchema(s, { io: 'input' }) as Record<string, unknown>;
    return rest;
  };
  return [
    ...tools.map((t) => ({
      name: t.name,
      description: `${t.effect === 'write' ? '[write: becomes a proposal a human must approve] ' : ''}${t.description}`,
      inputSchema: schema(t.input),
    })),
    {
      name: REPORT_TOOL,
      description:
        'Finish the investigation: findings (most likely root cause first, each with evidence quoted from tool output) and a summary. Call it exactly once, last.',
      inputSchema: schema(Report),
    },
  ];
}
