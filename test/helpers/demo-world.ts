import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { DEMO_SEED } from '../../src/sandbox/seeds/demo-seed.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { openTestDb, type TestDb } from './test-db.ts';

export interface DemoWorld {
  sandbox: Sandbox;
  t: TestDb;
}

/**
 * For a describe block: the demo incident (`claw demo`'s seed) in a sandbox and an in-memory
 * store, started before its tests (then `setup`, to add to the cluster), emptied before each test
 * and stopped after. Read the fields inside tests.
 */
export function useDemoWorld(setup?: (sandbox: Sandbox) => void): DemoWorld {
  const w = {} as DemoWorld;
  beforeAll(async () => {
    w.t = await openTestDb('pglite');
    w.sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), tickMs: 50 });
    setup?.(w.sandbox);
  });
  afterAll(async () => {
    await w.sandbox?.stop();
    await w.t?.close();
  });
  beforeEach(() => w.t.truncate());
  return w;
}
