import type { HelmReleaseView } from '../domain/helm-release-view.ts';
import { decodeRelease, type HelmRelease } from '../lib/helm-release.ts';
import type { KubeReader } from './kube-reader.ts';
import { redactText } from './redact.ts';

const SECRET_KEY = /(pass(word)?|secret|token|key|credential|auth|cert)/i;

/** The Helm releases stored in `namespace` (Secrets labelled owner=helm); none when Secrets may not be listed. */
export async function readHelmReleases(reader: KubeReader, namespace?: string): Promise<HelmReleaseView[]> {
  let secrets: Awaited<ReturnType<KubeReader['list']>>;
  try {
    secrets = await reader.list('v1', 'Secret', namespace, { labelSelector: 'owner=helm' });
  } catch (e) {
    if ((e as { code?: number }).code === 403) return [];
    throw e;
  }
  const byRelease = new Map<string, HelmRelease[]>();
  for (const s of secrets) {
    try {
      const r = decodeRelease((s.data as Record<string, string>).release ?? '');
      const key = `${r.namespace}/${r.name}`;
      byRelease.set(key, [...(byRelease.get(key) ?? []), r]);
    } catch {
      // not a release Helm could read either
    }
  }
  return [...byRelease.values()].map((all) => viewOf(all.sort((a, b) => b.version - a.version)));
}

/**
 * Every stored revision of one release, newest first, as Helm keeps them (values and manifest
 * included: for the approvals path only, never shown whole). Empty when there is none.
 */
export async function readReleaseRevisions(
  reader: KubeReader,
  namespace: string,
  release: string,
): Promise<HelmRelease[]> {
  const secrets = await reader.list('v1', 'Secret', namespace, { labelSelector: `owner=helm,name=${release}` });
  return secrets
    .flatMap((s) => {
      try {
        return [decodeRelease((s.data as Record<string, string>).release ?? '')];
      } catch {
        return [];
      }
    })
    .filter((r) => r.name === release)
    .sort((a, b) => b.version - a.version);
}

function viewOf(revisions: HelmRelease[]): HelmReleaseView {
  const [latest, previous] = revisions as [HelmRelease, HelmRelease | undefined];
  return {
    name: latest.name,
    namespace: latest.namespace,
    revisions: revisions.map((r) => ({
      revision: r.version,
      status: r.info.status,
      chart: `${r.chart.metadata.name}-${r.chart.metadata.version}`,
      ...(r.chart.metadata.appVersion ? { appVersion: r.chart.metadata.appVersion } : {}),
      description: redactText(r.info.description ?? ''),
      ...(r.info.last_deployed ? { updated: r.info.last_deployed } : {}),
    })),
    valuesChanged: previous ? valuesDiff(previous.config ?? {}, latest.config ?? {}) : [],
    manifestChanged: previous ? manifestDiff(previous.manifest, latest.manifest) : [],
    failedHooks: (latest.hooks ?? []).filter((h) => h.last_run?.phase === 'Failed').map((h) => `${h.kind}/${h.name}`),
    ...(latest.info.notes ? { notes: redactText(latest.info.notes).slice(0, 500) } : {}),
    objects: [...objectsOf(latest.manifest).keys()],
  };
}

function valuesDiff(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  const a = flatten(before);
  const b = flatten(after);
  const show = (k: string, v: unknown) =>
    v === undefined ? '(unset)' : SECRET_KEY.test(k) ? '[redacted]' : redactText(String(v));
  return [...new Set([...a.keys(), ...b.keys()])]
    .filter((k) => a.get(k) !== b.get(k))
    .sort()
    .map((k) => `${k}: ${show(k, a.get(k))} → ${show(k, b.get(k))}`);
}

function flatten(v: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v))
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  else out.set(prefix, Array.isArray(v) ? JSON.stringify(v) : v);
  return out;
}

function manifestDiff(before: string, after: string): string[] {
  const a = objectsOf(before);
  const b = objectsOf(after);
  const out: string[] = [];
  for (const [k, img] of b) {
    if (!a.has(k)) out.push(`${k}: added`);
    else if (a.get(k) !== img) out.push(`${k}: image ${a.get(k) || '(none)'} → ${img || '(none)'}`);
  }
  for (const k of a.keys()) if (!b.has(k)) out.push(`${k}: removed`);
  return out;
}

/** `Kind/name` → its images (joined), from a rendered multi-document manifest. */
function objectsOf(manifest: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const doc of manifest.split(/^---\s*$/m)) {
    const kind = /^kind:\s*(\S+)/m.exec(doc)?.[1];
    const name = /^metadata:\s*\n(?:\s+.*\n)*?\s+name:\s*["']?([^\s"']+)/m.exec(doc)?.[1];
    if (!kind || !name) continue;
    const images = [...doc.matchAll(/^\s*-?\s*image:\s*["']?([^\s"']+)/gm)].map((m) => m[1]).join(',');
    out.set(`${kind}/${name}`, images);
  }
  return out;
}
