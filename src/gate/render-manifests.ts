import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { childProcessEnv } from '../config/config.ts';
import type { RenderedManifests } from '../domain/git-change.ts';
import { manifestObjects } from '../lib/manifest-objects.ts';
import { matchesAny } from '../lib/path-glob.ts';

const KUSTOMIZATION = /^(kustomization\.ya?ml|Kustomization)$/;

/**
 * Renders the manifests under `globs` in a checkout: a directory holding a Helm chart
 * (`Chart.yaml`) is rendered with the real `helm template` and its default values; one holding a
 * kustomization is built with the real `kubectl kustomize` (the files of either are not read again
 * on their own); every other matching `.yaml`/`.yml` file is read as plain YAML, document by document.
 */
export async function renderManifests(dir: string, globs: readonly string[]): Promise<RenderedManifests> {
  const files = (await walk(dir)).filter((f) => matchesAny(f, globs));
  const outermost = (dirs: string[]) =>
    dirs.filter((k) => !dirs.some((o) => o !== k && (o === '.' || k.startsWith(`${o}/`))));
  const charts = outermost(files.filter((f) => f.split('/').pop() === 'Chart.yaml').map((f) => dirname(f)));
  const underChart = (f: string) => charts.some((r) => r === '.' || f.startsWith(`${r}/`));
  const kustomizations = files
    .filter((f) => !underChart(f) && KUSTOMIZATION.test(f.split('/').pop()!))
    .map((f) => dirname(f));
  const roots = outermost(kustomizations);
  const underKustomize = (f: string) => underChart(f) || roots.some((r) => r === '.' || f.startsWith(`${r}/`));
  const out: RenderedManifests = { objects: [], sources: [], errors: [] };
  for (const chart of charts) {
    try {
      out.objects.push(...manifestObjects(await helmTemplate(join(dir, chart))));
      out.sources.push(`helm ${chart}`);
    } catch (e) {
      out.errors.push(`helm template ${chart}: ${(e as Error).message.split('\n').find((l) => l.trim()) ?? 'failed'}`);
    }
  }
  for (const root of roots) {
    try {
      out.objects.push(...manifestObjects(await kustomize(join(dir, root))));
      out.sources.push(`kustomize ${root}`);
    } catch (e) {
      out.errors.push(`kustomize ${root}: ${(e as Error).message.split('\n').find((l) => l.trim()) ?? 'failed'}`);
    }
  }
  for (const f of files.filter((f) => /\.ya?ml$/.test(f) && !underKustomize(f))) {
    try {
      out.objects.push(...manifestObjects(await readFile(join(dir, f), 'utf8')));
      out.sources.push(`yaml ${f}`);
    } catch (e) {
      out.errors.push(`${f}: ${(e as Error).message}`);
    }
  }
  return out;
}

/** `helm template` of a chart with its own default values, as a release named after its directory. */
function helmTemplate(path: string): Promise<string> {
  const name =
    path
      .split('/')
      .pop()!
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-') || 'release';
  return new Promise((resolve, reject) =>
    execFile(
      'helm',
      ['template', name, path, '--repository-cache', join(path, '..', '.helm-cache'), '--registry-config', '/dev/null'],
      { env: { PATH: childProcessEnv().PATH ?? '/usr/bin:/bin', HOME: path }, timeout: 60_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        err ? reject(new Error(String(stderr || err.message).replace(/^Error: /, ''))) : resolve(stdout),
    ),
  );
}

function kustomize(path: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      'kubectl',
      ['kustomize', path],
      { env: { PATH: childProcessEnv().PATH ?? '/usr/bin:/bin', HOME: path }, timeout: 60_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)),
    ),
  );
}

async function walk(root: string, at = root): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(at, { withFileTypes: true })) {
    if (e.name === '.git') continue;
    const p = join(at, e.name);
    if (e.isDirectory()) out.push(...(await walk(root, p)));
    else if (e.isFile()) out.push(relative(root, p));
  }
  return out;
}
