import { z } from 'zod';
import { defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

export const whoCan = defineReadTool({
  name: 'who_can',
  description:
    'The RBAC bindings that grant a verb on a resource (in a namespace, or cluster-wide) and the subjects they name.',
  input: z.object({
    verb: z.string(),
    resource: z.string(),
    group: z.string().default(''),
    namespace: NamespaceName.optional(),
  }),
  narrow: 'pass a namespace',
  async run(ctx, input) {
    const rbac = 'rbac.authorization.k8s.io/v1';
    const [crbs, rbs, crs, roles] = await Promise.all([
      ctx.reader.list(rbac, 'ClusterRoleBinding'),
      input.namespace ? ctx.reader.list(rbac, 'RoleBinding', input.namespace) : Promise.resolve([]),
      ctx.reader.list(rbac, 'ClusterRole'),
      input.namespace ? ctx.reader.list(rbac, 'Role', input.namespace) : Promise.resolve([]),
    ]);
    const has = (l: string[] | undefined, v: string) => (l ?? []).includes('*') || (l ?? []).includes(v);
    const grants = (rules: any[]) =>
      rules.some((r) => has(r.apiGroups, input.group) && has(r.resources, input.resource) && has(r.verbs, input.verb));
    return [...crbs, ...rbs].flatMap((b: any) => {
      const role =
        b.roleRef?.kind === 'ClusterRole'
          ? crs.find((r) => r.metadata.name === b.roleRef.name)
          : roles.find((r) => r.metadata.name === b.roleRef?.name);
      if (!role || !grants((role.rules as any[]) ?? [])) return [];
      return [
        {
          binding: `${b.kind} ${b.metadata.namespace ? `${b.metadata.namespace}/` : ''}${b.metadata.name}`,
          role: `${b.roleRef.kind} ${b.roleRef.name}`,
          subjects: (b.subjects ?? []).map((s: any) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`),
        },
      ];
    });
  },
});
