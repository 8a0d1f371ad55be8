import { z } from 'zod';
import { redactText } from '../../cluster/redact.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const objectEvents = defineReadTool({
  name: 'object_events',
  description:
    'Events recorded for one object (warnings first, newest first): BackOff, Failed, FailedScheduling, ScalingReplicaSet…',
  input: z.object({ namespace: NamespaceName, kind: z.string(), name: z.string() }),
  async run(ctx, input) {
    checkScope(ctx, input.namespace);
    const events = await ctx.reader.listEvents(
      input.namespace,
      `involvedObject.kind=${input.kind},involvedObject.name=${input.name}`,
    );
    return events
      .map((e: any) => ({
        type: e.type,
        reason: e.reason,
        message: redactText(String(e.message ?? '')),
        count: e.count ?? 1,
        lastTimestamp: e.lastTimestamp ?? e.eventTime,
        source: e.source?.component,
      }))
      .sort(
        (a, b) =>
          Number(b.type === 'Warning') - Number(a.type === 'Warning') ||
          String(b.lastTimestamp).localeCompare(String(a.lastTimestamp)),
      );
  },
});
