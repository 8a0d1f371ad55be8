import type { ClusterState } from '../cluster-state.ts';
import { runDeploymentController } from './deployment-controller.ts';
import { runGarbageCollector } from './garbage-collector.ts';
import { runKubelet } from './kubelet.ts';
import { adoptOrphans, runReplicaSetController } from './replicaset-controller.ts';
import { runScheduler } from './scheduler.ts';

/** One pass of every control loop, in dependency order. Idempotent: a settled cluster writes nothing. */
export function reconcileOnce(state: ClusterState): void {
  adoptOrphans(state);
  runGarbageCollector(state);
  runDeploymentController(state);
  runReplicaSetController(state);
  runScheduler(state);
  runKubelet(state);
}

/** Runs the control loops every `intervalMs` until the returned stop function is called. */
export function startControllers(state: ClusterState, intervalMs = 200, onError: (e: unknown) => void = () => {}): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    try {
      reconcileOnce(state);
    } catch (e) {
      onError(e);
    } finally {
      busy = false;
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
