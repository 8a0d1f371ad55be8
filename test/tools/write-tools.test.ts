import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { ProposalRefused } from '../../src/domain/errors.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';
import { waitFor } from '../helpers/wait-for.ts';

const STATE = `
apiVersion: v1
kind: Node
metadata: { name: node-a, labels: { kubernetes.io/hostname: node-a } }
status: { allocatable: { cpu: "4", memory: 8Gi, pods: "110" }, conditions: [{ type: Ready, status: "True" }] }
---
apiVersion: v1
kind: Node
metadata: { name: node-b, labels: { kubernetes.io/hostname: node-b } }
status: { allocatable: { cpu: "4", memory: 8Gi, pods: "110" }, conditions: [{ type: Ready, status: "True" }] }
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: { name: standard }
provisioner: ebs.csi.aws.com
allowVolumeExpansion: true
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: { name: data, namespace: shop }
spec: { storageClassName: standard, accessModes: [ReadWriteOnce], resources: { requests: { storage: 10Gi } } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: cart, namespace: shop }
spec:
  replicas: 2
  selector: { matchLabels: { app: cart } }
  template:
    metadata: { labels: { app: cart } }
    spec: { containers: [{ name: cart, image: registry.example.com/shop/cart:1, resources: { limits: { memory: 128Mi } } }] }
---
apiVersion: v1
kind: Service
metadata: { name: cart, namespace: shop }
spec: { selector: { app: kart }, ports: [{ port: 80, targetPort: 8080 }] }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: cart, namespace: shop }
spec: { maxUnavailable: 1, selector: { matchLabels: { app: cart } } }
---
apiVersion: sandbox.clusterclaw.dev/v1alpha1
kind: SandboxImage
image: registry.example.com/shop/cart:1
behaviour: { memoryMi: 200, logs: "starting cart\\n" }
`;

describe('the write vocabulary: plan → dry-run proposal → approval → the executor → verified', () => {
  let t: TestDb;
  let sandbox: Sandbox;
  const config = testConfig(['U0APPROVER1', 'U0APPROVER2']);
  const approveAndRun = async (tool: string, input: Record<string, unknown>) => {
    const { proposal } = await makeProposal(t.db, sandbox, config, tool, input);
    // High-risk changes (patch, drain) need a second, distinct approver by default.
    const first = await decide(
      { db: t.db, config },
      { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
    );
    expect(first).toMatchObject({ ok: true, outcome: proposal.risk === 'high' ? 'needs_more' : 'approved' });
    if (proposal.risk === 'high')
      expect(
        await decide({ db: t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER2', decision: 'approve' }),
      ).toMatchObject({ ok: true, outcome: 'approved' });
    const result = await executeProposal(
      { db: t.db, config, kubeConfigFor: () => kubeConfigOf(sandbox), verifyTimeoutMs: 20_000, pollMs: 100 },
      proposal.id,
      'test',
    );
    return { proposal, result };
  };
  const pods = (app: string) => sandbox.state.store.list(T.pod, 'shop').filter((p) => p.metadata.labels?.app === app);

  beforeAll(async () => {
    t = await openTestDb('pglite');
    sandbox = await startSandbox({ stateYaml: STATE, tickMs: 50 });
    await waitFor(
      'two OOMKilled cart pods',
      () =>
        pods('cart').length === 2 && pods('cart').every((p) => p.status?.containerStatuses?.[0]?.lastState?.terminated),
    );
  });
  afterAll(async () => {
    await sandbox.stop();
    await t.close();
  });
  beforeEach(() => t.truncate());

  it('set_resources raises the memory limit so the OOMKilled pods recover', async () => {
    const { proposal, result } = await approveAndRun('set_resources', {
      namespace: 'shop',
      name: 'cart',
      limits: { memory: '512Mi' },
    });
    expect(proposal.diff).toContain('-              memory: 128Mi');
    expect(proposal.diff).toContain('+              memory: 512Mi');
    expect(proposal.risk).toBe('medium');
    expect((proposal.blast_radius as { rollback: string }).rollback).toContain('--limits=memory=128Mi');
    // The undo as a vocabulary call sets back what the change set.
    expect((proposal.blast_radius as { undo: unknown }).undo).toEqual({
      tool: 'set_resources',
      input: { namespace: 'shop', kind: 'Deployment', name: 'cart', container: 'cart', limits: { memory: '128Mi' } },
    });
    expect(result).toMatchObject({ executed: true, outcome: { applied: true, verified: true } });
    expect(pods('cart').every((p) => p.status.containerStatuses[0].ready)).toBe(true);
  });

  it('scale goes through the scale subresource and verifies the rollout', async () => {
    const { proposal, result } = await approveAndRun('scale', { namespace: 'shop', name: 'cart', replicas: 3 });
    expect(proposal.diff).toContain('+  replicas: 3');
    expect(result).toMatchObject({ executed: true, outcome: { verified: true } });
    expect(
      sandbox.journal.some((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/cart/scale') && !r.dryRun),
    ).toBe(true);
    // Its undo is an ordinary proposal that puts the count back.
    const undo = (proposal.blast_radius as { undo: { tool: string; input: Record<string, unknown> } }).undo;
    expect(undo).toEqual({
      tool: 'scale',
      input: { namespace: 'shop', kind: 'Deployment', name: 'cart', replicas: 2 },
    });
    expect((await approveAndRun(undo.tool, undo.input)).result).toMatchObject({
      executed: true,
      outcome: { verified: true },
    });
    expect(sandbox.state.store.mustGet(T.deployment, 'shop', 'cart').spec.replicas).toBe(2);
    await approveAndRun('scale', { namespace: 'shop', name: 'cart', replicas: 3 });
  });

  it('offers no undo where a merge patch cannot restore the old state (a limit that was unset)', async () => {
    const { proposal } = await makeProposal(t.db, sandbox, config, 'set_resources', {
      namespace: 'shop',
      name: 'cart',
      limits: { cpu: '500m' },
    });
    expect((proposal.blast_radius as { undo?: unknown }).undo).toBeUndefined();
  });

  it('patch fixes a Service selector and verifies it has endpoints', async () => {
    const { result } = await approveAndRun('patch', {
      apiVersion: 'v1',
      kind: 'Service',
      namespace: 'shop',
      name: 'cart',
      patch: { spec: { selector: { app: 'cart' } } },
    });
    expect(result).toMatchObject({ executed: true, outcome: { verified: true } });
    expect((result as { outcome: { message: string } }).outcome.message).toMatch(/has [1-9]\d* ready endpoint/);
  });

  it('delete_pod deletes exactly the pod that was approved (uid precondition) and sees it replaced', async () => {
    const victim = pods('cart')[0]!;
    const { result } = await approveAndRun('delete_pod', { namespace: 'shop', name: victim.metadata.name });
    expect(result).toMatchObject({ executed: true, outcome: { verified: true } });
    expect(sandbox.state.store.get(T.pod, 'shop', victim.metadata.name)).toBeUndefined();
  });

  it('cordon, then uncordon, a node', async () => {
    expect((await approveAndRun('cordon', { node: 'node-b' })).result).toMatchObject({
      executed: true,
      outcome: { verified: true },
    });
    expect(sandbox.state.store.mustGet(T.node, undefined, 'node-b').spec.unschedulable).toBe(true);
    expect((await approveAndRun('uncordon', { node: 'node-b' })).result).toMatchObject({
      executed: true,
      outcome: { verified: true },
    });
    expect(sandbox.state.store.mustGet(T.node, undefined, 'node-b').spec.unschedulable).toBeFalsy();
  });

  it('drain cordons and evicts through the Eviction API; a budget with no room refuses the proposal at dry-run', async () => {
    await waitFor(
      'three ready cart pods',
      () =>
        pods('cart').filter((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'))
          .length === 3,
    );
    const node = pods('cart')[0]!.spec.nodeName as string;
    const pdb = sandbox.state.store.mustGet(T.pdb, 'shop', 'cart');
    sandbox.state.store.update(T.pdb, { ...pdb, spec: { ...pdb.spec, maxUnavailable: 0 } });
    await waitFor(
      'a budget with no room',
      () => sandbox.state.store.mustGet(T.pdb, 'shop', 'cart').status.disruptionsAllowed === 0,
    );
    await expect(makeProposal(t.db, sandbox, config, 'drain', { node })).rejects.toThrow(ProposalRefused);
    await expect(makeProposal(t.db, sandbox, config, 'drain', { node })).rejects.toThrow(/disruption budget/);
    sandbox.state.store.update(T.pdb, {
      ...sandbox.state.store.mustGet(T.pdb, 'shop', 'cart'),
      spec: { ...pdb.spec, maxUnavailable: 3 },
    });
    await waitFor(
      'a budget with room',
      () => sandbox.state.store.mustGet(T.pdb, 'shop', 'cart').status.disruptionsAllowed > 0,
    );
    const { proposal, result } = await approveAndRun('drain', { node });
    expect(proposal.risk).toBe('high');
    expect(proposal.diff).toContain('# then EVICT Pod shop/');
    expect(result).toMatchObject({ executed: true, outcome: { verified: true } });
    expect(sandbox.journal.some((r) => r.method === 'POST' && r.path.endsWith('/eviction') && !r.dryRun)).toBe(true);
    await waitFor(
      'cart pods rescheduled off the drained node',
      () => pods('cart').length === 3 && pods('cart').every((p) => p.spec.nodeName && p.spec.nodeName !== node),
    );
    await approveAndRun('uncordon', { node });
  });

  it('expand_pvc grows a bound claim; shrinking is refused before any proposal', async () => {
    await waitFor(
      'the claim bound',
      () => sandbox.state.store.mustGet(T.pvc, 'shop', 'data').status?.phase === 'Bound',
    );
    const { result } = await approveAndRun('expand_pvc', { namespace: 'shop', name: 'data', size: '20Gi' });
    expect(result).toMatchObject({
      executed: true,
      outcome: { verified: true, message: 'claim shop/data capacity is 20Gi' },
    });
    await expect(
      makeProposal(t.db, sandbox, config, 'expand_pvc', { namespace: 'shop', name: 'data', size: '5Gi' }),
    ).rejects.toThrow(/can only grow/);
  });

  it('apply_manifest creates an object by server-side apply, and refuses Secrets', async () => {
    const manifest =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cart-flags, namespace: shop }\ndata: { CHECKOUT_V2: "false" }\n';
    const { proposal, result } = await approveAndRun('apply_manifest', { manifest });
    expect(proposal.rationale).toBe('Create ConfigMap shop/cart-flags by server-side apply');
    // The card shows the data it creates, not just spec (a ConfigMap has none).
    expect(proposal.diff).toContain('+  CHECKOUT_V2: "false"');
    expect(result).toMatchObject({ executed: true, outcome: { verified: true } });
    expect(sandbox.state.store.mustGet(T.configMap, 'shop', 'cart-flags').data).toEqual({ CHECKOUT_V2: 'false' });
    const flip = await makeProposal(t.db, sandbox, config, 'apply_manifest', {
      manifest: manifest.replace('"false"', '"true"'),
    });
    expect(flip.proposal.diff).toMatch(/-\s+CHECKOUT_V2: "false"\n\+\s+CHECKOUT_V2: "true"/);
    await expect(
      makeProposal(t.db, sandbox, config, 'apply_manifest', {
        manifest:
          'apiVersion: v1\nkind: Secret\nmetadata: { name: s, namespace: shop }\nstringData: { password: hunter2 }\n',
      }),
    ).rejects.toThrow(/Secrets is not in the vocabulary/);
  });

  it('set_image and rollout_restart work on the same Deployment', async () => {
    const { result } = await approveAndRun('set_image', {
      namespace: 'shop',
      name: 'cart',
      image: 'registry.example.com/shop/cart:2',
    });
    expect(result).toMatchObject({ executed: true, outcome: { verified: true } });
    expect(sandbox.state.store.mustGet(T.deployment, 'shop', 'cart').spec.template.spec.containers[0].image).toBe(
      'registry.example.com/shop/cart:2',
    );
    expect((await approveAndRun('rollout_restart', { namespace: 'shop', name: 'cart' })).result).toMatchObject({
      executed: true,
      outcome: { verified: true },
    });
  });
});
