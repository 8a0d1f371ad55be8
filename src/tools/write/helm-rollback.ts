import { createHash } from 'node:crypto';
import { z } from 'zod';
import { readReleaseRevisions } from '../../cluster/helm-releases.ts';
import { type HelmRollbackRequest, helmRollbackCommand } from '../../domain/helm-rollback.ts';
import { manifestObjects } from '../../lib/manifest-objects.ts';
import { checkScope, defineWriteTool } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';

const FLUX_NAME = 'helm.toolkit.fluxcd.io/name';
const FLUX_NAMESPACE = 'helm.toolkit.fluxcd.io/namespace';

export const helmRollback = defineWriteTool({
  name: 'helm_rollback',
  description:
    "Propose `helm rollback` of a Helm-installed release to an earlier revision (default: the newest one before the current that was deployed). The executor runs the real helm; the card shows the target revision's objects dry-run against the cluster. Refused for a release Flux's helm-controller manages (it would undo the rollback: fix it in Git). Needs approval.",
  input: z.object({
    namespace: NamespaceName,
    release: ObjectName,
    revision: z.number().int().positive().optional().describe('Revision to return to; default: the last good one'),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    checkScope(ctx, input.namespace);
    const where = `${input.namespace}/${input.release}`;
    const revisions = await readReleaseRevisions(ctx.reader, input.namespace, input.release);
    const newest = revisions[0];
    if (!newest) throw new Error(`there is no Helm release ${where} (no release Secrets labelled owner=helm)`);
    if (newest.info.status.startsWith('pending-'))
      throw new Error(`another operation (${newest.info.status}) is in progress on Helm release ${where}`);
    const target =
      input.revision === undefined
        ? revisions.slice(1).find((r) => ['superseded', 'deployed'].includes(r.info.status))
        : revisions.find((r) => r.version === input.revision);
    if (!target)
      throw new Error(
        `Helm release ${where} has no ${input.revision === undefined ? 'earlier good revision' : `revision ${input.revision}`} to roll back to (revisions: ${revisions.map((r) => `${r.version} ${r.info.status}`).join(', ')})`,
      );
    if (target.version === newest.version)
      throw new Error(`revision ${target.version} is already the newest of ${where}`);
    // A release Flux installs is Flux's: helm-controller would upgrade it straight back.
    for (const o of manifestObjects(newest.manifest)) {
      const live = await ctx.reader
        .find({
          apiVersion: o.apiVersion,
          kind: o.kind,
          namespace: o.metadata?.namespace ?? input.namespace,
          name: o.metadata?.name,
        })
        .catch(() => undefined);
      const hr = live?.metadata.labels?.[FLUX_NAME];
      if (hr)
        throw new Error(
          `Helm release ${where} is managed by Flux HelmRelease ${live.metadata.labels?.[FLUX_NAMESPACE] ?? '?'}/${hr}: helm-controller would undo a rollback; fix its values or chart in Git (or suspend it first)`,
        );
    }
    const request: HelmRollbackRequest = {
      verb: 'helm_rollback',
      namespace: input.namespace,
      release: input.release,
      revision: target.version,
      from: newest.version,
      manifest: createHash('sha256').update(target.manifest).digest('hex'),
    };
    const chart = (r: typeof target) => `${r.chart.metadata.name}-${r.chart.metadata.version}`;
    const count = manifestObjects(target.manifest).length;
    return {
      action: 'helm_rollback',
      target: { kind: 'HelmRelease', namespace: input.namespace, name: input.release },
      request,
      summary: `Roll back Helm release ${where} from revision ${newest.version} (${newest.info.status}, ${chart(newest)}) to revision ${target.version} (${chart(target)}): \`${helmRollbackCommand(request)}\`${input.reason ? ` — ${input.reason}` : ''}`,
      risk: 'high',
      blastRadius: {
        namespaces: [input.namespace],
        description: `the release's ${count} object(s) return to revision ${target.version}'s manifest; helm records it as revision ${newest.version + 1}`,
      },
      rollback: `helm rollback ${input.release} ${newest.version} --namespace ${input.namespace}`,
    };
  },
});
