import { z } from 'zod';
import { minorOf } from '../../analyzers/upgrade/preflight.ts';
import { CONTROL_PLANES } from '../../cluster/upgrade-reader.ts';
import { PlanError } from '../../domain/errors.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { defineWriteTool, type ToolContext } from '../define-tool.ts';
import { NamespaceName, ObjectName } from '../input-names.ts';

const CAPI = 'cluster.x-k8s.io/v1beta1';
const POOLS = ['MachineDeployment', 'MachinePool'];
const KINDS = ['Cluster', ...POOLS, ...CONTROL_PLANES.map(([, k]) => k)] as [string, ...string[]];

/** Where each kind keeps the version it wants. */
function versionPath(kind: string): string[] {
  if (kind === 'Cluster') return ['spec', 'topology', 'version'];
  if (POOLS.includes(kind)) return ['spec', 'template', 'spec', 'version'];
  return ['spec', 'version'];
}

function nest(path: string[], value: unknown): Record<string, unknown> {
  return path.reduceRight<unknown>((acc, k) => ({ [k]: acc }), value) as Record<string, unknown>;
}

function dig(o: KubeObject, path: string[]): unknown {
  return path.reduce<any>((x, k) => x?.[k], o);
}

export const nodePoolUpgrade = defineWriteTool({
  name: 'node_pool_upgrade',
  description:
    "Propose a Cluster API version change or scale: a control plane's version (KubeadmControlPlane, EKS, ROSA, AKS, GKE managed control planes), a node pool's (MachineDeployment, MachinePool spec.template.spec.version), or a ClusterClass cluster's topology version; or a node pool's replicas. The version-skew policy is checked: one minor at a time, pools never ahead of their control plane. Needs approval.",
  input: z
    .object({
      namespace: NamespaceName.describe('Where the Cluster API objects live (the management cluster namespace)'),
      kind: z.enum(KINDS),
      name: ObjectName,
      version: z
        .string()
        .regex(/^v?\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/)
        .optional(),
      replicas: z.number().int().min(0).max(1000).optional(),
      reason: z.string().default(''),
    })
    .refine((x) => (x.version === undefined) !== (x.replicas === undefined), 'give a version or replicas, not both'),
  async plan(ctx, input) {
    const apiVersion =
      input.kind === 'Cluster' || POOLS.includes(input.kind)
        ? CAPI
        : CONTROL_PLANES.find(([, k]) => k === input.kind)![0];
    if ((await ctx.reader.isNamespaced(apiVersion, input.kind).catch(() => undefined)) === undefined)
      throw new PlanError(
        `this cluster does not serve ${input.kind} (${apiVersion}): is Cluster API (and its provider) installed?`,
      );
    const ref = { apiVersion, kind: input.kind, namespace: input.namespace, name: input.name };
    const obj = await ctx.reader.read(ref);
    const where = `${input.kind} ${input.namespace}/${input.name}`;
    if (input.replicas !== undefined) return scalePlan(obj, ref, input.replicas, where);
    const path = versionPath(input.kind);
    const from = dig(obj, path) as string | undefined;
    if (input.kind === 'Cluster' && !obj.spec?.topology)
      throw new PlanError(
        `${where} has no managed topology (ClusterClass): change its control plane and pools instead`,
      );
    const to = normalize(input.kind, input.version!, from);
    if (from === to) throw new PlanError(`${where} already wants ${to}`);
    await checkSkew(ctx, obj, input.kind, from, to, where);
    const pool = POOLS.includes(input.kind);
    const replicas = obj.spec?.replicas ?? obj.status?.replicas;
    return {
      action: 'node_pool_upgrade',
      target: { kind: input.kind, namespace: input.namespace, name: input.name },
      request: { ...ref, verb: 'patch', patchType: 'merge', body: nest(path, to) },
      summary: `Upgrade ${where} from ${from ?? 'its current version'} to ${to}${pool ? `: its ${replicas ?? '?'} machine(s) are replaced one by one (rolling update)` : input.kind === 'Cluster' ? ': the topology controller upgrades the control plane, then each pool' : ': the control plane rolls its machines (or the provider upgrades it)'}`,
      risk: 'high',
      blastRadius: {
        description: pool
          ? `each of the ${replicas ?? '?'} node(s) of ${input.name} is drained and replaced; its pods move`
          : 'the API server restarts member by member; every node pool follows in its own upgrade',
      },
      rollback: pool
        ? `node_pool_upgrade ${where} back to ${from} (machines are replaced again)`
        : 'a control plane is not downgraded: restore from an etcd backup is the way back',
      ...(pool && from
        ? {
            undo: {
              tool: 'node_pool_upgrade',
              input: { namespace: input.namespace, kind: input.kind, name: input.name, version: from },
            },
          }
        : {}),
    };
  },
});

/** Each provider's spelling: kubeadm and Cluster API want `v1.32.3`, GKE `1.31.6-gke.…`, ROSA `4.17.12`. */
function normalize(kind: string, version: string, current: string | undefined): string {
  if (kind === 'ROSAControlPlane' || kind === 'GCPManagedControlPlane') return version.replace(/^v/, '');
  return current?.startsWith('v') === false
    ? version.replace(/^v/, '')
    : version.startsWith('v')
      ? version
      : `v${version}`;
}

async function checkSkew(
  ctx: ToolContext,
  obj: KubeObject,
  kind: string,
  from: string | undefined,
  to: string,
  where: string,
) {
  if (kind === 'ROSAControlPlane') {
    const offered = (obj.status?.availableUpgrades ?? []) as string[];
    if (!offered.includes(to))
      throw new PlanError(`${to} is not among ${where}'s available upgrades (${offered.join(', ') || 'none'})`);
    return;
  }
  const a = minorOf(from);
  const b = minorOf(to);
  if (a !== undefined && b !== undefined && b > a + 1)
    throw new PlanError(`${from} → ${to} skips a minor version: upgrade to 1.${a + 1} first`);
  if (a !== undefined && b !== undefined && b < a)
    throw new PlanError(`${from} → ${to} is a downgrade: Cluster API does not downgrade Kubernetes`);
  if (!POOLS.includes(kind)) return;
  // A pool may not run kubelets newer than its control plane.
  const cluster = obj.spec?.clusterName;
  const planes = (
    await Promise.all(
      CONTROL_PLANES.map(([v, k]) => ctx.reader.list(v, k, obj.metadata.namespace).catch(() => [] as KubeObject[])),
    )
  ).flat();
  const cp = planes.find(
    (p) =>
      p.metadata.labels?.['cluster.x-k8s.io/cluster-name'] === cluster || p.metadata.name.startsWith(`${cluster}-`),
  );
  const cpVersion = cp ? ((cp.status?.version ?? cp.spec?.version) as string | undefined) : undefined;
  const c = minorOf(cpVersion);
  if (c !== undefined && b !== undefined && b > c)
    throw new PlanError(
      `${where} would run 1.${b} kubelets under a ${cpVersion} control plane (${cp!.kind} ${cp!.metadata.name}): upgrade the control plane first`,
    );
}

function scalePlan(
  obj: KubeObject,
  ref: { apiVersion: string; kind: string; namespace: string; name: string },
  replicas: number,
  where: string,
) {
  if (!POOLS.includes(ref.kind) && ref.kind !== 'KubeadmControlPlane')
    throw new PlanError(`${ref.kind} has no replicas to scale here: scale its node pools`);
  if (ref.kind === 'KubeadmControlPlane' && (replicas < 1 || replicas % 2 === 0))
    throw new PlanError('a kubeadm control plane runs an odd number of members (1, 3, 5): etcd needs a quorum');
  const from = obj.spec?.replicas ?? 0;
  if (from === replicas) throw new PlanError(`${where} already has ${replicas} replicas`);
  return {
    action: 'node_pool_upgrade',
    target: { kind: ref.kind, namespace: ref.namespace, name: ref.name },
    request: { ...ref, verb: 'patch' as const, patchType: 'merge' as const, body: { spec: { replicas } } },
    summary: `Scale ${where} from ${from} to ${replicas} machine(s)`,
    risk: (replicas === 0 ? 'high' : replicas < from ? 'medium' : 'low') as 'high' | 'medium' | 'low',
    blastRadius: {
      description:
        replicas < from
          ? `${from - replicas} node(s) are drained and deleted; their pods move`
          : `${replicas - from} node(s) are added`,
    },
    rollback: `node_pool_upgrade ${where} back to ${from} replicas`,
    undo: {
      tool: 'node_pool_upgrade',
      input: { namespace: ref.namespace, kind: ref.kind, name: ref.name, replicas: from },
    },
  };
}
