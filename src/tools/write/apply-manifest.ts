import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import { type KubeObject, refLabel } from '../../lib/kube-object.ts';
import { defineWriteTool } from '../define-tool.ts';
import { SECRET_KINDS } from './patch.ts';

export const applyManifest = defineWriteTool({
  name: 'apply_manifest',
  description:
    'Propose applying one Kubernetes manifest with server-side apply (kubectl apply --server-side): creates the object or updates the fields it names. Needs approval.',
  input: z.object({ manifest: z.string().max(64 * 1024), reason: z.string().default('') }),
  async plan(ctx, input) {
    const docs = parseAllDocuments(input.manifest).filter((d) => d.contents !== null);
    if (docs.length !== 1) throw new PlanError(`apply_manifest takes exactly one object; got ${docs.length} documents`);
    if (docs[0]!.errors.length) throw new PlanError(`the manifest is not valid YAML: ${docs[0]!.errors[0]!.message}`);
    const obj = docs[0]!.toJS() as KubeObject;
    if (!obj?.apiVersion || !obj.kind || !obj.metadata?.name)
      throw new PlanError('the manifest needs apiVersion, kind and metadata.name');
    if (SECRET_KINDS.has(obj.kind))
      throw new PlanError('applying Secrets is not in the vocabulary: their values would appear on the approval card');
    delete obj.status;
    // A cluster-scoped kind (RBAC bindings, CRDs, nodes) never takes the task's namespace: the card
    // must say it changes the whole cluster. A namespaced one without a namespace goes where
    // kubectl would send it (the task's, else the kubeconfig context's), and the card says so.
    const namespaced = await ctx.reader.isNamespaced(obj.apiVersion, obj.kind);
    if (namespaced === undefined) throw new PlanError(`the cluster does not serve ${obj.kind} in ${obj.apiVersion}`);
    const ref = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: namespaced ? (obj.metadata.namespace ?? ctx.namespace ?? ctx.reader.defaultNamespace) : undefined,
      name: obj.metadata.name,
    };
    if (ref.namespace) obj.metadata.namespace = ref.namespace;
    else delete obj.metadata.namespace;
    const exists = (await ctx.reader.find(ref)) !== undefined;
    const where = refLabel(ref);
    return {
      action: 'apply_manifest',
      target: { kind: ref.kind, namespace: ref.namespace, name: ref.name },
      request: { ...ref, verb: 'patch', patchType: 'apply', body: obj },
      summary: `${exists ? 'Update' : 'Create'} ${where} by server-side apply`,
      risk: exists ? 'high' : 'medium',
      blastRadius: {
        namespaces: ref.namespace ? [ref.namespace] : [],
        description: exists ? `the fields of ${where} named in the manifest` : `a new ${ref.kind}`,
      },
      rollback: exists
        ? `re-apply the "live" side of the diff on this card to ${where}`
        : `kubectl delete ${ref.kind.toLowerCase()} ${ref.name}${ref.namespace ? ` -n ${ref.namespace}` : ''}`,
    };
  },
});
