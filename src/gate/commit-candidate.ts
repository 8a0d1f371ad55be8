import { redactText } from '../cluster/redact.ts';
import type { RepoConfig } from '../config/config.ts';
import { runGit } from '../git/run-git.ts';
import type { Workspace } from '../git/workspace.ts';
import { matchesAny } from '../lib/path-glob.ts';

/** Who commits for the agents: set explicitly, so no machine's or agent's Git identity is used. */
export const BOT_IDENTITY = { name: 'ClusterClaw', email: 'clusterclaw@users.noreply.local' };

export interface ChangedFile {
  path: string;
  /** Git's status letter: A added, M modified, D deleted, T type changed. */
  status: string;
  /** A symbolic link (mode 120000) in the commit. */
  symlink: boolean;
}

/** A commit the agent's work became, and what the gate found in it before CI. */
export interface Candidate {
  base: string;
  commit: string;
  tree: string;
  files: ChangedFile[];
  /** `git diff base commit`, whole. */
  diff: string;
  /** Changed paths the repository's `paths` do not allow. */
  outside: string[];
  /** Changed CI definitions (`ciPaths`): the change is high risk; CI still runs as the base defines it. */
  ciTouched: string[];
  /** Added lines that look like secrets: `path:line` and the line as redacted. */
  secrets: string[];
  /** Symbolic links the change adds: refused, a link can point CI or a reviewer outside the repository. */
  symlinks: string[];
}

/**
 * Commits everything the agent changed in its clone (without resetting or cleaning it: the same
 * session may be asked to fix CI), as ClusterClaw with the requester as co-author, and inspects
 * the commit. Undefined when the agent changed nothing.
 */
export async function commitCandidate(
  ws: Workspace,
  repo: RepoConfig,
  opts: { message: string; requester: string },
): Promise<Candidate | undefined> {
  const git = (args: string[], env?: Record<string, string>) => runGit(args, { cwd: ws.dir, env });
  await git(['add', '--all']);
  if (!(await git(['status', '--porcelain'])).trim()) return undefined;
  const env = {
    GIT_AUTHOR_NAME: BOT_IDENTITY.name,
    GIT_AUTHOR_EMAIL: BOT_IDENTITY.email,
    GIT_COMMITTER_NAME: BOT_IDENTITY.name,
    GIT_COMMITTER_EMAIL: BOT_IDENTITY.email,
  };
  const message = `${opts.message.trim()}\n\nCo-authored-by: ${opts.requester.replace(/[<>\n]/g, '')} <${coAuthorEmail(opts.requester)}>\n`;
  // The message on stdin (`--file -`): a requester's text is never parsed as an option.
  await runGit(['-c', 'commit.gpgsign=false', 'commit', '--quiet', '--no-verify', '--file', '-'], {
    cwd: ws.dir,
    env,
    input: message,
  });
  return inspectCommit(ws.dir, repo, ws.base, (await git(['rev-parse', 'HEAD'])).trim());
}

const coAuthorEmail = (requester: string) =>
  `${requester.replace(/[^A-Za-z0-9._-]/g, '-').toLowerCase() || 'someone'}@users.noreply.local`;

/** What a commit changes since `base`, against the repository's rules. */
export async function inspectCommit(dir: string, repo: RepoConfig, base: string, commit: string): Promise<Candidate> {
  const git = (args: string[]) => runGit(args, { cwd: dir });
  const tree = (await git(['rev-parse', `${commit}^{tree}`])).trim();
  // --raw -z: ":oldmode newmode oldsha newsha status\0path\0"; renames off, so both sides show.
  const raw = (await git(['diff', '--raw', '-z', '--no-renames', base, commit])).split('\0');
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const [, , newMode, , , status] = raw[i]!.split(/[ :]/);
    if (!status) continue;
    files.push({ path: raw[i + 1]!, status, symlink: newMode === '120000' });
  }
  const diff = await git(['diff', '--no-renames', '--no-color', base, commit]);
  return {
    base,
    commit,
    tree,
    files,
    diff,
    outside: files.filter((f) => !matchesAny(f.path, repo.paths)).map((f) => f.path),
    ciTouched: files.filter((f) => matchesAny(f.path, repo.ciPaths)).map((f) => f.path),
    secrets: secretsAdded(diff),
    symlinks: files.filter((f) => f.symlink && f.status !== 'D').map((f) => f.path),
  };
}

/** Added lines the redaction rules would change: they hold something secret-shaped. */
function secretsAdded(diff: string): string[] {
  const found: string[] = [];
  let path = '';
  let line = 0;
  for (const l of diff.split('\n')) {
    if (l.startsWith('+++ ')) path = l.slice(4).replace(/^b\//, '');
    else if (l.startsWith('@@')) line = Number(/\+(\d+)/.exec(l)?.[1] ?? 0);
    else if (l.startsWith('+')) {
      const text = l.slice(1);
      const redacted = redactText(text);
      if (redacted !== text) found.push(`${path}:${line}: ${redacted.trim().slice(0, 200)}`);
      line++;
    } else if (!l.startsWith('-') && !l.startsWith('\\')) line++;
  }
  return found;
}
