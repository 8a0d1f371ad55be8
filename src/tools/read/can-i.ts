import { z } from 'zod';
import { defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const canI = defineReadTool({
  name: 'can_i',
  description:
    "Whether a user, group or service account may perform a verb on a resource, answered by the API server's own authorizer (SubjectAccessReview).",
  input: z.object({
    user: z.string().optional().describe('User name, or system:serviceaccount:<ns>:<name>'),
    groups: z.array(z.string()).default([]),
    verb: z.string(),
    resource: z.string(),
    group: z.string().default(''),
    subresource: z.string().optional(),
    namespace: NamespaceName.optional(),
    name: z.string().optional(),
  }),
  async run(ctx, input) {
    const review = await ctx.reader.accessReview({
      user: input.user,
      groups: input.groups,
      resourceAttributes: {
        verb: input.verb,
        resource: input.resource,
        group: input.group,
        subresource: input.subresource,
        namespace: input.namespace,
        name: input.name,
      },
    });
    const s = review.status ?? {};
    return {
      allowed: Boolean(s.allowed),
      denied: Boolean(s.denied),
      reason: s.reason ?? '',
      evaluationError: s.evaluationError,
    };
  },
});
