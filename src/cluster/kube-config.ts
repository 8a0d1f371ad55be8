import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { AgentOptions } from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Cluster, KubeConfig } from '@kubernetes/client-node';
import { NoClusterError } from '../domain/errors.ts';

/**
 * KUBECONFIG (from Config, possibly a ':'-separated list) → ~/.kube/config → in-cluster service
 * account. `context` overrides the current context.
 */
export function loadKubeConfig(opts: {
  kubeconfig?: string;
  context?: string;
  inCluster?: boolean;
  home?: string;
  serviceAccountRoot?: string;
}): KubeConfig {
  const kc = new KubeConfig();
  const files = (opts.kubeconfig ?? '').split(':').filter(Boolean);
  const home = join(opts.home ?? homedir(), '.kube', 'config');
  const root = opts.serviceAccountRoot ?? '';
  if (files.length === 0 && existsSync(home)) files.push(home);
  if (files.length > 0) {
    const merged = new KubeConfig();
    for (const f of files) {
      if (!existsSync(f)) throw new NoClusterError(`kubeconfig ${f} does not exist`);
      const one = new KubeConfig();
      one.loadFromFile(f);
      merged.mergeConfig(one);
      if (!merged.currentContext) merged.setCurrentContext(one.currentContext);
    }
    kc.loadFromString(merged.exportConfig());
  } else if (opts.inCluster !== false && existsSync(`${root}/var/run/secrets/kubernetes.io/serviceaccount/token`)) {
    // In a pod: KUBERNETES_SERVICE_HOST/PORT, the mounted token (re-read as it rotates) and CA.
    kc.loadFromCluster(root);
  } else {
    throw new NoClusterError(
      'no kubeconfig: set KUBECONFIG, create ~/.kube/config, or run in a pod with a service account',
    );
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) throw new NoClusterError(`kubeconfig has no context "${opts.context}"`);
    kc.setCurrentContext(opts.context);
  }
  return reuseConnections(kc);
}

type Dispatching = { createDispatcher(cluster: unknown, agentOptions: unknown): unknown };

/**
 * client-node builds a new connection pool (an undici Agent) for every request to a TLS API
 * server: a full TLS handshake per read. This keeps one pool per distinct TLS identity (CA,
 * client certificate, server name), so reads reuse kept-alive connections; a rotated certificate
 * is a new identity and gets a new pool.
 */
export function reuseConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as Dispatching;
  const create = target.createDispatcher.bind(kc);
  const pools = new Map<string, unknown>();
  target.createDispatcher = (cluster, agentOptions) => {
    const key = createHash('sha256')
      .update(JSON.stringify(kc.createDispatcherOptions(cluster as Cluster | null, agentOptions as AgentOptions)))
      .digest('hex');
    if (!pools.has(key)) pools.set(key, create(cluster, agentOptions));
    return pools.get(key);
  };
  return kc;
}

/** A kubeconfig handed over as text (a sandbox writes one), loaded as the file would be. */
export function kubeConfigFromText(text: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromString(text);
  return kc;
}

export function clusterNameOf(kc: KubeConfig): string {
  return kc.getCurrentContext() || kc.getCurrentCluster()?.name || 'in-cluster';
}
