import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { PlanError } from '../../src/domain/errors.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { setPodSecurity } from '../../src/tools/write/set-pod-security.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';
import { waitFor } from '../helpers/wait-for.ts';

const STATE = `
apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { pod-security.kubernetes.io/enforce: baseline } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec:
  replicas: 1
  selector: { matchLabels: { app: web } }
  template:
    metadata: { labels: { app: web } }
    spec:
      securityContext: { runAsNonRoot: true, seccompProfile: { type: RuntimeDefault } }
      containers:
        - name: web
          image: registry.example.com/shop/web:2
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: [ALL] } }
---
apiVersion: v1
kind: Namespace
metadata: { name: legacy }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: old, namespace: legacy }
spec:
  replicas: 1
  selector: { matchLabels: { app: old } }
  template:
    metadata: { labels: { app: old } }
    spec: { containers: [{ name: old, image: registry.example.com/legacy/old:1 }] }
`;

describe('set_pod_security: a namespace level raised only where running pods already pass it', () => {
  let t: TestDb;
  let sandbox: Sandbox;
  const config = testConfig(['U0APPROVER1']);
  beforeAll(async () => {
    t = await openTestDb('pglite');
    sandbox = await startSandbox({ stateYaml: STATE, tickMs: 50 });
    await waitFor('both pods', () => sandbox.state.store.list(T.pod).length === 2);
  });
  afterAll(async () => {
    await sandbox.stop();
    await t.close();
  });
  const plan = (input: Record<string, unknown>) =>
    setPodSecurity.plan(
      { reader: new KubeReader(kubeConfigOf(sandbox)), now: () => new Date() },
      setPodSecurity.input.parse(input),
    );

  it('refuses to enforce a level a running pod breaks, naming the pod and the checks', async () => {
    const err = await plan({ namespace: 'legacy', level: 'restricted' }).catch((e) => e);
    expect(err).toBeInstanceOf(PlanError);
    expect(err.message).toMatch(
      /1 running pod\(s\) unable to restart: old-[a-z0-9-]+ \(allowPrivilegeEscalation, capabilities_restricted, runAsNonRoot, seccompProfile_restricted\)/,
    );
    // Warning is not enforcing: nothing is refused, and the card says what would be reported.
    expect((await plan({ namespace: 'legacy', level: 'restricted', mode: 'warn' })).summary).toContain(
      '1 running pod(s) would be reported',
    );
  });

  it('raises a namespace whose pods pass: dry-run diff, approval, the label set and verified, new violators refused', async () => {
    const { proposal } = await makeProposal(t.db, sandbox, config, 'set_pod_security', {
      namespace: 'shop',
      level: 'restricted',
    });
    expect(proposal.risk).toBe('medium');
    expect(proposal.diff).toContain('-    pod-security.kubernetes.io/enforce: baseline');
    expect(proposal.diff).toContain('+    pod-security.kubernetes.io/enforce: restricted');
    await decide({ db: t.db, config }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' });
    const result = await executeProposal(
      { db: t.db, config, kubeConfigFor: () => kubeConfigOf(sandbox), verifyTimeoutMs: 10_000, pollMs: 100 },
      proposal.id,
      'test',
    );
    expect(result).toMatchObject({ executed: true, outcome: { applied: true, verified: true } });
    expect(sandbox.state.store.get(T.namespace, undefined, 'shop')?.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'latest',
    });
    await expect(plan({ namespace: 'shop', level: 'restricted' })).rejects.toThrow('already sets enforce=restricted');
  });
});
