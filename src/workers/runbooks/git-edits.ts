import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runGit } from '../../git/run-git.ts';

/** A deterministic edit made in a clone: what it changed, and the commit it undoes part of. */
export interface GitEdit {
  files: string[];
  /** `deploy/deployment.yaml: image: nginx:1.99 → image: nginx:1.25`. */
  changes: string[];
  /** The commit that brought the failing value in. */
  reverts: { commit: string; subject: string };
}

/** Lines that set an image or its tag: a manifest's `image:`, kustomize's `newTag:`/`newName:`, a values file's `tag:`/`image:`. */
const IMAGE_LINE = /^\s*-?\s*"?(image|tag|newTag|newName|imageTag|version)"?\s*[:=]/i;

/**
 * Puts back the image a failing workload ran before: finds, in the history of `path`, the newest
 * commit whose added lines set `image` (or just its tag, as values files and kustomize `images:`
 * do), and restores each such line to what that commit replaced — in the current files, only where
 * the line is still exactly as that commit wrote it. Nothing else changes. Undefined when no commit
 * in the last 50 touching `path` brought the image in, or the lines have moved on since.
 */
export async function revertImageChange(dir: string, path: string, image: string): Promise<GitEdit | undefined> {
  const tag = imageTag(image);
  return revertLines(
    dir,
    path,
    (line) => IMAGE_LINE.test(line) && (line.includes(image) || (tag ? lineValue(line) === tag : false)),
  );
}

/**
 * Puts back the replica count a workload ran with before a commit scaled it to zero: the newest
 * commit whose added lines set `replicas: 0` (or a values file's `replicaCount: 0`), each such
 * line restored to what it replaced, as `revertImageChange` does.
 */
export function revertScaleToZero(dir: string, path: string): Promise<GitEdit | undefined> {
  return revertLines(dir, path, (line) => /^\s*"?(replicas|replicaCount)"?\s*:\s*"?0"?\s*(#.*)?$/.test(line));
}

/** The newest commit in `path`'s history whose added lines `brings` matches, those lines put back. */
async function revertLines(dir: string, path: string, brings: (line: string) => boolean): Promise<GitEdit | undefined> {
  const scope = path.replace(/^\.\/?/, '') || '.';
  const commits = (await runGit(['log', '--format=%H', '-n', '50', '--', scope], { cwd: dir }))
    .split('\n')
    .filter(Boolean);
  for (const commit of commits) {
    const parents = (await runGit(['rev-list', '--parents', '-n', '1', commit], { cwd: dir })).trim().split(' ');
    if (parents.length < 2) continue;
    const diff = await runGit(['diff', '-U0', '--no-color', '--no-ext-diff', `${commit}^`, commit, '--', scope], {
      cwd: dir,
    });
    const pairs = pairedLines(diff).filter((p) => brings(p.added));
    if (!pairs.length) continue;
    const files = new Map<string, string>();
    const changes: string[] = [];
    for (const p of pairs) {
      const text = files.get(p.file) ?? (await readFile(join(dir, p.file), 'utf8').catch(() => ''));
      const lines = text.split('\n');
      const at = lines.indexOf(p.added);
      if (at < 0) continue;
      lines[at] = p.removed;
      files.set(p.file, lines.join('\n'));
      changes.push(`${p.file}: ${p.added.trim()} → ${p.removed.trim()}`);
    }
    if (!changes.length) return undefined;
    for (const [file, text] of files) await writeFile(join(dir, file), text);
    const subject = (await runGit(['log', '-1', '--format=%s', commit], { cwd: dir })).trim();
    return { files: [...files.keys()], changes, reverts: { commit, subject } };
  }
  return undefined;
}

/** `registry:5000/team/app:1.2@sha256:…` → `1.2`; undefined for an untagged image. */
export function imageTag(image: string): string | undefined {
  const name = image.split('@')[0]!;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
}

function lineValue(line: string): string {
  return line
    .replace(/^[^:=]*[:=]\s*/, '')
    .replace(/\s+#.*$/, '')
    .trim()
    .replace(/^["']|["']$/g, '');
}

/** In a -U0 diff, each added line with the removed line it replaced (same indentation and key). */
function pairedLines(diff: string): { file: string; removed: string; added: string }[] {
  const out: { file: string; removed: string; added: string }[] = [];
  let file = '';
  let removed: string[] = [];
  const keyOf = (l: string) => l.replace(/[:=].*$/, '');
  for (const line of diff.split('\n')) {
    if (line.startsWith('+++ ')) file = line.replace(/^\+\+\+ b\//, '');
    else if (line.startsWith('@@')) removed = [];
    else if (line.startsWith('-') && !line.startsWith('---')) removed.push(line.slice(1));
    else if (line.startsWith('+')) {
      const added = line.slice(1);
      const i = removed.findIndex((r) => keyOf(r) === keyOf(added));
      if (i >= 0) out.push({ file, removed: removed.splice(i, 1)[0]!, added });
    }
  }
  return out;
}

/**
 * Raises a container's memory or CPU limit where Git sets it: the one `memory: <from>` (or
 * `cpu: <from>`) line under a `limits:` block in the files of `path` (a manifest's container
 * resources, or a values file's `resources.limits`). Exactly one such line, or nothing is
 * changed: an edit the runbooks cannot place for certain is a human's (or a coding agent's).
 */
export async function raiseLimit(
  dir: string,
  path: string,
  resource: 'memory' | 'cpu',
  from: string,
  to: string,
): Promise<GitEdit | undefined> {
  const scope = path.replace(/^\.\/?/, '') || '.';
  const files = (await runGit(['ls-files', '--', scope], { cwd: dir })).split('\n').filter((f) => /\.ya?ml$/.test(f));
  const hits: { file: string; line: number; text: string }[] = [];
  for (const file of files) {
    const lines = (await readFile(join(dir, file), 'utf8')).split('\n');
    lines.forEach((text, i) => {
      const m = new RegExp(`^(\\s*)${resource}:\\s*["']?([^\\s"'#]+)["']?\\s*(#.*)?$`).exec(text);
      if (!m || m[2] !== from) return;
      const indent = m[1]!.length;
      // The nearest less-indented key above is the block it sits in: `limits:` (not `requests:`).
      for (let j = i - 1; j >= 0; j--) {
        const up = /^(\s*)([A-Za-z_-]+):\s*$/.exec(lines[j]!);
        if (up && up[1]!.length < indent) {
          if (up[2] === 'limits') hits.push({ file, line: i, text });
          return;
        }
      }
    });
  }
  if (hits.length !== 1) return undefined;
  const hit = hits[0]!;
  const lines = (await readFile(join(dir, hit.file), 'utf8')).split('\n');
  lines[hit.line] = hit.text.replace(from, to);
  await writeFile(join(dir, hit.file), lines.join('\n'));
  const commit = (await runGit(['log', '-1', '--format=%H%x00%s', '--', hit.file], { cwd: dir })).trim().split('\0');
  return {
    files: [hit.file],
    changes: [`${hit.file}: ${hit.text.trim()} → ${lines[hit.line]!.trim()}`],
    reverts: { commit: commit[0] ?? '', subject: commit[1] ?? '' },
  };
}

/**
 * Moves a workload to a newer image where Git sets it: the lines of `path`'s YAML files that name
 * `from` whole (`image: reg/app:1.2`), else the one tag line (`tag:`, kustomize's `newTag:`) whose
 * value is `from`'s tag. Exactly one place, or nothing changes — as `raiseLimit`.
 */
export async function bumpImage(dir: string, path: string, from: string, to: string): Promise<GitEdit | undefined> {
  const scope = path.replace(/^\.\/?/, '') || '.';
  const files = (await runGit(['ls-files', '--', scope], { cwd: dir })).split('\n').filter((f) => /\.ya?ml$/.test(f));
  const oldTag = imageTag(from);
  const newTag = imageTag(to);
  const whole: { file: string; line: number; text: string }[] = [];
  const tags: typeof whole = [];
  for (const file of files) {
    const lines = (await readFile(join(dir, file), 'utf8')).split('\n');
    lines.forEach((text, line) => {
      if (!IMAGE_LINE.test(text)) return;
      if (lineValue(text) === from) whole.push({ file, line, text });
      else if (oldTag && newTag && /^\s*-?\s*"?(tag|newTag|imageTag)"?\s*:/.test(text) && lineValue(text) === oldTag)
        tags.push({ file, line, text });
    });
  }
  const hits = whole.length ? whole : tags;
  if (hits.length !== 1) return undefined;
  const hit = hits[0]!;
  const lines = (await readFile(join(dir, hit.file), 'utf8')).split('\n');
  lines[hit.line] = whole.length ? hit.text.replace(from, to) : hit.text.replace(oldTag!, newTag!);
  await writeFile(join(dir, hit.file), lines.join('\n'));
  const commit = (await runGit(['log', '-1', '--format=%H%x00%s', '--', hit.file], { cwd: dir })).trim().split('\0');
  return {
    files: [hit.file],
    changes: [`${hit.file}: ${hit.text.trim()} → ${lines[hit.line]!.trim()}`],
    reverts: { commit: commit[0] ?? '', subject: commit[1] ?? '' },
  };
}
