import { z } from 'zod';
import { openToAnyone, podPorts, policyWorld } from '../../analyzers/security/network.ts';
import { PlanError } from '../../domain/errors.ts';
import { connectionAllowed, policiesSelecting } from '../../lib/network-policy.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';
import { readSecuritySnapshot } from './security-reader.ts';

export const networkReach = defineReadTool({
  name: 'network_reach',
  description:
    'What one pod can reach and what can reach it under the NetworkPolicies in force (evaluated as the API defines them): the policies selecting it per direction, whether any pod anywhere can connect to it, and the pods in scope allowed in and out, port by port.',
  input: z.object({ namespace: NamespaceName, pod: ObjectName }),
  budget: 16_000,
  narrow: 'ask about a pod in a smaller namespace',
  async run(ctx, input) {
    checkScope(ctx, input.namespace);
    // Peers are every pod the task may see: its namespace, or the cluster for an unscoped task.
    const s = await readSecuritySnapshot(ctx.reader, ctx.namespace);
    const pod = s.pods.find((p) => p.metadata.namespace === input.namespace && p.metadata.name === input.pod);
    if (!pod) throw new PlanError(`no pod ${input.namespace}/${input.pod}`);
    const world = policyWorld(s);
    const label = (p: typeof pod) => `${p.metadata.namespace}/${p.metadata.name}`;
    const others = s.pods.filter((p) => p !== pod && p.status?.phase === 'Running');
    const inbound = others.flatMap((from) => {
      const ports = podPorts(pod).filter((port) => port > 0 && connectionAllowed(world, from, pod, port));
      return ports.length ? [{ pod: label(from), ports }] : [];
    });
    const outbound = others.flatMap((to) => {
      const ports = podPorts(to).filter((port) => port > 0 && connectionAllowed(world, pod, to, port));
      return ports.length ? [{ pod: label(to), ports }] : [];
    });
    const names = (d: 'Ingress' | 'Egress') => policiesSelecting(world, pod, d).map((p) => p.metadata.name);
    return {
      pod: label(pod),
      ports: podPorts(pod).filter((p) => p > 0),
      ingressPolicies: names('Ingress'),
      egressPolicies: names('Egress'),
      openToAnyPod: openToAnyone(world, pod),
      reachableFrom: inbound,
      canReach: outbound,
      scope: ctx.namespace ?? 'all namespaces',
    };
  },
});
