import { type FSWatcher, statSync, watch } from 'node:fs';
import { join } from 'node:path';

/**
 * Follows the files an agent changes in its clone, for an agent that reports nothing until it is
 * done (OpenClaw's local mode): every change is a sign of life (`onChange`), and the paths changed
 * since the last report come out at most once per `everyMs` (`onReport`), for the thread.
 * `.git` and the agent's own scratch folders are not the agent's work and are ignored.
 */
export function watchClone(
  dir: string,
  opts: { everyMs?: number; onChange(): void; onReport(paths: string[]): void },
): { close(): void } {
  const pending = new Set<string>();
  const reported = new Set<string>();
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { recursive: true }, (_kind, name) => {
      const path = name?.toString();
      if (!path || /^(\.git|\.openclaw)(\/|$)/.test(path)) return;
      opts.onChange();
      if (!reported.has(path)) pending.add(path);
    });
    // A watch that breaks (the clone removed under it) ends quietly: the run's wall clock remains.
    watcher.on('error', () => watcher?.close());
  } catch {
    // No recursive watch on this platform: liveness falls back to the model calls and the wall clock.
  }
  const flush = () => {
    if (!pending.size) return;
    // Files that are there: not a folder's own event, nor an atomic write's temporary file.
    const paths = [...pending].filter((p) => isFile(join(dir, p))).sort();
    pending.clear();
    if (!paths.length) return;
    for (const p of paths) reported.add(p);
    opts.onReport(paths);
  };
  const timer = setInterval(flush, opts.everyMs ?? 2000);
  return {
    close() {
      clearInterval(timer);
      watcher?.close();
      flush();
    },
  };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
