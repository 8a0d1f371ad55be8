import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { evaluatePolicy } from '../../src/policy/evaluate.ts';
import { TOOLS } from '../../src/tools/registry.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe("README's quick start", () => {
  it('writes a claw.yaml with which its one approver can approve every change the vocabulary can propose', async () => {
    const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith("printf 'approvals:"));
    expect(line, 'the quick start writes claw.yaml with printf').toBeDefined();
    const dir = await mkdtemp(join(tmpdir(), 'claw-quick-start-'));
    try {
      // The very command the README shows, run by a shell.
      execFileSync('sh', ['-c', line!], { cwd: dir });
      const config = loadConfig({}, dir);
      expect(config.approvals.approvers).toHaveLength(1);
      const actions = TOOLS.filter((t) => t.effect === 'write').map((t) => t.name);
      for (const action of actions)
        for (const risk of ['low', 'medium', 'high'] as const) {
          const d = evaluatePolicy(
            {
              action,
              cluster: 'sandbox',
              target: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
              risk,
              requester: 'cli:tester',
              at: new Date(),
            },
            config,
          );
          expect(d, `${action} at ${risk} risk`).toMatchObject({ decision: 'require_approval' });
          expect(d, `${action} at ${risk} risk`).not.toHaveProperty('unsatisfiable');
        }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
