import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import type { ApiObjectRef } from '../../domain/object-ref.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import type { ToolContext } from '../define-tool.ts';

/** Kinds with a pod template that the write vocabulary can change. */
export const WorkloadKind = z.enum(['Deployment', 'StatefulSet', 'DaemonSet']).default('Deployment');

export function workloadRef(namespace: string, kind: string, name: string): ApiObjectRef {
  return { apiVersion: 'apps/v1', kind, namespace, name };
}

export async function readWorkload(
  ctx: ToolContext,
  namespace: string,
  kind: string,
  name: string,
): Promise<KubeObject> {
  return ctx.reader.read(workloadRef(namespace, kind, name));
}

/** The named container of a workload's pod template, or a clear error listing the real ones. */
export function templateContainer(obj: KubeObject, container: string | undefined): any {
  const containers: any[] = obj.spec?.template?.spec?.containers ?? [];
  const c = container
    ? containers.find((x) => x.name === container)
    : containers.length === 1
      ? containers[0]
      : undefined;
  if (!c)
    throw new PlanError(
      `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name} has no container ${container ? `"${container}"` : '(name one)'}; containers: ${containers.map((x) => x.name).join(', ')}`,
    );
  return c;
}

/** How many pods a template change replaces. */
export function podCount(obj: KubeObject): number {
  return obj.kind === 'DaemonSet' ? (obj.status?.desiredNumberScheduled ?? 0) : (obj.spec?.replicas ?? 1);
}
