import type { KubeObject } from '../../lib/kube-object.ts';
import { matchesServiceSelector } from '../../lib/label-selector.ts';
import { type ClusterState, T } from '../cluster-state.ts';
import { podIp } from '../controllers/pod-status.ts';
import type { Network, Served } from '../shell/process.ts';
import { connectionAllowed, dnsAllowed } from './network-policy.ts';

const CLUSTER_DOMAIN = 'svc.cluster.local';

const isReady = (p: KubeObject) =>
  (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');

/**
 * The cluster network as seen from one pod: cluster DNS (Services and headless pods by name,
 * short or fully qualified), Service virtual IPs balanced to ready endpoints (kube-proxy refuses
 * a Service without any), pod IPs, and NetworkPolicies (a denied connection is dropped: it times
 * out). What answers is the target container's simulated process.
 */
export function clusterNetwork(
  state: ClusterState,
  from: KubeObject,
  behaviourOf: (pod: KubeObject, c: any) => { ports?: number[]; served?: Record<number, Served> } | undefined,
): Network {
  const ns = from.metadata.namespace!;
  const pods = () => state.store.list(T.pod).filter((p) => p.status?.podIP || p.spec?.nodeName);

  const lookup = (
    host: string,
  ): { fqdn: string; address: string; service?: KubeObject; pod?: KubeObject } | undefined => {
    const name = host.replace(/\.$/, '');
    if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) {
      const pod = pods().find((p) => podIp(p) === name);
      const service = state.store.list(T.service).find((s) => s.spec?.clusterIP === name);
      return { fqdn: name, address: name, pod, service };
    }
    if (!dnsAllowed(state, from)) return undefined;
    const short = name.replace(`.${CLUSTER_DOMAIN}`, '').replace(/\.svc$/, '');
    const parts = short.split('.');
    if (parts.length > 3) return undefined;
    // `svc`, `svc.ns`, or a headless Service's pod: `host.svc` / `host.svc.ns`.
    const asService = (svc: string, space: string) => {
      const service = state.store.get(T.service, space, svc);
      if (!service) return undefined;
      const fqdn = `${svc}.${space}.${CLUSTER_DOMAIN}`;
      if (service.spec?.clusterIP && service.spec.clusterIP !== 'None')
        return { fqdn, address: service.spec.clusterIP, service };
      const pod = endpointsOf(service)[0];
      return pod ? { fqdn, address: podIp(pod), service, pod } : undefined;
    };
    if (parts.length === 1) return asService(parts[0]!, ns);
    if (parts.length === 2) return asService(parts[0]!, parts[1]!) ?? podByHostname(parts[0]!, parts[1]!, ns);
    return podByHostname(parts[0]!, parts[1]!, parts[2]!);
  };

  const podByHostname = (hostname: string, subdomain: string, space: string) => {
    const pod = state.store
      .list(T.pod, space)
      .find((p) => (p.spec?.hostname ?? p.metadata.name) === hostname && p.spec?.subdomain === subdomain);
    return pod ? { fqdn: `${hostname}.${subdomain}.${space}.${CLUSTER_DOMAIN}`, address: podIp(pod), pod } : undefined;
  };

  const endpointsOf = (service: KubeObject) =>
    state.store
      .list(T.pod, service.metadata.namespace)
      .filter(
        (p) =>
          matchesServiceSelector(service.spec?.selector, p.metadata.labels) &&
          isReady(p) &&
          !p.metadata.deletionTimestamp,
      );

  const served = (pod: KubeObject, port: number): Served | undefined => {
    if (pod.status?.phase !== 'Running') return undefined;
    for (const c of pod.spec?.containers ?? []) {
      const status = (pod.status?.containerStatuses ?? []).find((s: any) => s.name === c.name);
      if (!status?.state?.running) continue;
      const b = behaviourOf(pod, c);
      if (!b) continue;
      if (b.ports === undefined) return '*';
      if (b.ports.includes(port)) return b.served?.[port] ?? '*';
    }
    return undefined;
  };

  return {
    resolve: (host) => {
      const found = lookup(host);
      return found && { fqdn: found.fqdn, address: found.address };
    },
    connect: (host, port) => {
      const found = lookup(host);
      if (!found) return { ok: false, error: /^[\d.]+$/.test(host) ? 'timeout' : 'unresolved' };
      let target = found.pod;
      let targetPort = port;
      if (found.service && found.service.spec?.clusterIP !== 'None') {
        const sp = (found.service.spec?.ports ?? []).find((p: any) => p.port === port);
        if (!sp) return { ok: false, error: 'timeout', address: found.address };
        const ready = endpointsOf(found.service);
        if (ready.length === 0) return { ok: false, error: 'refused', address: found.address };
        const resolvePort = (p: KubeObject) => {
          const tp = sp.targetPort ?? sp.port;
          if (typeof tp === 'number' || /^\d+$/.test(tp)) return Number(tp);
          return (p.spec?.containers ?? []).flatMap((c: any) => c.ports ?? []).find((x: any) => x.name === tp)
            ?.containerPort;
        };
        target = ready.find((p) => connectionAllowed(state, from, p, resolvePort(p) ?? -1)) ?? ready[0]!;
        targetPort = resolvePort(target) ?? -1;
      }
      if (!target) return { ok: false, error: 'timeout', address: found.address };
      if (!connectionAllowed(state, from, target, targetPort))
        return { ok: false, error: 'timeout', address: found.address };
      const answer = served(target, targetPort);
      return answer
        ? { ok: true, address: found.address, served: answer }
        : { ok: false, error: 'refused', address: found.address };
    },
  };
}
