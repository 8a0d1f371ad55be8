import { diagnosePod } from '../analyzers/pod-health.ts';
import { currentRevisionFailure, rolloutStatus } from '../analyzers/rollout.ts';
import { workloadStatus } from '../analyzers/workload-status.ts';
import type { KubeReader } from '../cluster/kube-reader.ts';
import { primaryRef, stepsOf, type WriteRequest } from '../domain/write-request.ts';
import { isPodReady, type KubeObject } from '../lib/kube-object.ts';
import { parseQuantity } from '../lib/quantity.ts';
import { gitopsCheck } from './verify-gitops.ts';
import { upgradeTaken } from './verify-upgrade.ts';

export interface Verdict {
  done: boolean;
  failed?: boolean;
  message: string;
}

type Check = () => Promise<Verdict>;

const ROLLED_OUT = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * After the executor applied a proposal: polls the check that proves this action worked (the
 * rollout completed, the node is cordoned, the pod was replaced, the claim grew…) until it passes,
 * visibly fails, or time runs out.
 */
export async function verifyOutcome(
  reader: KubeReader,
  p: { action: string; request: WriteRequest; before: KubeObject },
  opts: { timeoutMs: number; pollMs: number },
): Promise<Verdict> {
  const check = checkFor(reader, p);
  const deadline = Date.now() + opts.timeoutMs;
  let last: Verdict = { done: false, message: 'not checked' };
  while (Date.now() < deadline) {
    last = await check();
    if (last.done || last.failed) return last;
    await new Promise((r) => setTimeout(r, opts.pollMs));
  }
  return { ...last, message: `not verified after ${Math.round(opts.timeoutMs / 1000)}s: ${last.message}` };
}

function checkFor(reader: KubeReader, p: { action: string; request: WriteRequest; before: KubeObject }): Check {
  // A bundle applied in one proposal is verified by its workload's rollout, whatever came first.
  const ref =
    p.action === 'apply_manifest'
      ? (stepsOf(p.request).find((s) => ROLLED_OUT.has(s.kind)) ?? primaryRef(p.request))
      : primaryRef(p.request);
  const ns = ref.namespace;
  const gitops = gitopsCheck(reader, p);
  if (gitops) return gitops;
  switch (p.action) {
    case 'cordon':
    case 'uncordon': {
      const want = p.action === 'cordon';
      return async () => {
        const node = await reader.read(ref);
        return {
          done: Boolean(node.spec?.unschedulable) === want,
          message: `node ${ref.name} is ${node.spec?.unschedulable ? 'cordoned' : 'schedulable'}`,
        };
      };
    }
    case 'drain': {
      const evicted = stepsOf(p.request).filter((s) => s.verb === 'evict');
      return async () => {
        const left = (await Promise.all(evicted.map((s) => reader.find(s)))).filter(
          (pod, i) => pod && (!evicted[i]!.uid || pod.metadata.uid === evicted[i]!.uid),
        );
        return {
          done: left.length === 0,
          message: left.length
            ? `${left.length} evicted pod(s) still terminating on ${ref.name}`
            : `node ${ref.name} is cordoned and its ${evicted.length} pod(s) were evicted`,
        };
      };
    }
    case 'delete_pod': {
      const owner = p.before.metadata.ownerReferences?.find((r) => r.controller);
      return async () => {
        const pod = await reader.find(ref);
        if (pod && pod.metadata.uid === p.before.metadata.uid)
          return { done: false, message: `pod ${ns}/${ref.name} is still terminating` };
        if (!owner)
          return {
            done: true,
            message: `pod ${ns}/${ref.name} was deleted (it has no controller, so nothing replaces it)`,
          };
        const siblings = (await reader.listPods(ns)).filter(
          (x) =>
            x.metadata.ownerReferences?.some((r) => r.uid === owner.uid) && x.metadata.uid !== p.before.metadata.uid,
        );
        const ready = siblings.filter(isPodReady).length;
        return {
          done: ready > 0,
          message: `pod deleted; ${owner.kind} ${owner.name} has ${ready}/${siblings.length} replacement pod(s) ready`,
        };
      };
    }
    case 'set_pod_security': {
      // Admission reads the label on each new pod: the label stored is the outcome.
      const body = (stepsOf(p.request)[0] as { body?: { metadata?: { labels?: Record<string, string> } } }).body;
      const want = Object.entries(body?.metadata?.labels ?? {}).find(([k]) => !k.endsWith('-version'));
      return async () => {
        const labels = (await reader.read(ref)).metadata.labels ?? {};
        return {
          done: want !== undefined && labels[want[0]] === want[1],
          message: `namespace ${ref.name} has ${want?.[0]}=${want ? (labels[want[0]] ?? 'unset') : '?'}`,
        };
      };
    }
    case 'velero_backup':
    case 'velero_restore':
      return () => veleroOutcome(reader, ref);
    case 'cluster_upgrade':
    case 'node_pool_upgrade':
      return () => upgradeTaken(reader, p.request);
    case 'expand_pvc': {
      const body = (stepsOf(p.request)[0] as { body?: { spec?: { resources?: { requests?: { storage?: string } } } } })
        .body;
      const want = parseQuantity(body?.spec?.resources?.requests?.storage) ?? 0;
      return async () => {
        const pvc = await reader.read(ref);
        const has = pvc.status?.capacity?.storage;
        return {
          done: (parseQuantity(has) ?? 0) >= want,
          message: `claim ${ns}/${ref.name} capacity is ${has ?? 'unknown'}`,
        };
      };
    }
  }
  if (ref.kind === 'Deployment') return () => deploymentRollout(reader, ns!, ref.name);
  if (ref.kind === 'StatefulSet' || ref.kind === 'DaemonSet') {
    return async () => {
      const s = workloadStatus(await reader.read(ref));
      return { done: s.done, message: s.message };
    };
  }
  if (ref.kind === 'Service') {
    return async () => {
      const ep = await reader.find({ apiVersion: 'v1', kind: 'Endpoints', namespace: ns, name: ref.name });
      const subsets = (ep?.subsets ?? []) as { addresses?: unknown[] }[];
      const ready = subsets.reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
      return { done: ready > 0, message: `service ${ns}/${ref.name} has ${ready} ready endpoint(s)` };
    };
  }
  return async () => {
    const obj = await reader.find(ref);
    return {
      done: obj !== undefined,
      message: obj
        ? `${ref.kind} ${ns ? `${ns}/` : ''}${ref.name} is stored at generation ${obj.metadata.generation ?? '-'}`
        : `${ref.kind} ${ref.name} is gone`,
    };
  };
}

/** `kubectl rollout status`'s test, failing fast when the new revision's pods visibly fail. */
async function deploymentRollout(reader: KubeReader, namespace: string, name: string): Promise<Verdict> {
  const d = await reader.readDeployment(namespace, name);
  const status = rolloutStatus(d);
  if (status.done || status.failed) return status;
  const failing = currentRevisionFailure(
    d,
    await reader.listReplicaSets(namespace),
    await reader.listPods(namespace),
    diagnosePod,
  );
  return failing ? { done: false, failed: true, message: `rollout is failing: ${failing}` } : status;
}

/**
 * A Velero Backup or Restore the executor created: done when Velero completes it; failed as soon
 * as it ends in another phase, with Velero's reason. PartiallyFailed is a failure to verify: some
 * items are missing, and a human must look at the logs.
 */
async function veleroOutcome(reader: KubeReader, ref: ReturnType<typeof primaryRef>): Promise<Verdict> {
  const obj = await reader.find(ref);
  const what = `${ref.kind} ${ref.namespace}/${ref.name}`;
  if (!obj) return { done: false, failed: true, message: `${what} is gone` };
  const st = obj.status ?? {};
  const phase = String(st.phase || 'New');
  const counts = st.progress
    ? ` (${st.progress.itemsBackedUp ?? st.progress.itemsRestored ?? 0}/${st.progress.totalItems ?? '?'} items${st.warnings ? `, ${st.warnings} warning(s)` : ''}${st.errors ? `, ${st.errors} error(s)` : ''})`
    : '';
  if (phase === 'Completed') return { done: true, message: `${what} completed${counts}` };
  if (['Failed', 'PartiallyFailed', 'FailedValidation'].includes(phase)) {
    const reason = st.failureReason ?? (st.validationErrors ?? []).join('; ');
    return { done: false, failed: true, message: `${what} ${phase}${counts}${reason ? `: ${reason}` : ''}` };
  }
  return { done: false, message: `${what} is ${phase}${counts}` };
}
