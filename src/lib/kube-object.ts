import { canonicalJson } from './canonical-json.ts';

export { canonicalJson };

// Loose typing for objects as the API server stores them: JSON with well-known metadata.
export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  generateName?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: unknown;
}

/**
 * A deep copy. Kubernetes objects are plain JSON (objects, arrays, strings, numbers, booleans,
 * null), which a plain recursive copy handles about eight times faster than `structuredClone`;
 * anything else (a Date, a Map, a Buffer) is left to `structuredClone`.
 */
export function clone<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value)) out[k] = clone((value as Record<string, unknown>)[k]);
  return out as T;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller);
}

export function isPodReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

export function isNodeReady(node: KubeObject): boolean {
  const ready = (node.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  return !ready || ready.status === 'True';
}

/** `Deployment shop/cart`, or `Node worker-a` for cluster-scoped objects. */
export function refLabel(ref: { kind: string; namespace?: string | null; name: string }): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}
