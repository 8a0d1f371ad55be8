import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const DOCS = join(ROOT, 'docs');
const pages = ['README.md', 'scenarios/README.md', ...readdirSync(DOCS).map((f) => `docs/${f}`)];

describe('the docs stand alone', () => {
  it('every link between them, and to the repository, resolves; the README links every page', () => {
    const broken: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const [, target] of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        if (!existsSync(join(ROOT, dirname(page), target!))) broken.push(`${page} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const linked = [...readme.matchAll(/\]\(docs\/([a-z-]+\.md)\)/g)].map((m) => m[1]);
    expect(readdirSync(DOCS).filter((f) => f !== 'README.md' && !linked.includes(f))).toEqual([]);
  });

  it('never sends a reader to a file outside the repository', () => {
    const mentions = [...pages, ...walk(join(ROOT, 'src')).map((f) => f.slice(ROOT.length + 1))].filter((f) =>
      /CONTRACT\.md|\.\.\/shared\//.test(readFileSync(join(ROOT, f), 'utf8')),
    );
    expect(mentions).toEqual([]);
  });
});

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  );
}
