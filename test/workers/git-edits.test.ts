import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { raiseLimit, revertImageChange, revertScaleToZero } from '../../src/workers/runbooks/git-edits.ts';
import { bareRepo, git } from '../helpers/git-repo.ts';

const deployment = (image: string, memory = '256Mi') => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
        - name: web
          image: ${image}
          resources:
            requests:
              memory: 128Mi
            limits:
              memory: ${memory}
`;

/** A clone of a repository whose history is `commits`, in order. */
function cloneWith(first: Record<string, string>, commits: [string, string, string][]) {
  const r = bareRepo(first);
  for (const [path, text, message] of commits) r.push(path, text, message);
  const dir = join(r.root, 'clone');
  git(r.root, 'clone', '-q', r.bare, dir);
  return dir;
}

describe("the runbooks' deterministic Git edits", () => {
  it('puts back the image a commit replaced, only in the lines that commit wrote, and names it', async () => {
    const dir = cloneWith({ 'deploy/web.yaml': deployment('nginx:1.25'), 'values.yaml': 'image:\n  tag: "1.25"\n' }, [
      ['deploy/web.yaml', deployment('nginx:1.99'), 'web: nginx 1.99'],
      ['values.yaml', 'image:\n  tag: "1.99"\nreplicas: 2\n', 'values: tag 1.99'],
    ]);
    const edit = await revertImageChange(dir, 'deploy', 'nginx:1.99');
    expect(edit).toMatchObject({
      files: ['deploy/web.yaml'],
      changes: ['deploy/web.yaml: image: nginx:1.99 → image: nginx:1.25'],
      reverts: { subject: 'web: nginx 1.99' },
    });
    expect(readFileSync(join(dir, 'deploy/web.yaml'), 'utf8')).toBe(deployment('nginx:1.25'));
    // A values file's tag, matched by the tag alone; the rest of the commit stays.
    const values = await revertImageChange(dir, '.', 'registry.example.com/web:1.99');
    expect(values?.changes).toEqual(['values.yaml: tag: "1.99" → tag: "1.25"']);
    expect(readFileSync(join(dir, 'values.yaml'), 'utf8')).toBe('image:\n  tag: "1.25"\nreplicas: 2\n');
    expect(await revertImageChange(dir, 'deploy', 'nginx:2.0')).toBeUndefined();
  });

  it('doubles a memory limit where Git sets it, never a request, and only when there is exactly one place', async () => {
    const dir = cloneWith({ 'deploy/web.yaml': deployment('nginx:1.25') }, []);
    const edit = await raiseLimit(dir, 'deploy', 'memory', '256Mi', '512Mi');
    expect(edit?.changes).toEqual(['deploy/web.yaml: memory: 256Mi → memory: 512Mi']);
    expect(readFileSync(join(dir, 'deploy/web.yaml'), 'utf8')).toBe(deployment('nginx:1.25', '512Mi'));
    expect(await raiseLimit(dir, 'deploy', 'memory', '128Mi', '256Mi')).toBeUndefined(); // that one is a request
    const twice = cloneWith({ 'a.yaml': deployment('nginx:1.25'), 'b.yaml': deployment('nginx:1.25') }, []);
    expect(await raiseLimit(twice, '.', 'memory', '256Mi', '512Mi')).toBeUndefined(); // ambiguous: a human decides
  });

  it('puts back the replica count the commit that scaled to zero replaced, in a values file too', async () => {
    const dir = cloneWith({ 'values.yaml': 'replicaCount: 3\nimage:\n  tag: "1.25"\n' }, [
      ['values.yaml', 'replicaCount: 0\nimage:\n  tag: "1.25"\n', 'pause web'],
      ['values.yaml', 'replicaCount: 0\nimage:\n  tag: "1.26"\n', 'web 1.26'],
    ]);
    const edit = await revertScaleToZero(dir, '.');
    expect(edit).toMatchObject({
      changes: ['values.yaml: replicaCount: 0 → replicaCount: 3'],
      reverts: { subject: 'pause web' },
    });
    expect(readFileSync(join(dir, 'values.yaml'), 'utf8')).toBe('replicaCount: 3\nimage:\n  tag: "1.26"\n');
    expect(await revertScaleToZero(cloneWith({ 'a.yaml': 'replicas: 0\n' }, []), '.')).toBeUndefined(); // zero from the start
  });

  it('doubles a CPU limit in a values file the same way, leaving the CPU request alone', async () => {
    const values = 'resources:\n  requests:\n    cpu: 250m\n  limits:\n    cpu: "500m"\n    memory: 256Mi\n';
    const dir = cloneWith({ 'charts/web/values.yaml': values }, []);
    const edit = await raiseLimit(dir, 'charts/web', 'cpu', '500m', '1');
    expect(edit?.changes).toEqual(['charts/web/values.yaml: cpu: "500m" → cpu: "1"']);
    expect(readFileSync(join(dir, 'charts/web/values.yaml'), 'utf8')).toBe(values.replace('"500m"', '"1"'));
    expect(await raiseLimit(dir, 'charts/web', 'cpu', '250m', '500m')).toBeUndefined(); // a request
  });
});
