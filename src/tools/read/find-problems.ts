import { z } from 'zod';
import { absentObjects } from '../../analyzers/absent.ts';
import { triage } from '../../analyzers/triage.ts';
import { redactText } from '../../cluster/redact.ts';
import { refLabel } from '../../lib/kube-object.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';
import { readSnapshot } from './snapshot-reader.ts';

const MAX_PROBLEMS = 8;

export const findProblems = defineReadTool({
  name: 'find_problems',
  description:
    'Run every deterministic analyzer (pods, rollouts, scheduling, storage, services, nodes, jobs) over a namespace or the cluster; returns ranked problems with a category, the object and evidence quoted from the cluster.',
  input: z.object({
    namespace: NamespaceName.optional().describe('Namespace; omit for every namespace in scope'),
    question: z.string().max(500).default('').describe('Only ranks problems; never adds any'),
    focus: z
      .object({
        objects: z
          .array(z.object({ kind: z.string(), name: z.string(), namespace: NamespaceName.optional() }))
          .max(20)
          .optional(),
        categories: z.array(z.string()).max(20).optional(),
      })
      .optional()
      .describe('What an alert names: problems on these objects or of these categories rank first'),
  }),
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    const snapshot = await readSnapshot(ctx.reader, namespace, ctx.prometheus);
    // What the question names but the cluster does not have is said first: never a false all-clear.
    const exists = namespace
      ? await ctx.reader.find({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).then(
          Boolean,
          () => true, // not allowed to look: not evidence it is missing
        )
      : true;
    const missingNamespace = exists ? undefined : namespace;
    const absent = absentObjects(snapshot, input.focus?.objects ?? []).map(refLabel);
    // Symptoms (severity 1) are explained by another problem: their facts would only add tokens.
    const problems = triage(snapshot, input.question, input.focus).map((p) => ({
      ...p,
      evidence: p.evidence.map(redactText),
      facts: p.severity < 2 ? {} : p.facts,
    }));
    return {
      scope: namespace ?? 'all namespaces',
      checked: {
        pods: snapshot.pods.length,
        nodes: snapshot.nodes.length,
        services: snapshot.services.length,
        claims: snapshot.pvcs.length,
        jobs: snapshot.jobs.length,
      },
      problems: problems.slice(0, MAX_PROBLEMS),
      ...(missingNamespace ? { missingNamespace } : {}),
      ...(absent.length ? { absent } : {}),
      // What could not be checked is said, so "no problems" is never read as "all healthy".
      ...(snapshot.volumesUnavailable ? { unavailable: [snapshot.volumesUnavailable] } : {}),
      ...(problems.length > MAX_PROBLEMS
        ? { omitted: problems.length - MAX_PROBLEMS, narrow: 'pass a namespace to see the rest' }
        : {}),
    };
  },
});
