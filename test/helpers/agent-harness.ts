import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { type FakeModelServer, startFakeModelServer } from '../fakes/fake-model-server.ts';
import { openTestDb, type TestDb } from './test-db.ts';

export const CRASH_LOOP_SCENARIO = join(
  import.meta.dirname,
  '..',
  '..',
  'scenarios',
  'crash-loop-bad-release',
  'cluster.yaml',
);

export interface AgentHarness {
  sandbox: Sandbox;
  fake: FakeModelServer;
  t: TestDb;
}

/**
 * For a describe block: the crash-loop scenario warmed up in a sandbox, a fake model server and an
 * in-memory store, started before its tests and stopped after. Read the fields inside tests.
 */
export function useAgentHarness(): AgentHarness {
  const h = {} as AgentHarness;
  beforeAll(async () => {
    h.sandbox = await startSandbox({
      stateYaml: await readFile(CRASH_LOOP_SCENARIO, 'utf8'),
      tickMs: 50,
      warmupSeconds: 60,
    });
    h.fake = await startFakeModelServer();
    h.t = await openTestDb('pglite');
  });
  // Each test scripts its own model turns: one a previous test left unused must not answer it.
  beforeEach(() => h.fake?.clearScript());
  afterAll(async () => {
    await h.sandbox?.stop();
    await h.fake?.close();
    await h.t?.close();
  });
  return h;
}
