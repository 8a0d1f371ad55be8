import { stringify } from 'yaml';
import type { KubeReader } from '../cluster/kube-reader.ts';
import { redactText } from '../cluster/redact.ts';
import type { Config, RepoConfig } from '../config/config.ts';
import type { ProposalRefused } from '../domain/errors.ts';
import { type CiSummary, deliveryBranch, type GitPushRequest, type RenderedManifests } from '../domain/git-change.ts';
import type { DryRunRecord, Risk } from '../domain/proposal.ts';
import { evaluatePolicy } from '../policy/evaluate.ts';
import type { Db } from '../store/db.ts';
import { saveGitCandidate } from '../store/git-candidates.ts';
import type { Proposal, Task } from '../store/schema.ts';
import { artifactHash } from './artifact.ts';
import { dryRunDigest } from './dry-run-record.ts';
import { checkManifests } from './manifest-checks.ts';
import { recordRefusal } from './record-refusal.ts';
import { storeProposal } from './store-proposal.ts';

/** What the CI gate hands over: a committed candidate, what it changes, and CI's verdict. */
export interface GitChangeInput {
  task: Task;
  runId: string;
  repo: RepoConfig;
  candidate: {
    base: string;
    commit: string;
    tree: string;
    files: { path: string; status: string }[];
    diff: string;
    outside: string[];
    ciTouched: string[];
    secrets: string[];
    symlinks: string[];
  };
  ci: CiSummary;
  /** The candidate's commits as a Git bundle, kept in the store until delivery. */
  bundle: Buffer;
  /** What the change does, in a sentence (the card's rationale). */
  summary: string;
  /** The candidate's rendered manifests (repos.<name>.manifests), when it has any configured. */
  manifests?: RenderedManifests;
}

/**
 * Turns a candidate that passed CI into a pending `git_change` proposal: the request (which repo,
 * which ref, from which base to which commit and tree) → the gate's findings → policy (repository,
 * paths changed, delivery) → artifact hash over the request, the base and CI's result → sealed,
 * with the candidate's bundle stored beside it. Nothing is pushed here. A candidate the gate
 * cannot offer (paths outside `paths`, symlinks, secret-shaped values, red CI) is recorded as
 * `refused` and thrown.
 */
export async function proposeGitChange(
  deps: { db: Db; config: Config; reader?: KubeReader },
  input: GitChangeInput,
): Promise<Proposal> {
  const { task, repo, candidate: c, ci } = input;
  const cluster = repo.cluster ?? 'git';
  const target = { kind: 'Repository', name: repo.name };
  const delivery = repo.delivery;
  const request: GitPushRequest = {
    verb: 'git_push',
    repo: repo.name,
    delivery,
    ref: delivery === 'push' ? repo.branch : deliveryBranch(task.id, c.commit),
    tracked: repo.branch,
    base: c.base,
    commit: c.commit,
    tree: c.tree,
  };
  const refuse = (stage: ProposalRefused['stage'], rule: string, reason: string) =>
    refused(deps, input, { cluster, target, request }, stage, { rule, reason });
  if (c.outside.length)
    throw await refuse(
      'request',
      'repo-paths',
      `changes paths agents may not change in ${repo.name} (repos.${repo.name}.paths): ${c.outside.join(', ')}`,
    );
  if (c.symlinks.length)
    throw await refuse(
      'request',
      'repo-symlinks',
      `adds symbolic links, which the gate refuses: ${c.symlinks.join(', ')}`,
    );
  if (c.secrets.length)
    throw await refuse('request', 'diff-secrets', `adds secret-shaped values: ${c.secrets.join('; ')}`);
  if (!ci.ok)
    throw await refuse(
      'dry_run',
      'ci',
      `CI failed (${ci.timedOut ? 'timed out' : `exit ${ci.exitCode}`}): ${ci.log.split('\n').slice(-5).join(' / ')}`,
    );
  const warnings = c.ciTouched.length
    ? [
        `changes CI definitions (${c.ciTouched.join(', ')}); CI ran as ${repo.branch} defines them at ${c.base.slice(0, 12)}`,
      ]
    : [];
  const risk: Risk = warnings.length ? 'high' : 'medium';
  const paths = c.files.map((f) => f.path);
  const decided = evaluatePolicy(
    {
      action: 'git_change',
      cluster,
      target,
      risk,
      requester: task.requester,
      at: new Date(),
      git: { repo: repo.name, paths, delivery: repo.delivery },
    },
    deps.config,
  );
  if (decided.decision === 'deny')
    throw await refuse('policy', decided.rule, `${decided.reason} (rule ${decided.rule})`);
  if (decided.unsatisfiable) warnings.push(`cannot be approved as configured: ${decided.unsatisfiable}`);
  // The manifests the change renders, server-dry-run against the cluster they deploy to: each
  // object judged by policy like the apply it amounts to; the strictest approval count wins.
  let manifests = 'not applicable: no manifests configured';
  let manifestDiff = '';
  let approval = { count: decided.count, approvers: decided.approvers, rule: decided.rule };
  if (repo.manifests.length) {
    const rendered = input.manifests;
    if (rendered?.errors.length)
      throw await refuse('dry_run', 'manifests', `manifests do not render: ${rendered.errors.join('; ')}`);
    if (!rendered?.objects.length) manifests = `none rendered from ${repo.manifests.join(', ')}`;
    else if (!deps.reader) manifests = 'not checked: no cluster to dry-run against';
    else {
      const checks = await checkManifests(deps.reader, deps.config, rendered.objects, task.requester);
      if (checks.refused)
        throw await refuse(
          checks.refused.rule === 'manifests' ? 'dry_run' : 'policy',
          checks.refused.rule,
          checks.refused.reason,
        );
      if (checks.approvals.count > approval.count) approval = checks.approvals;
      manifests = `${rendered.sources.join(', ')} → ${deps.reader.cluster}:\n${checks.lines.join('\n')}`;
      manifestDiff = checks.diff;
    }
  }
  const record: DryRunRecord = { ok: true, results: [], ci, manifests };
  const hash = artifactHash({
    cluster,
    action: 'git_change',
    request,
    targetSpecHash: c.base,
    dryRun: dryRunDigest(record),
  });
  return storeProposal(deps.db, deps.config, {
    task,
    runId: input.runId,
    action: 'git_change',
    cluster,
    target,
    request,
    targetSpecHash: c.base,
    artifactHash: hash,
    dryRun: record,
    diff: `${redactText(c.diff)}${manifestDiff ? `\n# What the rendered manifests would change on ${cluster} (server dry-run)\n${manifestDiff}` : ''}`,
    requestView: stringify({ ...request, files: c.files.map((f) => `${f.status} ${f.path}`) }),
    risk,
    blastRadius: {
      description: `${c.files.length} file(s) in ${repo.name}, delivered by ${delivery} to ${request.ref}`,
      rollback: `git revert ${c.commit.slice(0, 12)}${delivery === 'push-branch' ? ` (or delete branch ${request.ref})` : ''}`,
      ...(warnings.length ? { warnings } : {}),
    },
    rationale: input.summary,
    approval,
    audit: { warnings, trace: decided.trace },
    // A later attempt of the same run (its predecessor died or stalled after proposing) replaces
    // that proposal: one change per run waits for a human, never two.
    supersedeOnlyRun: input.runId,
    beside: (proposalId) =>
      saveGitCandidate(deps.db, { proposalId, repo: repo.name, base: c.base, commit: c.commit, bundle: input.bundle }),
  });
}

function refused(
  deps: { db: Db },
  input: GitChangeInput,
  p: { cluster: string; target: { kind: string; name: string }; request: GitPushRequest },
  stage: ProposalRefused['stage'],
  why: { rule: string; reason: string },
): Promise<ProposalRefused> {
  return recordRefusal(
    deps.db,
    {
      runId: input.runId,
      taskId: input.task.id,
      action: 'git_change',
      ...p,
      risk: 'medium',
      blastRadius: { description: `${input.candidate.files.length} file(s) in ${input.repo.name}` },
      rationale: input.summary,
    },
    stage,
    why,
  );
}
