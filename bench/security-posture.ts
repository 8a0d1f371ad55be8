// The whole posture review (every read, the four analyzers, ranking) versus only the kubectl reads
// a reviewer or kubectl-based agent needs for the same data, on the same sandbox in the same run,
// at two cluster sizes. Goal: the review, analysis included, faster than kubectl's reads alone.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeReader } from '../src/cluster/kube-reader.ts';
import { startSandbox } from '../src/sandbox/start-sandbox.ts';
import type { ToolContext } from '../src/tools/define-tool.ts';
import { securityPostureTool } from '../src/tools/read/security-posture.ts';
import { runReadTool } from '../src/tools/run-read-tool.ts';
import { KUBECTL, median } from './kubectl-path.ts';

/** `n` namespaces, each with three Deployments, a Service, a binding and a Trivy report per Deployment. */
function cluster(n: number): string {
  const docs = ['apiVersion: sandbox.clusterclaw.dev/v1alpha1\nkind: SandboxCRDs\nsets: [trivy]'];
  docs.push(
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: edit }\nrules: [{ apiGroups: ["", apps], resources: ["*"], verbs: [get, list, patch] }]',
  );
  for (let i = 0; i < n; i++) {
    const ns = `team-${i}`;
    docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: { name: ${ns} }`);
    docs.push(
      `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: devs, namespace: ${ns} }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit }\nsubjects: [{ kind: Group, name: team-${i} }]`,
    );
    for (const app of ['api', 'worker', 'web']) {
      docs.push(
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${app}, namespace: ${ns} }\nspec:\n  replicas: 2\n  selector: { matchLabels: { app: ${app} } }\n  template:\n    metadata: { labels: { app: ${app} } }\n    spec: { containers: [{ name: ${app}, image: "registry.example.com/${ns}/${app}:1.0.${i}", ports: [{ containerPort: 8080 }] }] }`,
      );
      docs.push(
        `apiVersion: aquasecurity.github.io/v1alpha1\nkind: VulnerabilityReport\nmetadata:\n  name: deployment-${app}-${app}\n  namespace: ${ns}\n  labels: { trivy-operator.resource.kind: Deployment, trivy-operator.resource.name: ${app}, trivy-operator.resource.namespace: ${ns}, trivy-operator.container.name: ${app} }\nreport:\n  registry: { server: registry.example.com }\n  artifact: { repository: ${ns}/${app}, tag: "1.0.${i}" }\n  summary: { criticalCount: 1, highCount: 0, mediumCount: 0, lowCount: 0 }\n  vulnerabilities: [{ vulnerabilityID: CVE-2024-45337, resource: golang.org/x/crypto, installedVersion: v0.21.0, fixedVersion: 0.31.0, severity: CRITICAL, title: ssh }]`,
      );
    }
    docs.push(
      `apiVersion: v1\nkind: Service\nmetadata: { name: web, namespace: ${ns} }\nspec: { selector: { app: web }, ports: [{ port: 80, targetPort: 8080 }] }`,
    );
  }
  return docs.join('\n---\n');
}

const KUBECTL_READS = [
  [
    'get',
    'namespaces,pods,deployments,replicasets,statefulsets,daemonsets,jobs,cronjobs,services,networkpolicies,serviceaccounts,roles,rolebindings',
    '-A',
    '-o',
    'json',
  ],
  ['get', 'clusterroles,clusterrolebindings', '-o', 'json'],
  ['get', 'vulnerabilityreports,configauditreports,exposedsecretreports,rbacassessmentreports', '-A', '-o', 'json'],
];

export async function securityPostureSection(): Promise<string> {
  const bin = KUBECTL;
  if (!bin)
    return '## Security posture review versus kubectl reads\n\nkubectl is not installed here; section skipped.\n';
  const rows: string[] = [];
  for (const n of [10, 40]) {
    const dir = await mkdtemp(join(tmpdir(), 'claw-bench-'));
    const sandbox = await startSandbox({
      stateYaml: cluster(n),
      warmupSeconds: 5,
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    const env = { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
    const kubectl = (args: string[]) =>
      new Promise<void>((resolve, reject) =>
        execFile(bin, args, { env, maxBuffer: 256 * 1024 * 1024 }, (e) => (e ? reject(e) : resolve())),
      );
    try {
      const kc = new KubeConfig();
      kc.loadFromString(sandbox.kubeconfig);
      const ctx: ToolContext = { reader: new KubeReader(kc), now: () => new Date() };
      const review = () => runReadTool(securityPostureTool, ctx, {});
      const out = (await review()).data as { findings: unknown[]; checked: { pods: number } };
      await kubectl(['get', 'pods', '-A']); // a warm discovery cache, as a long-lived agent's would be
      const ours = await median(10, review);
      const theirs = await median(5, () => Promise.all(KUBECTL_READS.map(kubectl)));
      rows.push(
        `| ${n} namespaces, ${n * 3} Deployments, ${out.checked.pods} pods | ${out.findings.length} | ${ours.toFixed(1)} | ${theirs.toFixed(1)} | ${(theirs / ours).toFixed(1)}× |`,
      );
    } finally {
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  return `## Security posture review versus kubectl reads

\`security_posture\` over the whole cluster (every read, the Trivy, Pod Security, NetworkPolicy and
RBAC analyzers, ranking, redaction) against only the three kubectl reads that fetch the same data
(run in parallel, discovery cache warm), on the same sandbox in the same run. Goal: the review,
analysis included, faster than kubectl's reads alone. Every Deployment here has a critical CVE,
so the larger cluster's report is held to the tool's output budget: the worst findings are kept
and the review says how many more there are (measured in the same median).

| cluster | findings shown | review median ms | kubectl reads median ms | review faster by |
|---|---:|---:|---:|---:|
${rows.join('\n')}

kubectl reads: ${KUBECTL_READS.map((a) => `\`kubectl ${a.join(' ')}\``).join('; ')}.
`;
}
