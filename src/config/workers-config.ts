import type { ClawFile } from './config-file.ts';
import type { Config } from './config-types.ts';

/** `workers:` with its defaults; runner kubernetes-job's gateway address defaults to this pod. */
export function workersOf(file: ClawFile, get: (k: string) => string | undefined): Config['workers'] {
  const w = file.workers;
  const job = w?.job;
  return {
    runner: w?.runner ?? 'local',
    concurrency: w?.concurrency ?? 4,
    job: job && {
      namespace: job.namespace,
      image: job.image,
      gatewayHost: job.gatewayHost ?? '0.0.0.0',
      gatewayPort: job.gatewayPort ?? 8788,
      // In a pod the Deployment gives POD_IP (the downward API): Jobs reach this replica, not another.
      gatewayUrl: job.gatewayUrl ?? `http://${get('POD_IP') ?? '127.0.0.1'}:${job.gatewayPort ?? 8788}`,
      cpu: job.cpu ?? '1',
      memory: job.memory ?? '2Gi',
    },
  };
}
