import { OutOfScope } from '../domain/errors.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import type { ToolContext } from './define-tool.ts';

/** The GitOps objects the vocabulary reads and acts on, by kind. */
export const GITOPS_API: Record<string, string> = {
  Application: 'argoproj.io/v1alpha1',
  Kustomization: 'kustomize.toolkit.fluxcd.io/v1',
  HelmRelease: 'helm.toolkit.fluxcd.io/v2',
  GitRepository: 'source.toolkit.fluxcd.io/v1',
};

/** The namespaces an Argo CD Application or a Flux object deploys into. */
export function deploysInto(obj: KubeObject): string[] {
  return [
    obj.spec?.destination?.namespace,
    obj.spec?.targetNamespace,
    obj.kind === 'HelmRelease' ? obj.metadata.namespace : undefined,
    ...((obj.status?.inventory?.entries ?? []) as { id: string }[]).map((e) => e.id.split('_')[0]),
  ].filter(Boolean) as string[];
}

/**
 * GitOps owners live in argocd or flux-system, not where their workloads run: a task scoped to a
 * namespace may read and act on an owner only when it deploys into that namespace.
 */
export function checkOwnerScope(ctx: ToolContext, obj: KubeObject): void {
  if (!ctx.namespace || obj.metadata.namespace === ctx.namespace || deploysInto(obj).includes(ctx.namespace)) return;
  throw new OutOfScope(
    `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name} does not deploy into this task's namespace (${ctx.namespace})`,
  );
}
