import type { KubeReader } from '../cluster/kube-reader.ts';
import { primaryRef, stepsOf, type WriteRequest } from '../domain/write-request.ts';
import type { Verdict } from './verify-outcome.ts';

const REQUESTED_AT = 'reconcile.fluxcd.io/requestedAt';

/**
 * How a GitOps action proves itself: Argo CD's operation finished (Succeeded, or Failed with its
 * message), the refresh was taken, Flux handled the reconcile request and is Ready (or says why
 * not), a suspend or resume stuck. Undefined for other actions.
 */
export function gitopsCheck(
  reader: KubeReader,
  p: { action: string; request: WriteRequest },
): (() => Promise<Verdict>) | undefined {
  const ref = primaryRef(p.request);
  const where = `${ref.kind} ${ref.namespace}/${ref.name}`;
  const token = stepsOf(p.request)
    .map((s) =>
      s.verb === 'patch'
        ? (s.body as { metadata?: { annotations?: Record<string, string> } })?.metadata?.annotations?.[REQUESTED_AT]
        : undefined,
    )
    .find(Boolean) as string | undefined;
  switch (p.action) {
    case 'argocd_sync':
    case 'argocd_rollback':
      return async () => {
        const app = await reader.read(ref);
        const op = app.status?.operationState;
        if ((app as { operation?: unknown }).operation || !op || op.phase === 'Running' || op.phase === 'Terminating')
          return { done: false, message: `${where}: the sync operation is running` };
        if (op.phase !== 'Succeeded')
          return { done: false, failed: true, message: `${where}: sync ${op.phase}: ${op.message ?? ''}` };
        return {
          done: true,
          message: `${where} synced to ${String(op.syncResult?.revision ?? '').slice(0, 7)}; health ${app.status?.health?.status ?? 'unknown'}`,
        };
      };
    case 'argocd_refresh':
      return async () => {
        const app = await reader.read(ref);
        const pending = app.metadata.annotations?.['argocd.argoproj.io/refresh'];
        return {
          done: !pending,
          message: pending
            ? `${where}: refresh requested, not yet taken`
            : `${where} refreshed: ${app.status?.sync?.status ?? 'Unknown'}, ${app.status?.health?.status ?? 'Unknown'}`,
        };
      };
    case 'argocd_terminate_op':
      return async () => {
        const app = await reader.read(ref);
        const phase = app.status?.operationState?.phase;
        if ((app as { operation?: unknown }).operation || phase === 'Terminating' || phase === 'Running')
          return {
            done: false,
            message: `${where}: the operation is ${phase === 'Terminating' ? 'terminating' : 'still running'}`,
          };
        return {
          done: true,
          message: `${where}: the operation ended ${phase ?? 'unknown'}${app.status?.operationState?.message ? `: ${app.status.operationState.message}` : ''}`,
        };
      };
    case 'flux_reconcile':
    case 'flux_resume':
      return async () => {
        const obj = await reader.read(ref);
        const ready = (
          (obj.status?.conditions ?? []) as { type: string; status: string; reason?: string; message?: string }[]
        ).find((c) => c.type === 'Ready');
        if (obj.spec?.suspend) return { done: p.action === 'flux_reconcile', message: `${where} is suspended` };
        if (token && obj.status?.lastHandledReconcileAt !== token)
          return { done: false, message: `${where}: the reconcile request is not handled yet` };
        if (ready?.status === 'True') return { done: true, message: `${where} is Ready: ${ready.message}` };
        if (ready?.status === 'False')
          return { done: false, failed: true, message: `${where} is not Ready (${ready.reason}): ${ready.message}` };
        return { done: false, message: `${where} is reconciling` };
      };
    case 'flux_suspend':
      return async () => {
        const obj = await reader.read(ref);
        return {
          done: Boolean(obj.spec?.suspend),
          message: `${where} is ${obj.spec?.suspend ? 'suspended' : 'not suspended'}`,
        };
      };
    default:
      return undefined;
  }
}
