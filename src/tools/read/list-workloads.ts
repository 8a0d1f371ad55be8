import { z } from 'zod';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

const KINDS = [
  ['apps/v1', 'Deployment'],
  ['apps/v1', 'StatefulSet'],
  ['apps/v1', 'DaemonSet'],
  ['batch/v1', 'Job'],
  ['batch/v1', 'CronJob'],
] as const;

export const listWorkloads = defineReadTool({
  name: 'list_workloads',
  description:
    'Deployments, StatefulSets, DaemonSets, Jobs and CronJobs in a namespace with desired/ready/updated counts, images and failing conditions.',
  input: z.object({
    namespace: NamespaceName.optional(),
    kind: z.enum(['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob']).optional(),
  }),
  narrow: 'pass a namespace or a kind',
  async run(ctx, input) {
    const namespace = input.namespace ?? ctx.namespace;
    checkScope(ctx, namespace);
    const kinds = KINDS.filter(([, k]) => !input.kind || k === input.kind);
    const lists = await Promise.all(kinds.map(([v, k]) => ctx.reader.list(v, k, namespace)));
    return lists.flat().map((o) => {
      const s = o.status ?? {};
      const spec = o.kind === 'CronJob' ? o.spec?.jobTemplate?.spec?.template?.spec : o.spec?.template?.spec;
      const bad = (s.conditions ?? []).filter((c: any) =>
        c.type === 'Available' || c.type === 'Progressing'
          ? c.status !== 'True'
          : c.type === 'Failed'
            ? c.status === 'True'
            : false,
      );
      return {
        kind: o.kind,
        namespace: o.metadata.namespace,
        name: o.metadata.name,
        ...(o.kind === 'Deployment' || o.kind === 'StatefulSet'
          ? { replicas: `${s.readyReplicas ?? 0}/${o.spec?.replicas ?? 1} ready, ${s.updatedReplicas ?? 0} updated` }
          : {}),
        ...(o.kind === 'DaemonSet' ? { pods: `${s.numberReady ?? 0}/${s.desiredNumberScheduled ?? 0} ready` } : {}),
        ...(o.kind === 'Job'
          ? { pods: `${s.succeeded ?? 0} succeeded, ${s.failed ?? 0} failed, ${s.active ?? 0} active` }
          : {}),
        ...(o.kind === 'CronJob'
          ? { schedule: o.spec?.schedule, suspended: Boolean(o.spec?.suspend), lastScheduleTime: s.lastScheduleTime }
          : {}),
        images: (spec?.containers ?? []).map((c: any) => c.image),
        ...(bad.length
          ? { conditions: bad.map((c: any) => `${c.type}=${c.status} ${c.reason ?? ''}: ${c.message ?? ''}`.trim()) }
          : {}),
      };
    });
  },
});
