import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';
import { waitFor } from '../helpers/wait-for.ts';

const NODES = join(import.meta.dirname, '..', 'fixtures', 'upgrades', 'nodes.yaml');
const SOLO = `
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: solo, namespace: shop, labels: { app: solo } }
spec:
  replicas: 1
  selector: { matchLabels: { app: solo } }
  template:
    metadata: { labels: { app: solo } }
    spec:
      nodeSelector: { kubernetes.io/hostname: node-c }
      containers: [{ name: solo, image: nginx:1.27 }]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: solo, namespace: shop }
spec:
  minAvailable: 1
  selector: { matchLabels: { app: solo } }
`;

describe('a node maintenance plan at the executor: step by step, stopping at the first failure with the way back', () => {
  let sandbox: Sandbox;
  let t: TestDb;
  const config = testConfig(['U0A', 'U0B']);
  beforeAll(async () => {
    t = await openTestDb('pglite');
    sandbox = await startSandbox({ stateYaml: (await readFile(NODES, 'utf8')) + SOLO, tickMs: 50 });
    await waitFor('solo running on node-c', () =>
      sandbox.state.store
        .list(T.pod, 'shop')
        .find((p) => p.metadata.labels?.app === 'solo' && p.status?.phase === 'Running'),
    );
  });
  afterAll(async () => {
    await sandbox?.stop();
    await t?.close();
  });
  beforeEach(() => t.truncate());
  const approveAndRun = async (id: string, said: string[]) => {
    for (const actor of ['U0A', 'U0B'])
      await decide({ db: t.db, config }, { proposalId: id, actor, decision: 'approve' });
    return executeProposal(
      { db: t.db, config, kubeConfigFor: () => kubeConfigOf(sandbox), pollMs: 200, progress: (m) => said.push(m) },
      id,
      'test',
    );
  };

  it('stops at a drain a PodDisruptionBudget keeps refusing, leaves the node cordoned and says how to put it back', async () => {
    const { proposal } = await makeProposal(t.db, sandbox, config, 'node_maintenance', {
      nodes: ['node-c'],
      drainTimeoutSeconds: 10,
    });
    expect(proposal.rationale).toMatch(/WILL STOP at PodDisruptionBudget shop\/solo \(0 disruptions allowed\)/);
    const said: string[] = [];
    const r = await approveAndRun(proposal.id, said);
    expect(r).toMatchObject({ executed: true, outcome: { applied: true, verified: false } });
    const message = (r as { outcome: { message: string } }).outcome.message;
    expect(message).toMatch(
      /^stopped at 1\/1 node-c, drain: the drain did not finish in 10s: PodDisruptionBudgets still refuse shop\/solo-/,
    );
    expect(message).toMatch(/The way back: kubectl uncordon node-c puts it back in service/);
    expect(said.some((m) => /^1\/1 node-c: drain waiting: shop\/solo-.*disruption budget/.test(m))).toBe(true);
    expect(sandbox.state.store.get(T.node, undefined, 'node-c')!.spec?.unschedulable).toBe(true);
    const n = sandbox.state.store.get(T.node, undefined, 'node-c')!;
    sandbox.state.store.update(T.node, { ...n, spec: { ...n.spec, unschedulable: false } });
  }, 60_000);

  it('refuses to start when a node changed after the plan was proposed', async () => {
    const { proposal } = await makeProposal(t.db, sandbox, config, 'node_maintenance', {
      nodes: ['node-c'],
      labels: { pool: 'blue' },
    });
    const n = sandbox.state.store.get(T.node, undefined, 'node-c')!;
    sandbox.state.store.update(T.node, {
      ...n,
      metadata: { ...n.metadata, labels: { ...n.metadata.labels, team: 'x' } },
    });
    const r = await approveAndRun(proposal.id, []);
    expect(r).toMatchObject({ executed: true, outcome: { applied: false, stale: true } });
    expect(sandbox.state.store.get(T.node, undefined, 'node-c')!.spec?.unschedulable).toBeFalsy();
  });

  it('refuses a plan that would leave no schedulable node, and a node named twice', async () => {
    await expect(
      makeProposal(t.db, sandbox, config, 'node_maintenance', { nodes: ['node-a', 'node-b', 'node-c'] }),
    ).rejects.toThrow(/no other schedulable node would take the drained pods/);
    await expect(
      makeProposal(t.db, sandbox, config, 'node_maintenance', { nodes: ['node-a', 'node-a'] }),
    ).rejects.toThrow('a node appears twice in the plan');
  });
});
