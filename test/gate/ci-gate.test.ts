import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BOT_IDENTITY, commitCandidate } from '../../src/gate/commit-candidate.ts';
import { runCi } from '../../src/gate/run-ci.ts';
import { cloneAt, headOf, refreshMirror } from '../../src/git/workspace.ts';
import { bareRepo, git } from '../helpers/git-repo.ts';

const CI_SH = `#!/bin/sh
set -e
grep -q '^replicas: [0-9]' deploy/values.yaml || { echo "values.yaml: replicas must be a number" >&2; exit 1; }
echo "ci: all checks passed"
`;

async function agentClone(files: Record<string, string> = {}, repo = {}) {
  const r = bareRepo({ 'ci.sh': CI_SH, 'deploy/values.yaml': 'replicas: 2\nimage: shop/cart:1.4\n', ...files }, repo);
  const mirror = await refreshMirror(r.config, join(r.root, 'data'));
  const ws = await cloneAt(r.config, mirror, join(r.root, 'attempt-1'));
  return { r, mirror, ws };
}

describe('the CI gate', () => {
  it("clones the tracked branch's head for an attempt, with no remote left to push to", async () => {
    const { r, mirror, ws } = await agentClone();
    expect(ws.base).toBe(r.head());
    expect(await headOf(mirror, 'main')).toBe(r.head());
    expect(git(ws.dir, 'remote')).toBe('');
    expect(readFileSync(join(ws.dir, 'deploy/values.yaml'), 'utf8')).toContain('replicas: 2');
    // A later refresh sees what others pushed since.
    r.push('deploy/values.yaml', 'replicas: 5\nimage: shop/cart:1.4\n');
    await refreshMirror(r.config, join(r.root, 'data'));
    expect(await headOf(mirror, 'main')).toBe(r.head());
  });

  it("commits the agent's work as ClusterClaw with the requester as co-author, and runs CI green on a clean checkout", async () => {
    const { r, ws } = await agentClone();
    writeFileSync(join(ws.dir, 'deploy/values.yaml'), 'replicas: 3\nimage: shop/cart:1.4\n');
    const c = (await commitCandidate(ws, r.config, { message: 'Scale cart to 3', requester: 'U0ALICE' }))!;
    expect(c.files).toEqual([{ path: 'deploy/values.yaml', status: 'M', symlink: false }]);
    expect(c.diff).toContain('-replicas: 2\n+replicas: 3');
    expect(c.outside).toEqual([]);
    expect(c.secrets).toEqual([]);
    expect(git(ws.dir, 'log', '-1', '--format=%an <%ae>|%cn|%B')).toBe(
      `${BOT_IDENTITY.name} <${BOT_IDENTITY.email}>|${BOT_IDENTITY.name}|Scale cart to 3\n\nCo-authored-by: U0ALICE <u0alice@users.noreply.local>`,
    );
    // The agent's clone is not reset: its files are as it left them.
    expect(readFileSync(join(ws.dir, 'deploy/values.yaml'), 'utf8')).toContain('replicas: 3');
    const ci = await runCi(r.config, c, ws.dir, join(r.root, 'ci-1'));
    expect(ci).toMatchObject({ ok: true, exitCode: 0, timedOut: false });
    expect(ci.log).toContain('ci: all checks passed');
    expect(existsSync(join(r.root, 'ci-1'))).toBe(false);
    // Nothing reached the remote.
    expect(r.head()).toBe(ws.base);
  });

  it('reports red CI with the end of its log, and nothing when the agent changed nothing', async () => {
    const { r, ws } = await agentClone();
    expect(await commitCandidate(ws, r.config, { message: 'nothing', requester: 'U0ALICE' })).toBeUndefined();
    writeFileSync(join(ws.dir, 'deploy/values.yaml'), 'replicas: three\n');
    const c = (await commitCandidate(ws, r.config, { message: 'Break it', requester: 'U0ALICE' }))!;
    const ci = await runCi(r.config, c, ws.dir, join(r.root, 'ci-1'));
    expect(ci).toMatchObject({ ok: false, exitCode: 1 });
    expect(ci.log).toContain('values.yaml: replicas must be a number');
  });

  it('runs CI as the base defines it: a candidate that rewrites ci.sh to pass is still judged by the real one', async () => {
    const { r, ws } = await agentClone();
    writeFileSync(join(ws.dir, 'deploy/values.yaml'), 'replicas: lots\n');
    writeFileSync(join(ws.dir, 'ci.sh'), 'echo "ci: all checks passed"; exit 0\n');
    mkdirSync(join(ws.dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(ws.dir, '.github/workflows/ci.yml'), 'on: push\n');
    const c = (await commitCandidate(
      ws,
      { ...r.config, ciPaths: [...r.config.ciPaths, 'ci.sh'] },
      {
        message: 'Loosen CI',
        requester: 'U0ALICE',
      },
    ))!;
    expect(c.ciTouched.sort()).toEqual(['.github/workflows/ci.yml', 'ci.sh']);
    const ci = await runCi(r.config, c, ws.dir, join(r.root, 'ci-1'));
    expect(ci.ok).toBe(false);
    expect(ci.log).toContain('replicas must be a number');
  });

  it('finds paths outside what agents may change, secrets in added lines and symlinks', async () => {
    const { r, ws } = await agentClone({}, { paths: ['deploy/**'] });
    writeFileSync(
      join(ws.dir, 'deploy/values.yaml'),
      'replicas: 2\nimage: shop/cart:1.4\npassword: hunter2-very-secret\n',
    );
    writeFileSync(join(ws.dir, 'README.md'), 'hello\n');
    symlinkSync('/etc/passwd', join(ws.dir, 'deploy/passwd'));
    const c = (await commitCandidate(ws, r.config, { message: 'Mixed', requester: 'U0ALICE' }))!;
    expect(c.outside).toEqual(['README.md']);
    expect(c.symlinks).toEqual(['deploy/passwd']);
    expect(c.secrets).toHaveLength(1);
    expect(c.secrets[0]).toMatch(/^deploy\/values\.yaml:3: password: /);
    expect(c.secrets[0]).not.toContain('hunter2');
  });

  it('stops CI at its timeout, the whole process group', async () => {
    const { r, ws } = await agentClone({}, { ci: 'sleep 30 & sleep 30; echo never', ciTimeoutSeconds: 1 });
    writeFileSync(join(ws.dir, 'deploy/values.yaml'), 'replicas: 4\n');
    const c = (await commitCandidate(ws, r.config, { message: 'x', requester: 'U0ALICE' }))!;
    const started = Date.now();
    const ci = await runCi(r.config, c, ws.dir, join(r.root, 'ci-1'));
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ci).toMatchObject({ ok: false, timedOut: true });
    expect(ci.log).toContain('CI timed out after 1 s');
  });

  it("gives CI none of ClusterClaw's environment", async () => {
    const { r, ws } = await agentClone({}, { ci: 'env' });
    writeFileSync(join(ws.dir, 'deploy/values.yaml'), 'replicas: 4\n');
    const c = (await commitCandidate(ws, r.config, { message: 'x', requester: 'U0ALICE' }))!;
    process.env.CLAW_TEST_SECRET_VAR = 'xoxb-should-not-leak';
    try {
      const ci = await runCi(r.config, c, ws.dir, join(r.root, 'ci-1'));
      expect(ci.ok).toBe(true);
      expect(ci.log).not.toContain('CLAW_TEST_SECRET_VAR');
      expect(ci.log).toContain('CLUSTERCLAW_CI=true');
    } finally {
      delete process.env.CLAW_TEST_SECRET_VAR;
    }
  });
});
