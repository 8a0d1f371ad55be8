import { describe, expect, it } from 'vitest';
import { T } from '../../src/sandbox/cluster-state.ts';
import { proposalCard } from '../../src/surfaces/slack/blocks.ts';
import { buildReport } from '../../src/tasks/report.ts';
import { useDemoWorld } from '../helpers/demo-world.ts';
import { proposeInRun, testConfig } from '../helpers/proposal-fixture.ts';

const LEAKED = 'Hunter2Hunter2';

describe('the card shows the whole change', () => {
  const w = useDemoWorld((sandbox) => {
    sandbox.state.store.create(T.deployment, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'billing', namespace: 'shop' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'billing' } },
        template: {
          metadata: { labels: { app: 'billing' } },
          spec: {
            containers: [
              {
                name: 'billing',
                image: 'registry.example.com/shop/billing:2.0.0',
                env: [
                  { name: 'PORT', value: '8080' },
                  { name: 'LOG_LEVEL', value: 'info' },
                  { name: 'DB_PASS', value: LEAKED },
                ],
              },
            ],
          },
        },
      },
    });
  });
  const config = testConfig(['U0APPROVER1', 'U0APPROVER2']);

  it('a merge patch of a long annotation and a dangling ownerReference: all of it on the diff and in the request, named, high risk', async () => {
    const note = `rolled by the release bot; ${'context '.repeat(60)}end-of-note`;
    const patch = {
      metadata: {
        annotations: { 'example.com/note': note },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '00000000-0000-0000-0000-000000000000' },
        ],
      },
    };
    const { proposal } = await proposeInRun(w.t.db, w.sandbox, config, 'patch', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'catalog',
      patchType: 'merge',
      patch,
    });
    // The diff covers metadata, not only spec, labels and annotations.
    expect(proposal.diff).toContain('+  ownerReferences:');
    expect(proposal.diff).toContain('end-of-note');
    // The request as stored, in full.
    expect(proposal.request_view).toContain('# PATCH apps/v1 Deployment shop/catalog (merge)');
    expect(proposal.request_view).toContain('uid: 00000000-0000-0000-0000-000000000000');
    expect(proposal.request_view).toContain('end-of-note');
    expect(proposal.rationale).toBe(
      'Patch Deployment shop/catalog (merge): metadata.annotations, metadata.ownerReferences',
    );
    // Named, not refused; high risk, so two approvers by default.
    expect(proposal).toMatchObject({ status: 'pending', risk: 'high', required_approvals: 2 });
    const warnings = (proposal.blast_radius as { warnings: string[] }).warnings;
    expect(warnings).toEqual([
      'changes metadata.ownerReferences (the garbage collector deletes an object whose owner is gone)',
    ]);
    const card = JSON.stringify(proposalCard(proposal).blocks);
    expect(card).toContain('Riskier than it looks');
    expect(card).toContain('metadata.ownerReferences');
    const report = await buildReport(w.t.db, proposal.run_id);
    expect(report.proposals[0]).toMatchObject({ warnings, request: proposal.request_view });
  });

  it('env values that could be secrets never reach the card, the request view or the diff; harmless ones do', async () => {
    const { proposal } = await proposeInRun(w.t.db, w.sandbox, config, 'set_image', {
      namespace: 'shop',
      name: 'billing',
      image: 'registry.example.com/shop/billing:2.0.1',
    });
    expect(proposal.diff).not.toContain(LEAKED);
    expect(proposal.request_view).not.toContain(LEAKED);
    expect(JSON.stringify(proposalCard(proposal))).not.toContain(LEAKED);
    expect(proposal.diff).toMatch(/value: "\[redacted sha256:[0-9a-f]{12}\]"/);
    expect(proposal.diff).toContain('value: info');

    // A patch that sets one: shown as a marker in the request, refused nowhere.
    const patch = {
      spec: {
        template: { spec: { containers: [{ name: 'billing', env: [{ name: 'DB_PASS', value: 'n3w-Passw0rd!' }] }] } },
      },
    };
    const set = await proposeInRun(w.t.db, w.sandbox, config, 'patch', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'shop',
      name: 'billing',
      patchType: 'strategic',
      patch,
    });
    expect(set.proposal.request_view).not.toContain('n3w-Passw0rd!');
    expect(set.proposal.request_view).toMatch(/name: DB_PASS\n\s+value: "\[redacted sha256:[0-9a-f]{12}\]"/);
    expect(set.proposal.diff).not.toContain('n3w-Passw0rd!');
  });
});
