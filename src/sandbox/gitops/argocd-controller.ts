import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds } from '../cluster-state.ts';
import { recordEvent } from '../controllers/event-recorder.ts';
import { compareApp, syncApp, type Target } from './argocd-app.ts';
import { type GitSources, isLocalSource } from './git-source.ts';
import { type RenderTools, renderSource } from './render-source.ts';

/** `timeout.reconciliation`: how often Argo CD looks at Git without a webhook or a refresh. */
const RESYNC_MS = 180_000;
/** `--self-heal-timeout-seconds`: how long live drift stands before self-heal syncs it away. */
const SELF_HEAL_MS = 5_000;
const REFRESH = 'argocd.argoproj.io/refresh';

interface AppRuntime {
  sourceKey: string;
  fetchedAt: number;
  target?: Target;
  driftSince?: number;
}

/**
 * Argo CD's application controller over the sandbox: renders each Application's source at its
 * target revision, compares it with the live objects on every pass (it watches them), runs sync
 * operations, auto-syncs new revisions, self-heals drift after its timeout, honours the refresh
 * annotation, and records sync, health, history and operation state as Argo CD does.
 */
export class ArgoCdController {
  private readonly apps = new Map<string, AppRuntime>();
  private readonly state: ClusterState;
  private readonly git: GitSources;
  private readonly tools: RenderTools;

  constructor(state: ClusterState, git: GitSources, tools: RenderTools) {
    this.state = state;
    this.git = git;
    this.tools = tools;
  }

  async reconcile(): Promise<void> {
    const type = this.state.types.findByKind('argoproj.io/v1alpha1', 'Application');
    if (!type) return;
    for (const app of this.state.store.list(type)) {
      const src = app.spec?.source ?? app.spec?.sources?.[0];
      if (app.metadata.deletionTimestamp) continue;
      // An Application whose source the sandbox may not fetch keeps its recorded status; only a
      // termination request is honoured, as it needs no source.
      if (!isLocalSource(src?.repoURL)) {
        if (app.status?.operationState?.phase === 'Terminating')
          this.state.store.update(type, terminate(structuredClone(app), isoSeconds(this.state.now())));
        continue;
      }
      const id = `${app.metadata.namespace}/${app.metadata.name}`;
      const rt = this.apps.get(id) ?? { sourceKey: '', fetchedAt: 0 };
      this.apps.set(id, rt);
      const source = app.spec?.source ?? app.spec?.sources?.[0];
      const sourceKey = JSON.stringify([source, app.spec?.destination]);
      const now = this.state.now().getTime();
      const refresh = app.metadata.annotations?.[REFRESH];
      const due = Boolean(refresh) || rt.sourceKey !== sourceKey || now - rt.fetchedAt >= RESYNC_MS;
      if (due && source) {
        if (refresh || now - rt.fetchedAt >= RESYNC_MS) this.git.invalidate(source.repoURL);
        rt.target = await this.render(app, source, source.targetRevision);
        rt.sourceKey = sourceKey;
        rt.fetchedAt = now;
      }
      const op = (app as any).operation?.sync;
      const opTarget =
        op && (op.revision || op.source) && rt.target && (op.revision !== rt.target.sha || op.source)
          ? await this.render(app, op.source ?? source, op.revision ?? source?.targetRevision)
          : rt.target;
      // Everything below is synchronous: it reads the app afresh, so no write races a user's.
      const fresh = this.state.store.get(type, app.metadata.namespace, app.metadata.name);
      if (!fresh || !source || !rt.target) continue;
      const next = this.step(fresh, rt, opTarget ?? rt.target, due, now);
      // A settled app writes nothing: no new resourceVersion for clients holding the last one.
      if (JSON.stringify(next) !== JSON.stringify(fresh)) this.state.store.update(type, next);
    }
  }

  private async render(app: KubeObject, source: Record<string, any>, revision: string | undefined): Promise<Target> {
    try {
      const commit = await this.git.resolve(source.repoURL, revision);
      const root = await this.git.tree(source.repoURL, commit.sha);
      const helm = source.helm ?? {};
      const { type, objects } = await renderSource(
        root,
        {
          path: source.path,
          releaseName: helm.releaseName ?? app.metadata.name,
          namespace: app.spec?.destination?.namespace ?? 'default',
          helm: { valueFiles: helm.valueFiles, values: helm.valuesObject ?? helm.values, parameters: helm.parameters },
          images: (source.kustomize?.images ?? []).map(kustomizeImage),
          recurse: source.directory?.recurse,
        },
        this.tools,
      );
      return { sha: commit.sha, source, type, objects };
    } catch (e) {
      return { sha: '', source, objects: [], error: (e as Error).message };
    }
  }

  /** One pass over a fresh copy of the app: the next object to store. */
  private step(app: KubeObject, rt: AppRuntime, opTarget: Target, due: boolean, now: number): KubeObject {
    const next = structuredClone(app);
    next.status ??= {};
    const status = next.status;
    const target = rt.target!;
    const stamp = isoSeconds(new Date(now));
    if (next.metadata.annotations?.[REFRESH]) delete next.metadata.annotations[REFRESH];
    if (due) status.reconciledAt = stamp;
    // A termination is honoured first, whatever the source does (it may not even render).
    if (status.operationState?.phase === 'Terminating') terminate(next, stamp);
    status.controllerNamespace = app.metadata.namespace;
    const conditions = ((status.conditions ?? []) as any[]).filter((c) => c.type !== 'ComparisonError');
    if (target.error) {
      conditions.push({
        type: 'ComparisonError',
        message: `Failed to load target state: failed to generate manifest for source 1 of 1: rpc error: code = Unknown desc = ${target.error}`,
        lastTransitionTime: stamp,
      });
      status.sync = { ...(status.sync ?? {}), status: 'Unknown' };
      status.conditions = conditions;
      return next;
    }
    // A sync: one asked for (an operation), or automated policy asking for one.
    let operation: any = (next as any).operation;
    const automated = next.spec?.syncPolicy?.automated;
    const auto = automated && automated.enabled !== false;
    let compared = compareApp(this.state, next, target);
    if (!operation && auto && compared.outOfSync) {
      const last = status.operationState;
      const lastRevision = last?.syncResult?.revision;
      const failedHere =
        last?.phase !== 'Succeeded' && lastRevision === target.sha && last?.operation?.initiatedBy?.automated;
      if (lastRevision !== target.sha && !failedHere) operation = autoOperation(target.sha, automated);
      else if (lastRevision === target.sha && automated.selfHeal) {
        rt.driftSince ??= now;
        if (now - rt.driftSince >= SELF_HEAL_MS) operation = autoOperation(target.sha, automated);
      }
    }
    if (!compared.outOfSync) rt.driftSince = undefined;
    if (operation) {
      const sync = operation.sync ?? {};
      const into = sync.revision || sync.source ? opTarget : target;
      const result = syncApp(this.state, next, into, Boolean(sync.prune));
      status.operationState = {
        operation,
        phase: result.ok ? 'Succeeded' : 'Failed',
        message: result.message,
        syncResult: { resources: result.resources, revision: into.sha, source: into.source },
        startedAt: stamp,
        finishedAt: stamp,
      };
      const syncErrors = conditions.filter((c) => c.type !== 'SyncError');
      if (result.ok) {
        const history = [...(status.history ?? [])];
        history.push({
          id: Math.max(-1, ...history.map((h: any) => Number(h.id))) + 1,
          revision: into.sha,
          source: into.source,
          deployStartedAt: stamp,
          deployedAt: stamp,
          initiatedBy: operation.initiatedBy ?? {},
        });
        status.history = history.slice(-(next.spec?.revisionHistoryLimit ?? 10));
        conditions.splice(0, conditions.length, ...syncErrors);
      } else {
        conditions.splice(0, conditions.length, ...syncErrors, {
          type: 'SyncError',
          message: `Failed sync attempt to ${into.sha}: ${result.message}`,
          lastTransitionTime: stamp,
        });
      }
      recordEvent(this.state, app, {
        reason: 'OperationCompleted',
        type: result.ok ? 'Normal' : 'Warning',
        component: 'argocd-application-controller',
        message: `Sync operation to ${into.sha} ${result.ok ? 'succeeded' : `failed: ${result.message}`}`,
      });
      delete (next as any).operation;
      rt.driftSince = undefined;
      compared = compareApp(this.state, next, target);
    }
    status.resources = compared.resources;
    status.sourceType = target.type;
    status.sync = {
      status: compared.outOfSync ? 'OutOfSync' : 'Synced',
      revision: target.sha,
      comparedTo: { source: target.source, destination: next.spec?.destination },
    };
    const prevHealth = status.health;
    status.health = {
      status: compared.health,
      lastTransitionTime: prevHealth?.status === compared.health ? (prevHealth.lastTransitionTime ?? stamp) : stamp,
    };
    status.summary = { images: [...new Set(compared.placed.flatMap(({ obj }) => imagesOf(obj)))].sort() };
    if (conditions.length) status.conditions = conditions;
    else delete status.conditions;
    return next;
  }
}

function autoOperation(revision: string, automated: { prune?: boolean }) {
  return { initiatedBy: { automated: true }, retry: { limit: 5 }, sync: { revision, prune: Boolean(automated.prune) } };
}

/** Argo CD's `kustomize.images` strings: `name=newName:tag`, `name:tag`, `name@digest`. */
function kustomizeImage(s: string) {
  const text = String(s);
  const eq = text.indexOf('=');
  const name = eq >= 0 ? text.slice(0, eq) : text.replace(/[:@].*$/, '');
  const override = eq >= 0 ? text.slice(eq + 1) : text;
  const at = override.indexOf('@');
  if (at >= 0) return { name, newName: override.slice(0, at), digest: override.slice(at + 1) };
  const colon = override.lastIndexOf(':');
  return colon > override.lastIndexOf('/')
    ? { name, newName: override.slice(0, colon), newTag: override.slice(colon + 1) }
    : { name, newName: override };
}

function imagesOf(obj: KubeObject): string[] {
  const spec = obj.kind === 'Pod' ? obj.spec : (obj.spec?.jobTemplate?.spec?.template ?? obj.spec?.template)?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])].map((c: any) => c.image).filter(Boolean);
}

/** What the controller does with a terminated operation: it fails, says so, and is gone. */
function terminate(app: KubeObject, stamp: string): KubeObject {
  app.status.operationState = {
    ...app.status.operationState,
    phase: 'Failed',
    message: 'Operation terminated',
    finishedAt: stamp,
  };
  delete (app as any).operation;
  return app;
}
