import { randomBytes } from 'node:crypto';
import type { KubeObject } from '../lib/kube-object.ts';
import { type ClusterState, isoSeconds, T } from './cluster-state.ts';

/**
 * `POST serviceaccounts/{name}/token` (`kubectl create token`): a TokenRequest answered with a
 * bound token, JWT-shaped like the real one (its claims readable; its signature is the sandbox's
 * own), that authenticates to this sandbox as the ServiceAccount, with the groups the API server
 * gives it, until it expires. RBAC decides what it may do.
 */
export function issueToken(state: ClusterState, namespace: string, name: string, request: KubeObject): KubeObject {
  const sa = state.store.mustGet(T.serviceAccount, namespace, name);
  const spec = request.spec ?? {};
  const seconds = Math.max(600, Number(spec.expirationSeconds ?? 3600));
  const now = state.now();
  const exp = Math.floor(now.getTime() / 1000) + seconds;
  const user = `system:serviceaccount:${namespace}:${name}`;
  const claims = {
    aud: spec.audiences?.length ? spec.audiences : ['https://kubernetes.default.svc.cluster.local'],
    exp,
    iat: Math.floor(now.getTime() / 1000),
    iss: 'https://kubernetes.default.svc.cluster.local',
    'kubernetes.io': { namespace, serviceaccount: { name, uid: sa.metadata.uid } },
    sub: user,
  };
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const token = `${part({ alg: 'RS256', kid: 'sandbox' })}.${part(claims)}.${randomBytes(32).toString('base64url')}`;
  state.serviceAccountTokens.set(token, {
    name: user,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
  });
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    metadata: { name, namespace, creationTimestamp: null } as unknown as KubeObject['metadata'],
    spec: { ...spec, expirationSeconds: seconds, audiences: claims.aud },
    status: { token, expirationTimestamp: isoSeconds(new Date(exp * 1000)) },
  };
}
