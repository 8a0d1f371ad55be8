import type { OpenShiftView, UpgradeFinding, UpgradeSnapshot } from '../../domain/upgrade-report.ts';
import type { KubeObject } from '../../lib/kube-object.ts';

const cond = (o: KubeObject | undefined, type: string) =>
  ((o?.status?.conditions ?? []) as { type: string; status: string; reason?: string; message?: string }[]).find(
    (c) => c.type === type,
  );

/** The cluster's OpenShift version: the newest Completed history entry (`oc get clusterversion`'s VERSION). */
export function openshiftVersion(cv: KubeObject | undefined): string | undefined {
  const h = (cv?.status?.history ?? []) as { state: string; version: string }[];
  return h.find((x) => x.state === 'Completed')?.version ?? cv?.status?.desired?.version;
}

/** OpenShift 4.y runs Kubernetes 1.(y+13): 4.17 = 1.30, 4.18 = 1.31, 4.19 = 1.32. */
export function kubernetesMinorOfOpenShift(version: string | undefined): number | undefined {
  const m = /^4\.(\d+)/.exec(version ?? '');
  return m ? Number(m[1]) + 13 : undefined;
}

/** ClusterVersion, ClusterOperators and MachineConfigPools as `oc adm upgrade` and `oc get co,mcp` show them. */
export function openshiftView(o: NonNullable<UpgradeSnapshot['openshift']>): OpenShiftView {
  const cv = o.clusterVersion;
  const st = cv?.status ?? {};
  const conditions: OpenShiftView['conditions'] = {};
  for (const t of ['Upgradeable', 'Failing', 'Progressing', 'ReleaseAccepted', 'Available', 'Invalid']) {
    const c = cond(cv, t);
    if (c)
      conditions[t] = {
        status: c.status,
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.message ? { message: c.message } : {}),
      };
  }
  return {
    ...(openshiftVersion(cv) ? { version: openshiftVersion(cv) } : {}),
    ...(cv?.spec?.channel ? { channel: cv.spec.channel } : {}),
    ...(st.desired?.version ? { desired: st.desired.version } : {}),
    history: ((st.history ?? []) as any[]).slice(0, 5).map((h) => ({
      state: h.state,
      version: h.version,
      startedTime: h.startedTime,
      completionTime: h.completionTime ?? null,
    })),
    availableUpdates: ((st.availableUpdates ?? []) as any[]).map((u) => ({
      version: u.version,
      image: u.image,
      ...(u.url ? { url: u.url } : {}),
    })),
    conditionalUpdates: ((st.conditionalUpdates ?? []) as any[]).map((u) => ({
      version: u.release?.version,
      image: u.release?.image,
      recommended: ((u.conditions ?? []) as any[]).find((c) => c.type === 'Recommended')?.status ?? 'Unknown',
      risks: ((u.risks ?? []) as any[]).map((r) => `${r.name}: ${r.message}${r.url ? ` (${r.url})` : ''}`),
    })),
    conditions,
    operators: o.operators.map((c) => ({
      name: c.metadata.name,
      version: ((c.status?.versions ?? []) as any[]).find((v) => v.name === 'operator')?.version,
      available: cond(c, 'Available')?.status ?? 'Unknown',
      progressing: cond(c, 'Progressing')?.status ?? 'Unknown',
      degraded: cond(c, 'Degraded')?.status ?? 'Unknown',
      upgradeable: cond(c, 'Upgradeable')?.status ?? 'True',
      ...(messageOf(c) ? { message: messageOf(c) } : {}),
    })),
    pools: o.pools.map((p) => ({
      name: p.metadata.name,
      paused: Boolean(p.spec?.paused),
      machineCount: Number(p.status?.machineCount ?? 0),
      updated: Number(p.status?.updatedMachineCount ?? 0),
      degraded: Number(p.status?.degradedMachineCount ?? 0),
      updating: cond(p, 'Updating')?.status === 'True',
    })),
  };
}

/** The message that matters most: why it is degraded, unavailable or not upgradeable. */
function messageOf(c: KubeObject): string | undefined {
  for (const [t, bad] of [
    ['Degraded', 'True'],
    ['Available', 'False'],
    ['Upgradeable', 'False'],
  ] as const) {
    const x = cond(c, t);
    if (x?.status === bad) return `${t}=${bad}${x.reason ? ` (${x.reason})` : ''}: ${x.message ?? ''}`.trim();
  }
  return undefined;
}

/** Degraded or unavailable operators, what blocks minor updates, a failing or refused update, degraded or paused pools. */
export function openshiftFindings(o: NonNullable<UpgradeSnapshot['openshift']>, v: OpenShiftView): UpgradeFinding[] {
  const out: UpgradeFinding[] = [];
  const cvRef = { kind: 'ClusterVersion', name: 'version' };
  for (const c of o.operators) {
    const ref = { kind: 'ClusterOperator', name: c.metadata.name };
    const degraded = cond(c, 'Degraded');
    const available = cond(c, 'Available');
    if (degraded?.status === 'True' || available?.status === 'False')
      out.push({
        category: 'cluster_operator_degraded',
        severity: available?.status === 'False' ? 'critical' : 'high',
        summary: `ClusterOperator ${c.metadata.name} is ${available?.status === 'False' ? 'unavailable' : 'degraded'}${degraded?.reason ? ` (${degraded.reason})` : ''}`,
        object: ref,
        evidence: [
          degraded?.message,
          available?.status === 'False' ? available.message : undefined,
          relatedOf(c),
        ].filter((x): x is string => Boolean(x)),
      });
    const up = cond(c, 'Upgradeable');
    if (up?.status === 'False')
      out.push({
        category: 'upgrade_blocked',
        severity: 'medium',
        summary: `ClusterOperator ${c.metadata.name} blocks minor updates (Upgradeable=False${up.reason ? `, ${up.reason}` : ''})`,
        object: ref,
        evidence: [
          up.message ?? '',
          'minor (4.y) updates are refused until it is upgradeable; z-stream (4.y.z) patches proceed',
        ].filter(Boolean),
      });
  }
  const failing = v.conditions.Failing;
  if (failing?.status === 'True')
    out.push({
      category: 'upgrade_blocked',
      severity: 'high',
      summary: `The update to ${v.desired ?? '?'} is failing${failing.reason ? ` (${failing.reason})` : ''}`,
      object: cvRef,
      evidence: [failing.message ?? '', v.conditions.Progressing?.message ?? ''].filter(Boolean),
    });
  const accepted = v.conditions.ReleaseAccepted;
  if (accepted?.status === 'False')
    out.push({
      category: 'upgrade_blocked',
      severity: 'high',
      summary: `The requested update was not accepted${accepted.reason ? ` (${accepted.reason})` : ''}`,
      object: cvRef,
      evidence: [accepted.message ?? ''],
    });
  for (const p of o.pools) {
    const ref = { kind: 'MachineConfigPool', name: p.metadata.name };
    const d = cond(p, 'NodeDegraded')?.status === 'True' ? cond(p, 'NodeDegraded') : cond(p, 'Degraded');
    if (d?.status === 'True')
      out.push({
        category: 'upgrade_blocked',
        severity: 'high',
        summary: `MachineConfigPool ${p.metadata.name} is degraded: its nodes stop updating`,
        object: ref,
        evidence: [
          d.message || d.reason || 'Degraded=True',
          `${p.status?.updatedMachineCount ?? 0}/${p.status?.machineCount ?? 0} machines updated, ${p.status?.degradedMachineCount ?? 0} degraded`,
        ],
      });
    if (p.spec?.paused)
      out.push({
        category: 'upgrade_blocked',
        severity: 'medium',
        summary: `MachineConfigPool ${p.metadata.name} is paused: its nodes will not take an update until it is unpaused`,
        object: ref,
        evidence: [
          `${p.status?.updatedMachineCount ?? 0}/${p.status?.machineCount ?? 0} machines on the current configuration`,
        ],
      });
  }
  return out;
}

function relatedOf(c: KubeObject): string | undefined {
  const ns = ((c.status?.relatedObjects ?? []) as any[]).filter((r) => r.resource === 'namespaces').map((r) => r.name);
  return ns.length ? `its namespaces: ${ns.join(', ')}` : undefined;
}
