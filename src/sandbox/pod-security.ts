import type { KubeObject } from '../lib/kube-object.ts';
import { namespaceLevel, podSecurityViolations, podSpecOf } from '../lib/pod-security.ts';
import { type ClusterState, T } from './cluster-state.ts';
import { ApiError } from './object-store.ts';
import type { ResourceType } from './resources.ts';

/**
 * Pod Security Admission as the API server applies it (kubernetes/pod-security-admission, policy
 * "latest"; the checks are lib/pod-security.ts): a namespace's `enforce` level rejects Pods; its
 * `warn` level answers writes of Pods and of workloads (their pod templates) with a Warning header
 * that kubectl prints.
 */
function levelOf(state: ClusterState, namespace: string | undefined, mode: 'enforce' | 'warn') {
  return namespaceLevel(
    namespace ? state.store.get(T.namespace, undefined, namespace)?.metadata.labels : undefined,
    mode,
  );
}

/**
 * Admits a write of `obj` into its namespace: 403 for a Pod that breaks the `enforce` level, and
 * the warnings (Warning header values) the `warn` level gives Pods and pod templates.
 */
export function admitPodSecurity(state: ClusterState, type: ResourceType, obj: KubeObject): string[] {
  const spec = podSpecOf({ ...obj, kind: type.kind });
  if (!spec) return [];
  const ns = obj.metadata?.namespace;
  const enforce = levelOf(state, ns, 'enforce');
  const denied = type === T.pod ? podSecurityViolations(spec, enforce) : [];
  if (denied.length)
    throw new ApiError(
      403,
      'Forbidden',
      `pods "${obj.metadata?.name}" is forbidden: violates PodSecurity "${enforce}:latest": ${denied.join(', ')}`,
    );
  const warn = levelOf(state, ns, 'warn');
  const warned = podSecurityViolations(spec, warn);
  return warned.length ? [`would violate PodSecurity "${warn}:latest": ${warned.join(', ')}`] : [];
}
