import { canonicalJson } from '../lib/canonical-json.ts';
import { dig, digList } from '../lib/dig.ts';
import type { KubeObject } from '../lib/kube-object.ts';

export type Risk = 'low' | 'medium' | 'high';

const ORDER: Risk[] = ['low', 'medium', 'high'];

export function maxRisk(a: Risk, b: Risk): Risk {
  return ORDER[Math.max(ORDER.indexOf(a), ORDER.indexOf(b))]!;
}

type Pick = (o: unknown) => unknown;

/** The pod spec an object carries: a Pod's own, a workload's template, a CronJob's job template. */
function podSpecOf(o: unknown): unknown {
  return dig(o, 'kind') === 'Pod'
    ? dig(o, 'spec')
    : (dig(o, 'spec', 'template', 'spec') ?? dig(o, 'spec', 'jobTemplate', 'spec', 'template', 'spec'));
}
const containersOf = (o: unknown): unknown[] =>
  ['containers', 'initContainers', 'ephemeralContainers'].flatMap((k) => digList(podSpecOf(o), k));
const pod = (o: unknown, ...keys: string[]) => keys.map((k) => dig(podSpecOf(o), k));
const kind = (o: unknown) => String(dig(o, 'kind') ?? '');

/**
 * Fields whose change can do far more than it looks like on a diff: operators sometimes set them
 * on purpose, so a change to one is named on the card and raises the risk to high — never refused.
 */
const DANGEROUS: [string, Pick][] = [
  [
    'metadata.ownerReferences (the garbage collector deletes an object whose owner is gone)',
    (o) => dig(o, 'metadata', 'ownerReferences'),
  ],
  [
    'metadata.finalizers (they decide whether and when the object can be deleted)',
    (o) => dig(o, 'metadata', 'finalizers'),
  ],
  ['RBAC rules', (o) => (/^(Cluster)?Role$/.test(kind(o)) ? [dig(o, 'rules'), dig(o, 'aggregationRule')] : undefined)],
  [
    'RBAC subjects or role',
    (o) => (/^(Cluster)?RoleBinding$/.test(kind(o)) ? [dig(o, 'subjects'), dig(o, 'roleRef')] : undefined),
  ],
  ['admission webhooks', (o) => dig(o, 'webhooks')],
  [
    'the service account pods run as',
    (o) => pod(o, 'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken'),
  ],
  ['pod securityContext', (o) => pod(o, 'securityContext')],
  ['host namespaces (hostNetwork, hostPID, hostIPC)', (o) => pod(o, 'hostNetwork', 'hostPID', 'hostIPC')],
  ['hostPath volumes', (o) => digList(podSpecOf(o), 'volumes').filter((v) => dig(v, 'hostPath') !== undefined)],
  [
    'container securityContext (privileged, capabilities, privilege escalation)',
    (o) => containersOf(o).map((c) => dig(c, 'securityContext')),
  ],
];

/** The dangerous fields that differ between the live object and what the server would store. */
export function dangerousChanges(before: KubeObject | undefined, after: KubeObject | null | undefined): string[] {
  // A scale subresource's answer is a Scale, not the object: only the replica count moves.
  if (!after || after.kind === 'Scale') return [];
  return DANGEROUS.filter(
    ([, pick]) => canonicalJson(pick(before ?? {}) ?? null) !== canonicalJson(pick(after) ?? null),
  ).map(([what]) => what);
}
