import { gunzipSync, gzipSync } from 'node:zlib';

/** A Helm 3 release as its storage Secret holds it (helm's pkg/release, the fields we read). */
export interface HelmRelease {
  name: string;
  namespace: string;
  version: number;
  info: {
    first_deployed?: string;
    last_deployed?: string;
    deleted?: string;
    description?: string;
    status: string;
    notes?: string;
  };
  chart: {
    metadata: { name: string; version: string; appVersion?: string; [k: string]: unknown };
    values?: Record<string, unknown>;
    [k: string]: unknown;
  };
  /** The user-supplied values only (`helm get values`). */
  config?: Record<string, unknown>;
  manifest: string;
  hooks?: {
    name: string;
    kind: string;
    events?: string[];
    last_run?: { started_at?: string; completed_at?: string; phase?: string };
  }[];
  [k: string]: unknown;
}

export const HELM_RELEASE_TYPE = 'helm.sh/release.v1';

/** `sh.helm.release.v1.<release>.v<revision>`. */
export function releaseSecretName(release: string, version: number): string {
  return `sh.helm.release.v1.${release}.v${version}`;
}

/**
 * Decodes a release Secret's `data.release` as the API returns it: base64 (the Secret's own
 * encoding) of base64 of gzip of the JSON. Releases stored before compression are plain JSON.
 */
export function decodeRelease(dataRelease: string): HelmRelease {
  const inner = Buffer.from(dataRelease, 'base64').toString('ascii');
  let raw = Buffer.from(inner, 'base64');
  if (raw[0] === 0x1f && raw[1] === 0x8b && raw[2] === 0x08) raw = gunzipSync(raw);
  return JSON.parse(raw.toString('utf8')) as HelmRelease;
}

/** The inverse: what a Secret's `data.release` must hold for helm to read the release. */
export function encodeRelease(release: HelmRelease): string {
  const inner = gzipSync(JSON.stringify(release), { level: 9 }).toString('base64');
  return Buffer.from(inner).toString('base64');
}
