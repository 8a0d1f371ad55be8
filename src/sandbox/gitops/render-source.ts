import { access, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import type { KubeObject } from '../../lib/kube-object.ts';
import { firstLine, run } from './git-source.ts';

/** What to render from a source tree, in the terms Argo CD's and Flux's sources share. */
export interface RenderSpec {
  path?: string;
  /** Helm's release name (the Application's or the HelmRelease's name by default). */
  releaseName: string;
  namespace: string;
  helm?: {
    valueFiles?: string[];
    /** Values as YAML text (Argo CD `helm.values`) or an object (`valuesObject`, Flux `values`). */
    values?: string | Record<string, unknown>;
    parameters?: { name: string; value: string }[];
  };
  /** Image overrides, as kustomize's `images:` entries. */
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  recurse?: boolean;
}

export type SourceType = 'Helm' | 'Kustomize' | 'Directory';

export interface RenderTools {
  helm: string;
  kubectl: string;
}

/**
 * Renders a source as the repo-server does: a chart with the real `helm template`, a kustomization
 * with the real `kubectl kustomize`, anything else as the directory's YAML files. Errors carry the
 * tool's own first line, which is what the Application's ComparisonError shows.
 */
export async function renderSource(
  root: string,
  spec: RenderSpec,
  tools: RenderTools,
): Promise<{ type: SourceType; objects: KubeObject[] }> {
  const dir = resolve(root, spec.path ?? '.');
  if (relative(root, dir).startsWith('..')) throw new Error(`path ${spec.path} is outside the repository`);
  if (!(await exists(dir))) throw new Error(`${spec.path ?? '.'}: app path does not exist`);
  if (await exists(join(dir, 'Chart.yaml')))
    return { type: 'Helm', objects: parse(await helmTemplate(dir, spec, tools)) };
  const kustomization = await firstExisting(dir, ['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
  if (kustomization || spec.images?.length)
    return { type: 'Kustomize', objects: parse(await kustomize(dir, spec, tools, Boolean(kustomization))) };
  const objects: KubeObject[] = [];
  for (const f of await yamlFiles(dir, spec.recurse ?? false)) {
    try {
      objects.push(...parse(await readFile(f, 'utf8')));
    } catch (e) {
      throw new Error(`${relative(root, f)}: ${(e as Error).message}`);
    }
  }
  return { type: 'Directory', objects };
}

async function helmTemplate(dir: string, spec: RenderSpec, tools: RenderTools): Promise<string> {
  const args = ['template', spec.releaseName, dir, '--namespace', spec.namespace, '--include-crds'];
  for (const f of spec.helm?.valueFiles ?? []) args.push('--values', resolve(dir, f));
  const work = await mkdtemp(join(tmpdir(), 'claw-render-'));
  try {
    const values = spec.helm?.values;
    if (values && (typeof values === 'string' ? values.trim() : Object.keys(values).length)) {
      await writeFile(join(work, 'values.yaml'), typeof values === 'string' ? values : stringify(values));
      args.push('--values', join(work, 'values.yaml'));
    }
    for (const p of spec.helm?.parameters ?? []) args.push('--set', `${p.name}=${p.value}`);
    return await run(tools.helm, args).catch((e: Error) => {
      throw new Error(`helm template: ${firstLine(e.message)}`);
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `kubectl kustomize`, through a wrapping kustomization when images are overridden or none exists (as Flux generates one). */
async function kustomize(dir: string, spec: RenderSpec, tools: RenderTools, hasOwn: boolean): Promise<string> {
  const fail = (e: Error) => {
    throw new Error(`kustomize build: ${kustomizeError(e.message)}`);
  };
  if (hasOwn && !spec.images?.length) return run(tools.kubectl, ['kustomize', dir]).catch(fail);
  // kustomize takes only relative resources: the wrapper sits beside the directory it wraps.
  const work = await mkdtemp(join(dir, '..', '.claw-kustomize-'));
  try {
    const resources = (hasOwn ? [dir] : await yamlFiles(dir, true)).map((p) => relative(work, p));
    await writeFile(
      join(work, 'kustomization.yaml'),
      stringify({ resources, ...(spec.images?.length ? { images: spec.images } : {}) }),
    );
    return await run(tools.kubectl, ['kustomize', '--load-restrictor=LoadRestrictionsNone', work]).catch(fail);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** kubectl logs kustomize's failure through klog (`E1206 … "command failed" err="…"`): the err is what matters. */
function kustomizeError(message: string): string {
  const line = firstLine(message);
  const err = /err="((?:[^"\\]|\\.)*)"/.exec(line);
  return err ? err[1]!.replace(/\\(.)/g, '$1') : line.replace(/^error: /, '');
}

function parse(text: string): KubeObject[] {
  const docs = parseAllDocuments(text).filter((d) => d.contents !== null);
  const bad = docs.find((d) => d.errors.length);
  if (bad) throw new Error(`not valid YAML: ${bad.errors[0]!.message.split('\n')[0]}`);
  return docs
    .map((d) => d.toJS() as KubeObject)
    .filter((o) => o && typeof o === 'object' && o.apiVersion && o.kind)
    .flatMap((o) => (o.kind === 'List' && Array.isArray(o.items) ? (o.items as KubeObject[]) : [o]));
}

async function yamlFiles(dir: string, recurse: boolean): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory() && recurse) out.push(...(await yamlFiles(p, true)));
    else if (e.isFile() && /\.(ya?ml|json)$/.test(e.name)) out.push(p);
  }
  return out;
}

async function firstExisting(dir: string, names: string[]): Promise<string | undefined> {
  for (const n of names) if (await exists(join(dir, n))) return n;
  return undefined;
}

function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}
