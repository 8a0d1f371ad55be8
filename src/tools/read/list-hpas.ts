import { z } from 'zod';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const listHpas = defineReadTool({
  name: 'list_hpas',
  description:
    'HorizontalPodAutoscalers: target, min/max/current/desired replicas, metrics with current values, and conditions (AbleToScale, ScalingActive, ScalingLimited).',
  input: z.object({ namespace: NamespaceName.optional() }),
  narrow: 'pass a namespace',
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    return (await ctx.reader.list('autoscaling/v2', 'HorizontalPodAutoscaler', namespace)).map((h) => ({
      namespace: h.metadata.namespace,
      name: h.metadata.name,
      target: `${h.spec?.scaleTargetRef?.kind}/${h.spec?.scaleTargetRef?.name}`,
      replicas: {
        min: h.spec?.minReplicas ?? 1,
        max: h.spec?.maxReplicas,
        current: h.status?.currentReplicas,
        desired: h.status?.desiredReplicas,
      },
      metrics: (h.spec?.metrics ?? []).map(
        (m: any) =>
          `${m.type} ${m.resource?.name ?? m.pods?.metric?.name ?? m.external?.metric?.name ?? ''} target ${JSON.stringify(m.resource?.target ?? m.pods?.target ?? m.external?.target ?? {})}`,
      ),
      current: (h.status?.currentMetrics ?? []).map(
        (m: any) => `${m.resource?.name ?? m.type}: ${JSON.stringify(m.resource?.current ?? m.pods?.current ?? {})}`,
      ),
      conditions: (h.status?.conditions ?? []).map((c: any) => `${c.type}=${c.status} ${c.reason ?? ''}`.trim()),
    }));
  },
});
