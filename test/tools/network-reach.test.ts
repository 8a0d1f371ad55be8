import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import type { ToolContext } from '../../src/tools/define-tool.ts';
import { listNetworkPolicies } from '../../src/tools/read/list-network-policies.ts';
import { networkReach } from '../../src/tools/read/network-reach.ts';
import { runReadTool } from '../../src/tools/run-read-tool.ts';
import { kubeConfigOf } from '../helpers/proposal-fixture.ts';
import { POSTURE } from '../helpers/security-fixture.ts';
import { waitFor } from '../helpers/wait-for.ts';

const ALLOW_API = `
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: viewer-to-api, namespace: staging }
spec:
  podSelector: { matchLabels: { app: payments-api } }
  policyTypes: [Ingress]
  ingress: [{ from: [{ podSelector: { matchLabels: { app: report-viewer } } }], ports: [{ port: 8080 }] }]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: viewer-egress, namespace: staging }
spec:
  podSelector: { matchLabels: { app: report-viewer } }
  policyTypes: [Egress]
  egress: [{ to: [{ podSelector: { matchLabels: { app: payments-api } } }], ports: [{ port: 8080 }] }]
`;

describe('network_reach: what one pod can reach and be reached by, under the policies in force', () => {
  let sandbox: Sandbox;
  let ctx: ToolContext;
  const podOf = (ns: string, app: string) =>
    sandbox.state.store.list(T.pod, ns).find((p) => p.metadata.labels?.app === app)!.metadata.name;
  beforeAll(async () => {
    sandbox = await startSandbox({ stateYaml: POSTURE + ALLOW_API, tickMs: 50 });
    ctx = { reader: new KubeReader(kubeConfigOf(sandbox)), now: () => new Date() };
    await waitFor('running pods', () =>
      ['payments', 'staging'].every((ns) =>
        sandbox.state.store.list(T.pod, ns).some((p) => p.status?.phase === 'Running'),
      ),
    );
  });
  afterAll(() => sandbox.stop());
  const reach = async (ns: string, app: string) =>
    (await runReadTool(networkReach, ctx, { namespace: ns, pod: podOf(ns, app) })).data as any;

  it('a pod no policy selects is open to any pod, and reaches what lets it in', async () => {
    const r = await reach('payments', 'payments-api');
    expect(r).toMatchObject({ ingressPolicies: [], egressPolicies: [], openToAnyPod: true, ports: [8080] });
    expect(r.reachableFrom.map((x: any) => x.pod)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^payments\/log-shipper-/)]),
    );
    // staging's pods are behind its default deny: nothing from payments gets in.
    expect(r.canReach.some((x: any) => x.pod.startsWith('staging/'))).toBe(false);
  });

  it('behind a default deny, only what a rule allows on both sides: the viewer reaches the API on 8080, nobody else', async () => {
    const api = await reach('staging', 'payments-api');
    expect(api.openToAnyPod).toBe(false);
    expect(api.ingressPolicies).toEqual(['default-deny', 'viewer-to-api']);
    expect(api.reachableFrom).toEqual([{ pod: expect.stringMatching(/^staging\/report-viewer-/), ports: [8080] }]);
    const viewer = await reach('staging', 'report-viewer');
    expect(viewer.canReach).toEqual([{ pod: expect.stringMatching(/^staging\/payments-api-/), ports: [8080] }]);
    expect(viewer.reachableFrom).toEqual([]);
  });

  it('names a pod that does not exist instead of answering for nothing', async () => {
    await expect(runReadTool(networkReach, ctx, { namespace: 'staging', pod: 'ghost' })).rejects.toThrow(
      'no pod staging/ghost',
    );
  });

  it("reads an ingress rule's peers as the API sends them (`from`, which the typed client calls `_from`)", async () => {
    const [policy] = await ctx.reader.list('networking.k8s.io/v1', 'NetworkPolicy', 'staging', {
      fieldSelector: 'metadata.name=viewer-to-api',
    });
    expect(policy!.spec.ingress[0].from).toEqual([{ podSelector: { matchLabels: { app: 'report-viewer' } } }]);
    expect(policy!.spec.ingress[0]._from).toBeUndefined();
    const listed = (await runReadTool(listNetworkPolicies, ctx, { namespace: 'staging' })).data as any[];
    expect(listed.find((p) => p.name === 'viewer-to-api').ingress).toEqual(['pods {app=report-viewer} on 8080/TCP']);
  });
});
