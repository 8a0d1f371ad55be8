import type { ApiObjectRef } from '../../domain/object-ref.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import type { ToolContext } from '../define-tool.ts';
import { checkOwnerScope, GITOPS_API } from '../gitops-scope.ts';

export function gitopsRef(kind: string, namespace: string, name: string): ApiObjectRef {
  return { apiVersion: GITOPS_API[kind]!, kind, namespace, name };
}

/**
 * Reads the object, saying clearly when the cluster does not run that tool (no such kind), and
 * refusing an owner that does not deploy into the task's namespace.
 */
export async function readGitOps(ctx: ToolContext, ref: ApiObjectRef): Promise<KubeObject> {
  if ((await ctx.reader.isNamespaced(ref.apiVersion, ref.kind).catch(() => undefined)) === undefined)
    throw new Error(
      `this cluster does not serve ${ref.kind} (${ref.apiVersion}): is ${ref.kind === 'Application' ? 'Argo CD' : 'Flux'} installed?`,
    );
  const obj = await ctx.reader.read(ref);
  checkOwnerScope(ctx, obj);
  return obj;
}

/** Argo CD refuses a second operation while one runs (util/argo SetAppOperation): so do we, before asking. */
export function assertNoOperation(app: KubeObject): void {
  if ((app as { operation?: unknown }).operation)
    throw new Error(
      `another operation is already in progress on Application ${app.metadata.namespace}/${app.metadata.name}`,
    );
}

export function autoSyncOn(app: KubeObject): boolean {
  const a = app.spec?.syncPolicy?.automated;
  return Boolean(a) && a.enabled !== false;
}
