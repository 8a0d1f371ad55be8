import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { PlanError } from '../../domain/errors.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { validateBundle } from '../manifests/validate-bundle.ts';

export const checkManifestsTool = defineReadTool({
  name: 'check_manifests',
  description:
    "Validate manifests however they were written (yours, a repository's) exactly as generate_manifests validates its own: a server-side dry-run of every object and of a Pod made from each pod template, and the production checks (restricted Pod Security, requests and limits, probes, read-only root filesystem, UID above 10000, pinned tag, spread, PodDisruptionBudget, NetworkPolicy, no mounted token). Writes nothing.",
  input: z.object({ manifest: z.string().max(64 * 1024) }),
  budget: 20_000,
  async run(ctx, input) {
    const docs = parseAllDocuments(input.manifest).filter((d) => d.contents !== null);
    const bad = docs.find((d) => d.errors.length);
    if (bad) throw new PlanError(`the manifest is not valid YAML: ${bad.errors[0]!.message}`);
    const objects = docs.map((d) => d.toJS() as KubeObject);
    if (!objects.length || objects.length > 12) throw new PlanError(`give 1 to 12 objects; got ${objects.length}`);
    for (const o of objects) {
      if (!o?.apiVersion || !o.kind || !o.metadata?.name)
        throw new PlanError('each object needs apiVersion, kind and metadata.name');
      o.metadata.namespace ??= ctx.namespace ?? ctx.reader.defaultNamespace;
      checkScope(ctx, o.metadata.namespace);
    }
    const { manifest: _same, ...verdict } = await validateBundle(ctx.reader, objects);
    return verdict;
  },
});
