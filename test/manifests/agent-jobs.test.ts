import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { loadConfig } from '../../src/config/config.ts';
import type { KubeObject } from '../../src/lib/kube-object.ts';
import { podSecurityViolations, podSpecOf } from '../../src/lib/pod-security.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { agentJobSpec } from '../../src/workers/coding/job-spec.ts';
import { KUBECTL, kubectl, kubectlAsync } from '../helpers/kubectl.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SCENARIO = join(ROOT, 'scenarios', 'crash-loop-bad-release', 'cluster.yaml');
const OVERLAY = join(ROOT, 'test', 'fixtures', 'agent-jobs-overlay');

const find = (objs: KubeObject[], kind: string, name?: string): any[] =>
  objs.filter((o) => o.kind === kind && (!name || o.metadata.name === name));

describe.skipIf(!KUBECTL)('manifests: the agent-jobs component (workers.runner kubernetes-job)', () => {
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  let yaml: string;
  let objs: KubeObject[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-agent-jobs-'));
    sandbox = await startSandbox({
      stateYaml: await readFile(SCENARIO, 'utf8'),
      tickMs: 50,
      kubeconfigPath: join(dir, 'kubeconfig'),
    });
    env = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
    const rendered = kubectl(['kustomize', OVERLAY], {});
    if (rendered.code !== 0) throw new Error(rendered.out);
    yaml = rendered.out;
    objs = parseAllDocuments(yaml).map((d) => d.toJS() as KubeObject);
  });
  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('renders with the base, and the API server accepts every object (server-side dry-run, no warning)', async () => {
    const namespaces = find(objs, 'Namespace');
    expect(namespaces.map((n) => n.metadata.name).sort()).toEqual(['clusterclaw', 'clusterclaw-agents']);
    await writeFile(join(dir, 'ns.yaml'), namespaces.map((n) => stringify(n)).join('---\n'));
    const ns = await kubectlAsync(['apply', '--server-side', '-f', join(dir, 'ns.yaml')], env);
    expect(ns.code, ns.out).toBe(0);
    await writeFile(join(dir, 'all.yaml'), yaml);
    const dry = await kubectlAsync(['apply', '--server-side', '--dry-run=server', '-f', join(dir, 'all.yaml')], env);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).not.toContain('Warning');
    expect(dry.out).toContain(
      'role.rbac.authorization.k8s.io/clusterclaw-agent-jobs serverside-applied (server dry run)',
    );
  });

  it("grants ClusterClaw only its agent Jobs, their pods and logs, in the agents' namespace", () => {
    const [role] = find(objs, 'Role', 'clusterclaw-agent-jobs');
    expect(role.metadata.namespace).toBe('clusterclaw-agents');
    const verbs = role.rules.flatMap((r: { resources: string[]; verbs: string[] }) =>
      r.resources.flatMap((res) => r.verbs.map((v) => `${v} ${res}`)),
    );
    expect(verbs.sort()).toEqual(
      [
        'create jobs',
        'delete jobs',
        'get jobs',
        'get jobs/status',
        'get pods',
        'get pods/log',
        'list jobs',
        'list pods',
        'list pods/log',
      ].sort(),
    );
    const [binding] = find(objs, 'RoleBinding', 'clusterclaw-agent-jobs');
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'clusterclaw', namespace: 'clusterclaw' }]);
    // No cluster-wide grant comes with it: the base's read ClusterRole stays the only one bound.
    expect(find(objs, 'ClusterRoleBinding').map((b) => b.roleRef.name)).toEqual(['clusterclaw-read']);
  });

  it("the Job ClusterClaw builds meets the namespace's restricted profile, and its pods get only the gateway and DNS", () => {
    const config = loadConfig({ CLAW_CONFIG: join(ROOT, 'claw.example.yaml'), POD_IP: '10.0.0.7' }, ROOT);
    expect(config.workers.job).toBeUndefined();
    const job = agentJobSpec({
      name: 'claw-agent-x-1-1',
      job: {
        namespace: 'clusterclaw-agents',
        image: 'ghcr.io/clusterclaw/clusterclaw:0.1.0',
        gatewayUrl: 'http://10.0.0.7:8788',
        gatewayHost: '0.0.0.0',
        gatewayPort: 8788,
        cpu: '1',
        memory: '2Gi',
      },
      runId: 'run_1',
      agent: 'codex:gpt-5.4',
      gateway: 'http://10.0.0.7:8788',
      token: 'claw-job-x',
      deadlineSeconds: 900,
    }) as unknown as KubeObject;
    expect(podSecurityViolations(podSpecOf(job)!, 'restricted')).toEqual([]);
    const pod = (job as any).spec.template;
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    const [np] = find(objs, 'NetworkPolicy', 'clusterclaw-agent');
    const selects = Object.entries(np.spec.podSelector.matchLabels).every(([k, v]) => pod.metadata.labels[k] === v);
    expect(selects).toBe(true);
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress).toEqual([]);
    const ports = np.spec.egress.flatMap((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port));
    expect(new Set(ports)).toEqual(new Set([53, 5353, 8788]));
    // No ipBlock: nothing outside the cluster (no Git host, no model API, no Internet).
    expect(JSON.stringify(np.spec.egress)).not.toContain('ipBlock');
  });

  it("opens the ClusterClaw pods' gateway to agent pods alone, and tells each replica its own address", () => {
    const [np] = find(objs, 'NetworkPolicy', 'clusterclaw');
    const gateway = np.spec.ingress.find((r: { ports: { port: number }[] }) => r.ports.some((p) => p.port === 8788));
    expect(gateway.from).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'clusterclaw-agents' } },
        podSelector: { matchLabels: { 'clusterclaw.io/agent-job': 'true' } },
      },
    ]);
    const [claw] = find(objs, 'Deployment', 'clusterclaw')[0]!.spec.template.spec.containers;
    expect(claw.ports).toContainEqual({ name: 'agent-gateway', containerPort: 8788, protocol: 'TCP' });
    expect(claw.env).toContainEqual({ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } });
  });
});
