import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/db.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createTask } from '../../src/tasks/create-task.ts';
import { run } from '../helpers/cli.ts';

describe('claw cancel', () => {
  let dir: string;
  let runId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-cancel-'));
    const store = await openStore({ dataDir: dir });
    await migrate(store.db);
    runId = (await createTask(store.db, { kind: 'investigate', source: 'cli', requester: 'cli:tester', question: 'q' }))
      .run.id;
    await store.close();
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('cancels a queued run, then says it has finished; unknown runs and missing ids are errors', async () => {
    const env = { CLAW_DATA_DIR: dir };
    // Only its requester, an approver of its proposals or an admin may cancel it; refusals are audited.
    expect(await run(['cancel', runId, '--as', 'U0STRANGER'], env)).toMatchObject({
      code: 1,
      stderr: `claw cancel: refused: only the run's requester, an approver of its proposals, or an admin (approvals.admins) may cancel ${runId}\n`,
    });
    expect(await run(['cancel', runId], env)).toMatchObject({ code: 0, stdout: `cancelled ${runId}\n` });
    expect(await run(['cancel', runId], env)).toMatchObject({
      code: 1,
      stderr: `${runId} has already finished; nothing to cancel\n`,
    });
    expect((await run(['audit', 'export'], env)).stdout).toMatch(/"actor":"U0STRANGER","action":"run.cancel_refused"/);
    expect(await run(['cancel', 'run_nope'], env)).toMatchObject({ code: 1, stderr: 'no run run_nope\n' });
    const missing = await run(['cancel'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('RUN is required');
    const shown = await run(['show', runId], env);
    expect(shown.stdout).toMatch(/^run \S+ \(cancelled, worker -, attempt 1, 0 steps, 0\+0 tokens, \$0\.0000\)/);
  }, 120_000);
});
