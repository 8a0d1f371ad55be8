import type { KubeReader } from '../cluster/kube-reader.ts';
import { primaryRef, stepsOf, type WriteRequest } from '../domain/write-request.ts';
import type { KubeObject } from '../lib/kube-object.ts';
import type { Verdict } from './verify-outcome.ts';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
const cond = (o: KubeObject, type: string): Condition | undefined =>
  ((o.status?.conditions ?? []) as Condition[]).find((c) => c.type === type);

/** What an upgrade request sets: OpenShift's desired update, a version, or replicas. */
interface UpgradeBody {
  spec?: { desiredUpdate?: { version?: string }; replicas?: number };
}

/**
 * An upgrade takes an hour, not a poll: the executor verifies that the controller took the
 * change — OpenShift's cluster-version operator accepted the release (or refused it, a failure),
 * Cluster API observed the new spec (a scale: the pool reached its size) — and the run follows
 * the rollout to its end (workers/runbooks/follow-upgrade.ts).
 */
export async function upgradeTaken(reader: KubeReader, request: WriteRequest): Promise<Verdict> {
  const ref = primaryRef(request);
  const body = (stepsOf(request)[0] as { body?: UpgradeBody }).body ?? {};
  const obj = await reader.read(ref);
  if (ref.kind === 'ClusterVersion') {
    const want = String(body.spec?.desiredUpdate?.version);
    const accepted = cond(obj, 'ReleaseAccepted');
    const latest = obj.status?.history?.[0];
    if (latest?.version === want)
      return {
        done: true,
        message:
          latest.state === 'Completed'
            ? `OpenShift ${want} is installed`
            : `the cluster-version operator accepted ${want}: ${cond(obj, 'Progressing')?.message ?? 'updating'}`,
      };
    if (accepted?.status === 'False' && String(accepted.message ?? '').includes(want))
      return { done: false, failed: true, message: `the update to ${want} was not accepted: ${accepted.message}` };
    return { done: false, message: `waiting for the cluster-version operator to take ${want}` };
  }
  const where = `${ref.kind} ${ref.namespace}/${ref.name}`;
  const observed = obj.status?.observedGeneration;
  const caughtUp = observed === undefined || observed >= (obj.metadata.generation ?? 1);
  if (body.spec?.replicas !== undefined) {
    const ready = obj.status?.readyReplicas ?? obj.status?.replicas;
    return {
      done: caughtUp && ready === body.spec.replicas,
      message: `${where} has ${ready ?? '?'}/${body.spec.replicas} machines ready`,
    };
  }
  if (obj.status?.phase === 'Failed') return { done: false, failed: true, message: `${where} rollout Failed` };
  return {
    done: caughtUp,
    message: caughtUp
      ? `${where} took the new version${obj.status?.updatedReplicas !== undefined ? `: ${obj.status.updatedReplicas}/${obj.status.replicas ?? '?'} machines updated so far` : ''}`
      : `${where}: waiting for its controller to observe the change`,
  };
}
