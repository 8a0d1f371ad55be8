import { z } from 'zod';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const listServices = defineReadTool({
  name: 'list_services',
  description:
    'Services with type, selector, ports and their endpoints (ready and not-ready addresses), so a Service with nothing behind it stands out.',
  input: z.object({ namespace: NamespaceName.optional() }),
  narrow: 'pass a namespace',
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    const [services, endpoints] = await Promise.all([
      ctx.reader.list('v1', 'Service', namespace),
      ctx.reader.list('v1', 'Endpoints', namespace),
    ]);
    return services.map((s) => {
      const ep = endpoints.find(
        (e) => e.metadata.name === s.metadata.name && e.metadata.namespace === s.metadata.namespace,
      );
      const subsets = (ep?.subsets ?? []) as any[];
      return {
        namespace: s.metadata.namespace,
        name: s.metadata.name,
        type: s.spec?.type ?? 'ClusterIP',
        selector: s.spec?.selector ?? null,
        ports: (s.spec?.ports ?? []).map(
          (p: any) => `${p.name ? `${p.name}:` : ''}${p.port}→${p.targetPort ?? p.port}/${p.protocol ?? 'TCP'}`,
        ),
        endpoints: {
          ready: subsets.reduce((n, x) => n + (x.addresses?.length ?? 0), 0),
          notReady: subsets.reduce((n, x) => n + (x.notReadyAddresses?.length ?? 0), 0),
        },
      };
    });
  },
});
