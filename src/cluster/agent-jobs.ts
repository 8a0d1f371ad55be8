import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Job, type V1Pod } from '@kubernetes/client-node';
import { makeApiClient } from './api-client.ts';
import { loadKubeConfig } from './kube-config.ts';

/** The label every agent Job carries: the only Jobs this client creates, reads or deletes. */
export const AGENT_JOB_LABEL = 'clusterclaw.io/agent-job';

/** How a Job's pod stands: not yet running (and why), running, or ended. */
export type AgentPodState =
  | { phase: 'pending'; reason?: string }
  | { phase: 'running'; pod: string }
  | { phase: 'ended'; pod?: string; ok: boolean; reason?: string };

/**
 * ClusterClaw's own compute, not a managed workload: the Jobs that run coding agents' turns, in
 * the one namespace `workers.job.namespace` names, each labelled `clusterclaw.io/agent-job`.
 * This client creates, reads and deletes those Jobs and reads their pods' logs, nothing else; the
 * RBAC of manifests/components/agent-jobs grants exactly that, in that namespace. Changes to the
 * clusters ClusterClaw manages still go through the executor alone.
 */
export class AgentJobs {
  readonly #batch: BatchV1Api;
  readonly #core: CoreV1Api;
  readonly namespace: string;

  constructor(kc: KubeConfig, namespace: string) {
    this.#batch = makeApiClient(kc, BatchV1Api);
    this.#core = makeApiClient(kc, CoreV1Api);
    this.namespace = namespace;
  }

  static fromConfig(opts: { kubeconfig?: string; namespace: string }): AgentJobs {
    return new AgentJobs(loadKubeConfig({ kubeconfig: opts.kubeconfig }), opts.namespace);
  }

  async create(job: V1Job): Promise<void> {
    if (
      job.metadata?.labels?.[AGENT_JOB_LABEL] !== 'true' ||
      (job.metadata.namespace ?? this.namespace) !== this.namespace
    )
      throw new Error(`refusing to create a Job that is not an agent Job in ${this.namespace}`);
    await this.#batch.createNamespacedJob({ namespace: this.namespace, body: job });
  }

  /** Deletes the Job and its pod (background propagation); a Job already gone is fine. */
  async delete(name: string): Promise<void> {
    try {
      await this.#batch.deleteNamespacedJob({ name, namespace: this.namespace, propagationPolicy: 'Background' });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
    }
  }

  /** The state of the Job's (one) pod. */
  async podState(name: string): Promise<AgentPodState> {
    const pods = await this.#core.listNamespacedPod({
      namespace: this.namespace,
      labelSelector: `job-name=${name},${AGENT_JOB_LABEL}=true`,
    });
    const pod: V1Pod | undefined = pods.items[0];
    const job = await this.#batch.readNamespacedJobStatus({ name, namespace: this.namespace });
    const failed = job.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
    const podName = pod?.metadata?.name;
    if (pod?.status?.phase === 'Succeeded') return { phase: 'ended', pod: podName, ok: true };
    if (pod?.status?.phase === 'Failed' || failed)
      return { phase: 'ended', pod: podName, ok: false, reason: failed?.message ?? terminated(pod) };
    if (pod?.status?.phase === 'Running') return { phase: 'running', pod: podName! };
    const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting;
    return { phase: 'pending', reason: waiting ? `${waiting.reason}: ${waiting.message ?? ''}` : undefined };
  }

  /** The agent container's log so far. */
  async log(pod: string): Promise<string> {
    return this.#core.readNamespacedPodLog({ name: pod, namespace: this.namespace, container: 'agent' });
  }
}

function terminated(pod: V1Pod | undefined): string | undefined {
  const t = pod?.status?.containerStatuses?.[0]?.state?.terminated;
  return t ? `${t.reason ?? 'terminated'} (exit ${t.exitCode})` : undefined;
}
