import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Config } from '../../../src/config/config.ts';
import { type Sandbox, startSandbox } from '../../../src/sandbox/start-sandbox.ts';
import { listProposalsForRun } from '../../../src/store/proposals.ts';
import { driveRun } from '../../../src/supervisor/drive-run.ts';
import { createTask } from '../../../src/tasks/create-task.ts';
import { workloadBundle } from '../../../src/tools/manifests/workload-bundle.ts';
import { workloadFacts } from '../../../src/tools/manifests/workload-request.ts';
import { type FakeModelServer, startFakeModelServer } from '../../fakes/fake-model-server.ts';
import { kubeConfigOf, testConfig } from '../../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../../helpers/test-db.ts';
import { testSupervisor } from '../../helpers/test-supervisor.ts';

const STATE = `apiVersion: v1
kind: Namespace
metadata: { name: secure, labels: { pod-security.kubernetes.io/enforce: restricted } }
`;
const ASK = 'ledger from registry.example.com/pay/ledger:1.4.0 on port 9090 with 2 replicas';
/** What a model might write from habit: a Deployment whose pods restricted refuses. */
const NAIVE = `apiVersion: apps/v1
kind: Deployment
metadata: { name: ledger, namespace: secure }
spec:
  replicas: 2
  selector: { matchLabels: { app: ledger } }
  template:
    metadata: { labels: { app: ledger } }
    spec: { containers: [{ name: ledger, image: registry.example.com/pay/ledger:1.4.0 }] }
`;

describe('a model on a generate task goes through the same validation as the template', () => {
  let sandbox: Sandbox;
  let t: TestDb;
  let fake: FakeModelServer;
  let config: Config;
  beforeAll(async () => {
    fake = await startFakeModelServer();
    sandbox = await startSandbox({ tickMs: 50, stateYaml: STATE });
    t = await openTestDb('pglite');
    const base = testConfig(['U0APPROVER1']);
    config = {
      ...base,
      models: {
        ...base.models,
        anthropic: { apiKey: 'test-key', baseUrl: fake.url },
        routes: { generate: ['anthropic:claude-sonnet-4-6'] },
      },
    };
  });
  afterAll(async () => {
    await sandbox?.stop();
    await t?.close();
    await fake?.close();
  });

  it('refuses its own manifest whose pods restricted would refuse, then proposes the validated bundle', async () => {
    const bundle = workloadBundle(workloadFacts(ASK, { namespace: 'secure' }))
      .map((o) => stringify(o, { aliasDuplicateObjects: false }))
      .join('---\n');
    fake.script(
      { text: 'Checking mine first.', toolCalls: [{ name: 'check_manifests', input: { manifest: NAIVE } }] },
      { text: 'A Deployment will do.', toolCalls: [{ name: 'apply_manifest', input: { manifest: NAIVE } }] },
      {
        text: 'Refused; generating a compliant bundle.',
        toolCalls: [{ name: 'generate_manifests', input: { request: ASK, namespace: 'secure' } }],
      },
      { text: 'It validates; proposing it.', toolCalls: [{ name: 'apply_manifest', input: { manifest: bundle } }] },
    );
    const supervisor = testSupervisor({ db: t.db, config, kubeConfigFor: () => kubeConfigOf(sandbox), pollMs: 50 });
    const { run } = await createTask(t.db, {
      kind: 'generate',
      source: 'cli',
      requester: 'cli:dev',
      question: ASK,
      namespace: 'secure',
    });
    const done = await driveRun(supervisor, t.db, run.id, 60_000);
    await supervisor.stop();
    expect(done, done.summary ?? '').toMatchObject({
      status: 'awaiting_approval',
      worker: 'anthropic:claude-sonnet-4-6',
    });
    // The refusal went back to the model as the tool's answer, in Pod Security Admission's words.
    // Its own manifest, checked the same way as the template's: each failing check named.
    const checked = JSON.stringify(fake.requests[1]!.body.messages);
    for (const id of ['pod-security-restricted', 'container-resources', 'probes', 'network-policy', 'pdb'])
      expect(checked).toContain(`\\"id\\":\\"${id}\\",\\"object\\":\\"Deployment ledger\\",\\"ok\\":false`);
    expect(checked).toContain('violates PodSecurity'); // the Pod made from its template, dry-run
    const second = JSON.stringify(fake.requests[2]!.body.messages);
    expect(second).toContain("the pods this manifest's ledger template makes would be refused");
    expect(second).toContain('violates PodSecurity');
    const third = JSON.stringify(fake.requests[3]!.body.messages);
    expect(third).toContain('pod-security-restricted');
    expect(third).not.toContain('*a1'); // plain YAML, no anchors and aliases for a reviewer to chase
    const proposals = await listProposalsForRun(t.db, run.id);
    expect(proposals.map((p) => [p.action, p.status])).toEqual([['apply_manifest', 'pending']]);
    expect(proposals[0]!.rationale).toContain('Apply 6 objects by server-side apply');
  });
});
