import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.ts';
import { openStore, type StoreHandle } from '../../../src/store/db.ts';
import { getRun } from '../../../src/store/runs.ts';
import { createTask } from '../../../src/tasks/create-task.ts';
import { type FakeModelServer, type ScriptedTurn, startFakeModelServer } from '../../fakes/fake-model-server.ts';
import { CLAW } from '../../helpers/cli.ts';
import { bareRepo, git } from '../../helpers/git-repo.ts';
import { openTestDb, TEST_DATABASE_URL, TEST_SIGNING_KEY, type TestDb } from '../../helpers/test-db.ts';
import { testSupervisor } from '../../helpers/test-supervisor.ts';
import { waitFor } from '../../helpers/wait-for.ts';

const MODEL = 'hermes:NousResearch/Hermes-4-70B';
const edit = (from: string, to: string): ScriptedTurn => ({
  toolCalls: [{ name: 'edit_file', input: { path: 'deploy/values.yaml', old_string: from, new_string: to } }],
  stopReason: 'tool_use',
});

// Two processes on one PostgreSQL server: only a real server has them (PGlite is one process).
describe.skipIf(!TEST_DATABASE_URL)('a coding attempt whose replica dies (real PostgreSQL server)', () => {
  let fake: FakeModelServer;
  let t: TestDb;
  let dir: string;
  let replica: StoreHandle;
  const repo = bareRepo({
    'ci.sh': 'grep -q "^replicas: [0-9]" deploy/values.yaml',
    'deploy/values.yaml': 'replicas: 2\n',
  });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-coding-takeover-'));
    fake = await startFakeModelServer();
    t = await openTestDb('postgres');
    replica = await openStore({ databaseUrl: t.url, dataDir: '', signing: { key: TEST_SIGNING_KEY } });
    await writeFile(
      join(dir, 'claw.yaml'),
      [
        'approvals: { approvers: [U0APPROVER1] }',
        'models:',
        `  providers: { hermes: { baseUrl: "${fake.url}/v1" } }`,
        `  routes: { change: ["${MODEL}"] }`,
        'runs: { leaseSeconds: 1 }',
        'repos:',
        `  demo: { url: "file://${repo.bare}", ci: "sh ci.sh", paths: ["deploy/**"] }`,
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await replica?.close();
    await fake.close();
    await t.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('is taken over by another replica, which starts afresh, is told why, and proposes once', async () => {
    const env = {
      DATABASE_URL: t.url,
      CLAW_SIGNING_KEY: TEST_SIGNING_KEY,
      CLAW_CONFIG: join(dir, 'claw.yaml'),
      CLAW_DATA_DIR: join(dir, 'data-a'),
    };
    // The first replica's agent edits, then waits on a model turn that never comes.
    const steps: ScriptedTurn[] = [edit('replicas: 2', 'replicas: 3'), { text: 'never', delayMs: 600_000 }];
    let i = 0;
    fake.responder = () => steps[i++] ?? { text: 'Scaled cart to 3.' };
    const child = spawn(process.execPath, [CLAW, 'serve'], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    try {
      await waitFor('claw serve to listen', () => stderr.includes('claw serve listening'), 30_000);
      const { run } = await createTask(t.db, {
        kind: 'change',
        source: 'cli',
        requester: 'cli:oncall',
        question: 'scale cart to 3',
        repo: 'demo',
      });
      await waitFor('the second model turn to be in flight', () => i >= 2, 30_000);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));

      // The survivor's agent: it sees the brief, edits afresh in its own clone, and is done.
      fake.requests.length = 0;
      steps.splice(0, steps.length, edit('replicas: 2', 'replicas: 3'), { text: 'Scaled cart to 3.' });
      i = 0;
      const survivor = testSupervisor({
        db: replica.db,
        config: loadConfig({ ...env, CLAW_DATA_DIR: join(dir, 'data-b') }, dir),
        kubeConfigFor: () => {
          throw new Error('no cluster needed');
        },
        listen: replica.listen,
        pollMs: 100,
        owner: 'survivor',
      });
      await survivor.start();
      try {
        const done = await waitFor(
          'the survivor to propose',
          async () => {
            const r = await getRun(t.db, run.id);
            return r?.status === 'awaiting_approval' ? r : undefined;
          },
          60_000,
        );
        expect(done.history.map((h) => h.outcome)).toEqual(expect.arrayContaining(['orphaned']));
        const brief = JSON.stringify(fake.requests[0]?.body?.messages);
        expect(brief).toContain('Earlier attempts at this task did not finish');
        expect(brief).toContain('orphaned');
        const proposals = await t.db.selectFrom('proposals').selectAll().where('run_id', '=', run.id).execute();
        expect(proposals.filter((p) => p.status === 'pending')).toHaveLength(1);
        expect(git(repo.bare, 'for-each-ref', 'refs/heads/claw')).toBe('');
      } finally {
        await survivor.stop();
      }
    } finally {
      child.kill('SIGKILL');
    }
  }, 180_000);
});
