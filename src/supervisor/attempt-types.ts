import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeReader } from '../cluster/kube-reader.ts';
import type { Config } from '../config/config.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Db } from '../store/db.ts';
import type { RunStatus, Task } from '../store/schema.ts';
import type { Worker } from '../workers/worker.ts';
import type { CircuitBreakers } from './circuit-breaker.ts';
import type { RunSink } from './run-sink.ts';

// What one attempt needs from the supervisor, and how it ended.

export interface AttemptDeps {
  db: Db;
  config: Config;
  logger: Logger;
  kubeConfigFor(cluster: string): KubeConfig;
  sinks: readonly RunSink[];
  owner: string;
  breakers: CircuitBreakers;
  workerChain(task: Task): Worker[];
  /** One reader per cluster, shared by the runs of this process (API clients hold agents and config). */
  readerFor(cluster: string): KubeReader;
  verifyTimeoutMs?: number;
  /** The helm binary the executor runs for `helm_rollback` (default: `helm` on PATH). */
  helm?: string;
  metrics?: Metrics;
}

export interface AttemptOutcome {
  status: RunStatus | 'retry' | 'lost' | 'released' | 'deferred';
  /** When a retried run becomes claimable. */
  retryAt?: Date;
}
