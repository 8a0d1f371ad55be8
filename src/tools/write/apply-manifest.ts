import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { describeKubeError } from '../../cluster/api-error.ts';
import { PlanError } from '../../domain/errors.ts';
import type { WriteStep } from '../../domain/write-request.ts';
import { type KubeObject, refLabel } from '../../lib/kube-object.ts';
import { defineWriteTool } from '../define-tool.ts';
import { podsOf } from '../manifests/validate-bundle.ts';
import { SECRET_KINDS } from './patch.ts';

/** Objects one proposal may apply: a workload's bundle, not a whole application. */
const MAX_OBJECTS = 12;

export const applyManifest = defineWriteTool({
  name: 'apply_manifest',
  description:
    'Propose applying a Kubernetes manifest with server-side apply (kubectl apply --server-side): one object, or up to 12 as one multi-document YAML applied in order (a workload bundle); creates each object or updates the fields it names. Needs approval.',
  input: z.object({ manifest: z.string().max(64 * 1024), reason: z.string().default('') }),
  async plan(ctx, input) {
    const docs = parseAllDocuments(input.manifest).filter((d) => d.contents !== null);
    if (docs.length < 1 || docs.length > MAX_OBJECTS)
      throw new PlanError(`apply_manifest takes 1 to ${MAX_OBJECTS} objects; got ${docs.length} documents`);
    const bad = docs.find((d) => d.errors.length);
    if (bad) throw new PlanError(`the manifest is not valid YAML: ${bad.errors[0]!.message}`);
    const steps: WriteStep[] = [];
    const created: string[] = [];
    const updated: string[] = [];
    for (const doc of docs) {
      const obj = doc.toJS() as KubeObject;
      if (!obj?.apiVersion || !obj.kind || !obj.metadata?.name)
        throw new PlanError('each object in the manifest needs apiVersion, kind and metadata.name');
      if (SECRET_KINDS.has(obj.kind))
        throw new PlanError(
          'applying Secrets is not in the vocabulary: their values would appear on the approval card',
        );
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
      if (steps.some((s) => refLabel(s) === refLabel(ref)))
        throw new PlanError(`${refLabel(ref)} appears twice in the manifest`);
      ((await ctx.reader.find(ref)) ? updated : created).push(refLabel(ref));
      steps.push({ ...ref, verb: 'patch', patchType: 'apply', body: obj });
    }
    // Admission judges Pods, not the workloads that make them: a template the namespace's Pod
    // Security level refuses would apply, then never run. A Pod from each template is dry-run first.
    for (const pod of podsOf(steps.map((st) => (st as { body: KubeObject }).body))) {
      try {
        await ctx.reader.dryRun({
          apiVersion: 'v1',
          kind: 'Pod',
          namespace: pod.metadata.namespace,
          name: pod.metadata.name,
          verb: 'patch',
          patchType: 'apply',
          body: pod,
        });
      } catch (e) {
        throw new PlanError(
          `the pods this manifest's ${pod.metadata.name.replace(/-admission-check$/, '')} template makes would be refused: ${describeKubeError(e)}`,
        );
      }
    }
    const first = steps[0]!;
    const where = refLabel(first);
    const namespaces = [...new Set(steps.flatMap((s) => (s.namespace ? [s.namespace] : [])))];
    const one = steps.length === 1;
    return {
      action: 'apply_manifest',
      target: { kind: first.kind, namespace: first.namespace, name: first.name },
      request: one ? first : { verb: 'sequence', steps },
      summary: one
        ? `${updated.length ? 'Update' : 'Create'} ${where} by server-side apply`
        : `Apply ${steps.length} objects by server-side apply: ${[...(created.length ? [`create ${created.join(', ')}`] : []), ...(updated.length ? [`update ${updated.join(', ')}`] : [])].join('; ')}`,
      risk: updated.length ? 'high' : 'medium',
      blastRadius: {
        namespaces,
        description: one
          ? updated.length
            ? `the fields of ${where} named in the manifest`
            : `a new ${first.kind}`
          : `${created.length} new object(s)${updated.length ? `, and the fields the manifest names of ${updated.join(', ')}` : ''}`,
      },
      rollback: updated.length
        ? `re-apply the "live" side of the diff on this card to ${updated.join(', ')}${created.length ? `; delete ${created.join(', ')}` : ''}`
        : `kubectl delete ${steps.map((s) => `${s.kind.toLowerCase()}/${s.name}`).join(' ')}${first.namespace ? ` -n ${first.namespace}` : ''}`,
    };
  },
});
