import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds } from '../cluster-state.ts';
import { recordEvent } from '../controllers/event-recorder.ts';
import { gitArtifactOf } from './flux-source.ts';
import { formatDuration, parseDuration, REQUESTED_AT, reconcileDue, setConditions } from './flux-status.ts';
import type { GitSources } from './git-source.ts';
import { labelReleaseObjects, markFailed, unhealthyObjects } from './helm-release-status.ts';
import { type HelmCli, releaseHistory, setReleaseStatus, snapshotOf } from './helm-storage.ts';

interface Attempt {
  action: 'install' | 'upgrade';
  since: number;
  version: number;
  chart: string;
}

/**
 * Flux's helm-controller, with the real helm doing the release work against the sandbox: it
 * installs or upgrades when the chart's source revision or the values change, waits (in simulated
 * time, `spec.timeout`, 5m by default) for the release's workloads, and on timeout marks the
 * release failed as helm's `--wait` would, remediating by rollback when retries allow, then
 * Stalled with RetriesExceeded. Charts come from GitRepository sources (the sandbox is offline).
 */
export class HelmReleaseController {
  private readonly last = new Map<string, { at: number; key: string }>();
  private readonly attempts = new Map<string, Attempt>();
  private readonly state: ClusterState;
  private readonly git: GitSources;
  private readonly helm: HelmCli;
  private readonly scratch: string;

  constructor(state: ClusterState, git: GitSources, helm: HelmCli, scratch: string) {
    this.state = state;
    this.git = git;
    this.helm = helm;
    this.scratch = scratch;
  }

  async reconcile(): Promise<void> {
    const type = this.state.types.findByKind('helm.toolkit.fluxcd.io/v2', 'HelmRelease');
    if (!type) return;
    for (const hr of this.state.store.list(type)) {
      if (hr.spec?.suspend || hr.metadata.deletionTimestamp) continue;
      const id = `${hr.metadata.namespace}/${hr.metadata.name}`;
      const now = this.state.now().getTime();
      const attempt = this.attempts.get(id);
      if (attempt) {
        await this.watch(type, hr, id, attempt, now);
        continue;
      }
      const chartRef = hr.spec?.chart?.spec ?? {};
      const artifact = gitArtifactOf(this.state, hr, chartRef.sourceRef);
      if ('remote' in artifact) continue; // a source the sandbox does not fetch: the recorded status stands
      const key = JSON.stringify([
        'revision' in artifact ? artifact.revision : '',
        chartRef.chart,
        hr.spec?.values ?? {},
      ]);
      const last = this.last.get(id);
      const reset = hr.metadata.annotations?.['reconcile.fluxcd.io/resetAt'];
      const stalled = (hr.status?.conditions ?? []).some((c: any) => c.type === 'Stalled' && c.status === 'True');
      if (
        key === last?.key &&
        (stalled ? !reset || reset === hr.status?.lastHandledResetAt : !reconcileDue(hr, last.at, now))
      )
        continue;
      const changed = key !== last?.key;
      this.last.set(id, { at: now, key });
      if ('error' in artifact) {
        await this.update(type, hr, (next, stamp) =>
          setConditions(next, stamp, [
            { type: 'Ready', status: 'False', reason: 'ArtifactFailed', message: artifact.error },
          ]),
        );
        continue;
      }
      const names = this.names(hr);
      const deployed = releaseHistory(this.state, names.storage, names.release)[0];
      if (!changed && deployed?.release.info.status === 'deployed' && !reset) {
        await this.update(type, hr, () => {});
        continue;
      }
      await this.release(type, hr, id, artifact, chartRef.chart ?? '.', deployed ? 'upgrade' : 'install', now, reset);
    }
  }

  private names(hr: KubeObject) {
    const target = hr.spec?.targetNamespace;
    return {
      release: hr.spec?.releaseName ?? (target ? `${target}-${hr.metadata.name}` : hr.metadata.name),
      namespace: target ?? hr.metadata.namespace!,
      storage: hr.spec?.storageNamespace ?? target ?? hr.metadata.namespace!,
    };
  }

  /** `helm upgrade --install`, without --wait: the controller waits in simulated time. */
  private async release(
    type: any,
    hr: KubeObject,
    id: string,
    artifact: any,
    chartPath: string,
    action: Attempt['action'],
    now: number,
    reset?: string,
  ) {
    const names = this.names(hr);
    const values = join(this.scratch, `${id.replace('/', '_')}-values.yaml`);
    await writeFile(values, stringify(hr.spec?.values ?? {}));
    const root = await this.git.tree(artifact.url, artifact.sha);
    const args = [
      'upgrade',
      '--install',
      names.release,
      join(root, chartPath),
      '--namespace',
      names.namespace,
      '--values',
      values,
    ];
    args.push('--history-max', String(hr.spec?.maxHistory ?? 5));
    if (hr.spec?.install?.createNamespace) args.push('--create-namespace');
    const outcome = await this.helm.run(args).then(
      () => undefined,
      (e: Error) => e.message,
    );
    const latest = releaseHistory(this.state, names.storage, names.release)[0];
    const chart = latest ? `${latest.release.chart.metadata.name}@${latest.release.chart.metadata.version}` : chartPath;
    await this.update(type, hr, (next, stamp) => {
      next.status.lastAttemptedReleaseAction = action;
      next.status.lastAttemptedRevision = latest?.release.chart.metadata.version;
      next.status.lastAttemptedConfigDigest = `sha256:${createHash('sha256')
        .update(JSON.stringify(hr.spec?.values ?? {}))
        .digest('hex')}`;
      next.status.storageNamespace = names.storage;
      next.status.helmChart = `${hr.metadata.namespace}/${hr.metadata.namespace}-${hr.metadata.name}`;
      if (reset) {
        next.status.lastHandledResetAt = reset;
        next.status.failures = 0;
        next.status.installFailures = 0;
        next.status.upgradeFailures = 0;
      }
      if (outcome) return markFailed(this.state, next, stamp, action, names, chart, outcome);
      this.attempts.set(id, { action, since: now, version: latest!.release.version, chart });
      labelReleaseObjects(this.state, hr, names);
      setConditions(
        next,
        stamp,
        [
          {
            type: 'Reconciling',
            status: 'True',
            reason: 'Progressing',
            message: `Running '${action}' action with timeout of ${formatDuration(this.timeoutMs(hr))}`,
          },
          {
            type: 'Ready',
            status: 'Unknown',
            reason: 'Progressing',
            message: `Running '${action}' action with timeout of ${formatDuration(this.timeoutMs(hr))}`,
          },
        ],
        ['Stalled'],
      );
    });
  }

  /** What helm's --wait would see: the release's workloads healthy, or the timeout. */
  private async watch(type: any, hr: KubeObject, id: string, attempt: Attempt, now: number) {
    const names = this.names(hr);
    const history = releaseHistory(this.state, names.storage, names.release);
    const current = history.find((h) => h.release.version === attempt.version);
    const pending = unhealthyObjects(this.state, current?.release.manifest ?? '', names.namespace);
    const timedOut = now - attempt.since >= this.timeoutMs(hr);
    if (pending.length && !timedOut) return;
    this.attempts.delete(id);
    const verb = attempt.action === 'install' ? 'install' : 'upgrade';
    const Verb = attempt.action === 'install' ? 'Install' : 'Upgrade';
    if (!pending.length) {
      await this.update(type, hr, (next, stamp) => {
        const message = `Helm ${verb} succeeded for release ${names.namespace}/${names.release}.v${attempt.version} with chart ${attempt.chart}`;
        setConditions(
          next,
          stamp,
          [
            { type: 'Ready', status: 'True', reason: `${Verb}Succeeded`, message },
            { type: 'Released', status: 'True', reason: `${Verb}Succeeded`, message },
          ],
          ['Reconciling', 'Stalled', 'Remediated'],
        );
        recordEvent(this.state, hr, {
          reason: `${Verb}Succeeded`,
          type: 'Normal',
          component: 'helm-controller',
          message,
        });
      });
      return;
    }
    // helm --wait gave up: the new revision is failed and the one it replaced is deployed again.
    if (current)
      setReleaseStatus(this.state, current, 'failed', `${Verb} "${names.release}" failed: context deadline exceeded`);
    const previous = history.find((h) => h.release.version < attempt.version && h.release.info.status === 'superseded');
    if (previous && attempt.action === 'upgrade') setReleaseStatus(this.state, previous, 'deployed');
    const retries = Number(hr.spec?.[attempt.action]?.remediation?.retries ?? 0);
    const failures = Number(hr.status?.[`${attempt.action}Failures`] ?? 0) + 1;
    let remediated = '';
    if (
      attempt.action === 'upgrade' &&
      previous &&
      failures <= retries &&
      hr.spec?.upgrade?.remediation?.strategy !== 'uninstall'
    ) {
      remediated = await this.helm
        .run(['rollback', names.release, String(previous.release.version), '--namespace', names.storage])
        .then(
          () =>
            `Helm rollback to previous release ${names.namespace}/${names.release}.v${previous.release.version} with chart ${previous.release.chart.metadata.name}@${previous.release.chart.metadata.version} succeeded`,
          () => '',
        );
      this.last.delete(id); // the next reconcile tries the upgrade again
    }
    await this.update(type, hr, (next, stamp) => {
      markFailed(this.state, next, stamp, attempt.action, names, attempt.chart, 'context deadline exceeded');
      if (remediated)
        setConditions(next, stamp, [
          { type: 'Remediated', status: 'True', reason: 'RollbackSucceeded', message: remediated },
        ]);
      if (failures > retries)
        setConditions(next, stamp, [
          {
            type: 'Stalled',
            status: 'True',
            reason: 'RetriesExceeded',
            message: `Failed to ${verb} after ${failures} attempt(s)`,
          },
        ]);
    });
  }

  /** Writes status on a fresh copy: bookkeeping every pass shares, then `change`. */
  private async update(type: any, hr: KubeObject, change: (next: any, stamp: string) => void) {
    const fresh = this.state.store.get(type, hr.metadata.namespace, hr.metadata.name);
    if (!fresh) return;
    const next: any = structuredClone(fresh);
    const stamp = isoSeconds(this.state.now());
    next.status = {
      ...(next.status ?? {}),
      observedGeneration: fresh.metadata.generation,
      lastAttemptedGeneration: fresh.metadata.generation,
    };
    const asked = fresh.metadata.annotations?.[REQUESTED_AT];
    if (asked) next.status.lastHandledReconcileAt = asked;
    change(next, stamp);
    const names = this.names(fresh);
    next.status.history = releaseHistory(this.state, names.storage, names.release)
      .slice(0, fresh.spec?.maxHistory ?? 5)
      .map(snapshotOf);
    this.state.store.update(type, next, { statusOnly: true });
  }

  private timeoutMs(hr: KubeObject): number {
    return parseDuration(hr.spec?.timeout, 300_000);
  }
}
