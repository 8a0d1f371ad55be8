import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds } from '../cluster-state.ts';
import { recordEvent } from '../controllers/event-recorder.ts';
import { applyAll, placeObjects, pruneAll } from './apply-desired.ts';
import { gitArtifactOf } from './flux-source.ts';
import { formatDuration, parseDuration, REQUESTED_AT, reconcileDue, setConditions } from './flux-status.ts';
import type { GitSources } from './git-source.ts';
import { type RenderTools, renderSource } from './render-source.ts';
import { resourceHealth } from './resource-health.ts';

const NAME = 'kustomize.toolkit.fluxcd.io/name';
const NAMESPACE = 'kustomize.toolkit.fluxcd.io/namespace';

interface Waiting {
  revision: string;
  since: number;
  refs: { type: any; namespace?: string; name: string; kind: string }[];
}

/**
 * Flux's kustomize-controller: at each interval (or when asked, or when its source moves) it builds
 * the path of its GitRepository's artifact, server-side applies it (reverting drift), prunes what
 * left its inventory, and with `wait` holds Ready until the applied workloads are healthy or the
 * timeout passes (HealthCheckFailed). `suspend` stops it.
 */
export class KustomizationController {
  private readonly lastRun = new Map<string, { at: number; revision?: string }>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly state: ClusterState;
  private readonly git: GitSources;
  private readonly tools: RenderTools;

  constructor(state: ClusterState, git: GitSources, tools: RenderTools) {
    this.state = state;
    this.git = git;
    this.tools = tools;
  }

  async reconcile(): Promise<void> {
    const type = this.state.types.findByKind('kustomize.toolkit.fluxcd.io/v1', 'Kustomization');
    if (!type) return;
    for (const ks of this.state.store.list(type)) {
      if (ks.spec?.suspend || ks.metadata.deletionTimestamp) continue;
      const id = `${ks.metadata.namespace}/${ks.metadata.name}`;
      const now = this.state.now().getTime();
      const artifact = gitArtifactOf(this.state, ks, ks.spec?.sourceRef);
      if ('remote' in artifact) continue; // a source the sandbox does not fetch: the recorded status stands
      const last = this.lastRun.get(id);
      const moved = 'revision' in artifact && artifact.revision !== last?.revision;
      if (!moved && !reconcileDue(ks, last?.at, now)) {
        this.checkHealth(type, ks, id, now);
        continue;
      }
      this.lastRun.set(id, { at: now, revision: 'revision' in artifact ? artifact.revision : undefined });
      let built: { objects: KubeObject[] } | { error: string; reason: string } = {
        error: 'error' in artifact ? artifact.error : '',
        reason: 'ArtifactFailed',
      };
      if ('sha' in artifact) {
        built = await this.git
          .tree(artifact.url, artifact.sha)
          .then((root) =>
            renderSource(
              root,
              {
                path: ks.spec?.path,
                releaseName: ks.metadata.name,
                namespace: ks.spec?.targetNamespace ?? ks.metadata.namespace,
                images: ks.spec?.images,
                recurse: true,
              },
              this.tools,
            ),
          )
          .catch((e: Error) => ({ error: e.message, reason: 'BuildFailed' }));
      }
      const fresh = this.state.store.get(type, ks.metadata.namespace, ks.metadata.name);
      if (fresh) this.state.store.update(type, this.apply(fresh, id, artifact, built, now), { statusOnly: true });
    }
  }

  private apply(ks: KubeObject, id: string, artifact: any, built: any, now: number): KubeObject {
    const next = structuredClone(ks);
    const stamp = isoSeconds(new Date(now));
    next.status = { ...(next.status ?? {}), observedGeneration: ks.metadata.generation };
    const asked = ks.metadata.annotations?.[REQUESTED_AT];
    if (asked) next.status.lastHandledReconcileAt = asked;
    if ('error' in built) {
      if (artifact.revision) next.status.lastAttemptedRevision = artifact.revision;
      setConditions(next, stamp, [{ type: 'Ready', status: 'False', reason: built.reason, message: built.error }]);
      return next;
    }
    next.status.lastAttemptedRevision = artifact.revision;
    const targetNs = ks.spec?.targetNamespace;
    const { placed, errors } = placeObjects(this.state, built.objects, targetNs ?? ks.metadata.namespace, (o) => {
      if (targetNs && o.metadata.namespace !== undefined) o.metadata.namespace = targetNs;
      o.metadata.labels = {
        ...(o.metadata.labels ?? {}),
        [NAME]: ks.metadata.name,
        [NAMESPACE]: ks.metadata.namespace ?? '',
      };
    });
    const applied = errors.length ? [] : applyAll(this.state, placed, 'kustomize-controller', false);
    const failed = errors[0] ?? applied.find((r) => r.status === 'SyncFailed')?.message;
    if (failed) {
      setConditions(next, stamp, [{ type: 'Ready', status: 'False', reason: 'ReconciliationFailed', message: failed }]);
      recordEvent(this.state, ks, {
        reason: 'ReconciliationFailed',
        type: 'Warning',
        component: 'kustomize-controller',
        message: failed,
      });
      return next;
    }
    const entries = placed.map(({ type, obj }) => ({
      id: `${obj.metadata.namespace ?? ''}_${obj.metadata.name}_${type.group}_${obj.kind}`,
      v: type.version,
    }));
    const keep = new Set(entries.map((e) => e.id));
    const stale = ((ks.status?.inventory?.entries ?? []) as { id: string; v: string }[]).filter((e) => !keep.has(e.id));
    if (ks.spec?.prune && stale.length) pruneAll(this.state, stale.map(refOfEntry));
    next.status.inventory = { entries };
    next.status.lastAppliedRevision = artifact.revision;
    recordEvent(this.state, ks, {
      reason: 'ReconciliationSucceeded',
      type: 'Normal',
      component: 'kustomize-controller',
      message: `Reconciliation finished in 0s, next run in ${formatDuration(parseDuration(ks.spec?.interval, 600_000))}`,
    });
    if (ks.spec?.wait || ks.spec?.healthChecks?.length) {
      this.waiting.set(id, {
        revision: artifact.revision,
        since: now,
        refs: placed.map(({ type, obj }) => ({
          type,
          namespace: obj.metadata.namespace,
          name: obj.metadata.name,
          kind: obj.kind,
        })),
      });
      setConditions(next, stamp, [
        {
          type: 'Reconciling',
          status: 'True',
          reason: 'Progressing',
          message: `Running health checks for revision ${artifact.revision} with a timeout of ${formatDuration(this.timeoutMs(ks))}`,
        },
        { type: 'Ready', status: 'Unknown', reason: 'Progressing', message: 'Reconciliation in progress' },
      ]);
      this.evaluate(next, id, now);
      return next;
    }
    setConditions(
      next,
      stamp,
      [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ReconciliationSucceeded',
          message: `Applied revision: ${artifact.revision}`,
        },
      ],
      ['Reconciling', 'Healthy'],
    );
    return next;
  }

  /** Between reconciles, a Kustomization waiting on health checks watches its workloads. */
  private checkHealth(type: any, ks: KubeObject, id: string, now: number): void {
    if (!this.waiting.has(id)) return;
    const next = structuredClone(ks);
    this.evaluate(next, id, now);
    if (JSON.stringify(next.status) !== JSON.stringify(ks.status))
      this.state.store.update(type, next, { statusOnly: true });
  }

  private evaluate(next: KubeObject, id: string, now: number): void {
    const w = this.waiting.get(id)!;
    const stamp = isoSeconds(new Date(now));
    const pending = w.refs.flatMap((r) => {
      const live = this.state.store.get(r.type, r.namespace, r.name);
      const h = live ? resourceHealth(live) : { status: 'Missing' as const };
      if (!h || h.status === 'Healthy') return [];
      return [
        `${r.kind}/${r.namespace ? `${r.namespace}/` : ''}${r.name} status: '${h.status === 'Degraded' ? 'Failed' : h.status === 'Missing' ? 'NotFound' : 'InProgress'}'`,
      ];
    });
    const elapsed = formatDuration(now - w.since);
    if (!pending.length) {
      this.waiting.delete(id);
      setConditions(
        next,
        stamp,
        [
          {
            type: 'Ready',
            status: 'True',
            reason: 'ReconciliationSucceeded',
            message: `Applied revision: ${w.revision}`,
          },
          { type: 'Healthy', status: 'True', reason: 'Succeeded', message: `Health check passed in ${elapsed}` },
        ],
        ['Reconciling'],
      );
    } else if (now - w.since >= this.timeoutMs(next)) {
      this.waiting.delete(id);
      const message = `health check failed after ${elapsed}: timeout waiting for: [${pending.join(', ')}]`;
      setConditions(
        next,
        stamp,
        [
          { type: 'Ready', status: 'False', reason: 'HealthCheckFailed', message },
          { type: 'Healthy', status: 'False', reason: 'HealthCheckFailed', message },
        ],
        ['Reconciling'],
      );
      recordEvent(this.state, next, {
        reason: 'HealthCheckFailed',
        type: 'Warning',
        component: 'kustomize-controller',
        message,
      });
    }
  }

  private timeoutMs(ks: KubeObject): number {
    return parseDuration(ks.spec?.timeout, parseDuration(ks.spec?.interval, 600_000));
  }
}

function refOfEntry(e: { id: string; v: string }) {
  const [namespace, name, group, kind] = e.id.split('_');
  return { group: group!, version: e.v, kind: kind!, ...(namespace ? { namespace } : {}), name: name! };
}
