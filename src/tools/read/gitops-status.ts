import { z } from 'zod';
import { redactText } from '../../cluster/redact.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { defineReadTool } from '../define-tool.ts';
import { checkOwnerScope, GITOPS_API } from '../gitops-scope.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';

export const gitopsStatus = defineReadTool({
  name: 'gitops_status',
  scopeBy: 'owner',
  description:
    'The state of an Argo CD Application or a Flux Kustomization/HelmRelease: the revision it runs and is asked to run, sync and health (or Ready and its reason), its last operation, and its resources that are out of sync or unhealthy.',
  input: z.object({
    kind: z.enum(['Application', 'Kustomization', 'HelmRelease']),
    namespace: NamespaceName.describe('Where the object lives (argocd, flux-system…)'),
    name: ObjectName,
  }),
  async run(ctx, input) {
    const obj = await ctx.reader.read({
      apiVersion: GITOPS_API[input.kind]!,
      kind: input.kind,
      namespace: input.namespace,
      name: input.name,
    });
    checkOwnerScope(ctx, obj);
    return input.kind === 'Application' ? application(obj) : flux(obj);
  },
});

function application(app: KubeObject) {
  const st = app.status ?? {};
  const op = st.operationState;
  return {
    kind: 'Application',
    targetRevision: app.spec?.source?.targetRevision ?? 'HEAD',
    revision: st.sync?.revision,
    sync: st.sync?.status ?? 'Unknown',
    health: st.health?.status ?? 'Unknown',
    automated: Boolean(app.spec?.syncPolicy?.automated),
    ...(op
      ? { operation: { phase: op.phase, message: redactText(op.message ?? ''), revision: op.syncResult?.revision } }
      : {}),
    conditions: ((st.conditions ?? []) as any[]).map((c) => `${c.type}: ${redactText(c.message ?? '')}`),
    resources: ((st.resources ?? []) as any[])
      .filter((r) => r.status !== 'Synced' || (r.health && r.health.status !== 'Healthy'))
      .map(
        (r) =>
          `${r.kind} ${r.namespace ?? ''}/${r.name}: ${r.status}${r.health ? `, ${r.health.status}${r.health.message ? ` (${redactText(r.health.message)})` : ''}` : ''}`,
      ),
    history: ((st.history ?? []) as any[]).slice(-3).map((h) => `${h.id}: ${h.revision} at ${h.deployedAt}`),
  };
}

function flux(obj: KubeObject) {
  const st = obj.status ?? {};
  const ready = ((st.conditions ?? []) as any[]).find((c) => c.type === 'Ready');
  return {
    kind: obj.kind,
    suspended: Boolean(obj.spec?.suspend),
    ready: ready?.status ?? 'Unknown',
    reason: ready?.reason,
    message: redactText(ready?.message ?? ''),
    lastAppliedRevision: st.lastAppliedRevision,
    lastAttemptedRevision: st.lastAttemptedRevision,
    lastHandledReconcileAt: st.lastHandledReconcileAt,
    conditions: ((st.conditions ?? []) as any[]).map(
      (c) => `${c.type}=${c.status} (${c.reason}): ${redactText(c.message ?? '')}`,
    ),
    ...(obj.kind === 'HelmRelease'
      ? {
          history: ((st.history ?? []) as any[])
            .slice(0, 3)
            .map((h) => `v${h.version} ${h.status} ${h.chartName}-${h.chartVersion}`),
        }
      : {}),
  };
}
