import { z } from 'zod';
import { openshiftVersion } from '../../analyzers/upgrade/openshift.ts';
import { upgradeStatus } from '../../analyzers/upgrade/upgrade-status.ts';
import { readUpgradeSnapshot } from '../../cluster/upgrade-reader.ts';
import { PlanError } from '../../domain/errors.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { defineWriteTool } from '../define-tool.ts';

const CV = { apiVersion: 'config.openshift.io/v1', kind: 'ClusterVersion', name: 'version' };
const cond = (o: KubeObject, type: string) => ((o.status?.conditions ?? []) as any[]).find((c) => c.type === type);
const minor = (v: string | undefined) => v?.split('.').slice(0, 2).join('.');

export const clusterUpgrade = defineWriteTool({
  name: 'cluster_upgrade',
  description:
    "Propose an OpenShift update as `oc adm upgrade --to VERSION` makes it: the ClusterVersion's desired update, to a version the update service offers (a conditional update only with allowNotRecommended). Refused while an update runs or fails, while an operator is degraded, and for a minor update while the cluster is not Upgradeable. High risk: the card carries the preflight. Needs approval.",
  input: z.object({
    version: z.string().regex(/^4\.\d+\.\d+$/, 'an OpenShift version such as 4.17.14'),
    allowNotRecommended: z
      .boolean()
      .default(false)
      .describe('Accept a conditional update whose risks apply (oc adm upgrade --allow-not-recommended)'),
    reason: z.string().default(''),
  }),
  async plan(ctx, input) {
    if ((await ctx.reader.isNamespaced(CV.apiVersion, CV.kind).catch(() => undefined)) === undefined)
      throw new PlanError(
        'this cluster is not OpenShift (no ClusterVersion): a Kubernetes upgrade goes through Cluster API (node_pool_upgrade) or the provider',
      );
    const cv = await ctx.reader.read(CV);
    const current = openshiftVersion(cv);
    if (cv.status?.desired?.version === input.version)
      throw new PlanError(
        `the cluster is already ${current === input.version ? 'at' : 'updating to'} ${input.version}`,
      );
    // What `oc adm upgrade` refuses without --allow-upgrade-with-warnings.
    for (const [type, why] of [
      ['Invalid', 'the cluster version is invalid'],
      ['Failing', 'the cluster is failing'],
      ['Progressing', 'the cluster is already upgrading'],
    ] as const) {
      const c = cond(cv, type);
      if (c?.status === 'True')
        throw new PlanError(`${why}: ${c.message ?? c.reason ?? type}; wait for it or fix it first`);
    }
    const available = ((cv.status?.availableUpdates ?? []) as any[]).find((u) => u.version === input.version);
    const conditional = ((cv.status?.conditionalUpdates ?? []) as any[]).find(
      (u) => u.release?.version === input.version,
    );
    const release = available ?? conditional?.release;
    if (!release) {
      const offered = [
        ...((cv.status?.availableUpdates ?? []) as any[]).map((u) => u.version),
        ...((cv.status?.conditionalUpdates ?? []) as any[]).map((u) => `${u.release?.version} (conditional)`),
      ];
      throw new PlanError(
        `${input.version} is not an update the cluster's channel ${cv.spec?.channel ?? ''} offers from ${current}; offered: ${offered.join(', ') || 'none'}`,
      );
    }
    const risks = !available
      ? ((conditional.risks ?? []) as any[]).map((r) => `${r.name}: ${r.message}${r.url ? ` (${r.url})` : ''}`)
      : [];
    const recommended = ((conditional?.conditions ?? []) as any[]).find((c) => c.type === 'Recommended')?.status;
    if (!available && recommended !== 'True' && !input.allowNotRecommended)
      throw new PlanError(
        `${input.version} is a conditional update that is not recommended for this cluster (${risks.join('; ') || 'risks unknown'}); ask again with allowNotRecommended to accept them`,
      );
    const isMinor = minor(input.version) !== minor(current);
    const upgradeable = cond(cv, 'Upgradeable');
    if (isMinor && upgradeable?.status === 'False')
      throw new PlanError(
        `minor updates are blocked: Upgradeable=False (${upgradeable.reason ?? ''}): ${upgradeable.message ?? ''}; z-stream updates within ${minor(current)} still proceed`,
      );
    const report = upgradeStatus(await readUpgradeSnapshot(ctx.reader), input.version);
    const broken = (report.openshift?.operators ?? []).filter((o) => o.degraded === 'True' || o.available === 'False');
    if (broken.length)
      throw new PlanError(
        `the update would stall on degraded operators: ${broken.map((o) => `${o.name} (${o.message ?? 'Degraded'})`).join('; ')}; fix them first`,
      );
    const pools = report.openshift?.pools ?? [];
    const preflight = [
      ...pools.map(
        (p) =>
          `pool ${p.name}: ${p.machineCount} node(s) reboot one at a time${p.paused ? ' — PAUSED, its nodes will not update' : ''}`,
      ),
      ...report.preflight.blockingPdbs.map(
        (b) => `PodDisruptionBudget ${b.namespace}/${b.name} blocks drains (${b.why})`,
      ),
      ...report.preflight.removedApis.map((u) => `${u.object} uses ${u.apiVersion}, removed in ${u.removedIn}`),
      ...risks.map((r) => `accepted risk: ${r}`),
    ];
    return {
      action: 'cluster_upgrade',
      target: { kind: 'ClusterVersion', name: 'version' },
      request: {
        ...CV,
        verb: 'patch',
        patchType: 'merge',
        body: {
          spec: { desiredUpdate: { version: release.version, image: release.image, force: false, architecture: '' } },
        },
      },
      summary: `Update OpenShift from ${current} to ${input.version} (${isMinor ? 'minor' : 'z-stream'} update${available ? '' : ', conditional: not recommended'}, channel ${cv.spec?.channel ?? '?'})${preflight.length ? `; preflight: ${preflight.join('; ')}` : ''}`,
      risk: 'high',
      blastRadius: {
        description: `every cluster operator updates and every node reboots as its MachineConfigPool rolls (${pools.map((p) => `${p.name}: ${p.machineCount}`).join(', ') || 'no pools read'}); workloads move as nodes drain`,
      },
      rollback: isMinor
        ? 'a minor update cannot be rolled back: restore from etcd backup is the way back'
        : `setting the desired update back to ${current} (oc adm upgrade --to ${current} --allow-explicit-upgrade) attempts a rollback; not every rollback succeeds`,
    };
  },
});
