import { stringify } from 'yaml';

/**
 * A kubeconfig both kubectl and @kubernetes/client-node accept for a plain-http server:
 * both refuse http:// unless `insecure-skip-tls-verify` is set. No credentials: kubectl sends
 * none over plain http, and the sandbox listens on loopback only.
 */
export function sandboxKubeconfig(
  serverUrl: string,
  namespace = 'default',
  users: readonly { name: string; token: string }[] = [],
): string {
  // One more user and context per SandboxUser: client-node sends their token over plain http
  // (kubectl does not), so SelfSubjectReview and RBAC see them.
  const contextName = (name: string) => `sandbox-as-${name.replace(/[^A-Za-z0-9.-]/g, '-')}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'sandbox', cluster: { server: serverUrl, 'insecure-skip-tls-verify': true } }],
    users: [
      { name: 'sandbox-admin', user: {} },
      ...users.map((u) => ({ name: contextName(u.name), user: { token: u.token } })),
    ],
    contexts: [
      { name: 'sandbox', context: { cluster: 'sandbox', user: 'sandbox-admin', namespace } },
      ...users.map((u) => ({
        name: contextName(u.name),
        context: { cluster: 'sandbox', user: contextName(u.name), namespace },
      })),
    ],
    'current-context': 'sandbox',
    preferences: {},
  });
}
