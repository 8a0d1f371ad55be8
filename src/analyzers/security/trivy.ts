import type { SecuritySeverity } from '../../domain/findings.ts';
import type { SecurityFinding } from '../../domain/security-finding.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { gitOpsOwnerOf } from '../owners.ts';
import { asClusterSnapshot, type SecuritySnapshot } from './security-snapshot.ts';

/**
 * The Trivy Operator's reports, per workload: critical and high CVEs with their fixed versions,
 * secrets baked into images, failed configuration checks. Reports belong to what Trivy scanned (a
 * Deployment's current ReplicaSet, a CronJob's Job); findings name the workload a fix changes.
 * A report of an image the workload no longer runs is stale and skipped.
 */
export function trivyFindings(s: SecuritySnapshot): SecurityFinding[] {
  if (!s.trivy) return [];
  return [
    ...s.trivy.vulnerability.flatMap((r) => vulnerable(s, r)),
    ...s.trivy.exposedSecret.flatMap((r) => exposedSecrets(s, r)),
    ...s.trivy.configAudit.flatMap((r) => configAudit(s, r)),
  ];
}

interface Scanned {
  workload: KubeObject;
  container?: any;
  /** False for a ReplicaSet of an earlier revision (scaled to zero): its report is history. */
  current: boolean;
}

/** The workload a namespaced report is about (via its labels; long names are hashed into an annotation). */
export function scannedWorkload(s: SecuritySnapshot, report: KubeObject): Scanned | undefined {
  const labels = report.metadata.labels ?? {};
  const kind = labels['trivy-operator.resource.kind'];
  const name = report.metadata.annotations?.['trivy-operator.resource.name'] ?? labels['trivy-operator.resource.name'];
  const ns = labels['trivy-operator.resource.namespace'] ?? report.metadata.namespace;
  const find = (list: KubeObject[], n: string | undefined) =>
    list.find((o) => o.metadata.name === n && o.metadata.namespace === ns);
  const ownerName = (o: KubeObject | undefined, ownerKind: string) =>
    (o?.metadata.ownerReferences ?? []).find((r: any) => r.kind === ownerKind)?.name;
  let workload: KubeObject | undefined;
  let current = true;
  if (kind === 'ReplicaSet') {
    const rs = find(s.replicaSets, name);
    workload = find(s.deployments, ownerName(rs, 'Deployment')) ?? rs;
    current = Number(rs?.spec?.replicas ?? 0) > 0;
  } else if (kind === 'Job') {
    const job = find(s.jobs, name);
    workload = find(s.cronJobs, ownerName(job, 'CronJob')) ?? job;
  } else {
    const lists: Record<string, KubeObject[]> = {
      Deployment: s.deployments,
      StatefulSet: s.statefulSets,
      DaemonSet: s.daemonSets,
      CronJob: s.cronJobs,
      Pod: s.pods,
    };
    workload = find(lists[kind ?? ''] ?? [], name);
  }
  if (!workload) return undefined;
  const containerName = labels['trivy-operator.container.name'];
  const container = containerName ? templateContainers(workload).find((c) => c.name === containerName) : undefined;
  return { workload, container, current };
}

function vulnerable(s: SecuritySnapshot, report: KubeObject): SecurityFinding[] {
  const scanned = scannedWorkload(s, report);
  const r: any = report.report ?? {};
  if (!scanned?.container || !runsArtifact(scanned.container.image, r.artifact)) return [];
  const vulns: any[] = r.vulnerabilities ?? [];
  const serious = vulns.filter((v) => v.severity === 'CRITICAL' || v.severity === 'HIGH');
  const critical = Number(r.summary?.criticalCount ?? 0);
  const high = Number(r.summary?.highCount ?? 0);
  if (critical + high === 0) return [];
  const fixable = serious.filter((v) => v.fixedVersion);
  const { workload, container } = scanned;
  const object = refOf(workload);
  const image = `${r.registry?.server ? `${r.registry.server}/` : ''}${r.artifact?.repository}:${r.artifact?.tag}`;
  const evidence = [
    `VulnerabilityReport ${report.metadata.name}: ${critical} critical, ${high} high, ${r.summary?.mediumCount ?? 0} medium in ${image} (container ${container.name})`,
    ...serious
      .slice(0, 6)
      .map(
        (v) =>
          `${v.vulnerabilityID} (${v.severity}) in ${v.resource} ${v.installedVersion}: ${v.fixedVersion ? `fixed in ${v.fixedVersion}` : 'no fixed version yet'}${v.title ? ` — ${v.title}` : ''}`,
      ),
    ...(serious.length > 6 ? [`… ${serious.length - 6} more critical or high`] : []),
  ];
  const newer = cleanerTag(s, report, serious);
  const fix = newer
    ? {
        tool: 'set_image',
        input: {
          namespace: object.namespace,
          kind: object.kind,
          name: object.name,
          container: container.name,
          image: retag(container.image, newer.tag),
        },
        why: `${retag(container.image, newer.tag)} is already scanned here (VulnerabilityReport ${newer.report}) without ${fixable.map((v) => v.vulnerabilityID).join(', ')}`,
      }
    : undefined;
  const owner = gitOpsOwnerOf(asClusterSnapshot(s), object);
  if (!newer && fixable.length)
    evidence.push(
      `no scanned tag of ${r.artifact?.repository} without them yet: rebuild ${image} with ${fixable
        .slice(0, 3)
        .map((v) => `${v.resource} ${v.fixedVersion}`)
        .join(', ')}`,
    );
  return [
    {
      category: 'vulnerable_image',
      severity: critical ? 'critical' : 'high',
      summary: `${object.kind} ${object.namespace}/${object.name} runs ${image} with ${critical} critical and ${high} high CVEs (${fixable.length} of ${serious.length} fixed upstream)`,
      object,
      evidence,
      image: container.image,
      ...(owner ? { owner } : {}),
      ...(fix ? { fix } : {}),
    },
  ];
}

/**
 * The smallest newer tag of the same repository that a report in scope shows without any of these
 * CVEs and with no critical one: a bump to it is known to fix them. Registries are not queried.
 */
function cleanerTag(s: SecuritySnapshot, report: any, serious: any[]): { tag: string; report: string } | undefined {
  const a = report.report?.artifact ?? {};
  const ids = new Set(serious.filter((v) => v.fixedVersion).map((v) => v.vulnerabilityID));
  if (!ids.size) return undefined;
  const candidates = ((s.trivy?.vulnerability ?? []) as any[])
    .filter((o) => {
      const b = o.report?.artifact ?? {};
      return (
        b.repository === a.repository &&
        (o.report?.registry?.server ?? '') === (report.report?.registry?.server ?? '') &&
        b.tag &&
        compareTags(b.tag, a.tag) > 0 &&
        Number(o.report?.summary?.criticalCount ?? 0) === 0 &&
        !(o.report?.vulnerabilities ?? []).some((v: any) => ids.has(v.vulnerabilityID))
      );
    })
    .sort((x, y) => compareTags(x.report.artifact.tag, y.report.artifact.tag));
  const best = candidates[0];
  return best
    ? { tag: best.report.artifact.tag, report: `${best.metadata.namespace}/${best.metadata.name}` }
    : undefined;
}

function exposedSecrets(s: SecuritySnapshot, report: KubeObject): SecurityFinding[] {
  const scanned = scannedWorkload(s, report);
  const r: any = report.report ?? {};
  const secrets: any[] = r.secrets ?? [];
  if (!scanned?.container || !secrets.length || !runsArtifact(scanned.container.image, r.artifact)) return [];
  const object = refOf(scanned.workload);
  const worst = worstSeverity(secrets.map((x) => x.severity));
  // Trivy masks the match; it is still left out: a secret's shape does not belong in Slack.
  return [
    {
      category: 'vulnerable_image',
      severity: worst,
      summary: `${object.kind} ${object.namespace}/${object.name}: image ${r.artifact?.repository}:${r.artifact?.tag} contains ${secrets.length} exposed secret${secrets.length === 1 ? '' : 's'}; rotate them and rebuild without them`,
      object,
      evidence: secrets
        .slice(0, 6)
        .map(
          (x) => `ExposedSecretReport ${report.metadata.name}: ${x.severity} ${x.ruleID} (${x.title}) in ${x.target}`,
        ),
    },
  ];
}

function configAudit(s: SecuritySnapshot, report: KubeObject): SecurityFinding[] {
  const scanned = scannedWorkload(s, report);
  const failed = (((report as any).report?.checks ?? []) as any[]).filter(
    (c) => c.success === false && (c.severity === 'CRITICAL' || c.severity === 'HIGH'),
  );
  if (!scanned?.current || !failed.length) return [];
  const object = refOf(scanned.workload);
  return [
    {
      category: 'pod_security_violation',
      severity: worstSeverity(failed.map((c) => c.severity)) === 'critical' ? 'high' : 'medium',
      summary: `${object.kind} ${object.namespace}/${object.name} fails ${failed.length} high-severity Trivy configuration check${failed.length === 1 ? '' : 's'} (${failed.map((c) => c.checkID).join(', ')})`,
      object,
      // The securityContext fix, when there is one, rides on the namespace's Pod Security finding.
      evidence: failed.map(
        (c) =>
          `ConfigAuditReport ${report.metadata.name}: ${c.checkID} ${c.title} (${c.severity})${c.remediation ? ` — ${c.remediation}` : ''}`,
      ),
    },
  ];
}

function worstSeverity(list: string[]): SecuritySeverity {
  for (const s of ['CRITICAL', 'HIGH', 'MEDIUM'] as const)
    if (list.includes(s)) return s.toLowerCase() as SecuritySeverity;
  return 'low';
}

/** Whether a container image is the artifact a report scanned (by tag or digest). */
function runsArtifact(image: string | undefined, artifact: any): boolean {
  if (!image || !artifact?.repository) return false;
  if (artifact.digest && image.endsWith(`@${artifact.digest}`)) return true;
  const [name, tag] = splitImage(image);
  return name.endsWith(artifact.repository) && tag === (artifact.tag ?? 'latest');
}

function splitImage(image: string): [string, string] {
  const bare = image.split('@')[0]!;
  const slash = bare.lastIndexOf('/');
  const colon = bare.lastIndexOf(':');
  return colon > slash ? [bare.slice(0, colon), bare.slice(colon + 1)] : [bare, 'latest'];
}

/** The same image reference with another tag (any digest dropped: it pinned the old tag). */
export function retag(image: string, tag: string): string {
  return `${splitImage(image)[0]}:${tag}`;
}

/** Orders tags as versions (numeric parts compared as numbers, `v` prefix ignored). */
export function compareTags(a: string, b: string): number {
  const parts = (t: string) => t.replace(/^v/, '').split(/[.\-+]/);
  const x = parts(a);
  const y = parts(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = x[i] ?? '';
    const q = y[i] ?? '';
    const d = /^\d+$/.test(p) && /^\d+$/.test(q) ? Number(p) - Number(q) : p.localeCompare(q);
    if (d) return d;
  }
  return 0;
}

export function templateContainers(o: KubeObject): any[] {
  const spec =
    o.kind === 'Pod'
      ? o.spec
      : o.kind === 'CronJob'
        ? o.spec?.jobTemplate?.spec?.template?.spec
        : o.spec?.template?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

export function refOf(o: KubeObject): { kind: string; namespace?: string; name: string } {
  return { kind: o.kind, namespace: o.metadata.namespace, name: o.metadata.name };
}
