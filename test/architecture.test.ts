import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? files(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : [],
  );
const sources = files(SRC).map((f) => ({ path: relative(SRC, f), text: readFileSync(f, 'utf8') }));
const importsOf = (text: string) => [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);

describe('architecture invariants', () => {
  it('only the executor can construct the cluster writer (Invariant 1)', () => {
    const users = sources.filter(
      (s) => s.path !== 'cluster/kube-writer.ts' && importsOf(s.text).some((i) => i.endsWith('kube-writer.ts')),
    );
    expect(users.map((s) => s.path)).toEqual(['approvals/execute.ts']);
  });

  it('no product code outside the cluster layer calls a mutating Kubernetes API', () => {
    const mutating =
      /\.(patch|replace|create|delete)Namespaced\w+\(|\.(patch|replace|create|delete)(Node|Namespace)\w*\(/;
    const offenders = sources.filter(
      (s) => !s.path.startsWith('sandbox/') && !s.path.startsWith('cluster/') && mutating.test(s.text),
    );
    expect(offenders.map((s) => s.path)).toEqual([]);
  });

  it('only config.ts reads process.env', () => {
    expect(sources.filter((s) => /process\.env/.test(s.text)).map((s) => s.path)).toEqual(['config.ts']);
  });

  it('Slack listeners never touch the cluster, workers or the supervisor', () => {
    const listeners = sources.filter((s) => s.path.startsWith('surfaces/slack/listeners/'));
    expect(listeners.length).toBeGreaterThan(0);
    for (const l of listeners)
      for (const i of importsOf(l.text))
        expect(i, `${l.path} imports ${i}`).not.toMatch(/\/(cluster|workers|supervisor|sandbox)\/|execute\.ts$/);
  });

  it('generic writes (PATCH/POST/DELETE through the dynamic client) are issued only by KubeReader', () => {
    const writers = sources.filter((s) => /\.request\('(PATCH|POST|DELETE)'/.test(s.text)).map((s) => s.path);
    expect(writers).toEqual(['cluster/kube-reader.ts']);
  });

  it('analyzers are pure functions of a snapshot: they import only analyzers and lib', () => {
    for (const a of sources.filter((s) => s.path.startsWith('analyzers/'))) {
      for (const i of importsOf(a.text)) expect(i, `${a.path} imports ${i}`).toMatch(/^\.\/|^\.\.\/lib\//);
    }
  });

  it('the simulated cluster stands alone: sandbox code imports only the sandbox, lib and packages', () => {
    for (const f of sources.filter((s) => s.path.startsWith('sandbox/'))) {
      for (const i of importsOf(f.text).filter((x) => x.startsWith('.'))) {
        const resolved = join(SRC, f.path, '..', i);
        expect(relative(SRC, resolved), `${f.path} imports ${i}`).toMatch(/^(sandbox|lib)\//);
      }
    }
  });

  it('keeps files small (split before 300 formatted lines; hand-written data tables named *.data.ts may run long)', () => {
    const long = sources
      .filter((s) => !s.path.endsWith('.data.ts') && s.text.split('\n').length > 300)
      .map((s) => s.path);
    expect(long).toEqual([]);
  });
});
