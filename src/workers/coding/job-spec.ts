import type { V1Job } from '@kubernetes/client-node';
import { AGENT_JOB_LABEL } from '../../cluster/agent-jobs.ts';
import type { JobRunnerConfig } from '../../config/config.ts';

/**
 * One coding turn as a Job from ClusterClaw's image: `claw agent-job` with the gateway's address
 * and the turn's token, nothing else of ClusterClaw's. Its clone lives in an emptyDir; it runs as
 * a non-root user with a read-only root filesystem, no service-account token and no capabilities;
 * it is never retried by Kubernetes (the supervisor retries, on the next worker) and is ended by
 * `activeDeadlineSeconds` if everything else fails.
 */
export function agentJobSpec(opts: {
  name: string;
  job: JobRunnerConfig;
  runId: string;
  agent: string;
  gateway: string;
  token: string;
  deadlineSeconds: number;
}): V1Job {
  const labels = {
    'app.kubernetes.io/name': 'clusterclaw-agent',
    'app.kubernetes.io/part-of': 'clusterclaw',
    [AGENT_JOB_LABEL]: 'true',
    'clusterclaw.io/run': opts.runId
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-')
      .slice(0, 63),
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: opts.name,
      namespace: opts.job.namespace,
      labels,
      annotations: { 'clusterclaw.io/agent': opts.agent },
    },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: Math.max(60, Math.ceil(opts.deadlineSeconds)),
      ttlSecondsAfterFinished: 600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: 10001,
            fsGroup: 10001,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              name: 'agent',
              image: opts.job.image,
              args: ['agent-job'],
              env: [
                { name: 'CLAW_JOB_GATEWAY', value: opts.gateway },
                { name: 'CLAW_JOB_TOKEN', value: opts.token },
                { name: 'CLAW_DATA_DIR', value: '/work/data' },
                { name: 'HOME', value: '/work/home' },
              ],
              resources: {
                requests: { cpu: opts.job.cpu, memory: opts.job.memory },
                limits: { memory: opts.job.memory },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              volumeMounts: [
                { name: 'work', mountPath: '/work' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'work', emptyDir: { sizeLimit: '8Gi' } },
            { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
          ],
        },
      },
    },
  };
}
