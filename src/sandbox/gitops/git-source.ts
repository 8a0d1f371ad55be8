import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** A commit a source resolved to, with what `git log` says of it (the investigation quotes it). */
export interface ResolvedCommit {
  sha: string;
  subject: string;
  author: string;
  date: string;
}

/**
 * The repo-server's / source-controller's view of Git: a mirror per repository URL, fetched when a
 * controller resolves a revision, and trees extracted once per commit. Sources are any URL `git`
 * can fetch (the sandbox's tests use local bare repositories through `file://`).
 */
export class GitSources {
  private readonly fetched = new Map<string, Promise<string>>();
  private readonly trees = new Map<string, Promise<string>>();
  private readonly cacheDir: string;
  private readonly git: string;

  constructor(cacheDir: string, git = 'git') {
    this.cacheDir = cacheDir;
    this.git = git;
  }

  /** Fetches `url` and resolves `ref` (branch, tag, `HEAD` or a full SHA) to a commit. */
  async resolve(url: string, ref: string | undefined): Promise<ResolvedCommit> {
    const mirror = await this.fetch(url);
    const want = !ref || ref === 'HEAD' ? 'HEAD' : ref;
    const sha = (
      await run(this.git, ['--git-dir', mirror, 'rev-parse', '--verify', '--quiet', `${want}^{commit}`]).catch(() => {
        throw new Error(`unable to resolve '${want}' to a commit SHA`);
      })
    ).trim();
    const [subject = '', author = '', date = ''] = (
      await run(this.git, ['--git-dir', mirror, 'log', '-1', '--format=%s%x00%an <%ae>%x00%cI', sha])
    )
      .trim()
      .split('\0');
    return { sha, subject, author, date };
  }

  /** The files of `sha`, extracted into a directory of its own (read-only by convention). */
  tree(url: string, sha: string): Promise<string> {
    const key = `${url}@${sha}`;
    let dir = this.trees.get(key);
    if (!dir) {
      dir = this.extract(url, sha);
      this.trees.set(key, dir);
      dir.catch(() => this.trees.delete(key));
    }
    return dir;
  }

  /** Forgets what was fetched, so the next resolve fetches again (a poll, a refresh, a reconcile request). */
  invalidate(url: string): void {
    this.fetched.delete(url);
  }

  private fetch(url: string): Promise<string> {
    let mirror = this.fetched.get(url);
    if (!mirror) {
      mirror = this.mirror(url);
      this.fetched.set(url, mirror);
      mirror.catch(() => this.fetched.delete(url));
    }
    return mirror;
  }

  private async mirror(url: string): Promise<string> {
    const dir = join(this.cacheDir, 'mirrors', createHash('sha256').update(url).digest('hex').slice(0, 16));
    const fresh = await run(this.git, ['--git-dir', dir, 'rev-parse', '--git-dir']).then(
      () => false,
      () => true,
    );
    if (fresh) {
      await rm(dir, { recursive: true, force: true });
      await run(this.git, ['clone', '--quiet', '--mirror', url, dir]).catch((e: Error) => {
        throw new Error(`failed to fetch ${url}: ${firstLine(e.message)}`);
      });
    } else
      await run(this.git, ['--git-dir', dir, 'fetch', '--quiet', '--prune', 'origin']).catch((e: Error) => {
        throw new Error(`failed to fetch ${url}: ${firstLine(e.message)}`);
      });
    return dir;
  }

  private async extract(url: string, sha: string): Promise<string> {
    const mirror = await this.fetch(url);
    const dir = join(this.cacheDir, 'trees', sha);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const tar = join(this.cacheDir, `${sha}.tar`);
    await run(this.git, ['--git-dir', mirror, 'archive', '--format=tar', '-o', tar, sha]);
    await run('tar', ['-xf', tar, '-C', dir]);
    await rm(tar, { force: true });
    return dir;
  }
}

/**
 * Whether the sandbox follows a source: only local repositories (`file://`, an absolute path). An
 * object pointing elsewhere keeps the status its state file recorded: the sandbox never fetches
 * from the network.
 */
export function isLocalSource(url: unknown): boolean {
  return typeof url === 'string' && (url.startsWith('file://') || url.startsWith('/'));
}

/** Runs a tool, resolving its stdout; rejects with its stderr. */
export function run(cmd: string, args: string[], opts: { cwd?: string; input?: string } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { cwd: opts.cwd, timeout: 60_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) =>
      err ? reject(new Error(String(stderr || err.message).trim())) : resolve(stdout),
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

export function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim()) ?? s;
}
