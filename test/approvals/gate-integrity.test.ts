import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import type { Config } from '../../src/config/config.ts';
import { policySchema } from '../../src/config/policy-config.ts';
import { ProposalRefused } from '../../src/domain/errors.ts';
import type { KubeObject } from '../../src/lib/kube-object.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { sandboxKubeconfig } from '../../src/sandbox/kubeconfig.ts';
import { listProposalsForRun } from '../../src/store/proposals.ts';
import { buildReport } from '../../src/tasks/report.ts';
import { useDemoWorld } from '../helpers/demo-world.ts';
import { kubeConfigOf, makeProposal, proposeInRun, testConfig } from '../helpers/proposal-fixture.ts';
import { waitFor } from '../helpers/wait-for.ts';

const RBAC = 'rbac.authorization.k8s.io/v1';

describe('the gate judges the request that is actually sent', () => {
  const w = useDemoWorld((sandbox) => {
    const store = sandbox.state.store;
    for (const name of ['kube-system', 'default'])
      if (!store.get(T.namespace, undefined, name))
        store.create(T.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    store.create(T.deployment, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'coredns', namespace: 'kube-system' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { k8s: 'dns' } },
        template: {
          metadata: { labels: { k8s: 'dns' } },
          spec: { containers: [{ name: 'coredns', image: 'registry.k8s.io/coredns/coredns:v1.11.1' }] },
        },
      },
    });
    store.create(T.role, {
      apiVersion: RBAC,
      kind: 'Role',
      metadata: { name: 'reader', namespace: 'shop' },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    });
  });
  const base = testConfig(['U0APPROVER1', 'U0APPROVER2']);
  const withPolicy = (policy: unknown): Config => ({ ...base, policy: policySchema.parse(policy) });
  const exec = (id: string, kc: KubeConfig = kubeConfigOf(w.sandbox)) =>
    executeProposal(
      { db: w.t.db, config: base, kubeConfigFor: () => kc, verifyTimeoutMs: 20_000, pollMs: 100 },
      id,
      'test',
    );
  const writes = () =>
    w.sandbox.journal.filter((r) => r.method !== 'GET' && !r.dryRun && !r.path.includes('accessreview')).length;

  it('canonicalizes names before policy: "SHOP" is namespace shop, so a protected shop is refused, recorded, never pending', async () => {
    const config = withPolicy({ protectedNamespaces: ['shop'] });
    const attempt = proposeInRun(w.t.db, w.sandbox, config, 'scale', { namespace: 'SHOP', name: 'cart', replicas: 0 });
    await expect(attempt).rejects.toThrow(ProposalRefused);
    await expect(attempt).rejects.toThrow('namespace shop is protected');
    const proposals = await w.t.db.selectFrom('proposals').selectAll().execute();
    expect(proposals).toHaveLength(1);
    expect(proposals[0]).toMatchObject({
      status: 'refused',
      policy_rule: 'protected-namespaces',
      target: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
    });
    // --json lists it as a refused proposal with the rule that refused it.
    const report = await buildReport(w.t.db, proposals[0]!.run_id);
    expect(report.proposals).toEqual([
      expect.objectContaining({
        status: 'refused',
        action: 'scale',
        approvals: expect.objectContaining({ rule: 'protected-namespaces', required: 0 }),
      }),
    ]);
    // A refused proposal cannot be approved.
    expect(
      await decide({ db: w.t.db, config }, { proposalId: proposals[0]!.id, actor: 'U0APPROVER1', decision: 'approve' }),
    ).toMatchObject({ ok: false, code: 'already_decided' });

    const zero = withPolicy({ limits: { noScaleToZero: { namespaces: ['shop'] } } });
    await expect(
      proposeInRun(w.t.db, w.sandbox, zero, 'scale', { namespace: 'SHOP', name: 'cart', replicas: 0 }),
    ).rejects.toThrow('rule limit:no-scale-to-zero');
  });

  it('refuses names the API server would read differently', async () => {
    await expect(
      proposeInRun(w.t.db, w.sandbox, base, 'rollout_restart', { namespace: 'shop/../kube-system', name: 'cart' }),
    ).rejects.toThrow(/namespace name/);
    await expect(
      proposeInRun(w.t.db, w.sandbox, base, 'patch', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: 'shop',
        name: 'a/b',
        patch: { data: { x: '1' } },
      }),
    ).rejects.toThrow(/object name/);
  });

  it('apply_manifest without a namespace is judged, dry-run and shown in the namespace it would really land in', async () => {
    const manifest = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  mode: fast\n';
    const deny = withPolicy({
      rules: [{ name: 'not-default', match: { namespaces: ['default'] }, deny: 'nothing is changed in default' }],
    });
    await expect(proposeInRun(w.t.db, w.sandbox, deny, 'apply_manifest', { manifest })).rejects.toThrow(
      'nothing is changed in default (rule rule:not-default)',
    );
    const { proposal } = await proposeInRun(w.t.db, w.sandbox, base, 'apply_manifest', { manifest });
    expect(proposal.target).toEqual({ kind: 'ConfigMap', namespace: 'default', name: 'flags' });
    expect(proposal.request).toMatchObject({
      namespace: 'default',
      body: { metadata: { name: 'flags', namespace: 'default' } },
    });
  });

  it('a manifest of several objects is judged object by object: a denied kind second in line refuses it all', async () => {
    const manifest = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: bundle-flags, namespace: shop }\ndata: { mode: fast }',
      `apiVersion: ${RBAC}\nkind: RoleBinding\nmetadata: { name: bundle-admin, namespace: shop }\nroleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin }\nsubjects: [{ kind: User, name: mallory }]`,
    ].join('\n---\n');
    const noRbac = withPolicy({
      rules: [
        { name: 'no-rbac', match: { kinds: ['RoleBinding'] }, deny: 'RBAC changes go through the platform team' },
      ],
    });
    await expect(proposeInRun(w.t.db, w.sandbox, noRbac, 'apply_manifest', { manifest })).rejects.toThrow(
      'RBAC changes go through the platform team (rule rule:no-rbac)',
    );
    const twoForRbac = withPolicy({ rules: [{ name: 'rbac-two', match: { kinds: ['RoleBinding'] }, approvals: 2 }] });
    const { proposal } = await proposeInRun(w.t.db, w.sandbox, twoForRbac, 'apply_manifest', { manifest });
    expect(proposal.target).toEqual({ kind: 'ConfigMap', namespace: 'shop', name: 'bundle-flags' });
    expect(proposal.required_approvals).toBe(2);
    expect(proposal.request).toMatchObject({
      verb: 'sequence',
      steps: [{ kind: 'ConfigMap' }, { kind: 'RoleBinding' }],
    });
  });

  it('a drain counts every pod it evicts by namespace: protected pods are named, the risk is high, and namespace rules apply', async () => {
    const store = w.sandbox.state.store;
    await waitFor(
      'coredns scheduled',
      () => store.list(T.pod, 'kube-system').filter((p) => p.spec?.nodeName).length === 2,
    );
    const node = store.list(T.pod, 'kube-system')[0]!.spec.nodeName as string;
    const dns = store
      .list(T.pod, 'kube-system')
      .filter((p) => p.spec.nodeName === node)
      .map((p) => p.metadata.name);
    const { proposal } = await proposeInRun(w.t.db, w.sandbox, base, 'drain', { node });
    expect(proposal.risk).toBe('high');
    expect((proposal.blast_radius as { warnings: string[] }).warnings).toEqual([
      `evicts ${dns.length} pod(s) of protected namespace kube-system: ${dns.join(', ')}`,
    ]);
    // A rule about kube-system sees the drain, though its target is a Node.
    const strict = withPolicy({
      rules: [
        {
          name: 'dns-owners',
          match: { namespaces: ['kube-system'] },
          deny: 'the platform team drains nodes running DNS',
        },
      ],
    });
    await expect(proposeInRun(w.t.db, w.sandbox, strict, 'drain', { node })).rejects.toThrow('rule:dns-owners');
  });

  it('a Role patch approved against one rule is not applied after someone inserted another rule before it', async () => {
    const patch = [{ op: 'replace', path: '/rules/0/verbs', value: ['get', 'list', 'watch'] }];
    const { proposal } = await makeProposal(w.t.db, w.sandbox, base, 'patch', {
      apiVersion: RBAC,
      kind: 'Role',
      namespace: 'shop',
      name: 'reader',
      patchType: 'json',
      patch,
    });
    await decide({ db: w.t.db, config: base }, { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' });
    await decide({ db: w.t.db, config: base }, { proposalId: proposal.id, actor: 'U0APPROVER2', decision: 'approve' });
    const role = w.sandbox.state.store.mustGet(T.role, 'shop', 'reader') as KubeObject & { rules: unknown[] };
    w.sandbox.state.store.update(T.role, {
      ...role,
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }, ...role.rules],
    });
    const before = writes();
    expect(await exec(proposal.id)).toMatchObject({ executed: true, outcome: { applied: false, stale: true } });
    expect(writes()).toBe(before);
    expect((w.sandbox.state.store.mustGet(T.role, 'shop', 'reader').rules as unknown[])[0]).toEqual({
      apiGroups: [''],
      resources: ['secrets'],
      verbs: ['get'],
    });
  });

  describe('writes with the resourceVersion just read', () => {
    /**
     * A proxy in front of the sandbox that lets a test change the target between the executor's
     * last read and its write, the window a precondition closes.
     */
    async function racingProxy(onFirstWrite: () => void) {
      let fired = false;
      const statuses: number[] = [];
      const server = createServer((req: IncomingMessage, res: ServerResponse) => {
        const isWrite = req.method === 'PATCH' && !(req.url ?? '').includes('dryRun');
        if (isWrite && !fired) {
          fired = true;
          onFirstWrite();
        }
        const target = new URL(w.sandbox.url);
        const up = httpRequest(
          { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
          (r) => {
            if (isWrite) statuses.push(r.statusCode ?? 0);
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        req.pipe(up);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const kc = new KubeConfig();
      kc.loadFromString(sandboxKubeconfig(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
      return { kc, statuses, close: () => new Promise((r) => server.close(r)) };
    }

    it('status churn between the read and the write: refused once by the server (409), read again, applied once', async () => {
      const { proposal } = await makeProposal(w.t.db, w.sandbox, base, 'rollout_restart', {
        namespace: 'shop',
        name: 'catalog',
      });
      await decide(
        { db: w.t.db, config: base },
        { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
      );
      const proxy = await racingProxy(() => {
        const d = w.sandbox.state.store.mustGet(T.deployment, 'shop', 'catalog');
        w.sandbox.state.store.update(
          T.deployment,
          { ...d, status: { ...d.status, observedGeneration: (d.status?.observedGeneration ?? 0) + 100 } },
          { statusOnly: true },
        );
      });
      try {
        expect(await exec(proposal.id, proxy.kc)).toMatchObject({ executed: true, outcome: { applied: true } });
        // Refused at first, then written once. (The simulated controllers also write status, so
        // a second read can meet another 409 before the write that lands.)
        expect(proxy.statuses[0]).toBe(409);
        expect(proxy.statuses.at(-1)).toBe(200);
        expect(proxy.statuses.filter((s) => s === 200)).toHaveLength(1);
      } finally {
        await proxy.close();
      }
    });

    it('a content change between the read and the write: refused by the server, found changed, never applied', async () => {
      const { proposal } = await makeProposal(w.t.db, w.sandbox, base, 'rollout_restart', {
        namespace: 'shop',
        name: 'redis',
      });
      await decide(
        { db: w.t.db, config: base },
        { proposalId: proposal.id, actor: 'U0APPROVER1', decision: 'approve' },
      );
      const proxy = await racingProxy(() => {
        const d = w.sandbox.state.store.mustGet(T.deployment, 'shop', 'redis');
        w.sandbox.state.store.update(T.deployment, {
          ...d,
          metadata: { ...d.metadata, labels: { ...d.metadata.labels, owner: 'someone-else' } },
        });
      });
      try {
        expect(await exec(proposal.id, proxy.kc)).toMatchObject({
          executed: true,
          outcome: { applied: false, stale: true },
        });
        expect(proxy.statuses).toEqual([409]);
        expect(
          w.sandbox.state.store.mustGet(T.deployment, 'shop', 'redis').spec.template.metadata?.annotations?.[
            'kubectl.kubernetes.io/restartedAt'
          ],
        ).toBeUndefined();
      } finally {
        await proxy.close();
      }
    });
  });

  it('records every refusal of the run in the run, with its stage', async () => {
    const config = withPolicy({ protectedNamespaces: ['shop'] });
    const attempt = proposeInRun(w.t.db, w.sandbox, config, 'rollout_restart', { namespace: 'shop', name: 'cart' });
    await expect(attempt).rejects.toThrow(ProposalRefused);
    const [row] = await w.t.db.selectFrom('proposals').selectAll().execute();
    expect(await listProposalsForRun(w.t.db, row!.run_id)).toEqual([
      expect.objectContaining({
        status: 'refused',
        outcome: {
          refused: {
            stage: 'policy',
            rule: 'protected-namespaces',
            reason: expect.stringContaining('namespace shop is protected'),
          },
        },
      }),
    ]);
  });
});
