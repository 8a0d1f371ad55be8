import type { KubeReader } from '../cluster/kube-reader.ts';
import { RequestInvalid } from '../domain/errors.ts';
import type { WriteRequest, WriteStep } from '../domain/write-request.ts';
import { isDnsLabel, isPathSegmentName } from '../lib/kube-names.ts';
import { explicitNamespaces, restoreTargets } from '../lib/velero-scope.ts';

/** A request that names something the API server would read differently, or not at all. */

/**
 * The one request object a proposal carries: policy judges it, the card shows it, the hash
 * covers it, the executor sends it. Made explicit here so nothing downstream resolves anything:
 * a namespaced step without a namespace gets the one the kubeconfig would have sent it to; a
 * cluster-scoped step loses the namespace the server would ignore; names must be names the
 * server accepts as written (no case folding, no `/`); an applied body names the same object as
 * its URL. Throws RequestInvalid otherwise.
 */
export async function canonicalRequest(reader: KubeReader, request: WriteRequest): Promise<WriteRequest> {
  if (request.verb === 'sequence')
    return { verb: 'sequence', steps: await Promise.all(request.steps.map((s) => canonicalStep(reader, s))) };
  return canonicalStep(reader, request);
}

async function canonicalStep(reader: KubeReader, step: WriteStep): Promise<WriteStep> {
  if (step.verb === 'evict' && (step.apiVersion !== 'v1' || step.kind !== 'Pod'))
    throw new RequestInvalid(`only pods are evicted, not ${step.kind}`);
  const namespaced = await reader.isNamespaced(step.apiVersion, step.kind);
  if (namespaced === undefined)
    throw new RequestInvalid(`the cluster does not serve ${step.kind} in ${step.apiVersion}`);
  if (!isPathSegmentName(step.name)) throw new RequestInvalid(`"${step.name}" is not an object name`);
  const { namespace: given, ...rest } = step;
  const namespace = namespaced ? (given ?? reader.defaultNamespace) : undefined;
  if (namespace !== undefined && !isDnsLabel(namespace))
    throw new RequestInvalid(
      `"${namespace}" is not a namespace name (lowercase letters, digits and '-', at most 63 characters)`,
    );
  const out = { ...rest, ...(namespace !== undefined ? { namespace } : {}) } as WriteStep;
  if (out.verb === 'patch' && out.patchType === 'apply') {
    const body = structuredClone(out.body) as {
      apiVersion?: string;
      kind?: string;
      metadata?: Record<string, unknown>;
    };
    if (body?.apiVersion !== out.apiVersion || body.kind !== out.kind || body.metadata?.name !== out.name) {
      throw new RequestInvalid('the applied manifest names another object than the request does');
    }
    if (namespace !== undefined) body.metadata.namespace = namespace;
    else delete body.metadata.namespace;
    out.body = body;
  }
  return out;
}

/** Every namespace a request writes in (evictions apart), and the pods it evicts per namespace. */
export function requestReach(request: WriteRequest): { namespaces: string[]; evictions: Record<string, string[]> } {
  const steps = request.verb === 'sequence' ? request.steps : [request];
  const namespaces = new Set<string>();
  const evictions: Record<string, string[]> = {};
  for (const s of steps) {
    if (!s.namespace) continue;
    for (const n of veleroReach(s) ?? []) namespaces.add(n);
    if (s.verb !== 'evict') namespaces.add(s.namespace);
    else evictions[s.namespace] = [...(evictions[s.namespace] ?? []), s.name];
  }
  return { namespaces: [...namespaces], evictions };
}

/**
 * A Velero Backup or Restore lives in Velero's namespace but acts on others: a backup reads the
 * namespaces it includes, a restore writes into its targets. Those are what rules, freezes and
 * protected namespaces must see. `['*']` when it reaches every namespace (no explicit list);
 * undefined for any other step.
 */
export function veleroReach(s: WriteStep): string[] | undefined {
  if (s.verb !== 'patch' || !s.apiVersion.startsWith('velero.io/')) return undefined;
  const spec = (s.body as { spec?: Parameters<typeof explicitNamespaces>[0] } | undefined)?.spec;
  if (s.kind === 'Backup') return explicitNamespaces(spec) ?? ['*'];
  if (s.kind === 'Restore') return restoreTargets(spec) ?? ['*'];
  return undefined;
}
