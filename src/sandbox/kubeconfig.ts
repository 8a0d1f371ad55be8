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
  cluster = 'sandbox',
): string {
  // One more user and context per SandboxUser: client-node sends their token over plain http
  // (kubectl does not), so SelfSubjectReview and RBAC see them.
  const contextName = (name: string) => `${cluster}-as-${name.replace(/[^A-Za-z0-9.-]/g, '-')}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: cluster, cluster: { server: serverUrl, 'insecure-skip-tls-verify': true } }],
    users: [
      { name: 'sandbox-admin', user: {} },
      ...users.map((u) => ({ name: contextName(u.name), user: { token: u.token } })),
    ],
    contexts: [
      { name: cluster, context: { cluster, user: 'sandbox-admin', namespace } },
      ...users.map((u) => ({
        name: contextName(u.name),
        context: { cluster, user: contextName(u.name), namespace },
      })),
    ],
    'current-context': cluster,
    preferences: {},
  });
}
