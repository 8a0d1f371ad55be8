import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { impersonationRbac } from '../../src/cli/commands/rbac.ts';
import { loadConfig } from '../../src/config/config.ts';
import type { KubeObject } from '../../src/lib/kube-object.ts';
import { podSecurityViolations, podSpecOf } from '../../src/lib/pod-security.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { KUBECTL, kubectl, kubectlAsync } from '../helpers/kubectl.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const SCENARIO = join(ROOT, 'scenarios', 'crash-loop-bad-release', 'cluster.yaml');
const ROUTE_CRD = join(ROOT, 'test', 'fixtures', 'openshift-route-crd.yaml');
const TARGETS = ['base', 'overlays/openshift', 'overlays/in-cluster-postgres'] as const;
/** Egress the claw pods may have: DNS (53, OpenShift's 5353), HTTPS and the API server, PostgreSQL. */
const EGRESS_PORTS = new Set([53, 5353, 443, 6443, 5432]);

function render(target: string): { yaml: string; objects: KubeObject[] } {
  const { code, out } = kubectl(['kustomize', join(ROOT, 'manifests', target)], {});
  if (code !== 0) throw new Error(`kubectl kustomize manifests/${target} failed: ${out}`);
  return { yaml: out, objects: parseAllDocuments(out).map((d) => d.toJS() as KubeObject) };
}

const find = (objs: KubeObject[], kind: string, name?: string): any[] =>
  objs.filter((o) => o.kind === kind && (!name || o.metadata.name === name));
const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe.skipIf(!KUBECTL)('manifests: kustomize renders, and the API server accepts every object', () => {
  let sandbox: Sandbox;
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-manifests-'));
    const state = `${await readFile(SCENARIO, 'utf8')}\n---\n${await readFile(ROUTE_CRD, 'utf8')}`;
    sandbox = await startSandbox({ stateYaml: state, tickMs: 50, kubeconfigPath: join(dir, 'kubeconfig') });
    env = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
  });
  afterAll(async () => {
    await sandbox?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(TARGETS)('%s passes a server-side dry-run with no Pod Security warning', async (target) => {
    const { yaml, objects } = render(target);
    const file = join(dir, `${target.replace('/', '-')}.yaml`);
    await writeFile(file, yaml);
    // The namespace first, for real (as `kubectl apply` of a fresh install needs): a dry-run
    // creates nothing, and the API server refuses objects in a namespace that does not exist.
    await writeFile(`${file}.ns`, yaml.split('\n---\n')[0]!);
    const ns = await kubectlAsync(['apply', '--server-side', '-f', `${file}.ns`], env);
    expect(ns.code, ns.out).toBe(0);
    const writesBefore = sandbox.journal.filter((j) => j.method !== 'GET' && !j.dryRun).length;
    const dry = await kubectlAsync(['apply', '--server-side', '--dry-run=server', '-f', file], env);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).not.toContain('Warning');
    for (const o of objects) expect(dry.out).toContain(`/${o.metadata.name} serverside-applied (server dry run)`);
    expect(sandbox.journal.filter((j) => j.method !== 'GET' && !j.dryRun).length).toBe(writesBefore);
  });

  it('a pod template breaking the restricted profile would be caught by the same dry-run', async () => {
    const { yaml } = render('base');
    const loose = yaml
      .replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true')
      .replace(/runAsNonRoot: true/, 'runAsNonRoot: false');
    const file = join(dir, 'loose.yaml');
    await writeFile(file, loose);
    const dry = await kubectlAsync(['apply', '--server-side', '--dry-run=server', '-f', file], env);
    expect(dry.out).toMatch(
      /Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "claw"[^)]*\), runAsNonRoot != true/,
    );
    // A bare Pod is refused outright in a namespace enforcing the profile.
    const pod = await kubectlAsync(['run', 'shell', '-n', 'clusterclaw', '--image=busybox', '--dry-run=server'], env);
    expect(pod.code).not.toBe(0);
    expect(pod.out).toContain('pods "shell" is forbidden: violates PodSecurity "restricted:latest"');
  });
});

describe.skipIf(!KUBECTL)('manifests: what the rendered objects promise', () => {
  const rendered = Object.fromEntries(TARGETS.map((t) => [t, render(t).objects])) as Record<
    (typeof TARGETS)[number],
    KubeObject[]
  >;

  it.each(TARGETS)(
    '%s: two replicas spread over nodes, probes on /healthz and /readyz, a PDB and a Service that select them',
    (target) => {
      const objs = rendered[target];
      const [deploy] = find(objs, 'Deployment', 'clusterclaw');
      expect(deploy?.spec.replicas).toBe(2);
      const pod = deploy!.spec.template;
      expect(matches(deploy!.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
      expect(pod.spec.topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey)).toContain(
        'kubernetes.io/hostname',
      );
      const [claw] = pod.spec.containers;
      expect(claw.livenessProbe.httpGet.path).toBe('/healthz');
      expect(claw.readinessProbe.httpGet.path).toBe('/readyz');
      expect(claw.resources.requests.memory).toBeTruthy();
      expect(claw.resources.limits.memory).toBeTruthy();
      expect(podSecurityViolations(podSpecOf(deploy!)!, 'restricted')).toEqual([]);
      expect(claw.securityContext.readOnlyRootFilesystem).toBe(true);
      const [pdb] = find(objs, 'PodDisruptionBudget');
      expect(matches(pdb!.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
      expect(pdb!.spec.minAvailable).toBeLessThan(deploy!.spec.replicas);
      const [svc] = find(objs, 'Service', 'clusterclaw');
      expect(matches(svc!.spec.selector, pod.metadata.labels)).toBe(true);
      // The generated ConfigMap (hash-suffixed) is the one the pods mount.
      const [cm] = find(objs, 'ConfigMap');
      expect(pod.spec.volumes.find((v: { configMap?: { name: string } }) => v.configMap)?.configMap.name).toBe(
        cm!.metadata.name,
      );
      expect(cm!.data['claw.yaml']).toContain('approvers');
    },
  );

  it.each(TARGETS)(
    '%s: reads everywhere but no Secrets, writes only through per-namespace bindings, no Secret shipped',
    (target) => {
      const objs = rendered[target];
      const [read] = find(objs, 'ClusterRole', 'clusterclaw-read');
      for (const rule of read!.rules) {
        expect(rule.resources).not.toContain('secrets');
        if (!rule.resources.includes('subjectaccessreviews'))
          expect(rule.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v))).toBe(true);
      }
      const clusterBound = find(objs, 'ClusterRoleBinding').map((b) => b.roleRef.name);
      expect(clusterBound).toEqual(['clusterclaw-read']);
      for (const b of find(objs, 'RoleBinding')) {
        expect(b.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'clusterclaw-write' });
        expect(b.metadata.namespace).not.toBe('clusterclaw');
      }
      expect(find(objs, 'Secret')).toEqual([]);
    },
  );

  it.each(TARGETS)(
    '%s: the NetworkPolicy denies by default and opens only DNS, HTTPS, the API server and PostgreSQL',
    (target) => {
      const [np] = find(rendered[target], 'NetworkPolicy', 'clusterclaw');
      expect(np!.spec.policyTypes).toEqual(['Ingress', 'Egress']);
      const ports = np!.spec.egress.flatMap((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port));
      expect(ports.length).toBeGreaterThan(0);
      for (const p of ports) expect(EGRESS_PORTS.has(p)).toBe(true);
      expect(np!.spec.ingress.flatMap((r: { ports: { port: number }[] }) => r.ports.map((p) => p.port))).toEqual([
        3000,
      ]);
    },
  );

  it('openshift: no fixed UIDs (restricted-v2 assigns them), a Route with edge TLS to the Service', () => {
    const objs = rendered['overlays/openshift'];
    const sc = find(objs, 'Deployment')[0]!.spec.template.spec.securityContext;
    expect(sc).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const routes = find(objs, 'Route');
    for (const route of routes)
      expect(route.spec).toMatchObject({ to: { kind: 'Service', name: 'clusterclaw' }, tls: { termination: 'edge' } });
    // Only Slack's and Alertmanager's paths are exposed: never /metrics, /healthz or /readyz.
    expect(routes.map((r) => r.spec.path).sort()).toEqual(['/slack', '/webhooks']);
  });

  it.each(TARGETS)(
    '%s: no kubelet API access (nodes/proxy) in the base; it is an opt-in component that says what it risks',
    async (target) => {
      const rules = find(rendered[target], 'ClusterRole', 'clusterclaw-read')[0]!.rules as { resources: string[] }[];
      expect(rules.flatMap((r) => r.resources).filter((r) => r.startsWith('nodes/'))).toEqual([]);
      const component = await readFile(
        join(ROOT, 'manifests', 'components', 'kubelet-stats', 'kustomization.yaml'),
        'utf8',
      );
      expect(component).toMatch(/RISK: `get nodes\/proxy` is access to the kubelet's API/);
    },
  );

  it('the impersonate-approvers component names exactly the identities of claw.example.yaml, as `claw rbac impersonation` generates it', async () => {
    const file = await readFile(
      join(ROOT, 'manifests', 'components', 'impersonate-approvers', 'impersonate-approvers.yaml'),
      'utf8',
    );
    const generated = impersonationRbac(
      loadConfig({ CLAW_CONFIG: join(ROOT, 'claw.example.yaml') }, ROOT).approvals.identities,
    );
    expect(file).toBe(generated);
    const role = parseAllDocuments(file)
      .map((d) => d.toJS())
      .find((o) => o.kind === 'ClusterRole');
    for (const rule of role.rules) expect(rule.resourceNames?.length).toBeGreaterThan(0);
    expect(JSON.stringify(role)).not.toContain('system:masters');
  });

  it('in-cluster-postgres: the claw pods get a DATABASE_URL for the in-namespace database, reachable on 5432 only from them', () => {
    const objs = rendered['overlays/in-cluster-postgres'];
    const env = find(objs, 'Deployment')[0]!.spec.template.spec.containers[0].env as { name: string; value?: string }[];
    const names = env.map((e) => e.name);
    // $(POSTGRES_PASSWORD) expands only when defined earlier in the list.
    expect(names.indexOf('POSTGRES_PASSWORD')).toBeLessThan(names.indexOf('DATABASE_URL'));
    const [svc] = find(objs, 'Service', 'clusterclaw-postgres');
    expect(env.find((e) => e.name === 'DATABASE_URL')?.value).toContain(`@${svc!.metadata.name}:5432/`);
    const [sts] = find(objs, 'StatefulSet');
    expect(podSecurityViolations(podSpecOf(sts!)!, 'restricted')).toEqual([]);
    const [np] = find(objs, 'NetworkPolicy', 'clusterclaw-postgres');
    expect(np!.spec.ingress[0].from[0].podSelector.matchLabels['app.kubernetes.io/component']).toBe('server');
  });

  it('the claw.yaml the ConfigMap ships is one claw serve accepts', async () => {
    const dir = join(ROOT, 'manifests', 'base');
    const config = loadConfig({ CLAW_CONFIG: join(dir, 'claw.yaml') }, dir);
    expect(config.slack.alertChannel).toBeTruthy();
    // Within the pod's grace period, with room for the Slack flushes after it.
    const deploy = find(rendered.base, 'Deployment', 'clusterclaw')[0]!;
    expect(config.runs.shutdownSeconds + 10).toBeLessThanOrEqual(
      deploy.spec.template.spec.terminationGracePeriodSeconds,
    );
  });

  it('the Secret template lists only variables .env.example documents, with no values', async () => {
    const template = parseAllDocuments(
      await readFile(join(ROOT, 'manifests', 'base', 'secret.template.yaml'), 'utf8'),
    )[0]!.toJS();
    const documented = new Set(
      [...(await readFile(join(ROOT, '.env.example'), 'utf8')).matchAll(/^([A-Z_]+)=/gm)].map((m) => m[1]),
    );
    for (const [k, v] of Object.entries(template.stringData)) {
      expect(documented.has(k), k).toBe(true);
      expect(v).toBe('');
    }
  });
});
