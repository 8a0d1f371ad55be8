import type { KubeObject } from '../lib/kube-object.ts';
import { type ClusterState, T } from './cluster-state.ts';
import { ApiError } from './object-store.ts';
import type { ResourceType } from './resources.ts';

/**
 * Pod Security Admission as the API server applies it (kubernetes/pod-security-admission, policy
 * "latest"): a namespace's `enforce` level rejects Pods; its `warn` level answers writes of Pods
 * and of workloads (their pod templates) with a Warning header that kubectl prints.
 */
type Level = 'privileged' | 'baseline' | 'restricted';

const BASELINE_CAPS = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const RESTRICTED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
  'image',
]);
const WORKLOADS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job']);

/** The pod spec a write of `obj` would run, if it is a Pod or carries a pod template. */
export function podSpecOf(obj: KubeObject): Record<string, any> | undefined {
  if (obj.kind === 'Pod') return obj.spec;
  if (WORKLOADS.has(obj.kind)) return obj.spec?.template?.spec;
  if (obj.kind === 'CronJob') return obj.spec?.jobTemplate?.spec?.template?.spec;
  return undefined;
}

/** Violations of `level`, worded as the real admission plugin words them (one entry per check). */
export function podSecurityViolations(spec: Record<string, any>, level: Level): string[] {
  if (level === 'privileged') return [];
  const pod = spec.securityContext ?? {};
  const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const out: string[] = [];
  const host = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true);
  if (host.length) out.push(`host namespaces (${host.map((k) => `${k}=true`).join(', ')})`);
  const privileged = containers.filter((c) => c.securityContext?.privileged === true);
  if (privileged.length) out.push(`privileged (${names(privileged)} must not set securityContext.privileged=true)`);
  const hostPorts = containers.filter((c) => (c.ports ?? []).some((p: any) => p.hostPort));
  if (hostPorts.length) out.push(`hostPort (${names(hostPorts)} uses hostPort)`);
  const volumes: any[] = spec.volumes ?? [];
  const badVolumes =
    level === 'restricted'
      ? volumes.filter((v) => !Object.keys(v).some((k) => k !== 'name' && RESTRICTED_VOLUMES.has(k)))
      : volumes.filter((v) => v.hostPath);
  if (badVolumes.length)
    out.push(
      `${level === 'restricted' ? 'restricted volume types' : 'hostPath volumes'} (${badVolumes.map((v) => `volume "${v.name}"`).join(', ')})`,
    );
  const unconfined = [pod, ...containers.map((c) => c.securityContext ?? {})].some(
    (s) => s.seccompProfile?.type === 'Unconfined',
  );
  if (level === 'baseline') {
    const added = containers.filter((c) =>
      (c.securityContext?.capabilities?.add ?? []).some((cap: string) => !BASELINE_CAPS.has(cap)),
    );
    if (added.length)
      out.push(
        `non-default capabilities (${names(added)} must not include non-default capabilities in securityContext.capabilities.add)`,
      );
    if (unconfined)
      out.push('seccompProfile (pod or containers must not set securityContext.seccompProfile.type to "Unconfined")');
    return out;
  }
  const escalating = containers.filter((c) => c.securityContext?.allowPrivilegeEscalation !== false);
  if (escalating.length)
    out.push(
      `allowPrivilegeEscalation != false (${names(escalating)} must set securityContext.allowPrivilegeEscalation=false)`,
    );
  const caps = containers.filter((c) => {
    const cs = c.securityContext?.capabilities ?? {};
    return !(cs.drop ?? []).includes('ALL') || (cs.add ?? []).some((cap: string) => cap !== 'NET_BIND_SERVICE');
  });
  if (caps.length)
    out.push(`unrestricted capabilities (${names(caps)} must set securityContext.capabilities.drop=["ALL"])`);
  const rootish = containers.filter((c) => (c.securityContext?.runAsNonRoot ?? pod.runAsNonRoot) !== true);
  if (rootish.length)
    out.push(`runAsNonRoot != true (pod or ${names(rootish)} must set securityContext.runAsNonRoot=true)`);
  if (pod.runAsUser === 0 || containers.some((c) => c.securityContext?.runAsUser === 0))
    out.push('runAsUser=0 (pod and containers must not set runAsUser=0)');
  const seccomp = containers.filter(
    (c) =>
      !['RuntimeDefault', 'Localhost'].includes(c.securityContext?.seccompProfile?.type ?? pod.seccompProfile?.type),
  );
  if (seccomp.length)
    out.push(
      `seccompProfile (pod or ${names(seccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`,
    );
  return out;
}

function names(containers: any[]): string {
  return containers.map((c) => `container "${c.name}"`).join(', ');
}

function levelOf(state: ClusterState, namespace: string | undefined, mode: 'enforce' | 'warn'): Level {
  const labels = namespace ? state.store.get(T.namespace, undefined, namespace)?.metadata.labels : undefined;
  const level = labels?.[`pod-security.kubernetes.io/${mode}`];
  return level === 'baseline' || level === 'restricted' ? level : 'privileged';
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
