import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import { namespaceLevel, podSecurityChecks } from '../../lib/pod-security.ts';
import { defineWriteTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

const LABEL = 'pod-security.kubernetes.io';

export const setPodSecurity = defineWriteTool({
  name: 'set_pod_security',
  description:
    "Propose a namespace's Pod Security Admission level (label pod-security.kubernetes.io/<mode>, version latest). Raising `enforce` is refused while any running pod would violate the new level (it could not be recreated). Needs approval.",
  input: z.object({
    namespace: NamespaceName,
    level: z.enum(['privileged', 'baseline', 'restricted']),
    mode: z.enum(['enforce', 'audit', 'warn']).default('enforce'),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    const ns = await ctx.reader.read({ apiVersion: 'v1', kind: 'Namespace', name: input.namespace });
    const labels = (ns.metadata.labels ?? {}) as Record<string, string>;
    const current = namespaceLevel(labels, input.mode);
    if (labels[`${LABEL}/${input.mode}`] === input.level)
      throw new PlanError(`namespace ${input.namespace} already sets ${input.mode}=${input.level}`);
    const pods = await ctx.reader.listPods(input.namespace);
    const breaking = pods
      .map((p) => ({ name: p.metadata.name, failed: podSecurityChecks(p.spec ?? {}, input.level) }))
      .filter((p) => p.failed.length);
    // Enforce judges pods at admission: a running pod that fails the new level could not be recreated.
    if (input.mode === 'enforce' && breaking.length)
      throw new PlanError(
        `raising ${input.namespace} to enforce "${input.level}" would leave ${breaking.length} running pod(s) unable to restart: ${breaking
          .slice(0, 3)
          .map((p) => `${p.name} (${p.failed.map((v) => v.check).join(', ')})`)
          .join('; ')}; fix those workloads first`,
      );
    const lowering = levelRank(input.level) < levelRank(current);
    return {
      action: 'set_pod_security',
      target: { kind: 'Namespace', name: input.namespace },
      request: {
        apiVersion: 'v1',
        kind: 'Namespace',
        name: input.namespace,
        verb: 'patch',
        patchType: 'merge',
        body: {
          metadata: {
            labels: { [`${LABEL}/${input.mode}`]: input.level, [`${LABEL}/${input.mode}-version`]: 'latest' },
          },
        },
      },
      summary: `Set Pod Security ${input.mode} of namespace ${input.namespace} from "${current}" to "${input.level}"${
        input.mode === 'enforce'
          ? `: ${pods.length} running pod(s) already pass it`
          : `: ${breaking.length} running pod(s) would be reported`
      }`,
      // Lowering a level widens what may run: that is the risky direction.
      risk: lowering ? 'high' : 'medium',
      blastRadius: {
        namespaces: [input.namespace],
        description: `new pods in ${input.namespace} are judged against "${input.level}"; running pods are not touched`,
      },
      rollback: `kubectl label --overwrite namespace ${input.namespace} ${LABEL}/${input.mode}=${current}`,
    };
  },
});

function levelRank(level: string): number {
  return ['privileged', 'baseline', 'restricted'].indexOf(level);
}
