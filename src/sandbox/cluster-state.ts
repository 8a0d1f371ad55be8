import type { KubeObject } from '../lib/kube-object.ts';
import { ObjectStore } from './object-store.ts';
import { RESOURCE_TYPES, ResourceRegistry, type ResourceType } from './resources.ts';

/** How containers running an image behave (the `SandboxImage` document of the state file). */
export interface ImageBehaviour {
  pullError?: string;
  exitCode?: number;
  startSeconds?: number;
  memoryMi?: number;
  /** CPU the process wants; usage is capped at the container's CPU limit (throttling). */
  cpuMillis?: number;
  /** Data the process keeps on its persistent volumes (reported by the kubelet's volume stats). */
  diskUsedMi?: number;
  ports?: number[];
  logs?: string;
}

function type(kind: string): ResourceType {
  const t = RESOURCE_TYPES.find((r) => r.kind === kind);
  if (!t) throw new Error(`no resource type ${kind}`);
  return t;
}

/** Typed shortcuts for the resource types controllers use. */
export const T = {
  namespace: type('Namespace'),
  node: type('Node'),
  pod: type('Pod'),
  event: type('Event'),
  deployment: type('Deployment'),
  replicaSet: type('ReplicaSet'),
  configMap: type('ConfigMap'),
  secret: type('Secret'),
  serviceAccount: type('ServiceAccount'),
  service: type('Service'),
  endpoints: type('Endpoints'),
  endpointSlice: type('EndpointSlice'),
  hpa: type('HorizontalPodAutoscaler'),
  pvc: type('PersistentVolumeClaim'),
  pv: type('PersistentVolume'),
  storageClass: type('StorageClass'),
  statefulSet: type('StatefulSet'),
  daemonSet: type('DaemonSet'),
  job: type('Job'),
  cronJob: type('CronJob'),
  pdb: type('PodDisruptionBudget'),
  role: type('Role'),
  roleBinding: type('RoleBinding'),
  clusterRole: type('ClusterRole'),
  clusterRoleBinding: type('ClusterRoleBinding'),
  crd: type('CustomResourceDefinition'),
  apiService: type('APIService'),
  networkPolicy: type('NetworkPolicy'),
  resourceQuota: type('ResourceQuota'),
  limitRange: type('LimitRange'),
};

/** The simulated cluster: storage plus the image behaviours that decide pod fate. */
export class ClusterState {
  readonly store = new ObjectStore();
  /** Built-in kinds plus those CustomResourceDefinitions add. */
  readonly types = new ResourceRegistry();
  readonly images = new Map<string, ImageBehaviour>();
  /** Bearer token → the user it authenticates as (`SandboxUser` documents). */
  readonly users = new Map<string, { name: string; groups: string[] }>();
  /** Tokens `kubectl create token` issued: ServiceAccounts' own, accepted whether or not users are declared. */
  readonly serviceAccountTokens = new Map<string, { name: string; groups: string[] }>();
  /** The Kubernetes version /version reports (`SandboxCluster` document of the state file). */
  serverVersion = 'v1.32.0';
  /** Seconds added to the wall clock; lets tests step simulated time forward. */
  clockOffsetMs = 0;
  /** Velero's object storage: `<namespace>/<backup>` → the objects that backup captured. */
  readonly backupContents = new Map<string, KubeObject[]>();
  /** Deployment uid → last observed rollout progress, for the progress deadline. */
  readonly rolloutProgress = new Map<string, string>();

  constructor() {
    // A CRD's kinds are served as soon as it is stored, and go (with their objects) when it is deleted.
    this.store.onEvent((e) => {
      if (e.resource.kind !== 'CustomResourceDefinition') return;
      if (e.type === 'DELETED') {
        const gone = new ResourceRegistry();
        gone.syncCustom([e.object]);
        for (const t of gone.all().filter((x) => x.group === e.object.spec?.group)) {
          for (const o of this.store.list(t)) this.store.delete(t, o.metadata.namespace, o.metadata.name);
        }
      }
      this.types.syncCustom(this.store.list(T.crd));
    });
  }

  now(): Date {
    return new Date(Date.now() + this.clockOffsetMs);
  }

  podsOwnedBy(owner: KubeObject): KubeObject[] {
    return this.store.list(T.pod, owner.metadata.namespace, (p) =>
      Boolean(p.metadata.ownerReferences?.some((r) => r.controller && r.uid === owner.metadata.uid)),
    );
  }
}

export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}
