import type { KubeObject } from '../lib/kube-object.ts';
import { type ClusterState, T } from './cluster-state.ts';
import { ApiError } from './object-store.ts';

interface Attributes {
  namespace?: string;
  verb: string;
  group?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

/**
 * SubjectAccessReview against the RBAC objects in the sandbox, as the RBAC authorizer decides:
 * a request is allowed when some binding for the subject grants a rule that covers it.
 */
export function reviewAccess(state: ClusterState, review: KubeObject): KubeObject {
  const spec = review.spec ?? {};
  const attrs: Attributes | undefined = spec.resourceAttributes;
  if (!attrs?.verb)
    throw new ApiError(
      422,
      'Invalid',
      'SubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
  const user: string = spec.user ?? '';
  const groups: string[] = spec.groups ?? [];
  const status = groups.includes('system:masters')
    ? { allowed: true, reason: 'member of system:masters' }
    : decide(state, user, groups, attrs);
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    metadata: { creationTimestamp: null } as any,
    spec,
    status,
  };
}

function decide(
  state: ClusterState,
  user: string,
  groups: string[],
  a: Attributes,
): { allowed: boolean; reason?: string } {
  // The bootstrap policy's system:basic-user: anyone may ask what they themselves may do.
  if (a.verb === 'create' && SELF_REVIEWS.has(`${a.group}/${a.resource}`))
    return {
      allowed: true,
      reason:
        'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"',
    };
  const bindings = [
    ...state.store.list(T.clusterRoleBinding),
    ...(a.namespace ? state.store.list(T.roleBinding, a.namespace) : []),
  ];
  for (const b of bindings) {
    const subject = ((b.subjects ?? []) as any[]).find((s: any) =>
      subjectMatches(s, user, groups, b.metadata.namespace),
    );
    if (!subject) continue;
    const ref: any = b.roleRef ?? {};
    const role =
      ref.kind === 'ClusterRole'
        ? state.store.get(T.clusterRole, undefined, ref.name)
        : state.store.get(T.role, b.metadata.namespace, ref.name);
    const rules = (role?.rules ?? []) as any[];
    if (rules.some((r) => ruleCovers(r, a))) {
      return {
        allowed: true,
        reason: `RBAC: allowed by ${b.kind} "${b.metadata.name}${b.metadata.namespace ? `/${b.metadata.namespace}` : ''}" of ${ref.kind} "${ref.name}" to ${subject.kind} "${subject.name}"`,
      };
    }
  }
  return { allowed: false };
}

const SELF_REVIEWS = new Set([
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authentication.k8s.io/selfsubjectreviews',
]);

function subjectMatches(s: any, user: string, groups: string[], bindingNs?: string): boolean {
  if (s.kind === 'User') return s.name === user;
  if (s.kind === 'Group') return groups.includes(s.name);
  if (s.kind === 'ServiceAccount') return user === `system:serviceaccount:${s.namespace ?? bindingNs}:${s.name}`;
  return false;
}

function ruleCovers(r: any, a: Attributes): boolean {
  const has = (list: string[] | undefined, v: string) => (list ?? []).includes('*') || (list ?? []).includes(v);
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : (a.resource ?? '');
  return (
    has(r.apiGroups, a.group ?? '') &&
    has(r.resources, resource) &&
    has(r.verbs, a.verb) &&
    (!r.resourceNames?.length || (a.name !== undefined && r.resourceNames.includes(a.name)))
  );
}

/**
 * SelfSubjectRulesReview (`kubectl auth can-i --list`): every rule of every role bound to the user
 * in the namespace (and cluster-wide), plus what the bootstrap policy gives every authenticated
 * user (self reviews, discovery). The sandbox's admin is a cluster admin.
 */
export function rulesFor(
  state: ClusterState,
  user: string,
  groups: string[],
  namespace: string,
): Record<string, unknown> {
  if (groups.includes('system:masters'))
    return {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    };
  const resourceRules: any[] = [
    {
      verbs: ['create'],
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
    },
    { verbs: ['create'], apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'] },
  ];
  const bindings = [...state.store.list(T.clusterRoleBinding), ...state.store.list(T.roleBinding, namespace)];
  for (const b of bindings) {
    if (!((b.subjects ?? []) as any[]).some((s: any) => subjectMatches(s, user, groups, b.metadata.namespace)))
      continue;
    const ref: any = b.roleRef ?? {};
    const role =
      ref.kind === 'ClusterRole'
        ? state.store.get(T.clusterRole, undefined, ref.name)
        : state.store.get(T.role, b.metadata.namespace, ref.name);
    for (const r of (role?.rules ?? []) as any[]) if (!r.nonResourceURLs) resourceRules.push(r);
  }
  return {
    resourceRules,
    nonResourceRules: [
      {
        verbs: ['get'],
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
          '/version',
          '/version/',
        ],
      },
    ],
    incomplete: false,
  };
}
