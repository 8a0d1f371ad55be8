/** One revision of a Helm release, as `helm history` shows it. */
export interface HelmRevision {
  revision: number;
  status: string;
  chart: string;
  appVersion?: string;
  description: string;
  updated?: string;
}

/**
 * What an SRE reads of a Helm release: its revisions (newest first), and between the newest and
 * the one before it what changed in the values (keys, redacted values) and in the manifest (which
 * objects and images). Values are never handed on whole: they may carry credentials.
 */
export interface HelmReleaseView {
  name: string;
  namespace: string;
  revisions: HelmRevision[];
  /** `image.tag: 1.25 → 1.99`; values under credential-like keys are shown as [redacted]. */
  valuesChanged: string[];
  /** `Deployment/web: image nginx:1.25 → nginx:1.99`, objects added or removed. */
  manifestChanged: string[];
  /** Hooks of the newest revision whose last run failed. */
  failedHooks: string[];
  notes?: string;
  /** Objects the newest revision renders, `Kind/name`. */
  objects: string[];
}
