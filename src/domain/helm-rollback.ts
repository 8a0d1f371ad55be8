/**
 * What an approved `helm_rollback` proposal does, run verbatim by the executor through the real
 * helm: `helm rollback RELEASE REVISION -n NAMESPACE`. Helm writes a new revision holding the
 * target revision's chart, values and manifest. The executor refuses when the release moved on
 * since the proposal (its newest revision is no longer `from`) or when the target revision's
 * manifest is no longer the one dry-run (`manifest`, its sha256).
 */
export interface HelmRollbackRequest {
  verb: 'helm_rollback';
  namespace: string;
  release: string;
  /** The revision whose chart, values and manifest come back. */
  revision: number;
  /** The release's newest revision when proposed. */
  from: number;
  /** sha256 of the target revision's rendered manifest. */
  manifest: string;
}

export function isHelmRollback(request: unknown): request is HelmRollbackRequest {
  return (request as { verb?: string } | null)?.verb === 'helm_rollback';
}

/** The command a reviewer reads on the card, and the one the executor runs. */
export function helmRollbackCommand(r: HelmRollbackRequest): string {
  return `helm rollback ${r.release} ${r.revision} --namespace ${r.namespace}`;
}
