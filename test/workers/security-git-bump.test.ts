import { describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { listProposalsForRun } from '../../src/store/proposals.ts';
import { driveRun } from '../../src/supervisor/drive-run.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { useArgoWorld, webDeployment } from '../helpers/argo-app.ts';
import { HELM, KUBECTL } from '../helpers/kubectl.ts';
import { kubeConfigOf } from '../helpers/proposal-fixture.ts';
import { testSupervisor } from '../helpers/test-supervisor.ts';
import { waitFor } from '../helpers/wait-for.ts';

/** A VulnerabilityReport as the Trivy Operator writes one for a ReplicaSet's container. */
const report = (name: string, rs: string, tag: string, critical: boolean) => ({
  apiVersion: 'aquasecurity.github.io/v1alpha1',
  kind: 'VulnerabilityReport',
  metadata: {
    name,
    namespace: 'shop',
    labels: {
      'trivy-operator.resource.kind': 'ReplicaSet',
      'trivy-operator.resource.name': rs,
      'trivy-operator.resource.namespace': 'shop',
      'trivy-operator.container.name': 'web',
    },
  },
  report: {
    registry: { server: 'ghcr.io' },
    artifact: { repository: 'acme/web', tag },
    summary: { criticalCount: critical ? 1 : 0, highCount: 0, mediumCount: 0, lowCount: 0 },
    vulnerabilities: critical
      ? [
          {
            vulnerabilityID: 'CVE-2024-45337',
            resource: 'golang.org/x/crypto',
            installedVersion: 'v0.21.0',
            fixedVersion: '0.31.0',
            severity: 'CRITICAL',
          },
        ]
      : [],
  },
});

describe.skipIf(!KUBECTL)('a critical CVE in a workload Argo CD applies: the image bump goes to Git, not live', () => {
  const w = useArgoWorld(
    {
      'deploy/deployment.yaml': webDeployment('ghcr.io/acme/web:1.4.0'),
      'ci.sh': 'grep -q "image: ghcr.io/acme/web:" deploy/deployment.yaml\n',
    },
    { crds: ['trivy'], sandbox: { gitopsTools: { helm: HELM } } },
  );

  it('proposes a git_change moving the image to the tag Trivy scanned clean; once pushed, Argo CD syncs it', async () => {
    const { sandbox, t, config, repo, advance } = w;
    const rs = await waitFor('the synced ReplicaSet', () => {
      advance();
      return sandbox.state.store.list(T.replicaSet, 'shop')[0]?.metadata.name;
    });
    const vuln = sandbox.state.types.findByKind('aquasecurity.github.io/v1alpha1', 'VulnerabilityReport')!;
    sandbox.state.store.create(vuln, report(`replicaset-${rs}-web`, rs, '1.4.0', true));
    sandbox.state.store.create(vuln, report('replicaset-web-canary-web', 'web-canary-6b7c8d9f5', '1.4.2', false));
    const writes = () =>
      sandbox.journal.filter((r) => r.method !== 'GET' && !r.dryRun && !r.path.includes('review')).length;
    const before = writes();

    const supervisor = testSupervisor({
      db: t.db,
      config,
      kubeConfigFor: () => kubeConfigOf(sandbox),
      pollMs: 50,
      verifyTimeoutMs: 10_000,
    });
    const { run } = await createTask(t.db, {
      kind: 'security',
      source: 'cli',
      requester: 'cli:oncall',
      question: 'Security posture review of namespace shop',
      namespace: 'shop',
    });
    const waiting = await driveRun(supervisor, t.db, run.id, 60_000);
    expect(waiting, waiting.summary ?? '').toMatchObject({ status: 'awaiting_approval', worker: 'runbooks' });
    expect(waiting.summary).toContain('is applied by Argo CD Application argocd/web');
    const [fix] = await listProposalsForRun(t.db, run.id);
    expect(fix).toMatchObject({
      action: 'git_change',
      status: 'pending',
      target: { kind: 'Repository', name: 'gitops' },
    });
    expect(fix!.rationale).toContain('Bump ghcr.io/acme/web:1.4.0 to ghcr.io/acme/web:1.4.2');
    expect(fix!.diff).toMatch(/-.*image: ghcr\.io\/acme\/web:1\.4\.0.*\n\+.*image: ghcr\.io\/acme\/web:1\.4\.2/);
    expect(writes()).toBe(before); // no live set_image

    await decide({ db: t.db, config }, { proposalId: fix!.id, actor: 'U0APPROVER1', decision: 'approve' });
    const clock = setInterval(advance, 100);
    const done = await driveRun(supervisor, t.db, run.id, 60_000).finally(() => clearInterval(clock));
    await supervisor.stop();
    expect(done.status, done.summary ?? '').toBe('succeeded');
    expect(w.app().status.sync).toMatchObject({ status: 'Synced', revision: repo.head() });
    const web = sandbox.state.store.get(T.deployment, 'shop', 'web')!;
    expect(web.spec.template.spec.containers[0].image).toBe('ghcr.io/acme/web:1.4.2');
    expect(writes()).toBe(before);
  }, 90_000);
});
