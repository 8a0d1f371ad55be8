import { type ClusterSnapshot, type Problem, warningsFor } from './snapshot.ts';

/**
 * Objects that point at something that is not there (what k8sgpt's Ingress, HPA and PDB
 * analyzers catch): an Ingress backend Service that does not exist, an HPA whose scale target is
 * missing, a PodDisruptionBudget that allows no disruption at all (every drain will hang on it).
 */
export function analyzeReferences(s: ClusterSnapshot): Problem[] {
  const out: Problem[] = [];
  const has = (kind: string, ns: string | undefined, name: string) => {
    const list =
      kind === 'Service'
        ? s.services
        : kind === 'Deployment'
          ? s.deployments
          : kind === 'StatefulSet'
            ? s.statefulSets
            : undefined;
    return list === undefined || list.some((o) => o.metadata.name === name && o.metadata.namespace === ns);
  };
  for (const ing of s.ingresses ?? []) {
    const ns = ing.metadata.namespace;
    const backends = (ing.spec?.rules ?? []).flatMap((r: any) =>
      (r.http?.paths ?? []).map((p: any) => ({
        host: r.host ?? '*',
        path: p.path ?? '/',
        svc: p.backend?.service?.name,
      })),
    );
    const missing = backends.filter((b: any) => b.svc && !has('Service', ns, b.svc));
    if (!missing.length) continue;
    out.push({
      category: 'service_no_endpoints',
      severity: 2,
      object: { kind: 'Ingress', namespace: ns, name: ing.metadata.name },
      summary: `Ingress ${ns}/${ing.metadata.name} routes to Service ${missing[0].svc}, which does not exist`,
      evidence: missing.slice(0, 3).map((b: any) => `Rule ${b.host}${b.path} → Service ${ns}/${b.svc}: not found`),
      facts: { missingServices: [...new Set<string>(missing.map((b: any) => String(b.svc)))] },
    });
  }
  for (const hpa of s.hpas ?? []) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const ns = hpa.metadata.namespace;
    if (has(ref.kind, ns, ref.name)) continue;
    out.push({
      category: 'unknown',
      severity: 2,
      object: { kind: 'HorizontalPodAutoscaler', namespace: ns, name: hpa.metadata.name },
      summary: `HorizontalPodAutoscaler ${ns}/${hpa.metadata.name} targets ${ref.kind} ${ref.name}, which does not exist: nothing is autoscaled`,
      evidence: [
        `scaleTargetRef ${ref.kind}/${ref.name} not found in ${ns}`,
        ...warningsFor(s, 'HorizontalPodAutoscaler', hpa.metadata.name, ns, 1),
      ],
      facts: {},
    });
  }
  for (const pdb of s.pdbs ?? []) {
    const st = pdb.status ?? {};
    if (
      (st.expectedPods ?? 0) === 0 ||
      (st.disruptionsAllowed ?? 1) > 0 ||
      (st.currentHealthy ?? 0) < (st.desiredHealthy ?? 0)
    )
      continue;
    out.push({
      category: 'unknown',
      severity: 1,
      object: { kind: 'PodDisruptionBudget', namespace: pdb.metadata.namespace, name: pdb.metadata.name },
      summary: `PodDisruptionBudget ${pdb.metadata.namespace}/${pdb.metadata.name} allows no disruption even with every pod healthy: node drains will block on it`,
      evidence: [
        `${st.currentHealthy} healthy of ${st.expectedPods} expected, ${st.desiredHealthy} required (${pdb.spec?.minAvailable !== undefined ? `minAvailable ${pdb.spec.minAvailable}` : `maxUnavailable ${pdb.spec?.maxUnavailable}`})`,
      ],
      facts: {},
    });
  }
  return out;
}
