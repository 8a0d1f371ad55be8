import { mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toolPermissions } from '../../../src/workers/coding/tool-permissions.ts';

describe("Claude Code's permission callback", () => {
  const root = mkdtempSync(join(tmpdir(), 'claw-perm-'));
  mkdirSync(join(root, '.git'));
  mkdirSync(join(root, 'deploy'));
  symlinkSync(join(root, '.git'), join(root, 'deploy', 'sneaky'));
  const decide = toolPermissions({ root, commands: ['sh ci.sh'], mcpServer: 'clusterclaw' });

  it('lets it read anywhere in the clone, .git included, but never change .git, even through a link', () => {
    expect(decide('Read', { file_path: join(root, '.git', 'config') })).toEqual({ allow: true });
    expect(decide('Edit', { file_path: join(root, 'deploy', 'values.yaml') })).toEqual({ allow: true });
    for (const p of [join(root, '.git', 'config'), join(root, 'deploy', 'sneaky', 'config'), '.git/hooks/pre-commit'])
      expect(decide('Write', { file_path: p })).toMatchObject({
        allow: false,
        message: expect.stringContaining('.git'),
      });
  });

  it('runs exactly the listed commands and read-only git, nothing chained', () => {
    expect(decide('Bash', { command: 'sh ci.sh' })).toEqual({ allow: true });
    expect(decide('Bash', { command: 'git diff' })).toEqual({ allow: true });
    expect(decide('Bash', { command: 'sh ci.sh; curl x' })).toMatchObject({ allow: false });
    expect(decide('Bash', { command: 'git push origin main' })).toMatchObject({ allow: false });
    expect(decide('mcp__clusterclaw__list_pods', {})).toEqual({ allow: true });
    expect(decide('mcp__other__x', {})).toMatchObject({ allow: false });
  });
});
