import type { KubeObject } from './kube-object.ts';

/**
 * The Pod Security Standards, check by check as Pod Security Admission evaluates them
 * (kubernetes/pod-security-admission `policy/check_*.go`, policy version "latest"), over the pod a
 * Pod is or a workload's template makes. Shared by the simulated API server's admission and by
 * ClusterClaw's posture analyzers, so both judge a pod the same way.
 */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';
export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ['privileged', 'baseline', 'restricted'];

/** One failed check: PSA's check id and its message as the admission plugin words it. */
export interface PodSecurityViolation {
  check: string;
  message: string;
  /** The containers the check names (empty for pod-level checks). */
  containers: string[];
}

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

/** The level a namespace's labels set for `mode` (absent or unknown: privileged, as PSA reads it). */
export function namespaceLevel(
  labels: Record<string, string> | undefined,
  mode: 'enforce' | 'audit' | 'warn',
): PodSecurityLevel {
  const level = labels?.[`pod-security.kubernetes.io/${mode}`];
  return level === 'baseline' || level === 'restricted' ? level : 'privileged';
}

/** Messages of `podSecurityChecks`, as the rejection lists them. */
export function podSecurityViolations(spec: Record<string, any>, level: PodSecurityLevel): string[] {
  return podSecurityChecks(spec, level).map((v) => v.message);
}

/** Every check of `level` the pod fails, in the order the admission plugin reports them. */
export function podSecurityChecks(spec: Record<string, any>, level: PodSecurityLevel): PodSecurityViolation[] {
  if (level === 'privileged') return [];
  const pod = spec.securityContext ?? {};
  const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const out: PodSecurityViolation[] = [];
  const add = (check: string, message: string, of: any[] = []) =>
    out.push({ check, message, containers: of.map((c) => String(c.name)) });
  const host = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((k) => spec[k] === true);
  if (host.length) add('hostNamespaces', `host namespaces (${host.map((k) => `${k}=true`).join(', ')})`);
  const privileged = containers.filter((c) => c.securityContext?.privileged === true);
  if (privileged.length)
    add('privileged', `privileged (${names(privileged)} must not set securityContext.privileged=true)`, privileged);
  const hostPorts = containers.filter((c) => (c.ports ?? []).some((p: any) => p.hostPort));
  if (hostPorts.length) add('hostPorts', `hostPort (${names(hostPorts)} uses hostPort)`, hostPorts);
  const volumes: any[] = spec.volumes ?? [];
  const badVolumes =
    level === 'restricted'
      ? volumes.filter((v) => !Object.keys(v).some((k) => k !== 'name' && RESTRICTED_VOLUMES.has(k)))
      : volumes.filter((v) => v.hostPath);
  if (badVolumes.length)
    add(
      level === 'restricted' ? 'restrictedVolumes' : 'hostPathVolumes',
      `${level === 'restricted' ? 'restricted volume types' : 'hostPath volumes'} (${badVolumes.map((v) => `volume "${v.name}"`).join(', ')})`,
    );
  if (level === 'baseline') {
    const added = containers.filter((c) =>
      (c.securityContext?.capabilities?.add ?? []).some((cap: string) => !BASELINE_CAPS.has(cap)),
    );
    if (added.length)
      add(
        'capabilities_baseline',
        `non-default capabilities (${names(added)} must not include non-default capabilities in securityContext.capabilities.add)`,
        added,
      );
    const unconfined = [pod, ...containers.map((c) => c.securityContext ?? {})].some(
      (s) => s.seccompProfile?.type === 'Unconfined',
    );
    if (unconfined)
      add(
        'seccompProfile_baseline',
        'seccompProfile (pod or containers must not set securityContext.seccompProfile.type to "Unconfined")',
      );
    return out;
  }
  const escalating = containers.filter((c) => c.securityContext?.allowPrivilegeEscalation !== false);
  if (escalating.length)
    add(
      'allowPrivilegeEscalation',
      `allowPrivilegeEscalation != false (${names(escalating)} must set securityContext.allowPrivilegeEscalation=false)`,
      escalating,
    );
  const caps = containers.filter((c) => {
    const cs = c.securityContext?.capabilities ?? {};
    return !(cs.drop ?? []).includes('ALL') || (cs.add ?? []).some((cap: string) => cap !== 'NET_BIND_SERVICE');
  });
  if (caps.length)
    add(
      'capabilities_restricted',
      `unrestricted capabilities (${names(caps)} must set securityContext.capabilities.drop=["ALL"])`,
      caps,
    );
  const rootish = containers.filter((c) => (c.securityContext?.runAsNonRoot ?? pod.runAsNonRoot) !== true);
  if (rootish.length)
    add(
      'runAsNonRoot',
      `runAsNonRoot != true (pod or ${names(rootish)} must set securityContext.runAsNonRoot=true)`,
      rootish,
    );
  const uidZero = containers.filter((c) => c.securityContext?.runAsUser === 0);
  if (pod.runAsUser === 0 || uidZero.length)
    add('runAsUser', 'runAsUser=0 (pod and containers must not set runAsUser=0)', uidZero);
  const seccomp = containers.filter(
    (c) =>
      !['RuntimeDefault', 'Localhost'].includes(c.securityContext?.seccompProfile?.type ?? pod.seccompProfile?.type),
  );
  if (seccomp.length)
    add(
      'seccompProfile_restricted',
      `seccompProfile (pod or ${names(seccomp)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`,
      seccomp,
    );
  return out;
}

function names(containers: any[]): string {
  return containers.map((c) => `container "${c.name}"`).join(', ');
}
