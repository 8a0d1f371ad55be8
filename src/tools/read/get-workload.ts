import { z } from 'zod';
import { redactEnv } from '../../cluster/redact.ts';
import { checkScope, defineReadTool } from '../define-tool.ts';
import { NamespaceName } from '../input-names.ts';

const KINDS = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  DaemonSet: 'apps/v1',
  ReplicaSet: 'apps/v1',
  Job: 'batch/v1',
  CronJob: 'batch/v1',
} as const;

/** What a probe points at, in one line. */
function probe(p: any): string | undefined {
  if (!p) return undefined;
  const a = p.httpGet
    ? `http ${p.httpGet.path ?? '/'} port ${p.httpGet.port}`
    : p.tcpSocket
      ? `tcp port ${p.tcpSocket.port}`
      : p.exec
        ? `exec ${JSON.stringify(p.exec.command ?? [])}`
        : p.grpc
          ? `grpc port ${p.grpc.port}`
          : 'unknown';
  return `${a}, delay ${p.initialDelaySeconds ?? 0}s, every ${p.periodSeconds ?? 10}s, ${p.failureThreshold ?? 3} failures`;
}

export const getWorkload = defineReadTool({
  name: 'get_workload',
  description:
    'One workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob): replicas, selector, strategy, conditions, and per container the image, resources, ports, probes and the ConfigMaps/Secrets it references (names only).',
  input: z.object({
    namespace: NamespaceName,
    kind: z.enum(Object.keys(KINDS) as [keyof typeof KINDS]),
    name: z.string(),
  }),
  async run(ctx, input) {
    checkScope(ctx, input.namespace);
    const obj = await ctx.reader.read({
      apiVersion: KINDS[input.kind],
      kind: input.kind,
      namespace: input.namespace,
      name: input.name,
    });
    const podSpec = input.kind === 'CronJob' ? obj.spec?.jobTemplate?.spec?.template?.spec : obj.spec?.template?.spec;
    return {
      kind: input.kind,
      namespace: input.namespace,
      name: input.name,
      generation: obj.metadata.generation,
      replicas: obj.spec?.replicas,
      selector: obj.spec?.selector,
      strategy: obj.spec?.strategy ?? obj.spec?.updateStrategy,
      schedule: obj.spec?.schedule,
      status: obj.status
        ? {
            ...obj.status,
            conditions: (obj.status.conditions ?? []).map((c: any) => ({
              type: c.type,
              status: c.status,
              reason: c.reason,
              message: c.message,
            })),
          }
        : undefined,
      nodeSelector: podSpec?.nodeSelector,
      tolerations: podSpec?.tolerations,
      affinity: podSpec?.affinity,
      volumes: (podSpec?.volumes ?? []).map((v: any) => ({
        name: v.name,
        configMap: v.configMap?.name,
        secret: v.secret?.secretName,
        claim: v.persistentVolumeClaim?.claimName,
      })),
      containers: (podSpec?.containers ?? []).map((c: any) => ({
        name: c.name,
        image: c.image,
        resources: c.resources ?? {},
        ports: (c.ports ?? []).map((p: any) => ({ name: p.name, containerPort: p.containerPort })),
        readinessProbe: probe(c.readinessProbe),
        livenessProbe: probe(c.livenessProbe),
        startupProbe: probe(c.startupProbe),
        env: redactEnv(c.env).map((e: any) => ({
          name: e.name,
          ...(e.value !== undefined ? { value: e.value } : {}),
          ...(e.valueFrom
            ? {
                from: e.valueFrom.configMapKeyRef
                  ? `configmap ${e.valueFrom.configMapKeyRef.name}/${e.valueFrom.configMapKeyRef.key}`
                  : e.valueFrom.secretKeyRef
                    ? `secret ${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`
                    : 'field',
              }
            : {}),
        })),
        envFrom: (c.envFrom ?? []).map((e: any) =>
          e.configMapRef ? `configmap ${e.configMapRef.name}` : `secret ${e.secretRef?.name}`,
        ),
      })),
    };
  },
});
