import type { KubeObject } from '../lib/kube-object.ts';
import type { HelmRollbackRequest } from './helm-rollback.ts';
import type { MaintenancePlanRequest } from './maintenance-plan.ts';
import type { WriteRequest } from './write-request.ts';

/**
 * What an approved `git_change` proposal does, executed verbatim: push `commit` (made on `base`)
 * to `ref` of repository `repo`. `push-branch` creates `refs/heads/claw/…` (it must not exist
 * yet); `push` moves the tracked branch from exactly `base` to `commit` (a fast-forward, refused
 * if the branch moved since).
 */
export interface GitPushRequest {
  verb: 'git_push';
  repo: string;
  /** `pull-request`: the `claw/…` branch is pushed, then a pull (merge) request opened from it. */
  delivery: 'push-branch' | 'push' | 'pull-request';
  /** The branch written: `claw/…`, or the tracked branch for `push`. */
  ref: string;
  /** The tracked branch the change was made on. */
  tracked: string;
  base: string;
  commit: string;
  tree: string;
}

/** What a proposal's `request` column holds: a cluster write, a Git push, or a Helm rollback. */
export type ProposalRequest = WriteRequest | GitPushRequest | HelmRollbackRequest | MaintenancePlanRequest;

export function isGitPush(request: unknown): request is GitPushRequest {
  return (request as { verb?: string } | null)?.verb === 'git_push';
}

/** CI's verdict on a candidate commit, as a git_change proposal keeps it (its artifact covers it). */
export interface CiSummary {
  ok: boolean;
  exitCode: number | null;
  timedOut: boolean;
  durationMs: number;
  command: string;
  /** The end of CI's output, redacted. */
  log: string;
}

/** `claw/<task>-<commit>`: one branch per task and candidate, so a retried push finds its own. */
export function deliveryBranch(taskId: string, commit: string): string {
  return `claw/${taskId.replace(/[^A-Za-z0-9._-]/g, '-')}-${commit.slice(0, 12)}`;
}

/** The Kubernetes objects a repository's manifests make, and how each was rendered (src/gate). */
export interface RenderedManifests {
  objects: KubeObject[];
  /** `kustomize deploy/overlays/prod` or `yaml deploy/cm.yaml`, one per source rendered. */
  sources: string[];
  /** Sources that would not render, with why: the gate refuses such a change. */
  errors: string[];
}
