import { stringify } from 'yaml';

/**
 * A kubeconfig both kubectl and @kubernetes/client-node accept for a plain-http server:
 * both refuse http:// unless `insecure-skip-tls-verify` is set. No credentials: kubectl sends
 * none over plain http, and the sandbox listens on loopback only.
 */
export function sandboxKubeconfig(serverUrl: string, namespace = 'default'): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: { server: serverUrl, 'insecure-skip-tls-verify': true } }],
    users: [{ name: 'sandbox-admin', user: {} }],
    contexts: [{ name: 'sandbox', context: { cluster: 'sandbox', user: 'sandbox-admin', namespace } }],
    'current-context': 'sandbox',
    preferences: {},
  });
}
