import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { describeKubeError } from '../../cluster/api-error.ts';
import type { RepoConfig } from '../../config/config.ts';
import { isCodedError } from '../../domain/errors.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import type { BundleValidation } from '../../tools/manifests/validate-bundle.ts';
import { attempt } from '../coding/change-worker.ts';
import type { WorkerContext, WorkerResult } from '../worker.ts';
import type { Checkpoint } from './resume.ts';

/**
 * A `generate` task with no model: `generate_manifests` fills the production template from the
 * request's facts and validates it (server dry-runs of every object and of a Pod from each pod
 * template, the production checks). What does not validate is escalated with the reasons; what
 * does is delivered as one `apply_manifest` proposal, or, on a task with a repository, committed
 * under the repository's manifests folder and sent through its CI gate as a `git_change`.
 */
export async function generateWorkload(ctx: WorkerContext): Promise<WorkerResult> {
  const ns = ctx.task.namespace ?? undefined;
  ctx.emit({ type: 'step', data: { message: `Generating production-ready manifests: ${ctx.task.question}` } });
  let v: BundleValidation;
  try {
    v = await ctx.callTool<BundleValidation>('generate_manifests', {
      request: ctx.task.question.slice(0, 500),
      ...(ns ? { namespace: ns } : {}),
    });
  } catch (e) {
    const message = isCodedError(e) ? e.message : describeKubeError(e);
    return { status: 'escalated', summary: `No manifests generated: ${message}.` };
  }
  const objects = parseAllDocuments(v.manifest).map((d) => d.toJS() as KubeObject);
  const failed = [
    ...v.dryRun.filter((d) => !d.ok).map((d) => `${d.object}: ${d.detail}`),
    ...v.checks.filter((c) => !c.ok).map((c) => `${c.object}: ${c.id} — ${c.detail}`),
  ];
  const names = objects.map((o) => `${o.kind} ${o.metadata.name}`).join(', ');
  if (failed.length) {
    for (const f of failed) ctx.emit({ type: 'error', data: { message: f } });
    return {
      status: 'escalated',
      summary: `The manifests for ${names} did not validate: ${failed.slice(0, 3).join('; ')}.`,
    };
  }
  ctx.emit({
    type: 'step',
    data: {
      message: `Validated ${names}: every object and a Pod from each pod template accepted by a server-side dry-run; ${v.checks.length} production checks pass`,
    },
  });
  if (ctx.repo) return toGit(ctx, ctx.repo, objects, names);
  const reason = `production-ready manifests generated for: ${ctx.task.question}`.slice(0, 300);
  try {
    const { proposal, plan } = await ctx.propose('apply_manifest', { manifest: v.manifest, reason });
    ctx.emit({
      type: 'proposal',
      data: { proposalId: proposal.id, action: proposal.action, target: plan.target, summary: plan.summary },
    });
    const finding = {
      category: 'healthy' as const,
      summary: `Generated ${names}`,
      object: plan.target,
      evidence: v.checks.map((c) => `${c.object}: ${c.id} — ${c.detail}`).slice(0, 20),
    };
    const cp: Checkpoint = { proposalId: proposal.id, finding, action: proposal.action };
    return {
      status: 'awaiting_approval',
      summary: `Generated and validated ${names}. Proposed: ${plan.summary}.`,
      checkpoint: cp,
    };
  } catch (e) {
    const message = isCodedError(e) ? e.message : describeKubeError(e);
    return {
      status: 'escalated',
      summary: `Generated and validated ${names}, but it could not be proposed: ${message}`,
    };
  }
}

/** The bundle as files under the repository's manifests folder (`deploy/<name>/<kind>.yaml`), through its gate. */
async function toGit(
  ctx: WorkerContext,
  repo: RepoConfig,
  objects: KubeObject[],
  names: string,
): Promise<WorkerResult> {
  const base = (repo.manifests[0] ?? 'deploy/**').replace(/\/?\*.*$/, '') || 'deploy';
  const name = objects.find((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')?.metadata.name ?? 'workload';
  const folder = join(base, name);
  const result = await attempt(ctx, repo, async (_ctx, ws) => {
    let turns = 0;
    return {
      async turn() {
        if (turns++ > 0)
          return { ok: false, summary: '', error: 'generated manifests cannot answer what the gate reported' };
        for (const o of objects) {
          const file = join(
            ws.dir,
            folder,
            `${o.kind.toLowerCase()}${o.kind === 'Service' && o.metadata.name.endsWith('-headless') ? '-headless' : ''}.yaml`,
          );
          await mkdir(dirname(file), { recursive: true });
          await writeFile(file, stringify(o, { aliasDuplicateObjects: false }));
        }
        return {
          ok: true,
          summary: `Add ${names} under ${folder}/ (generated, restricted Pod Security, production checks pass)`,
        };
      },
      async close() {},
    };
  });
  return result.status === 'awaiting_approval'
    ? { ...result, summary: `Generated ${names}. ${result.summary}` }
    : result;
}
