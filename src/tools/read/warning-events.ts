import { z } from 'zod';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const warningEvents = defineReadTool({
  name: 'warning_events',
  description:
    'Warning events in a namespace (or everywhere in scope), newest first, with the object each is about and how often it repeated.',
  input: z.object({
    namespace: NamespaceName.optional(),
    reason: z.string().optional().describe('Only this reason, e.g. FailedScheduling'),
  }),
  budget: 8000,
  narrow: 'pass a namespace or a reason',
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    const events = await ctx.reader.listEvents(
      namespace,
      `type=Warning${input.reason ? `,reason=${input.reason}` : ''}`,
    );
    return events
      .map((e: any) => ({
        object: `${e.involvedObject?.kind} ${e.involvedObject?.namespace ? `${e.involvedObject.namespace}/` : ''}${e.involvedObject?.name}`,
        reason: e.reason,
        message: String(e.message ?? ''),
        count: e.count ?? 1,
        last: e.lastTimestamp ?? e.eventTime,
      }))
      .sort((a, b) => String(b.last).localeCompare(String(a.last)));
  },
});
