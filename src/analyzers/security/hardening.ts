import type { SecurityFix } from '../../domain/security-finding.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { podSecurityChecks, podSpecOf } from '../../lib/pod-security.ts';

/** Restricted checks a securityContext patch satisfies without changing what the pod does. */
const FIXABLE = new Set([
  'allowPrivilegeEscalation',
  'capabilities_restricted',
  'runAsNonRoot',
  'seccompProfile_restricted',
]);
const PATCHABLE = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * The securityContext hardening that makes a workload's pods pass the restricted Pod Security
 * Standard, as a strategic-merge `patch` of its pod template (containers merge by name), when only
 * securityContext settings stand in the way. Pods that need host access, privileged mode, added
 * capabilities or forbidden volume types get none: that is a design change for their owners.
 */
export function hardeningFix(workload: KubeObject): SecurityFix | undefined {
  if (!PATCHABLE.has(workload.kind)) return undefined;
  const spec = podSpecOf(workload);
  if (!spec) return undefined;
  const failed = podSecurityChecks(spec, 'restricted');
  if (!failed.length || failed.some((v) => !FIXABLE.has(v.check))) return undefined;
  const addsCaps = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].some((c: any) =>
    (c.securityContext?.capabilities?.add ?? []).some((cap: string) => cap !== 'NET_BIND_SERVICE'),
  );
  if (addsCaps) return undefined;
  const containerPatch = (c: any) => ({
    name: c.name,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      ...(c.securityContext?.seccompProfile ? {} : { seccompProfile: { type: 'RuntimeDefault' } }),
    },
  });
  const podSpec: Record<string, unknown> = {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: (spec.containers ?? []).map(containerPatch),
    ...(spec.initContainers?.length ? { initContainers: spec.initContainers.map(containerPatch) } : {}),
  };
  const needsNonRoot = failed.some((v) => v.check === 'runAsNonRoot');
  return {
    tool: 'patch',
    input: {
      apiVersion: 'apps/v1',
      kind: workload.kind,
      namespace: workload.metadata.namespace,
      name: workload.metadata.name,
      patchType: 'strategic',
      patch: { spec: { template: { spec: podSpec } } },
    },
    why: `harden the pod template to pass the restricted Pod Security Standard (${failed.map((v) => v.check).join(', ')})${
      needsNonRoot
        ? '; the image must run as a non-root user, else the new pods do not start and the rollout can be undone'
        : ''
    }`,
  };
}
