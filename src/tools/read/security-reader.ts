import type { SecuritySnapshot, TrivyReports } from '../../analyzers/security/security-snapshot.ts';
import type { KubeReader } from '../../cluster/kube-reader.ts';
import { type Flights, sharedRead } from '../../cluster/request-signal.ts';
import type { KubeObject } from '../../lib/kube-object.ts';
import { readGitOps } from './snapshot-reader.ts';

const flights: Flights<SecuritySnapshot> = new WeakMap();
const RBAC = 'rbac.authorization.k8s.io/v1';
const TRIVY = 'aquasecurity.github.io/v1alpha1';

/**
 * One read of what the posture analyzers need, namespaced kinds limited to `namespace`. RBAC's
 * cluster-wide objects are read whole (a ClusterRoleBinding reaches into every namespace). What
 * may not be read is listed in `unavailable`, never taken for "nothing there".
 */
export function readSecuritySnapshot(reader: KubeReader, namespace?: string): Promise<SecuritySnapshot> {
  return sharedRead(flights, reader, namespace ?? '*', () => read(reader, namespace));
}

async function read(reader: KubeReader, namespace?: string): Promise<SecuritySnapshot> {
  const unavailable: string[] = [];
  const get = (what: string, p: Promise<KubeObject[]>) =>
    p.catch((e) => {
      const code = (e as { code?: number }).code;
      unavailable.push(`${what}: ${code === 403 ? 'no permission to list them' : (e as Error).message}`);
      return [] as KubeObject[];
    });
  const ns = (apiVersion: string, kind: string, what: string) => get(what, reader.list(apiVersion, kind, namespace));
  const namespaces = namespace
    ? get(
        'namespaces',
        reader.read({ apiVersion: 'v1', kind: 'Namespace', name: namespace }).then((n) => [n]),
      )
    : get('namespaces', reader.list('v1', 'Namespace'));
  const [lists, trivy, gitops] = await Promise.all([
    allLists({
      namespaces,
      pods: get('pods', reader.listPods(namespace)),
      deployments: ns('apps/v1', 'Deployment', 'deployments'),
      replicaSets: ns('apps/v1', 'ReplicaSet', 'replicasets'),
      statefulSets: ns('apps/v1', 'StatefulSet', 'statefulsets'),
      daemonSets: ns('apps/v1', 'DaemonSet', 'daemonsets'),
      jobs: ns('batch/v1', 'Job', 'jobs'),
      cronJobs: ns('batch/v1', 'CronJob', 'cronjobs'),
      services: ns('v1', 'Service', 'services'),
      networkPolicies: ns('networking.k8s.io/v1', 'NetworkPolicy', 'networkpolicies'),
      serviceAccounts: ns('v1', 'ServiceAccount', 'serviceaccounts'),
      roles: ns(RBAC, 'Role', 'roles'),
      roleBindings: ns(RBAC, 'RoleBinding', 'rolebindings'),
      clusterRoles: get('clusterroles', reader.list(RBAC, 'ClusterRole')),
      clusterRoleBindings: get('clusterrolebindings', reader.list(RBAC, 'ClusterRoleBinding')),
    }),
    readTrivy(reader, namespace, unavailable),
    readGitOps(reader),
  ]);
  return {
    ...(namespace ? { namespace } : {}),
    ...lists,
    ...(trivy ? { trivy } : {}),
    ...(gitops ? { gitops } : {}),
    unavailable,
  };
}

/** Every list read at once, each under its name. */
async function allLists<K extends string>(reads: Record<K, Promise<KubeObject[]>>): Promise<Record<K, KubeObject[]>> {
  const keys = Object.keys(reads) as K[];
  const lists = await Promise.all(keys.map((k) => reads[k]));
  return Object.fromEntries(keys.map((k, i) => [k, lists[i]])) as unknown as Record<K, KubeObject[]>;
}

/** The Trivy Operator's reports; undefined when its CRDs are not served (not installed). */
async function readTrivy(
  reader: KubeReader,
  namespace: string | undefined,
  unavailable: string[],
): Promise<TrivyReports | undefined> {
  const served = await reader.isNamespaced(TRIVY, 'VulnerabilityReport').catch(() => undefined);
  if (served === undefined) return undefined;
  const list = (kind: string, clusterScoped = false) =>
    reader.list(TRIVY, kind, clusterScoped ? undefined : namespace).catch((e) => {
      if ((e as { code?: number }).code !== 404) unavailable.push(`Trivy ${kind}s: ${(e as Error).message}`);
      return [] as KubeObject[];
    });
  const [vulnerability, configAudit, exposedSecret, rbacAssessment, clusterRbac, compliance] = await Promise.all([
    list('VulnerabilityReport'),
    list('ConfigAuditReport'),
    list('ExposedSecretReport'),
    list('RbacAssessmentReport'),
    list('ClusterRbacAssessmentReport', true),
    namespace ? Promise.resolve([]) : list('ClusterComplianceReport', true),
  ]);
  return { vulnerability, configAudit, exposedSecret, rbacAssessment: [...rbacAssessment, ...clusterRbac], compliance };
}
