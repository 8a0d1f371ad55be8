import { z } from 'zod';
import { selectorString } from '../../lib/label-selector.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const listNetworkPolicies = defineReadTool({
  name: 'list_network_policies',
  description:
    'NetworkPolicies: which pods each selects, whether it restricts ingress and/or egress, and the peers and ports it allows.',
  input: z.object({ namespace: NamespaceName.optional() }),
  narrow: 'pass a namespace',
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    const peer = (p: any) =>
      p.ipBlock
        ? `cidr ${p.ipBlock.cidr}`
        : [
            p.namespaceSelector && `namespaces {${selectorString(p.namespaceSelector)}}`,
            p.podSelector && `pods {${selectorString(p.podSelector)}}`,
          ]
            .filter(Boolean)
            .join(' and ');
    const rule = (r: any, key: 'from' | 'to') =>
      `${(r[key] ?? []).map(peer).join(' | ') || 'anywhere'} on ${(r.ports ?? []).map((p: any) => `${p.port ?? '*'}/${p.protocol ?? 'TCP'}`).join(',') || 'all ports'}`;
    return (await ctx.reader.list('networking.k8s.io/v1', 'NetworkPolicy', namespace)).map((n) => ({
      namespace: n.metadata.namespace,
      name: n.metadata.name,
      podSelector: selectorString(n.spec?.podSelector) || '(all pods)',
      policyTypes: n.spec?.policyTypes ?? ['Ingress'],
      ingress: (n.spec?.ingress ?? []).map((r: any) => rule(r, 'from')),
      egress: (n.spec?.egress ?? []).map((r: any) => rule(r, 'to')),
    }));
  },
});
