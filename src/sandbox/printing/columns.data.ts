// kubectl's columns per kind (Table output): a hand-written data table (*.data.ts may run long).
import type { KubeObject } from '../../lib/kube-object.ts';
import { selectorString } from '../../lib/label-selector.ts';
import { age } from './duration.ts';
import { POD_COLUMNS, podCells } from './pod-columns.ts';

/** Column names (a leading `*` marks priority 1, shown by `-o wide`) and the cells of one row. */
export interface Printer {
  columns: string[];
  cells(obj: KubeObject, now: Date): unknown[];
}

const containers = (spec: any) => (spec?.template?.spec?.containers ?? []) as any[];
const names = (spec: any) =>
  containers(spec)
    .map((c) => c.name)
    .join(',');
const images = (spec: any) =>
  containers(spec)
    .map((c) => c.image)
    .join(',');
const ACCESS: Record<string, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};
const modes = (m: string[] | undefined) => (m ?? []).map((x) => ACCESS[x] ?? x).join(',');
const since = (o: KubeObject, now: Date) => age(o.metadata.creationTimestamp, now);

function nodeStatus(n: KubeObject): string {
  const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const s = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : ready.status === 'False' ? 'NotReady' : 'Unknown';
  return n.spec?.unschedulable ? `${s},SchedulingDisabled` : s;
}

function servicePorts(s: KubeObject): string {
  const ports = (s.spec?.ports ?? []).map(
    (p: any) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`,
  );
  return ports.length ? ports.join(',') : '<none>';
}

function endpointsList(e: KubeObject): string {
  const out: string[] = [];
  for (const s of (e.subsets ?? []) as any[])
    for (const a of s.addresses ?? []) for (const p of s.ports ?? [{}]) out.push(p.port ? `${a.ip}:${p.port}` : a.ip);
  if (!out.length) return '<none>';
  return out.length > 3 ? `${out.slice(0, 3).join(',')} + ${out.length - 3} more...` : out.join(',');
}

function jobStatus(j: KubeObject): string {
  const cond = (t: string) => (j.status?.conditions ?? []).some((c: any) => c.type === t && c.status === 'True');
  return cond('Complete') ? 'Complete' : cond('Failed') ? 'Failed' : j.spec?.suspend ? 'Suspended' : 'Running';
}

export const PRINTERS: Record<string, Printer> = {
  Pod: { columns: POD_COLUMNS, cells: podCells },
  Deployment: {
    columns: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age', '*Containers', '*Images', '*Selector'],
    cells: (d, now) => [
      d.metadata.name,
      `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`,
      d.status?.updatedReplicas ?? 0,
      d.status?.availableReplicas ?? 0,
      since(d, now),
      names(d.spec),
      images(d.spec),
      selectorString(d.spec?.selector),
    ],
  },
  ReplicaSet: {
    columns: ['Name', 'Desired', 'Current', 'Ready', 'Age', '*Containers', '*Images', '*Selector'],
    cells: (r, now) => [
      r.metadata.name,
      r.spec?.replicas ?? 1,
      r.status?.replicas ?? 0,
      r.status?.readyReplicas ?? 0,
      since(r, now),
      names(r.spec),
      images(r.spec),
      selectorString(r.spec?.selector),
    ],
  },
  StatefulSet: {
    columns: ['Name', 'Ready', 'Age', '*Containers', '*Images'],
    cells: (s, now) => [
      s.metadata.name,
      `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1}`,
      since(s, now),
      names(s.spec),
      images(s.spec),
    ],
  },
  DaemonSet: {
    columns: [
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Up-to-date',
      'Available',
      'Node Selector',
      'Age',
      '*Containers',
      '*Images',
      '*Selector',
    ],
    cells: (d, now) => {
      const s = d.status ?? {};
      const sel =
        Object.entries(d.spec?.template?.spec?.nodeSelector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(',') || '<none>';
      return [
        d.metadata.name,
        s.desiredNumberScheduled ?? 0,
        s.currentNumberScheduled ?? 0,
        s.numberReady ?? 0,
        s.updatedNumberScheduled ?? 0,
        s.numberAvailable ?? 0,
        sel,
        since(d, now),
        names(d.spec),
        images(d.spec),
        selectorString(d.spec?.selector),
      ];
    },
  },
  Job: {
    columns: ['Name', 'Status', 'Completions', 'Duration', 'Age', '*Containers', '*Images', '*Selector'],
    cells: (j, now) => {
      const start = j.status?.startTime;
      const end = j.status?.completionTime ?? now.toISOString();
      return [
        j.metadata.name,
        jobStatus(j),
        `${j.status?.succeeded ?? 0}/${j.spec?.completions ?? 1}`,
        start ? age(start, new Date(end)) : '',
        since(j, now),
        names(j.spec),
        images(j.spec),
        selectorString(j.spec?.selector),
      ];
    },
  },
  CronJob: {
    columns: ['Name', 'Schedule', 'Timezone', 'Suspend', 'Active', 'Last Schedule', 'Age'],
    cells: (c, now) => [
      c.metadata.name,
      c.spec?.schedule,
      c.spec?.timeZone ?? '<none>',
      Boolean(c.spec?.suspend),
      (c.status?.active ?? []).length,
      c.status?.lastScheduleTime ? age(c.status.lastScheduleTime, now) : '<none>',
      since(c, now),
    ],
  },
  Service: {
    columns: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age', '*Selector'],
    cells: (s, now) => [
      s.metadata.name,
      s.spec?.type ?? 'ClusterIP',
      s.spec?.clusterIP ?? '<none>',
      (s.spec?.externalIPs ?? []).join(',') || (s.spec?.type === 'LoadBalancer' ? '<pending>' : '<none>'),
      servicePorts(s),
      since(s, now),
      Object.entries(s.spec?.selector ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(',') || '<none>',
    ],
  },
  Endpoints: {
    columns: ['Name', 'Endpoints', 'Age'],
    cells: (e, now) => [e.metadata.name, endpointsList(e), since(e, now)],
  },
  EndpointSlice: {
    columns: ['Name', 'AddressType', 'Ports', 'Endpoints', 'Age'],
    cells: (e, now) => [
      e.metadata.name,
      e.addressType ?? '',
      ((e.ports ?? []) as any[]).map((p) => p.port).join(',') || '<unset>',
      (() => {
        const ips = ((e.endpoints ?? []) as any[]).flatMap((x) => x.addresses ?? []);
        if (!ips.length) return '<unset>';
        return ips.length > 3 ? `${ips.slice(0, 3).join(',')} + ${ips.length - 3} more...` : ips.join(',');
      })(),
      since(e, now),
    ],
  },
  PriorityClass: {
    columns: ['Name', 'Value', 'Global-Default', 'Age', 'PreemptionPolicy'],
    cells: (c, now) => [
      c.metadata.name,
      c.value ?? 0,
      Boolean(c.globalDefault),
      since(c, now),
      c.preemptionPolicy ?? 'PreemptLowerPriority',
    ],
  },
  Node: {
    columns: [
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      '*Internal-IP',
      '*External-IP',
      '*OS-Image',
      '*Kernel-Version',
      '*Container-Runtime',
    ],
    cells: (n, now) => {
      const roles =
        Object.keys(n.metadata.labels ?? {})
          .filter((k) => k.startsWith('node-role.kubernetes.io/'))
          .map((k) => k.slice('node-role.kubernetes.io/'.length))
          .join(',') || '<none>';
      const info = n.status?.nodeInfo ?? {};
      const addr = (t: string) => (n.status?.addresses ?? []).find((a: any) => a.type === t)?.address ?? '<none>';
      return [
        n.metadata.name,
        nodeStatus(n),
        roles,
        since(n, now),
        info.kubeletVersion ?? 'v1.32.0',
        addr('InternalIP'),
        addr('ExternalIP'),
        info.osImage ?? '<unknown>',
        info.kernelVersion ?? '<unknown>',
        info.containerRuntimeVersion ?? '<unknown>',
      ];
    },
  },
  Namespace: {
    columns: ['Name', 'Status', 'Age'],
    cells: (n, now) => [n.metadata.name, n.status?.phase ?? 'Active', since(n, now)],
  },
  PersistentVolumeClaim: {
    columns: [
      'Name',
      'Status',
      'Volume',
      'Capacity',
      'Access Modes',
      'StorageClass',
      'VolumeAttributesClass',
      'Age',
      '*VolumeMode',
    ],
    cells: (c, now) => [
      c.metadata.name,
      c.status?.phase ?? 'Pending',
      c.spec?.volumeName ?? '',
      c.status?.capacity?.storage ?? '',
      modes(c.status?.accessModes),
      c.spec?.storageClassName ?? '',
      '<unset>',
      since(c, now),
      c.spec?.volumeMode ?? 'Filesystem',
    ],
  },
  PersistentVolume: {
    columns: [
      'Name',
      'Capacity',
      'Access Modes',
      'Reclaim Policy',
      'Status',
      'Claim',
      'StorageClass',
      'VolumeAttributesClass',
      'Reason',
      'Age',
    ],
    cells: (v, now) => [
      v.metadata.name,
      v.spec?.capacity?.storage ?? '',
      modes(v.spec?.accessModes),
      v.spec?.persistentVolumeReclaimPolicy ?? 'Retain',
      v.status?.phase ?? 'Pending',
      v.spec?.claimRef ? `${v.spec.claimRef.namespace}/${v.spec.claimRef.name}` : '',
      v.spec?.storageClassName ?? '',
      '<unset>',
      v.status?.reason ?? '',
      since(v, now),
    ],
  },
  StorageClass: {
    columns: ['Name', 'Provisioner', 'ReclaimPolicy', 'VolumeBindingMode', 'AllowVolumeExpansion', 'Age'],
    cells: (s, now) => [
      `${s.metadata.name}${s.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true' ? ' (default)' : ''}`,
      s.provisioner,
      s.reclaimPolicy ?? 'Delete',
      s.volumeBindingMode ?? 'Immediate',
      Boolean(s.allowVolumeExpansion),
      since(s, now),
    ],
  },
  ConfigMap: {
    columns: ['Name', 'Data', 'Age'],
    cells: (c, now) => [
      c.metadata.name,
      Object.keys((c.data as object) ?? {}).length + Object.keys((c.binaryData as object) ?? {}).length,
      since(c, now),
    ],
  },
  Secret: {
    columns: ['Name', 'Type', 'Data', 'Age'],
    cells: (s, now) => [
      s.metadata.name,
      s.type ?? 'Opaque',
      Object.keys((s.data as object) ?? {}).length,
      since(s, now),
    ],
  },
  Event: {
    columns: ['Last Seen', 'Type', 'Reason', 'Object', 'Message'],
    cells: (e: any, now) => [
      age(e.lastTimestamp ?? e.eventTime ?? e.metadata.creationTimestamp, now),
      e.type,
      e.reason,
      `${String(e.involvedObject?.kind ?? '').toLowerCase()}/${e.involvedObject?.name}`,
      e.message,
    ],
  },
  PodDisruptionBudget: {
    columns: ['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age'],
    cells: (p, now) => [
      p.metadata.name,
      p.spec?.minAvailable ?? 'N/A',
      p.spec?.maxUnavailable ?? 'N/A',
      p.status?.disruptionsAllowed ?? 0,
      since(p, now),
    ],
  },
  Ingress: {
    columns: ['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age'],
    cells: (i, now) => [
      i.metadata.name,
      i.spec?.ingressClassName ?? '<none>',
      (i.spec?.rules ?? []).map((r: any) => r.host ?? '*').join(',') || '*',
      (i.status?.loadBalancer?.ingress ?? []).map((a: any) => a.ip ?? a.hostname).join(','),
      i.spec?.tls?.length ? '80, 443' : '80',
      since(i, now),
    ],
  },
  ResourceQuota: {
    columns: ['Name', 'Age', 'Request', 'Limit'],
    cells: (q, now) => {
      const hard: Record<string, string> = q.status?.hard ?? q.spec?.hard ?? {};
      const pairs = (limits: boolean) =>
        Object.keys(hard)
          .filter((k) => k.startsWith('limits.') === limits)
          .sort()
          .map((k) => `${k}: ${q.status?.used?.[k] ?? 0}/${hard[k]}`)
          .join(', ');
      return [q.metadata.name, since(q, now), pairs(false), pairs(true)];
    },
  },
  HorizontalPodAutoscaler: {
    columns: ['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age'],
    cells: (h, now) => [
      h.metadata.name,
      `${h.spec?.scaleTargetRef?.kind}/${h.spec?.scaleTargetRef?.name}`,
      (h.spec?.metrics ?? [])
        .map((m: any) => {
          const name = m.resource?.name ?? m.type;
          const current = (h.status?.currentMetrics ?? []).find((c: any) => c.resource?.name === name)?.resource
            ?.current;
          const target = m.resource?.target ?? {};
          return target.type === 'Utilization' || target.averageUtilization !== undefined
            ? `${name}: ${current?.averageUtilization ?? '<unknown>'}${current?.averageUtilization !== undefined ? '%' : ''}/${target.averageUtilization}%`
            : `${name}: ${current?.averageValue ?? '<unknown>'}/${target.averageValue}`;
        })
        .join(', ') || '<none>',
      h.spec?.minReplicas ?? 1,
      h.spec?.maxReplicas,
      h.status?.currentReplicas ?? 0,
      since(h, now),
    ],
  },
  // openshift-apiserver's table for Routes, as `oc get routes` / `kubectl get routes` print it.
  Route: {
    columns: ['Name', 'Host/Port', 'Path', 'Services', 'Port', 'Termination', 'Wildcard'],
    cells: (r) => {
      const admitted = (r.status?.ingress ?? []).some((i: any) =>
        (i.conditions ?? []).some((c: any) => c.type === 'Admitted' && c.status === 'True'),
      );
      const backends = [r.spec?.to, ...(r.spec?.alternateBackends ?? [])].filter(Boolean);
      const total = backends.reduce((n: number, b: any) => n + (b.weight ?? 100), 0);
      return [
        r.metadata.name,
        admitted ? r.spec?.host : `${r.spec?.host} ... 1 of 1 (not admitted)`,
        r.spec?.path ?? '',
        backends.length > 1
          ? backends.map((b: any) => `${b.name}(${Math.round(((b.weight ?? 100) * 100) / (total || 1))}%)`).join(',')
          : (backends[0]?.name ?? ''),
        r.spec?.port?.targetPort ?? '<all>',
        r.spec?.tls
          ? `${r.spec.tls.termination}${r.spec.tls.insecureEdgeTerminationPolicy ? `/${r.spec.tls.insecureEdgeTerminationPolicy}` : ''}`
          : '',
        r.spec?.wildcardPolicy ?? 'None',
      ];
    },
  },
  APIService: {
    columns: ['Name', 'Service', 'Available', 'Age'],
    cells: (a, now) => {
      const available = (a.status?.conditions ?? []).find((c: any) => c.type === 'Available');
      return [
        a.metadata.name,
        a.spec?.service ? `${a.spec.service.namespace}/${a.spec.service.name}` : 'Local',
        available?.status === 'True' ? 'True' : `${available?.status ?? 'Unknown'} (${available?.reason ?? ''})`,
        since(a, now),
      ];
    },
  },
};

export const DEFAULT_PRINTER: Printer = {
  columns: ['Name', 'Age'],
  cells: (o, now) => [o.metadata.name, since(o, now)],
};
