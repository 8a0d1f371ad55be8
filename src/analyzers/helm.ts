import type { HelmReleaseView } from '../domain/helm-release-view.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import { helmReleaseOwner } from './owners.ts';
import type { ClusterSnapshot, Problem } from './snapshot.ts';

/**
 * Helm releases whose newest revision failed or is stuck pending (helm_release_failed), from the
 * release Secrets, and Flux HelmReleases whose install or upgrade failed, with their remediation
 * history. A release a HelmRelease manages is reported once, as the HelmRelease.
 */
export function analyzeHelm(s: ClusterSnapshot): Problem[] {
  const managed = new Set<string>();
  const out: Problem[] = [];
  for (const hr of s.gitops?.helmReleases ?? []) {
    const target = hr.spec?.targetNamespace ?? hr.metadata.namespace;
    if (s.namespace && target !== s.namespace && hr.metadata.namespace !== s.namespace) continue;
    const release =
      hr.spec?.releaseName ?? (hr.spec?.targetNamespace ? `${target}-${hr.metadata.name}` : hr.metadata.name);
    managed.add(`${hr.spec?.storageNamespace ?? target}/${release}`);
    const p = helmReleaseProblem(s, hr, release, target);
    if (p) out.push(p);
  }
  for (const view of s.helmReleases ?? []) {
    if (managed.has(`${view.namespace}/${view.name}`)) continue;
    const p = releaseProblem(view);
    if (p) out.push(p);
  }
  return out;
}

function releaseProblem(view: HelmReleaseView): Problem | undefined {
  const [latest] = view.revisions;
  if (!latest || !(latest.status === 'failed' || latest.status.startsWith('pending-'))) return undefined;
  const deployed = view.revisions.find((r) => r.status === 'deployed');
  const stuck = latest.status.startsWith('pending-');
  return {
    category: 'helm_release_failed',
    severity: stuck ? 2 : 3,
    object: { kind: 'HelmRelease', namespace: view.namespace, name: view.name },
    summary: stuck
      ? `Helm release ${view.name} is stuck in ${latest.status} at revision ${latest.revision}: helm refuses upgrades and rollbacks until it is resolved`
      : `Helm release ${view.name} revision ${latest.revision} (${latest.chart}) failed: ${latest.description}${deployed ? `; revision ${deployed.revision} (${deployed.chart}) is still deployed` : ''}`,
    evidence: [
      ...view.revisions
        .slice(0, 4)
        .map(
          (r) =>
            `Revision ${r.revision} ${r.status} ${r.chart}${r.appVersion ? ` (app ${r.appVersion})` : ''}: ${r.description}`,
        ),
      ...view.valuesChanged.slice(0, 6).map((v) => `Values changed: ${v}`),
      ...view.manifestChanged.slice(0, 6).map((m) => `Manifest changed: ${m}`),
      ...view.failedHooks.map((h) => `Hook failed: ${h}`),
    ],
    facts: {
      release: view.name,
      namespace: view.namespace,
      revision: latest.revision,
      status: latest.status,
      ...(deployed ? { deployedRevision: deployed.revision } : {}),
      chart: latest.chart,
    },
  };
}

function helmReleaseProblem(s: ClusterSnapshot, hr: KubeObject, release: string, target: string): Problem | undefined {
  const conditions = (hr.status?.conditions ?? []) as any[];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (ready?.status !== 'False' || ready.reason === 'ArtifactFailed') return undefined;
  const history = (hr.status?.history ?? []) as any[];
  const deployed = history.find((h) => h.status === 'deployed');
  const [latest] = history;
  const byType = (t: string) => conditions.find((c) => c.type === t && c.status === 'True');
  const source = helmReleaseOwner(s, hr).source;
  return {
    category: 'helm_release_failed',
    severity: 3,
    object: { kind: 'HelmRelease', namespace: hr.metadata.namespace, name: hr.metadata.name },
    summary: `Flux HelmRelease ${hr.metadata.name}: ${ready.message}${byType('Stalled') ? ` (stalled: ${byType('Stalled').message})` : ''}`,
    evidence: [
      `Ready False (${ready.reason}): ${ready.message}`,
      ...['Stalled', 'Remediated'].filter(byType).map((t) => `${t} (${byType(t).reason}): ${byType(t).message}`),
      `Failures: ${hr.status?.failures ?? 0} (install ${hr.status?.installFailures ?? 0}, upgrade ${hr.status?.upgradeFailures ?? 0})`,
      ...history.slice(0, 4).map((h) => `Revision ${h.version} ${h.status} ${h.chartName}-${h.chartVersion}`),
      ...(s.helmReleases?.find((v) => v.name === release)?.valuesChanged ?? [])
        .slice(0, 6)
        .map((v) => `Values changed: ${v}`),
    ],
    facts: {
      release,
      namespace: target,
      revision: latest?.version ?? 0,
      status: latest?.status ?? 'unknown',
      ...(deployed ? { deployedRevision: deployed.version } : {}),
      chart: latest ? `${latest.chartName}-${latest.chartVersion}` : (hr.spec?.chart?.spec?.chart ?? ''),
      ...(source ? { source } : {}),
      fluxHelmRelease: `${hr.metadata.namespace}/${hr.metadata.name}`,
    },
  };
}
