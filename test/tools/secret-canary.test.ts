import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { secretValues } from '../../src/cluster/secret-values.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import type { ReadTool, ToolContext } from '../../src/tools/define-tool.ts';
import { TOOLS } from '../../src/tools/registry.ts';
import { renderForModel, runReadTool } from '../../src/tools/run-read-tool.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';
import { waitFor } from '../helpers/wait-for.ts';

// A value that looks like nothing in particular: only knowing it is a Secret's value can hide it.
const CANARY = 'zq7-canary-Lp9vXw2';
const B64 = Buffer.from(CANARY).toString('base64');

const STATE = `
apiVersion: v1
kind: Secret
metadata: { name: billing-credentials, namespace: billing }
type: Opaque
data: { api-key: ${B64}, username: ${Buffer.from('billing').toString('base64')} }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: billing-config, namespace: billing }
data: { MODE: live }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: invoicer, namespace: billing }
spec:
  replicas: 1
  selector: { matchLabels: { app: invoicer } }
  template:
    metadata: { labels: { app: invoicer } }
    spec:
      volumes: [{ name: creds, secret: { secretName: billing-credentials } }]
      containers:
        - name: invoicer
          image: registry.example.com/billing/invoicer:2.0
          env:
            - { name: API_TOKEN, value: ${CANARY} }
            - { name: KEY, valueFrom: { secretKeyRef: { name: billing-credentials, key: api-key } } }
          envFrom: [{ secretRef: { name: billing-credentials } }]
---
apiVersion: v1
kind: Service
metadata: { name: invoicer, namespace: billing, annotations: { note: "rotated key ${CANARY}" } }
spec: { selector: { app: invoicer }, ports: [{ port: 80 }] }
---
apiVersion: v1
kind: Event
metadata: { name: invoicer.canary, namespace: billing }
involvedObject: { kind: Deployment, name: invoicer, namespace: billing }
type: Warning
reason: AuthFailed
message: "upstream rejected key ${CANARY}"
count: 1
---
apiVersion: sandbox.clusterclaw.dev/v1alpha1
kind: SandboxCRDs
sets: [argocd]
---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: { name: invoicer, namespace: argocd }
spec:
  source: { repoURL: "file:///nonexistent/billing.git", path: deploy, targetRevision: main }
  destination: { namespace: billing }
status:
  sync: { status: OutOfSync, revision: 0123456789abcdef0123456789abcdef01234567 }
  health: { status: Degraded }
  conditions:
    - type: SyncError
      message: "one or more objects failed to apply, reason: Secret billing-credentials: api-key ${CANARY} rejected"
---
apiVersion: sandbox.clusterclaw.dev/v1alpha1
kind: SandboxImage
image: registry.example.com/billing/invoicer:2.0
behaviour:
  exitCode: 1
  startSeconds: 1
  logs: |
    loaded key ${CANARY} from /etc/creds
    fatal: upstream returned 401
`;

/** An input for every read tool, so adding a tool without covering it here fails the test. */
const INPUTS: Record<string, (pod: string) => Record<string, unknown>> = {
  find_problems: () => ({ namespace: 'billing' }),
  list_pods: () => ({ namespace: 'billing' }),
  get_pod: (pod) => ({ namespace: 'billing', name: pod }),
  list_workloads: () => ({ namespace: 'billing' }),
  get_workload: () => ({ namespace: 'billing', kind: 'Deployment', name: 'invoicer' }),
  rollout_history: () => ({ namespace: 'billing', deployment: 'invoicer' }),
  pod_logs: (pod) => ({ namespace: 'billing', name: pod, previous: true }),
  object_events: () => ({ namespace: 'billing', kind: 'Deployment', name: 'invoicer' }),
  warning_events: () => ({ namespace: 'billing' }),
  list_nodes: () => ({}),
  list_services: () => ({ namespace: 'billing' }),
  list_ingresses: () => ({ namespace: 'billing' }),
  list_network_policies: () => ({ namespace: 'billing' }),
  list_storage: () => ({ namespace: 'billing' }),
  list_config: () => ({ namespace: 'billing' }),
  can_i: () => ({
    user: 'system:serviceaccount:billing:default',
    verb: 'get',
    resource: 'secrets',
    namespace: 'billing',
  }),
  who_can: () => ({ verb: 'get', resource: 'secrets', namespace: 'billing' }),
  list_hpas: () => ({ namespace: 'billing' }),
  list_namespaces: () => ({ namespace: 'billing' }),
  resource_usage: () => ({ namespace: 'billing' }),
  gitops_status: () => ({ kind: 'Application', namespace: 'argocd', name: 'invoicer' }),
  security_posture: () => ({ namespace: 'billing' }),
  backup_status: () => ({ namespace: 'billing' }),
  upgrade_status: () => ({}),
  network_reach: (pod) => ({ namespace: 'billing', pod }),
  check_manifests: () => ({
    manifest: 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: flags }\ndata: { mode: fast }\n',
  }),
  generate_manifests: () => ({
    namespace: 'billing',
    request: 'invoicer from registry.example.com/billing/invoicer:2.1 on port 8080',
  }),
};

const CLUSTER_WIDE = new Set(['upgrade_status']);

describe('a planted Secret value never leaves through any tool', () => {
  let sandbox: Sandbox;
  let ctx: ToolContext;
  let t: TestDb;
  beforeAll(async () => {
    sandbox = await startSandbox({ stateYaml: STATE, tickMs: 50, warmupSeconds: 30 });
    const reader = new KubeReader(kubeConfigOf(sandbox));
    ctx = { reader, namespace: 'billing', now: () => new Date(), secretValues: () => secretValues(reader, 'billing') };
    t = await openTestDb('pglite');
  });
  afterAll(async () => {
    await sandbox.stop();
    await t.close();
  });

  it('covers every read tool and none of them outputs the value, raw or base64', async () => {
    const reads = TOOLS.filter((x): x is ReadTool => x.effect === 'read');
    expect(reads.map((x) => x.name).sort()).toEqual(Object.keys(INPUTS).sort());
    const pod = await waitFor(
      'the crashed pod',
      () =>
        sandbox.state.store.list(T.pod, 'billing').find((p) => p.status?.containerStatuses?.[0]?.lastState?.terminated)
          ?.metadata.name,
    );
    for (const tool of reads) {
      // An upgrade's status is cluster-wide: it refuses a namespaced task, so it is asked without one.
      const scope = CLUSTER_WIDE.has(tool.name) ? { ...ctx, namespace: undefined } : ctx;
      const out = await runReadTool(tool, scope, INPUTS[tool.name]!(pod));
      const text = renderForModel(out);
      expect(text, tool.name).not.toContain(CANARY);
      expect(text, tool.name).not.toContain(B64);
      expect(text.length, tool.name).toBeGreaterThan(60);
    }
    const logs = renderForModel(
      await runReadTool(reads.find((x) => x.name === 'pod_logs')!, ctx, INPUTS.pod_logs!(pod)),
    );
    expect(logs).toContain('loaded key [redacted secret value] from /etc/creds');
    expect(logs).toContain('fatal: upstream returned 401');
    const config = await runReadTool(reads.find((x) => x.name === 'list_config')!, ctx, INPUTS.list_config!(pod));
    expect(config.data).toMatchObject({
      secrets: [{ name: 'billing-credentials', type: 'Opaque', keys: ['api-key', 'username'] }],
    });
  });

  it('marks tool output as untrusted data for a model', async () => {
    const out = renderForModel(
      await runReadTool(TOOLS.find((x) => x.name === 'list_services') as ReadTool, ctx, { namespace: 'billing' }),
    );
    expect(out).toMatch(/^<cluster-data tool="list_services" cluster="[^"]+" trust="untrusted">\n/);
    expect(out.endsWith('\n</cluster-data>')).toBe(true);
  });

  it('keeps the value out of a proposal diff, even when it sits in a pod template as a literal', async () => {
    const { proposal } = await makeProposal(t.db, sandbox, testConfig(['U0APPROVER1']), 'set_image', {
      namespace: 'billing',
      name: 'invoicer',
      image: 'registry.example.com/billing/invoicer:2.1',
    });
    expect(proposal.diff).toContain('+          image: registry.example.com/billing/invoicer:2.1');
    expect(proposal.diff).not.toContain(CANARY);
    expect(JSON.stringify(proposal)).not.toContain(B64);
  });
});
