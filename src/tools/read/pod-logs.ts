import { z } from 'zod';
import { budgetTail, redactText } from '../../cluster/redact.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';

const MAX_CHARS = 6000;

export const podLogs = defineReadTool({
  name: 'pod_logs',
  description: 'The last lines a container printed; previous=true reads the instance that last terminated (why it crashed). Secrets are redacted.',
  input: z.object({
    namespace: z.string(),
    name: z.string(),
    container: z.string().optional(),
    previous: z.boolean().default(false),
    tailLines: z.number().int().min(1).max(500).default(50),
  }),
  async run(ctx, input) {
    checkScope(ctx, input.namespace);
    const text = await ctx.reader.readPodLog(input.namespace, input.name, { container: input.container, previous: input.previous, tailLines: input.tailLines });
    return { previous: input.previous, text: budgetTail(redactText(text ?? ''), MAX_CHARS) };
  },
});
