import { runVeleroController } from '../backup/velero-controller.ts';
import type { ClusterState } from '../cluster-state.ts';
import { runRouteController } from '../crds/aggregated-apis.ts';
import { runDisruptionController } from '../disruption.ts';
import { runQuotaController } from '../quota.ts';
import { runClusterApiRollout } from '../upgrades/cluster-api-rollout.ts';
import { runNodeUpgrades } from '../upgrades/node-upgrade.ts';
import { runOpenShiftUpgrade } from '../upgrades/openshift-upgrade.ts';
import { runCrdController } from './crd-controller.ts';
import { runCronJobController } from './cronjob-controller.ts';
import { runDaemonSetController } from './daemonset-controller.ts';
import { runDeploymentController } from './deployment-controller.ts';
import { runEndpointsController } from './endpoints-controller.ts';
import { runEndpointSliceController } from './endpointslice-controller.ts';
import { runGarbageCollector } from './garbage-collector.ts';
import { runHpaController } from './hpa-controller.ts';
import { runJobController } from './job-controller.ts';
import { runKubelet } from './kubelet.ts';
import { runNamespaceController } from './namespace-controller.ts';
import { adoptOrphans, runReplicaSetController } from './replicaset-controller.ts';
import { runScheduler } from './scheduler.ts';
import { runServiceAccountController } from './serviceaccount-controller.ts';
import { runStatefulSetController } from './statefulset-controller.ts';
import { runVolumeBinder } from './volume-binder.ts';

/** One pass of every control loop, in dependency order. Idempotent: a settled cluster writes nothing. */
export function reconcileOnce(state: ClusterState): void {
  runCrdController(state);
  runNamespaceController(state);
  runServiceAccountController(state);
  adoptOrphans(state);
  runGarbageCollector(state);
  runDeploymentController(state);
  runReplicaSetController(state);
  runStatefulSetController(state);
  runDaemonSetController(state);
  runCronJobController(state);
  runJobController(state);
  runVolumeBinder(state);
  runScheduler(state);
  runKubelet(state);
  runEndpointsController(state);
  runEndpointSliceController(state);
  runDisruptionController(state);
  runQuotaController(state);
  runRouteController(state);
  runHpaController(state);
  runVeleroController(state);
  runOpenShiftUpgrade(state);
  runClusterApiRollout(state);
  runNodeUpgrades(state);
}

/** Runs the control loops every `intervalMs` until the returned stop function is called. */
export function startControllers(
  state: ClusterState,
  intervalMs = 200,
  onError: (e: unknown) => void = () => {},
): () => void {
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
