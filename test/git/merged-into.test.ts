import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commitContains, mergedInto } from '../../src/git/merged-into.ts';
import { bareRepo, git } from '../helpers/git-repo.ts';

/**
 * A repository whose `claw/fix` branch (pushed, on top of main) puts back nginx 1.25, and a
 * developer clone to merge it from; ClusterClaw's mirror lives in its own data directory.
 */
function delivered() {
  const r = bareRepo({ 'app.yaml': 'image: nginx:1.99\n', 'other.yaml': 'a: 1\n' });
  const dataDir = mkdtempSync(join(tmpdir(), 'claw-merged-'));
  const work = join(r.root, 'dev');
  git(r.root, 'clone', '-q', r.bare, work);
  const base = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-q', '-b', 'claw/fix');
  writeFileSync(join(work, 'app.yaml'), 'image: nginx:1.25\n');
  git(work, 'commit', '-q', '-am', 'put back nginx 1.25');
  git(work, 'push', '-q', 'origin', 'claw/fix');
  const commit = git(work, 'rev-parse', 'HEAD');
  git(work, 'checkout', '-q', 'main');
  return { r, dataDir, work, change: { base, commit, tracked: 'main' } };
}

describe('a delivered change merged into the tracked branch, however a human merged it', () => {
  it('is not merged while main has not taken it, even when main moved on', async () => {
    const { r, dataDir, change } = delivered();
    expect(await mergedInto(r.config, dataDir, change)).toBeUndefined();
    r.push('other.yaml', 'a: 2\n', 'unrelated');
    expect(await mergedInto(r.config, dataDir, change)).toBeUndefined();
  });

  it('a merge commit (the commit is on main), and a later revision still contains it', async () => {
    const { r, dataDir, work, change } = delivered();
    git(work, 'merge', '-q', '--no-ff', '-m', 'Merge claw/fix', 'claw/fix');
    git(work, 'push', '-q', 'origin', 'main');
    const merged = await mergedInto(r.config, dataDir, change);
    expect(merged).toBe(r.head());
    r.push('other.yaml', 'a: 3\n', 'later');
    expect(await commitContains(r.config, dataDir, r.head(), merged!)).toBe(true);
    expect(await commitContains(r.config, dataDir, change.base, merged!)).toBe(false);
  });

  it('a squash merge of a branch since deleted: the files it changed read as in the commit', async () => {
    const { r, dataDir, work, change } = delivered();
    expect(await mergedInto(r.config, dataDir, change)).toBeUndefined(); // the mirror has fetched the branch
    git(work, 'merge', '-q', '--squash', 'claw/fix');
    git(work, 'commit', '-q', '-m', 'Squashed');
    git(work, 'push', '-q', 'origin', 'main');
    git(work, 'push', '-q', 'origin', '--delete', 'claw/fix');
    expect(await mergedInto(r.config, dataDir, change)).toBe(r.head());
  });
});
