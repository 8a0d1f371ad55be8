import { z } from 'zod';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const listIngresses = defineReadTool({
  name: 'list_ingresses',
  description:
    'Ingresses with class, hosts, paths and the backend Service and port each path routes to, plus TLS secret names (never their contents).',
  input: z.object({ namespace: NamespaceName.optional() }),
  narrow: 'pass a namespace',
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    const ingresses = await ctx.reader.list('networking.k8s.io/v1', 'Ingress', namespace);
    return ingresses.map((i) => ({
      namespace: i.metadata.namespace,
      name: i.metadata.name,
      class: i.spec?.ingressClassName ?? i.metadata.annotations?.['kubernetes.io/ingress.class'],
      rules: (i.spec?.rules ?? []).flatMap((r: any) =>
        (r.http?.paths ?? []).map(
          (p: any) =>
            `${r.host ?? '*'}${p.path ?? '/'} → ${p.backend?.service?.name}:${p.backend?.service?.port?.number ?? p.backend?.service?.port?.name}`,
        ),
      ),
      tls: (i.spec?.tls ?? []).map((t: any) => ({ hosts: t.hosts, secretName: t.secretName })),
      addresses: (i.status?.loadBalancer?.ingress ?? []).map((a: any) => a.ip ?? a.hostname),
    }));
  },
});
