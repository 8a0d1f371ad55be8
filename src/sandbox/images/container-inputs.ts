import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { issueToken } from '../service-account-token.ts';
import { emptyDirFiles } from './pod-volumes.ts';

/**
 * What the kubelet hands a container: its environment (image defaults, then `envFrom`, then `env`,
 * with ConfigMap and Secret references resolved) and the files its volumes mount. A missing
 * reference is the kubelet's config error, reported elsewhere; here it is simply absent.
 */
export function containerEnv(
  state: ClusterState,
  pod: KubeObject,
  c: any,
  imageEnv: Record<string, string>,
): Map<string, string> {
  const ns = pod.metadata.namespace;
  const env = new Map<string, string>(Object.entries(imageEnv));
  env.set('HOSTNAME', pod.metadata.name);
  env.set('HOME', '/root');
  env.set('KUBERNETES_SERVICE_HOST', '10.96.0.1');
  env.set('KUBERNETES_SERVICE_PORT', '443');
  const data = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined => {
    const obj = state.store.get(kind === 'ConfigMap' ? T.configMap : T.secret, ns, name);
    if (!obj) return undefined;
    return kind === 'Secret' ? secretData(obj) : { ...((obj.data as Record<string, string>) ?? {}) };
  };
  for (const e of c.envFrom ?? []) {
    const ref = e.configMapRef ?? e.secretRef;
    const values = ref && data(e.configMapRef ? 'ConfigMap' : 'Secret', ref.name);
    for (const [k, v] of Object.entries(values ?? {})) env.set(`${e.prefix ?? ''}${k}`, String(v));
  }
  for (const e of c.env ?? []) {
    if (e.value !== undefined) env.set(e.name, expandRefs(String(e.value), env));
    else if (e.valueFrom?.configMapKeyRef || e.valueFrom?.secretKeyRef) {
      const ref = e.valueFrom.configMapKeyRef ?? e.valueFrom.secretKeyRef;
      const v = data(e.valueFrom.configMapKeyRef ? 'ConfigMap' : 'Secret', ref.name)?.[ref.key];
      if (v !== undefined) env.set(e.name, v);
    } else if (e.valueFrom?.fieldRef) env.set(e.name, fieldOf(pod, e.valueFrom.fieldRef.fieldPath));
    else if (!e.valueFrom) env.set(e.name, '');
  }
  return env;
}

/** `$(VAR)` in env values refers to variables defined before it, as the kubelet expands them. */
function expandRefs(value: string, env: Map<string, string>): string {
  return value.replace(/\$\(([A-Za-z_]\w*)\)/g, (whole, name) => env.get(name) ?? whole);
}

function fieldOf(pod: KubeObject, path: string): string {
  const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(path);
  if (m) return String((pod.metadata as any)[m[1]!]?.[m[2]!] ?? '');
  const fields: Record<string, unknown> = {
    'metadata.name': pod.metadata.name,
    'metadata.namespace': pod.metadata.namespace,
    'metadata.uid': pod.metadata.uid,
    'spec.nodeName': pod.spec?.nodeName,
    'spec.serviceAccountName': pod.spec?.serviceAccountName,
    'status.podIP': pod.status?.podIP,
    'status.hostIP': pod.status?.hostIP,
  };
  return String(fields[path] ?? '');
}

function secretData(obj: KubeObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((obj.data as Record<string, string>) ?? {}))
    out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries((obj.stringData as Record<string, string>) ?? {})) out[k] = v;
  return out;
}

/** A bound token for the pod's ServiceAccount, as the kubelet requests one (TokenRequest) for the volume. */
function boundToken(
  state: ClusterState,
  pod: KubeObject,
  expirationSeconds = 3607,
  audience?: string,
): string | undefined {
  const sa = pod.spec?.serviceAccountName ?? 'default';
  // Without its ServiceAccount (not yet created by the namespace's controller) there is no token to mount.
  if (!state.store.get(T.serviceAccount, pod.metadata.namespace, sa)) return undefined;
  const request = {
    spec: {
      expirationSeconds,
      ...(audience ? { audiences: [audience] } : {}),
      boundObjectRef: { kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid },
    },
  };
  return issueToken(state, pod.metadata.namespace!, sa, request as KubeObject).status.token;
}

/**
 * The container's files: the image's own, then each volume mount on top. A mount hides what the
 * image had under its path; `subPath` mounts one key as one file.
 */
export function containerFiles(
  state: ClusterState,
  pod: KubeObject,
  c: any,
  imageFiles: Record<string, string>,
): { files: Record<string, string>; dirs: string[]; versions: string[] } {
  const ns = pod.metadata.namespace;
  const files: Record<string, string> = { ...imageFiles, '/etc/hostname': `${pod.metadata.name}\n` };
  const dirs: string[] = [];
  const versions: string[] = [];
  const volumes = new Map<string, any>((pod.spec?.volumes ?? []).map((v: any) => [v.name, v]));
  // The service account volume the admission plugin mounts unless automounting is off.
  if (pod.spec?.automountServiceAccountToken !== false) {
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
    const token = boundToken(state, pod);
    if (token) files[`${sa}/token`] = token;
    files[`${sa}/namespace`] = String(ns);
    files[`${sa}/ca.crt`] = '-----BEGIN CERTIFICATE-----\nsandbox\n-----END CERTIFICATE-----\n';
  }
  const sourceData = (v: any): Record<string, string> | undefined => {
    const read = (kind: 'ConfigMap' | 'Secret', name: string, items?: { key: string; path: string }[]) => {
      const obj = state.store.get(kind === 'ConfigMap' ? T.configMap : T.secret, ns, name);
      if (!obj) return undefined;
      versions.push(`${kind}/${name}@${obj.metadata.resourceVersion}`);
      const data = kind === 'Secret' ? secretData(obj) : { ...((obj.data as Record<string, string>) ?? {}) };
      if (!items) return data;
      return Object.fromEntries(items.filter((i) => i.key in data).map((i) => [i.path, data[i.key]!]));
    };
    const downward = (items: any[] = []) =>
      Object.fromEntries(items.filter((i) => i.fieldRef).map((i) => [i.path, fieldOf(pod, i.fieldRef.fieldPath)]));
    if (v.downwardAPI) return downward(v.downwardAPI.items);
    if (v.configMap) return read('ConfigMap', v.configMap.name, v.configMap.items);
    if (v.secret) return read('Secret', v.secret.secretName, v.secret.items);
    if (v.projected)
      return Object.assign(
        {},
        ...(v.projected.sources ?? []).map((s: any) =>
          s.configMap
            ? read('ConfigMap', s.configMap.name, s.configMap.items)
            : s.secret
              ? read('Secret', s.secret.name, s.secret.items)
              : s.downwardAPI
                ? downward(s.downwardAPI.items)
                : s.serviceAccountToken
                  ? Object.fromEntries(
                      [
                        [
                          s.serviceAccountToken.path,
                          boundToken(
                            state,
                            pod,
                            s.serviceAccountToken.expirationSeconds,
                            s.serviceAccountToken.audience,
                          ),
                        ],
                      ].filter(([, t]) => t),
                    )
                  : {},
        ),
      );
    // Other containers' writes (init containers, exec); a container's own run starts from these.
    if (v.emptyDir) return emptyDirFiles(state, pod, v.name, c.name);
    if (v.persistentVolumeClaim || v.hostPath) return {};
    return undefined;
  };
  for (const m of c.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    const data = v && sourceData(v);
    if (!data) continue;
    const mount = String(m.mountPath).replace(/\/$/, '');
    if (m.subPath) {
      if (m.subPath in data) files[mount] = data[m.subPath]!;
      continue;
    }
    for (const f of Object.keys(files)) if (f.startsWith(`${mount}/`)) delete files[f];
    dirs.push(mount);
    for (const [k, content] of Object.entries(data)) files[`${mount}/${k}`] = String(content);
  }
  return { files, dirs, versions };
}
