import { z } from 'zod';
import { budgetTail, lastWholeLines, redactText } from '../../cluster/redact.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

const MAX_CHARS = 6000;
/** At most this much log text is redacted and trimmed per call (the end of it: where the crash is). */
const MAX_SCANNED = 1 << 20;

export const podLogs = defineReadTool({
  name: 'pod_logs',
  description:
    'The last lines a container printed; previous=true reads the instance that last terminated (why it crashed); grep keeps only lines containing a phrase. Secrets are redacted.',
  input: z.object({
    namespace: NamespaceName,
    name: z.string(),
    container: z.string().optional(),
    previous: z.boolean().default(false),
    tailLines: z.number().int().min(1).max(2000).default(50),
    sinceSeconds: z.number().int().min(1).optional(),
    grep: z.string().min(2).max(200).optional().describe('Case-insensitive phrase (not a regex)'),
  }),
  budget: MAX_CHARS + 500,
  narrow: 'lower tailLines, or pass grep or sinceSeconds',
  async run(ctx, input) {
    checkScope(ctx, input.namespace);
    // With grep, read more so the matching lines are found, then keep the last tailLines of them.
    const fetched = await ctx.reader.readPodLog(input.namespace, input.name, {
      container: input.container,
      previous: input.previous,
      tailLines: input.grep ? Math.max(input.tailLines, 2000) : input.tailLines,
      sinceSeconds: input.sinceSeconds,
    });
    let lines = (fetched ?? '').split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (input.grep) {
      const needle = input.grep.toLowerCase();
      lines = lines.filter((l) => l.toLowerCase().includes(needle)).slice(-input.tailLines);
    }
    // Redaction is linear, but what is redacted is still bounded: whole lines from the end, so a
    // cut never splits a "password=…" and leaves the value behind.
    return {
      previous: input.previous,
      lines: lines.length,
      text: budgetTail(redactText(lastWholeLines(lines.join('\n'), MAX_SCANNED)), MAX_CHARS),
    };
  },
});
