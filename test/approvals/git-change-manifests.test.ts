import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { proposeGitChange } from '../../src/approvals/propose-git-change.ts';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import type { Config } from '../../src/config/config.ts';
import { ProposalRefused } from '../../src/domain/errors.ts';
import { commitCandidate } from '../../src/gate/commit-candidate.ts';
import { renderManifests } from '../../src/gate/render-manifests.ts';
import { runCi } from '../../src/gate/run-ci.ts';
import { bundleCandidate } from '../../src/git/bundle.ts';
import { cloneAt, refreshMirror } from '../../src/git/workspace.ts';
import { claimRun } from '../../src/store/run-queue.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { useDemoWorld } from '../helpers/demo-world.ts';
import { bareRepo } from '../helpers/git-repo.ts';
import { KUBECTL } from '../helpers/kubectl.ts';
import { kubeConfigOf, testConfig } from '../helpers/proposal-fixture.ts';

const SETTINGS = (replicas: string) => `apiVersion: v1
kind: ConfigMap
metadata: { name: cart-settings, namespace: shop }
data: { replicas: "${replicas}" }
`;

describe.skipIf(!KUBECTL)(
  'git_change: the rendered manifests, server-dry-run against the cluster they deploy to',
  () => {
    const w = useDemoWorld();

    async function proposeWith(edit: string, policy?: Config['policy']) {
      const r = bareRepo(
        {
          'deploy/kustomization.yaml':
            'resources: [settings.yaml]\ncommonLabels: { app.kubernetes.io/part-of: shop }\n',
          'deploy/settings.yaml': SETTINGS('2'),
          'docs/notes.yaml': 'not: a manifest\n',
        },
        { ci: 'true', manifests: ['deploy/**'] },
      );
      const base = testConfig(['U0A']);
      const config: Config = { ...base, repos: { demo: r.config }, ...(policy ? { policy } : {}) };
      const { task } = await createTask(w.t.db, {
        kind: 'change',
        source: 'cli',
        requester: 'U0ONCALL',
        question: 'x',
        repo: 'demo',
      });
      const run = (await claimRun(w.t.db, 'test', 60))!;
      const ws = await cloneAt(r.config, await refreshMirror(r.config, join(r.root, 'data')), join(r.root, 'attempt'));
      writeFileSync(join(ws.dir, 'deploy/settings.yaml'), edit);
      const candidate = (await commitCandidate(ws, r.config, { message: 'settings', requester: 'U0ONCALL' }))!;
      const ci = await runCi(r.config, candidate, ws.dir, join(r.root, 'ci'));
      const manifests = await renderManifests(ws.dir, r.config.manifests);
      return proposeGitChange(
        { db: w.t.db, config, reader: new KubeReader(kubeConfigOf(w.sandbox)) },
        {
          task,
          runId: run.id,
          repo: r.config,
          candidate,
          ci,
          bundle: await bundleCandidate(ws.dir, candidate.base, candidate.commit),
          summary: 'cart settings',
          manifests,
        },
      );
    }

    it('renders the kustomization with the real kubectl, dry-runs each object and shows what it would create', async () => {
      const p = await proposeWith(SETTINGS('3'));
      expect(p.status).toBe('pending');
      expect(p.dry_run.ok && p.dry_run.manifests).toContain('kustomize deploy → ');
      expect(p.dry_run.ok && p.dry_run.manifests).toContain('ConfigMap shop/cart-settings: created (dry-run ok)');
      expect(p.diff).toContain('What the rendered manifests would change');
      // kustomize's own work is in what was dry-run: the label it adds.
      expect(p.diff).toContain('app.kubernetes.io/part-of: shop');
      expect(p.diff).toMatch(/\+\s+replicas: "3"/);
    });

    it('refuses the change when policy denies what its manifests would do, naming the object and the rule', async () => {
      const base = testConfig(['U0A']).policy;
      const policy = {
        ...base,
        rules: [
          {
            name: 'no-shop-config',
            match: { actions: ['apply_manifest'], namespaces: ['shop'] },
            deny: 'shop config is frozen',
          },
        ],
      };
      const err = await proposeWith(SETTINGS('4'), policy).catch((e) => e);
      expect(err).toBeInstanceOf(ProposalRefused);
      expect(err.message).toContain('ConfigMap shop/cart-settings: shop config is frozen (rule:no-shop-config)');
    });

    it('refuses manifests that do not render', async () => {
      const err = await proposeWith('kind: [unclosed').catch((e) => e);
      expect(err).toBeInstanceOf(ProposalRefused);
      expect(err.message).toContain('manifests do not render: kustomize deploy');
    });
  },
);
