import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';

/**
 * What the kubelet checks before it can start containers, with its wording:
 * a missing ConfigMap/Secret volume blocks the mount (FailedMount, pod stays ContainerCreating);
 * a missing env source blocks one container (CreateContainerConfigError).
 */
export function mountProblem(state: ClusterState, pod: KubeObject): string | undefined {
  const ns = pod.metadata.namespace;
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap && !v.configMap.optional && !state.store.get(T.configMap, ns, v.configMap.name)) {
      return `MountVolume.SetUp failed for volume "${v.name}" : configmap "${v.configMap.name}" not found`;
    }
    if (v.secret && !v.secret.optional && !state.store.get(T.secret, ns, v.secret.secretName)) {
      return `MountVolume.SetUp failed for volume "${v.name}" : secret "${v.secret.secretName}" not found`;
    }
  }
  return undefined;
}

export function containerConfigProblem(state: ClusterState, pod: KubeObject, container: any): string | undefined {
  const ns = pod.metadata.namespace;
  const source = (kind: 'ConfigMap' | 'Secret', name: string) =>
    state.store.get(kind === 'ConfigMap' ? T.configMap : T.secret, ns, name);
  for (const e of container.envFrom ?? []) {
    const ref = e.configMapRef ?? e.secretRef;
    const kind = e.configMapRef ? 'ConfigMap' : 'Secret';
    if (ref && !ref.optional && !source(kind, ref.name)) return `${kind.toLowerCase()} "${ref.name}" not found`;
  }
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.configMapKeyRef ?? e.valueFrom?.secretKeyRef;
    if (!ref || ref.optional) continue;
    const kind = e.valueFrom.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const obj = source(kind, ref.name);
    if (!obj) return `${kind.toLowerCase()} "${ref.name}" not found`;
    const data = {
      ...((obj.data as object) ?? {}),
      ...((obj.binaryData as object) ?? {}),
      ...((obj.stringData as object) ?? {}),
    };
    if (!(ref.key in data)) return `couldn't find key ${ref.key} in ${kind} ${ns}/${ref.name}`;
  }
  return undefined;
}
