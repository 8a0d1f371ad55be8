import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propose } from '../../src/approvals/propose.ts';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { T } from '../../src/sandbox/cluster-state.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { claimRun } from '../../src/store/run-queue.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import type { WriteTool } from '../../src/tools/define-tool.ts';
import { findTool } from '../../src/tools/registry.ts';
import { kubeConfigOf, testConfig } from '../helpers/proposal-fixture.ts';
import { openTestDb, type TestDb } from '../helpers/test-db.ts';

const STATE = join(import.meta.dirname, '..', 'fixtures', 'backup', 'shop.yaml');

describe('velero_backup and velero_restore: what they may reach, and what they refuse', () => {
  let sandbox: Sandbox;
  let t: TestDb;
  let reader: KubeReader;
  const config = testConfig(['U0A', 'U0B']);
  beforeAll(async () => {
    t = await openTestDb('pglite');
    sandbox = await startSandbox({ stateYaml: await readFile(STATE, 'utf8'), tickMs: 50 });
    reader = new KubeReader(kubeConfigOf(sandbox));
    await new Promise((r) => setTimeout(r, 300));
  });
  afterAll(async () => {
    await sandbox?.stop();
    await t?.close();
  });
  const plan = (tool: string, input: Record<string, unknown>, namespace?: string) => {
    const w = findTool(tool) as WriteTool;
    return w.plan({ reader, namespace, now: () => new Date() }, w.input.parse(input));
  };
  const proposeAs = async (namespace: string | undefined, tool: string, input: Record<string, unknown>) => {
    await t.truncate();
    const { task } = await createTask(t.db, {
      kind: 'investigate',
      source: 'slash',
      requester: 'U0ONCALL',
      question: 'test',
      namespace,
    });
    const run = (await claimRun(t.db, 'test', 60))!;
    return propose({ db: t.db, reader, config }, { task, runId: run.id, plan: await plan(tool, input, namespace) });
  };

  it('lets a task scoped to a namespace back that namespace up, in Velero’s namespace, and nothing else', async () => {
    const p = await proposeAs('shop', 'velero_backup', { namespace: 'shop' });
    expect(p).toMatchObject({
      status: 'pending',
      action: 'velero_backup',
      target: { kind: 'Backup', namespace: 'velero' },
    });
    sandbox.state.store.create(T.namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'pay' } });
    await expect(proposeAs('shop', 'velero_backup', { namespace: 'pay' })).rejects.toThrow(/outside this task's scope/);
  });

  it('judges a restore by where it writes: into a protected namespace it is denied', async () => {
    const velero = sandbox.state.types.findByKind('velero.io/v1', 'Backup')!;
    sandbox.state.store.create(velero, {
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'shop-b', namespace: 'velero' },
      spec: { includedNamespaces: ['shop'] },
    });
    const done = async () => sandbox.state.store.get(velero, 'velero', 'shop-b')?.status?.phase === 'Completed';
    for (let i = 0; i < 60 && !(await done()); i++) {
      sandbox.state.clockOffsetMs += 1000;
      await new Promise((r) => setTimeout(r, 60));
    }
    await expect(
      proposeAs(undefined, 'velero_restore', { namespace: 'shop', backup: 'shop-b', targetNamespace: 'kube-system' }),
    ).rejects.toThrow(/namespace kube-system is protected/);
    const ok = await proposeAs(undefined, 'velero_restore', {
      namespace: 'shop',
      backup: 'shop-b',
      targetNamespace: 'shop-copy',
    });
    expect(ok).toMatchObject({ status: 'pending', risk: 'high', required_approvals: 2 });
    expect(ok.rationale).toMatch(
      /into new namespace shop-copy: the backup holds \d+ items of shop, completed .*; 0 object\(s\) already in shop-copy/,
    );
  });

  it('refuses what Velero would refuse, before anyone is asked', async () => {
    await expect(plan('velero_restore', { namespace: 'shop', backup: 'missing' })).rejects.toThrow(
      'there is no Velero backup named missing',
    );
    await expect(plan('velero_restore', { namespace: 'pay', backup: 'shop-b' })).rejects.toThrow(
      'backup shop-b does not include namespace pay (it includes shop)',
    );
    await expect(plan('velero_backup', { namespace: 'shop', storageLocation: 'other' })).rejects.toThrow(
      'there is no backup storage location other',
    );
    const bsl = sandbox.state.types.findByKind('velero.io/v1', 'BackupStorageLocation')!;
    const l = sandbox.state.store.get(bsl, 'velero', 'default')!;
    l.metadata.annotations = { 'sandbox.clusterclaw.dev/storage-error': 'AccessDenied' };
    sandbox.state.store.update(bsl, l);
    for (let i = 0; i < 40 && sandbox.state.store.get(bsl, 'velero', 'default')?.status?.phase !== 'Unavailable'; i++)
      await new Promise((r) => setTimeout(r, 50));
    await expect(plan('velero_backup', { namespace: 'shop' })).rejects.toThrow(
      'backup storage location default is Unavailable: BackupStorageLocation "default" is unavailable: AccessDenied',
    );
  });
});
