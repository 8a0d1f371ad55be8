import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { canonicalJson, clone, type KubeObject } from '../lib/kube-object.ts';
import { applyDefaults, defaultJobSelector } from './defaults.ts';
import { apiVersionOf, type ResourceType } from './resources.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
  resource: ResourceType;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: Record<string, unknown>;
  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export interface WriteOptions {
  dryRun?: boolean;
}

/**
 * The simulated cluster's storage: what etcd + the generic registry do. Assigns uid,
 * resourceVersion, creationTimestamp and generation; detects conflicts; emits watch events.
 * Every write, API or controller, goes through `create`, `update` or `delete` here.
 */
export class ObjectStore {
  private readonly objects = new Map<string, KubeObject>();
  /**
   * The same objects by type, then namespace (`''` for cluster-scoped), then name: a list reads
   * only its own scope. The controllers list per object every pass, so a scan of everything per
   * list made a cluster of 50 namespaces spend its time cloning objects it then threw away.
   */
  private readonly byType = new Map<string, Map<string, Map<string, KubeObject>>>();
  private revision = 1;
  private readonly emitter = new EventEmitter();

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  private key(t: ResourceType, namespace: string | undefined, name: string): string {
    return `${apiVersionOf(t)}/${t.plural}/${t.namespaced ? namespace : ''}/${name}`;
  }

  private put(t: ResourceType, obj: KubeObject): void {
    const ns = t.namespaced ? (obj.metadata.namespace ?? '') : '';
    this.objects.set(this.key(t, ns, obj.metadata.name), obj);
    const type = `${apiVersionOf(t)}/${t.plural}`;
    const scopes = this.byType.get(type) ?? new Map<string, Map<string, KubeObject>>();
    this.byType.set(type, scopes);
    const names = scopes.get(ns) ?? new Map<string, KubeObject>();
    scopes.set(ns, names);
    names.set(obj.metadata.name, obj);
  }

  private remove(t: ResourceType, namespace: string | undefined, name: string): void {
    const ns = t.namespaced ? (namespace ?? '') : '';
    this.objects.delete(this.key(t, ns, name));
    const scopes = this.byType.get(`${apiVersionOf(t)}/${t.plural}`);
    const names = scopes?.get(ns);
    names?.delete(name);
    if (names && !names.size) scopes!.delete(ns);
  }

  get(t: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.objects.get(this.key(t, namespace, name));
    return obj ? clone(obj) : undefined;
  }

  /** The stored object itself, read-only and uncopied: for controllers deciding whether to act. */
  peek(t: ResourceType, namespace: string | undefined, name: string): Readonly<KubeObject> | undefined {
    return this.objects.get(this.key(t, namespace, name));
  }

  mustGet(t: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const obj = this.get(t, namespace, name);
    if (!obj) throw notFound(t, name);
    return obj;
  }

  /**
   * Copies of the objects of a type (in one namespace, if given), sorted by namespace and name.
   * `where` sees the stored object, read-only, and decides before anything is copied.
   */
  list(t: ResourceType, namespace?: string, where?: (stored: Readonly<KubeObject>) => boolean): KubeObject[] {
    const scopes = this.byType.get(`${apiVersionOf(t)}/${t.plural}`);
    if (!scopes) return [];
    const wanted = t.namespaced && namespace ? [scopes.get(namespace)] : [...scopes.values()];
    const out: KubeObject[] = [];
    for (const names of wanted) for (const v of names?.values() ?? []) if (!where || where(v)) out.push(clone(v));
    return out.sort(
      (a, b) =>
        (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '') ||
        a.metadata.name.localeCompare(b.metadata.name),
    );
  }

  create(t: ResourceType, input: KubeObject, opts: WriteOptions = {}): KubeObject {
    const obj = clone(input);
    obj.apiVersion = apiVersionOf(t);
    obj.kind = t.kind;
    applyDefaults(obj);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = meta.generateName + randomSuffix(5);
    if (!meta.name)
      throw new ApiError(
        422,
        'Invalid',
        `${t.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
      );
    if (!t.namespaced) delete meta.namespace;
    if (this.objects.has(this.key(t, meta.namespace, meta.name))) {
      throw new ApiError(
        409,
        'AlreadyExists',
        `${t.plural}${t.group ? `.${t.group}` : ''} "${meta.name}" already exists`,
        { name: meta.name, kind: t.plural },
      );
    }
    meta.uid ??= randomUUID();
    if (t.kind === 'Job') defaultJobSelector(obj);
    meta.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if ('spec' in obj) meta.generation ??= 1;
    if (opts.dryRun) return obj;
    meta.resourceVersion = String(++this.revision);
    this.put(t, clone(obj));
    this.emit({ type: 'ADDED', object: obj, resource: t });
    return obj;
  }

  /**
   * Replace an object. `preserveStatus` keeps the stored status (main-resource writes);
   * `statusOnly` keeps the stored spec and metadata (status-subresource writes).
   * A stale resourceVersion in the input is a 409 like the real server's.
   */
  update(
    t: ResourceType,
    input: KubeObject,
    opts: WriteOptions & { preserveStatus?: boolean; statusOnly?: boolean } = {},
  ): KubeObject {
    const meta = input.metadata;
    const key = this.key(t, meta.namespace, meta.name);
    const current = this.objects.get(key);
    if (!current) throw notFound(t, meta.name);
    if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${t.plural}${t.group ? `.${t.group}` : ''} "${meta.name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name: meta.name, kind: t.plural },
      );
    }
    let next = clone(input);
    if (opts.statusOnly) next = { ...clone(current), status: next.status };
    if (opts.preserveStatus && t.hasStatus) next.status = clone(current.status);
    next.apiVersion = apiVersionOf(t);
    next.kind = t.kind;
    applyDefaults(next);
    // Identity fields are the server's, whatever the client sent.
    for (const f of ['uid', 'creationTimestamp', 'namespace', 'name', 'deletionTimestamp'] as const)
      (next.metadata as Record<string, unknown>)[f] = current.metadata[f];
    const specChanged = canonicalJson(current.spec) !== canonicalJson(next.spec);
    next.metadata.generation = (current.metadata.generation ?? 1) + (specChanged && !opts.statusOnly ? 1 : 0);
    if (current.metadata.generation === undefined && next.spec === undefined) delete next.metadata.generation;
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    if (canonicalJson(next) === canonicalJson(current)) return clone(current);
    if (opts.dryRun) return next;
    next.metadata.resourceVersion = String(++this.revision);
    this.put(t, clone(next));
    this.emit({ type: 'MODIFIED', object: next, resource: t });
    // An object being deleted goes once its last finalizer is removed.
    if (next.metadata.deletionTimestamp && !(next.metadata.finalizers as string[] | undefined)?.length)
      return this.delete(t, meta.namespace, meta.name);
    return next;
  }

  delete(t: ResourceType, namespace: string | undefined, name: string, opts: WriteOptions = {}): KubeObject {
    const key = this.key(t, namespace, name);
    const current = this.objects.get(key);
    if (!current) throw notFound(t, name);
    if (opts.dryRun) return clone(current);
    if ((current.metadata.finalizers as string[] | undefined)?.length) {
      // Finalizers hold the object: mark it and let their controllers remove them.
      if (current.metadata.deletionTimestamp) return clone(current);
      const marked = clone(current);
      marked.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      marked.metadata.deletionGracePeriodSeconds = 0;
      marked.metadata.resourceVersion = String(++this.revision);
      this.put(t, clone(marked));
      this.emit({ type: 'MODIFIED', object: marked, resource: t });
      return clone(marked);
    }
    this.remove(t, namespace, name);
    const gone = clone(current);
    gone.metadata.resourceVersion = String(++this.revision);
    this.emit({ type: 'DELETED', object: gone, resource: t });
    return gone;
  }

  /** Every stored object, read-only and uncopied (owner-reference garbage collection reads them all each pass). */
  stored(): IterableIterator<Readonly<KubeObject>> {
    return this.objects.values();
  }

  onEvent(listener: (e: WatchEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  private emit(e: WatchEvent): void {
    this.emitter.emit('event', { ...e, object: clone(e.object) });
  }
}

export function notFound(t: ResourceType, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${t.plural}${t.group ? `.${t.group}` : ''} "${name}" not found`, {
    name,
    kind: t.plural,
    group: t.group,
  });
}

const ALPHANUM = 'bcdfghjklmnpqrstvwxz2456789';
export function randomSuffix(n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHANUM[Math.floor(Math.random() * ALPHANUM.length)];
  return s;
}
