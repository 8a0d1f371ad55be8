import { z } from 'zod';
import type { KubeObject } from '../../lib/kube-object.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const listConfig = defineReadTool({
  name: 'list_config',
  description:
    'ConfigMaps and Secrets in a namespace by name, type and key names. Values are never returned, for either kind.',
  input: z.object({ namespace: NamespaceName, name: z.string().optional().describe('One ConfigMap or Secret name') }),
  narrow: 'pass the name of one ConfigMap or Secret',
  async run(ctx, input) {
    checkScope(ctx, input.namespace);
    const [configMaps, secrets] = await Promise.all([
      ctx.reader.list('v1', 'ConfigMap', input.namespace),
      ctx.reader.list('v1', 'Secret', input.namespace),
    ]);
    const keys = (o: KubeObject) =>
      [...Object.keys((o.data as object) ?? {}), ...Object.keys((o.binaryData as object) ?? {})].sort();
    const pick = <T extends { metadata: { name: string } }>(xs: T[]) =>
      xs.filter((x) => !input.name || x.metadata.name === input.name);
    // Only names and keys are copied out: a Secret's values never enter this object.
    return {
      configMaps: pick(configMaps).map((c) => ({ name: c.metadata.name, keys: keys(c) })),
      secrets: pick(secrets).map((s) => ({ name: s.metadata.name, type: s.type, keys: keys(s) })),
    };
  },
});
