import type { KubeObject } from '../lib/kube-object.ts';
import { ROUTER_DOMAIN } from './crds/router-domain.ts';

/**
 * The API server's defaulting for the kinds with pod templates, applied on every write (dry-run
 * included) so objects compare equal however a client serialized them (kubectl sends
 * `creationTimestamp: null`, client-node omits it).
 */
export function applyDefaults(obj: KubeObject): KubeObject {
  switch (obj.kind) {
    case 'Namespace':
      obj.status = { phase: 'Active', ...(obj.status ?? {}) };
      break;
    case 'Secret':
      obj.type ??= 'Opaque';
      break;
    case 'Service':
      obj.spec = defaultServiceSpec(obj);
      break;
    case 'Pod':
      obj.spec = defaultPodSpec(obj.spec ?? {});
      break;
    case 'Route':
      if (obj.apiVersion === 'route.openshift.io/v1') obj.spec = defaultRouteSpec(obj);
      break;
    case 'ReplicaSet':
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
      obj.spec.template = defaultTemplate(obj.spec.template);
      break;
    case 'StatefulSet':
      obj.spec ??= {};
      obj.spec.replicas ??= 1;
      obj.spec.podManagementPolicy ??= 'OrderedReady';
      obj.spec.revisionHistoryLimit ??= 10;
      obj.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { partition: 0 } };
      obj.spec.template = defaultTemplate(obj.spec.template);
      break;
    case 'DaemonSet':
      obj.spec ??= {};
      obj.spec.revisionHistoryLimit ??= 10;
      obj.spec.updateStrategy ??= { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      obj.spec.template = defaultTemplate(obj.spec.template);
      break;
    case 'Deployment': {
      obj.spec ??= {};
      const spec = obj.spec;
      spec.replicas ??= 1;
      spec.revisionHistoryLimit ??= 10;
      spec.progressDeadlineSeconds ??= 600;
      spec.strategy ??= { type: 'RollingUpdate' };
      if (spec.strategy.type === 'RollingUpdate')
        spec.strategy.rollingUpdate = {
          maxSurge: '25%',
          maxUnavailable: '25%',
          ...(spec.strategy.rollingUpdate ?? {}),
        };
      spec.template = defaultTemplate(spec.template);
      break;
    }
  }
  return obj;
}

function defaultTemplate(t: any): any {
  const template = t ?? {};
  template.metadata = pruneNulls(template.metadata ?? {});
  template.spec = defaultPodSpec(template.spec ?? {});
  return template;
}

function defaultPodSpec(spec: any): any {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  for (const c of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    c.imagePullPolicy ??=
      typeof c.image === 'string' && (c.image.endsWith(':latest') || !/:[^/]+$/.test(c.image))
        ? 'Always'
        : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  }
  return spec;
}

function pruneNulls(o: Record<string, unknown>): Record<string, unknown> {
  for (const [k, v] of Object.entries(o)) if (v === null) delete o[k];
  return o;
}

/** What the API server fills in for a Service: type, a ClusterIP from 10.96.0.0/12 (stable per name), port defaults. */
function defaultServiceSpec(svc: KubeObject): any {
  const spec = svc.spec ?? {};
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName' && spec.clusterIP === undefined) {
    let h = 0;
    for (const ch of `${svc.metadata.namespace}/${svc.metadata.name}`) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    spec.clusterIP = `10.96.${(h >> 8) & 0xff}.${h & 0xfe || 10}`;
    spec.clusterIPs = [spec.clusterIP];
  }
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
  return spec;
}

/**
 * A Job without `manualSelector` selects its pods by its own uid, and its template carries the
 * labels that say so (what `kubectl logs job/NAME` and `get pods -l job-name=…` rely on).
 */
/** openshift-apiserver allocates a Route's host from the router's wildcard domain when none is given. */
function defaultRouteSpec(route: KubeObject): any {
  const spec = { ...(route.spec ?? {}) };
  spec.host ||= `${route.metadata.name}-${route.metadata.namespace}.${ROUTER_DOMAIN}`;
  if (spec.to) spec.to = { weight: 100, ...spec.to };
  spec.wildcardPolicy ??= 'None';
  return spec;
}

export function defaultJobSelector(job: KubeObject): void {
  job.spec ??= {};
  const spec = job.spec;
  if (spec.manualSelector || spec.selector) return;
  const uid = job.metadata.uid!;
  const labels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': job.metadata.name,
    'controller-uid': uid,
    'job-name': job.metadata.name,
  };
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  spec.template ??= {};
  spec.template.metadata = {
    ...(spec.template.metadata ?? {}),
    labels: { ...(spec.template.metadata?.labels ?? {}), ...labels },
  };
}
