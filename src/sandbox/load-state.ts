import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../lib/kube-object.ts';
import { type ClusterState, type ImageBehaviour, T } from './cluster-state.ts';
import { serveAggregatedApis } from './crds/aggregated-apis.ts';
import { crdObjects, parseCrdSets } from './crds/crd-sets.ts';

export const SANDBOX_API_VERSION = 'sandbox.clusterclaw.dev/v1alpha1';

export interface LoadResult {
  objects: number;
  images: number;
  users: number;
  warnings: string[];
}

/**
 * Loads a multi-document YAML state file (docs/sandbox.md): Kubernetes objects as `kubectl get -o yaml`
 * prints them (List documents included) and `SandboxImage` documents. Kinds the sandbox does not
 * serve are skipped with a warning. Pod status is left to the simulated kubelet.
 */
export function loadState(state: ClusterState, text: string, crdSets: readonly string[] = []): LoadResult {
  const result: LoadResult = { objects: 0, images: 0, users: 0, warnings: [] };
  const docs = parseAllDocuments(text);
  const objects: KubeObject[] = [];
  const sets = new Set(parseCrdSets(crdSets));
  for (const doc of docs) {
    if (doc.errors.length) throw new Error(`state file: ${doc.errors[0]!.message}`);
    const value = doc.toJS() as Record<string, any> | null;
    if (!value) continue;
    if (value.kind === 'List' && Array.isArray(value.items)) objects.push(...value.items);
    else if (value.apiVersion === SANDBOX_API_VERSION && value.kind === 'SandboxImage') {
      if (typeof value.image !== 'string') throw new Error('state file: SandboxImage needs an `image`');
      state.images.set(value.image, parseBehaviour(value.image, value.behaviour ?? {}));
      result.images++;
    } else if (value.apiVersion === SANDBOX_API_VERSION && value.kind === 'SandboxUser') {
      if (typeof value.name !== 'string' || typeof value.token !== 'string' || value.token.length < 8)
        throw new Error('state file: SandboxUser needs a `name` and a `token` of at least 8 characters');
      state.users.set(value.token, {
        name: value.name,
        groups: Array.isArray(value.groups) ? value.groups.map(String) : [],
      });
      result.users++;
    } else if (value.apiVersion === SANDBOX_API_VERSION && value.kind === 'SandboxCluster') {
      if (typeof value.version !== 'string' || !/^v1\.\d+\.\d+$/.test(value.version))
        throw new Error('state file: SandboxCluster needs a `version` like v1.31.4 (what /version reports)');
      state.serverVersion = value.version;
    } else if (value.apiVersion === SANDBOX_API_VERSION && value.kind === 'SandboxCRDs') {
      if (!Array.isArray(value.sets)) throw new Error('state file: SandboxCRDs needs `sets: [argocd, flux, …]`');
      try {
        for (const s of parseCrdSets(value.sets)) sets.add(s);
      } catch (e) {
        throw new Error(`state file: SandboxCRDs: ${(e as Error).message}`);
      }
    } else objects.push(value as KubeObject);
  }
  // The sets' CRDs come before the file's objects; a CRD the file declares itself wins.
  const declared = new Set(objects.filter((o) => o?.kind === 'CustomResourceDefinition').map((o) => o.metadata?.name));
  for (const crd of crdObjects([...sets])) if (!declared.has(crd.metadata.name)) state.store.create(T.crd, crd);
  serveAggregatedApis(state, [...sets]);
  const namespaces = new Set<string>();
  // CRDs first: the custom resources later in the file need their kinds served.
  const isCrd = (o: KubeObject) => o?.kind === 'CustomResourceDefinition';
  for (const obj of [...objects.filter(isCrd), ...objects.filter((o) => !isCrd(o))]) {
    const type = obj?.apiVersion && obj.kind ? state.types.findByKind(obj.apiVersion, obj.kind) : undefined;
    if (!type) {
      result.warnings.push(
        `skipped ${obj?.kind ?? 'document'} ${obj?.metadata?.name ?? ''}: kind ${obj?.apiVersion}/${obj?.kind} is not served by the sandbox yet`,
      );
      continue;
    }
    const meta = { ...obj.metadata };
    delete meta.resourceVersion;
    delete meta.managedFields;
    if (type.namespaced) {
      meta.namespace ??= 'default';
      namespaces.add(meta.namespace);
    }
    const copy = { ...obj, metadata: meta };
    // Pod status is the kubelet's to compute, except a terminal eviction, which it never undoes.
    if (type === T.pod && copy.status && copy.status.reason !== 'Evicted')
      copy.status = { startTime: copy.status.startTime };
    state.store.create(type, copy);
    result.objects++;
  }
  for (const ns of ['default', 'kube-system', ...namespaces]) {
    if (!state.store.get(T.namespace, undefined, ns)) {
      state.store.create(T.namespace, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    }
  }
  if (state.store.list(T.node).length === 0)
    state.store.create(T.node, defaultNode('sandbox-worker-1', state.serverVersion));
  // Every cluster's `kubernetes` Service in default, pointing at the API server (selectorless).
  if (!state.store.get(T.service, 'default', 'kubernetes')) {
    state.store.create(T.service, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { component: 'apiserver', provider: 'kubernetes' },
      },
      spec: {
        type: 'ClusterIP',
        clusterIP: '10.96.0.1',
        clusterIPs: ['10.96.0.1'],
        ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }],
      },
    });
    state.store.create(T.endpoints, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: 'kubernetes',
        namespace: 'default',
        labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets: [{ addresses: [{ ip: '10.0.0.10' }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }],
    });
  }
  return result;
}

function parseBehaviour(image: string, b: Record<string, unknown>): ImageBehaviour {
  const out: ImageBehaviour = {};
  const num = (k: string) => {
    if (b[k] === undefined) return undefined;
    if (typeof b[k] !== 'number' || !Number.isFinite(b[k]))
      throw new Error(`state file: SandboxImage ${image}: behaviour.${k} must be a number`);
    return b[k] as number;
  };
  if (b.pullError !== undefined) out.pullError = String(b.pullError);
  out.exitCode = num('exitCode');
  out.startSeconds = num('startSeconds');
  out.memoryMi = num('memoryMi');
  out.cpuMillis = num('cpuMillis');
  out.diskUsedMi = num('diskUsedMi');
  if (Array.isArray(b.ports)) out.ports = b.ports.map(Number);
  if (b.logs !== undefined) out.logs = String(b.logs);
  for (const k of Object.keys(out) as (keyof ImageBehaviour)[]) if (out[k] === undefined) delete out[k];
  return out;
}

export function defaultNode(name: string, kubeletVersion = 'v1.32.0'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'node-role.kubernetes.io/worker': '' },
    },
    spec: {},
    status: {
      capacity: { cpu: '4', memory: '16Gi', pods: '110' },
      allocatable: { cpu: '3800m', memory: '15Gi', pods: '110' },
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      nodeInfo: {
        kubeletVersion,
        containerRuntimeVersion: 'containerd://1.7.0',
        osImage: 'ClusterClaw sandbox',
        architecture: 'amd64',
        operatingSystem: 'linux',
      },
    },
  };
}
