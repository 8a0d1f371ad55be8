import type { KubeObject } from '../../lib/kube-object.ts';
import { matchesSelector, matchesServiceSelector } from '../../lib/label-selector.ts';
import { podSecurityChecks, podSpecOf } from '../../lib/pod-security.ts';

/** One production check of one workload (ids after kube-score, Polaris and kube-linter). */
export interface ProductionCheck {
  id: string;
  object: string;
  ok: boolean;
  detail: string;
}

const WORKLOADS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * The checks a production workload passes, over a set of manifests however they were written (the
 * template's, or a model's): the restricted Pod Security Standard, requests and limits, probes,
 * a read-only root filesystem, UID above 10000, a pinned tag pulled Always, spread across nodes
 * and zones, a PodDisruptionBudget that allows a disruption, a NetworkPolicy isolating both
 * directions, no mounted token, a Service that selects the pods.
 */
export function productionChecks(objects: KubeObject[]): ProductionCheck[] {
  const out: ProductionCheck[] = [];
  for (const w of objects.filter((o) => WORKLOADS.has(o.kind))) {
    const label = `${w.kind} ${w.metadata.name}`;
    const check = (id: string, ok: boolean, detail: string) => out.push({ id, object: label, ok, detail });
    const spec = podSpecOf(w) ?? {};
    const podLabels = w.spec?.template?.metadata?.labels ?? {};
    const containers: any[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    const pss = podSecurityChecks(spec, 'restricted');
    check(
      'pod-security-restricted',
      !pss.length,
      pss.length ? pss.map((v) => v.message).join('; ') : 'passes restricted',
    );
    for (const c of spec.containers ?? []) {
      const r = c.resources ?? {};
      const missing = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory'].filter(
        (k) => !k.split('.').reduce((o: any, p) => o?.[p], r),
      );
      check(
        'container-resources',
        !missing.length,
        missing.length
          ? `container ${c.name} lacks ${missing.join(', ')}`
          : `container ${c.name} has requests and limits`,
      );
      check(
        'probes',
        Boolean(c.readinessProbe && c.livenessProbe),
        `container ${c.name}: readiness ${c.readinessProbe ? 'set' : 'missing'}, liveness ${c.livenessProbe ? 'set' : 'missing'}`,
      );
      const tag = /:([\w.-]+)(?:@|$)/.exec(String(c.image).slice(String(c.image).lastIndexOf('/') + 1))?.[1];
      check('image-tag', Boolean(tag && tag !== 'latest') || String(c.image).includes('@sha256:'), `${c.image}`);
      check('pull-policy-always', c.imagePullPolicy === 'Always', `imagePullPolicy ${c.imagePullPolicy ?? 'unset'}`);
    }
    check(
      'read-only-root-fs',
      containers.every((c) => c.securityContext?.readOnlyRootFilesystem === true),
      'every container sets readOnlyRootFilesystem',
    );
    const uid = (c: any) => c.securityContext?.runAsUser ?? spec.securityContext?.runAsUser;
    check(
      'uid-above-10000',
      containers.every((c) => uid(c) > 10000),
      `runAsUser ${containers.map(uid).join(', ')}`,
    );
    const hpa = objects.find(
      (o) => o.kind === 'HorizontalPodAutoscaler' && o.spec?.scaleTargetRef?.name === w.metadata.name,
    );
    const replicas = hpa ? Number(hpa.spec.minReplicas ?? 1) : Number(w.spec?.replicas ?? 1);
    if (replicas >= 2) {
      check('anti-affinity', Boolean(spec.affinity?.podAntiAffinity), 'podAntiAffinity on kubernetes.io/hostname');
      check('topology-spread', Boolean(spec.topologySpreadConstraints?.length), 'topologySpreadConstraints');
    }
    const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget' && matchesSelector(o.spec?.selector, podLabels));
    const zero = pdb && (pdb.spec?.maxUnavailable === 0 || Number(pdb.spec?.minAvailable) >= replicas);
    check(
      'pdb',
      Boolean(pdb) && !zero,
      pdb
        ? zero
          ? 'the budget allows no disruption: drains stall'
          : `PodDisruptionBudget ${pdb.metadata.name}`
        : 'no PodDisruptionBudget selects the pods',
    );
    const np = objects.find(
      (o) =>
        o.kind === 'NetworkPolicy' &&
        matchesSelector(o.spec?.podSelector, podLabels) &&
        ['Ingress', 'Egress'].every((t) => (o.spec?.policyTypes ?? []).includes(t)),
    );
    check(
      'network-policy',
      Boolean(np),
      np
        ? `NetworkPolicy ${np.metadata.name} (Ingress, Egress)`
        : 'no NetworkPolicy isolates the pods in both directions',
    );
    check(
      'service-account-token',
      spec.automountServiceAccountToken === false,
      `automountServiceAccountToken ${spec.automountServiceAccountToken ?? 'unset'}`,
    );
    const svc = objects.find((o) => o.kind === 'Service' && matchesServiceSelector(o.spec?.selector, podLabels));
    if (objects.some((o) => o.kind === 'Service'))
      check('service-targets-pod', Boolean(svc), svc ? `Service ${svc.metadata.name}` : 'no Service selects the pods');
  }
  return out;
}
