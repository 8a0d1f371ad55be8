import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decide } from '../../src/approvals/decide.ts';
import { executeProposal } from '../../src/approvals/execute.ts';
import { policySchema } from '../../src/config/policy-config.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { getProposal } from '../../src/store/proposals.ts';
import { kubeConfigOf, makeProposal, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';
import { waitFor } from '../helpers/wait-for.ts';

const STATE = join(import.meta.dirname, '..', 'fixtures', 'backup', 'shop.yaml');

describe('policy.requireBackup at the gate: judged when proposed, and again when executed', () => {
  let sandbox: Sandbox;
  let t: TestDb;
  const config = {
    ...testConfig(['U0A', 'U0B']),
    policy: policySchema.parse({
      requireBackup: [{ name: 'shop-data', namespaces: ['shop'], actions: ['delete_pod'], maxAgeHours: 12 }],
    }),
  };
  beforeAll(async () => {
    t = await openTestDb('pglite');
    sandbox = await startSandbox({ stateYaml: await readFile(STATE, 'utf8'), tickMs: 50 });
  });
  afterAll(async () => {
    await sandbox?.stop();
    await t?.close();
  });
  const exec = (id: string) =>
    executeProposal(
      { db: t.db, config, kubeConfigFor: () => kubeConfigOf(sandbox), verifyTimeoutMs: 10_000, pollMs: 100 },
      id,
      'test',
    );
  const pod = () =>
    waitFor('a web pod', () => sandbox.state.store.list(T.pod, 'shop').find((p) => p.status?.phase === 'Running'));

  it('refuses a pod deletion in a namespace never backed up, then proposes it once a backup completed', async () => {
    const victim = (await pod()).metadata.name;
    await expect(
      makeProposal(t.db, sandbox, config, 'delete_pod', { namespace: 'shop', name: victim }),
    ).rejects.toThrow(
      /namespace shop has no good backup: policy requires a good backup newer than 12h before delete_pod/,
    );

    const { proposal: backup } = await makeProposal(t.db, sandbox, config, 'velero_backup', { namespace: 'shop' });
    await decide({ db: t.db, config }, { proposalId: backup.id, actor: 'U0A', decision: 'approve' });
    expect(await exec(backup.id)).toMatchObject({ executed: true, outcome: { verified: true } });

    const { proposal } = await makeProposal(t.db, sandbox, config, 'delete_pod', { namespace: 'shop', name: victim });
    expect(proposal.status).toBe('pending');
  });

  it('refuses at execution when the backup is gone by the time the change is approved', async () => {
    const victim = (await pod()).metadata.name;
    const { proposal } = await makeProposal(t.db, sandbox, config, 'delete_pod', { namespace: 'shop', name: victim });
    const velero = sandbox.state.types.findByKind('velero.io/v1', 'Backup')!;
    const dbr = sandbox.state.types.findByKind('velero.io/v1', 'DeleteBackupRequest')!;
    for (const b of sandbox.state.store.list(velero, 'velero'))
      sandbox.state.store.create(dbr, {
        apiVersion: 'velero.io/v1',
        kind: 'DeleteBackupRequest',
        metadata: { name: `${b.metadata.name}-del`, namespace: 'velero' },
        spec: { backupName: b.metadata.name },
      });
    await waitFor('the backups deleted', () => sandbox.state.store.list(velero, 'velero').length === 0 || undefined);
    await decide({ db: t.db, config }, { proposalId: proposal.id, actor: 'U0A', decision: 'approve' });
    const done = await exec(proposal.id);
    expect(done).toMatchObject({ executed: true, outcome: { applied: false } });
    expect(((await getProposal(t.db, proposal.id))!.outcome as { message?: string }).message).toMatch(
      /^refused: namespace shop has no good backup.*\(rule require-backup:shop-data\)$/,
    );
    expect(sandbox.state.store.get(T.pod, 'shop', victim)).toBeDefined();
  });
});
