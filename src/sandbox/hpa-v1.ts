import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../lib/kube-object.ts';
import { readJson, sendJson } from './api-helpers.ts';
import { type ClusterState, T } from './cluster-state.ts';
import { ApiError } from './object-store.ts';

const PATH = /^\/apis\/autoscaling\/v1\/namespaces\/([^/]+)\/horizontalpodautoscalers(?:\/([^/]+))?$/;

/**
 * autoscaling/v1 HorizontalPodAutoscalers, which `kubectl autoscale` creates: stored as the
 * autoscaling/v2 objects the sandbox keeps (one CPU utilization metric), and answered back in v1,
 * as the API server converts between the versions of one resource. Create and get; everything
 * else goes through autoscaling/v2. Returns false for any other path.
 */
export async function serveHpaV1(
  state: ClusterState,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  dryRun: boolean,
): Promise<boolean> {
  const m = PATH.exec(path);
  if (!m) return false;
  const [, namespace, name] = m as unknown as [string, string, string | undefined];
  if (req.method === 'POST' && !name) {
    const v1 = (await readJson(req)) as KubeObject;
    if (!state.store.get(T.namespace, undefined, namespace))
      throw new ApiError(404, 'NotFound', `namespaces "${namespace}" not found`);
    const created = state.store.create(T.hpa, toV2({ ...v1, metadata: { ...v1.metadata, namespace } }), { dryRun });
    sendJson(res, 201, toV1(created));
    return true;
  }
  if (req.method === 'GET' && name) {
    sendJson(res, 200, toV1(state.store.mustGet(T.hpa, namespace, name)));
    return true;
  }
  throw new ApiError(405, 'MethodNotAllowed', 'autoscaling/v1 serves create and get here: use autoscaling/v2');
}

function toV2(v1: KubeObject): KubeObject {
  const { targetCPUUtilizationPercentage, ...spec } = v1.spec ?? {};
  return {
    ...v1,
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    spec: {
      ...spec,
      ...(targetCPUUtilizationPercentage !== undefined
        ? {
            metrics: [
              {
                type: 'Resource',
                resource: {
                  name: 'cpu',
                  target: { type: 'Utilization', averageUtilization: targetCPUUtilizationPercentage },
                },
              },
            ],
          }
        : {}),
    },
  };
}

function toV1(v2: KubeObject): KubeObject {
  const { metrics, behavior: _behavior, ...spec } = v2.spec ?? {};
  const cpu = (metrics ?? []).find((x: any) => x.type === 'Resource' && x.resource?.name === 'cpu');
  return {
    ...v2,
    apiVersion: 'autoscaling/v1',
    spec: {
      ...spec,
      ...(cpu?.resource?.target?.averageUtilization !== undefined
        ? { targetCPUUtilizationPercentage: cpu.resource.target.averageUtilization }
        : {}),
    },
    status: { currentReplicas: v2.status?.currentReplicas ?? 0, desiredReplicas: v2.status?.desiredReplicas ?? 0 },
  };
}
