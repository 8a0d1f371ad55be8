import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { PrometheusClient } from '../../src/cluster/prometheus.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { findProblems } from '../../src/tools/read/find-problems.ts';
import { runReadTool } from '../../src/tools/run-read-tool.ts';

// ClusterClaw's reads as the manifests grant them: everything the analyzers list, but not
// nodes/proxy (kubelet API access, an opt-in component). Volume usage must then come from
// Prometheus, or be reported unavailable — never read as "no volume is filling".
const CLAW_USER = `
---
apiVersion: sandbox.clusterclaw.dev/v1alpha1
kind: SandboxUser
name: system:serviceaccount:clusterclaw:clusterclaw
token: clusterclaw-sa-token-0123456789
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: clusterclaw-read }
rules:
  - apiGroups: ['', apps, batch, storage.k8s.io, networking.k8s.io, autoscaling, policy, metrics.k8s.io]
    resources: [pods, pods/log, nodes, deployments, replicasets, statefulsets, daemonsets, jobs, services, endpoints, persistentvolumeclaims, storageclasses, events, ingresses, horizontalpodautoscalers, poddisruptionbudgets]
    verbs: [get, list]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: clusterclaw-read }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: clusterclaw-read }
subjects: [{ kind: User, name: 'system:serviceaccount:clusterclaw:clusterclaw', apiGroup: rbac.authorization.k8s.io }]
`;

describe('volume usage without kubelet API access', () => {
  let sandbox: Sandbox;
  let prometheus: { url: string; close(): void; queries: string[] };
  const reader = () => {
    const kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfig);
    kc.setCurrentContext(`${sandbox.name}-as-system-serviceaccount-clusterclaw-clusterclaw`);
    return new KubeReader(kc);
  };
  beforeAll(async () => {
    const state = await readFile(
      join(import.meta.dirname, '..', '..', 'scenarios', 'alert-volume-filling', 'cluster.yaml'),
      'utf8',
    );
    sandbox = await startSandbox({ stateYaml: `${state}\n${CLAW_USER}`, tickMs: 50, warmupSeconds: 30 });
    // A Prometheus that answers the kubelet volume metrics the way its HTTP API does.
    const queries: string[] = [];
    const server = createServer((req, res) => {
      const q = new URL(req.url ?? '/', 'http://p').searchParams.get('query') ?? '';
      queries.push(q);
      const value = q.includes('used_bytes') ? String(10035 * 1024 * 1024) : String(10 * 1024 ** 3);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: 'success',
          data: {
            resultType: 'vector',
            result: [
              {
                metric: { namespace: 'payments', persistentvolumeclaim: 'data-postgres-0' },
                value: [Date.now() / 1000, value],
              },
            ],
          },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    prometheus = {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => server.close(),
      queries,
    };
  });
  afterAll(async () => {
    await sandbox?.stop();
    prometheus?.close();
  });

  it('a 403 on nodes/proxy is reported as "volume usage unavailable", not as healthy', async () => {
    const out = await runReadTool(findProblems, { reader: reader(), now: () => new Date() }, {});
    const data = out.data as { problems: { category: string }[]; unavailable?: string[] };
    expect(data.problems.map((p) => p.category)).not.toContain('volume_filling');
    expect(data.unavailable).toEqual([
      expect.stringMatching(/^volume usage unavailable on .*no permission to read the kubelet stats \(nodes\/proxy\)/),
    ]);
  });

  it('with prometheus.url, the filling volume is found from the kubelet volume metrics', async () => {
    const out = await runReadTool(
      findProblems,
      { reader: reader(), now: () => new Date(), prometheus: new PrometheusClient(prometheus.url) },
      {},
    );
    const data = out.data as { problems: { category: string; object: { name: string } }[]; unavailable?: string[] };
    expect(data.problems).toContainEqual(
      expect.objectContaining({
        category: 'volume_filling',
        object: expect.objectContaining({ name: 'data-postgres-0' }),
      }),
    );
    expect(data.unavailable).toBeUndefined();
    expect(prometheus.queries).toContain('max by (namespace, persistentvolumeclaim) (kubelet_volume_stats_used_bytes)');
  });
});
