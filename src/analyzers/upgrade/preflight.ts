import type { RemovedApiUse, UpgradeFinding, UpgradeReport, UpgradeSnapshot } from '../../domain/upgrade-report.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { matchesSelector } from '../../lib/label-selector.ts';
import { type RemovedApi, removalsBetween } from '../../lib/removed-apis.data.ts';

/** `v1.31.4-eks-…` → 31. */
export function minorOf(version: string | undefined): number | undefined {
  const m = /^v?1\.(\d+)/.exec(version ?? '');
  return m ? Number(m[1]) : undefined;
}

/**
 * A Kubernetes minor upgrade's preflight (version-skew policy, APIs the target stops serving,
 * PodDisruptionBudgets that stop drains, single-replica workloads), from `current` to `target`
 * (minors of 1.x).
 */
export function kubernetesPreflight(
  s: UpgradeSnapshot,
  current: number,
  target: number,
  opts: { skipMinorsAllowed?: boolean } = {},
): { preflight: UpgradeReport['preflight']; findings: UpgradeFinding[] } {
  const findings: UpgradeFinding[] = [];
  const skew: string[] = [];
  const cluster = { kind: 'Cluster', name: 'kubernetes' };
  if (target > current + 1 && !opts.skipMinorsAllowed) {
    const why = `1.${current} → 1.${target} skips ${target - current - 1} minor version(s): the API server is upgraded one minor at a time (1.${current + 1} first)`;
    skew.push(why);
    findings.push({
      category: 'upgrade_blocked',
      severity: 'high',
      summary: `Upgrade to 1.${target} must go through 1.${current + 1} first`,
      object: cluster,
      evidence: [why],
    });
  }
  for (const n of s.nodes) {
    const kubelet = n.status?.nodeInfo?.kubeletVersion as string | undefined;
    const k = minorOf(kubelet);
    if (k === undefined) continue;
    const node = { kind: 'Node', name: n.metadata.name };
    if (k > current) {
      const why = `node ${n.metadata.name}'s kubelet ${kubelet} is newer than the API server (1.${current}): the skew policy forbids it`;
      skew.push(why);
      findings.push({
        category: 'upgrade_blocked',
        severity: 'high',
        summary: `Kubelet on ${n.metadata.name} is newer than the control plane`,
        object: node,
        evidence: [why],
      });
    } else if (target - k > 3) {
      const why = `node ${n.metadata.name}'s kubelet ${kubelet} would be ${target - k} minors behind a 1.${target} API server (at most 3)`;
      skew.push(why);
      findings.push({
        category: 'upgrade_blocked',
        severity: 'high',
        summary: `Upgrade the kubelet on ${n.metadata.name} before the control plane goes to 1.${target}`,
        object: node,
        evidence: [why],
      });
    } else if (target - k === 3)
      skew.push(
        `node ${n.metadata.name}'s kubelet ${kubelet} will be 3 minors behind 1.${target}: the most the skew policy allows`,
      );
  }
  const removedApis = removedApiUses(s, removalsBetween(current, target));
  for (const u of removedApis)
    findings.push({
      category: 'upgrade_blocked',
      severity: 'high',
      summary: `${u.object} is written as ${u.apiVersion}, which 1.${u.removedIn.split('.')[1]} no longer serves`,
      object: refOf(u.object),
      evidence: [
        `seen in ${u.seenIn}`,
        `use ${u.replacement}: whatever writes it as ${u.apiVersion} fails after the upgrade`,
      ],
    });
  const blockingPdbs = s.pdbs.flatMap((p) => {
    const allowed = p.status?.disruptionsAllowed;
    const pods = Number(p.status?.expectedPods ?? p.status?.currentHealthy ?? 0);
    if (allowed !== 0 || pods === 0) return [];
    const rule =
      p.spec?.maxUnavailable !== undefined
        ? `maxUnavailable ${p.spec.maxUnavailable}`
        : `minAvailable ${p.spec?.minAvailable}`;
    const why = `${rule} with ${p.status?.currentHealthy ?? 0} of ${pods} pod(s) healthy: 0 disruptions allowed`;
    return [{ namespace: p.metadata.namespace!, name: p.metadata.name, pods, why }];
  });
  for (const b of blockingPdbs) {
    const pdb = s.pdbs.find((p) => p.metadata.namespace === b.namespace && p.metadata.name === b.name)!;
    const owner = s.workloads.find(
      (w) =>
        w.metadata.namespace === b.namespace &&
        matchesSelector(pdb.spec?.selector, w.spec?.template?.metadata?.labels ?? {}),
    );
    const one = owner && (owner.spec?.replicas ?? 1) === 1;
    findings.push({
      category: 'upgrade_blocked',
      severity: 'high',
      summary: `PodDisruptionBudget ${b.namespace}/${b.name} allows no disruption: draining a node that runs its pods stops there`,
      object: { kind: 'PodDisruptionBudget', namespace: b.namespace, name: b.name },
      evidence: [
        b.why,
        ...(owner
          ? [`it covers ${owner.kind} ${b.namespace}/${owner.metadata.name} (${owner.spec?.replicas ?? 1} replica(s))`]
          : []),
      ],
      ...(one
        ? {
            fix: {
              tool: 'scale',
              input: { namespace: b.namespace, kind: owner!.kind, name: owner!.metadata.name, replicas: 2 },
              why: 'a second replica lets one be evicted while the other serves, so the drain can pass',
            },
          }
        : {}),
    });
  }
  const singleReplica = s.workloads
    .filter((w) => (w.spec?.replicas ?? 1) === 1 && !/^(kube-|openshift)/.test(w.metadata.namespace ?? ''))
    .map((w) => `${w.kind} ${w.metadata.namespace}/${w.metadata.name}`);
  if (singleReplica.length)
    findings.push({
      category: 'upgrade_blocked',
      severity: 'low',
      summary: `${singleReplica.length} workload(s) run a single replica: each is down while its node drains`,
      object: cluster,
      evidence: singleReplica.slice(0, 10),
    });
  return { preflight: { removedApis, skew, blockingPdbs, singleReplica }, findings };
}

function refOf(label: string): { kind: string; namespace?: string; name: string } {
  const [kind, where] = label.split(' ') as [string, string];
  const [a, b] = where.split('/');
  return b ? { kind, namespace: a, name: b } : { kind, name: a! };
}

/** Stored objects written in a removed version (managedFields, last-applied), and Helm manifests still naming one. */
function removedApiUses(s: UpgradeSnapshot, removals: RemovedApi[]): RemovedApiUse[] {
  const out: RemovedApiUse[] = [];
  for (const r of removals) {
    for (const o of s.apiUsers.filter((x) => r.kinds.includes(x.kind))) {
      const label = `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
      const managers = ((o.metadata.managedFields ?? []) as { apiVersion?: string; manager?: string }[])
        .filter((m) => m.apiVersion === r.apiVersion)
        .map((m) => m.manager ?? 'unknown');
      if (managers.length)
        out.push({ ...use(r, label), seenIn: `managedFields (${[...new Set(managers)].join(', ')})` });
      else if (lastApplied(o) === r.apiVersion)
        out.push({ ...use(r, label), seenIn: 'kubectl.kubernetes.io/last-applied-configuration' });
    }
    for (const h of s.helmManifests)
      for (const doc of h.manifest.split(/^---\s*$/m)) {
        const api = /^apiVersion:\s*["']?([^\s"']+)/m.exec(doc)?.[1];
        const kind = /^kind:\s*["']?([^\s"']+)/m.exec(doc)?.[1];
        const name = /^\s{2}name:\s*["']?([^\s"']+)/m.exec(doc)?.[1];
        if (api === r.apiVersion && kind && r.kinds.includes(kind))
          out.push({
            ...use(r, `${kind} ${h.release.split('/')[0]}/${name ?? '?'}`),
            seenIn: `Helm release ${h.release}`,
          });
      }
  }
  return out;
}

function use(r: RemovedApi, object: string): Omit<RemovedApiUse, 'seenIn'> {
  return { object, apiVersion: r.apiVersion, removedIn: r.removedIn, replacement: r.replacement };
}

function lastApplied(o: KubeObject): string | undefined {
  const text = o.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
  if (!text) return undefined;
  try {
    return JSON.parse(text).apiVersion;
  } catch {
    return undefined;
  }
}
