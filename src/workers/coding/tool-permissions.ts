import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

export type ToolDecision = { allow: true } | { allow: false; message: string };

/**
 * Whether a path (absolute, or relative to the clone) lies inside the clone, symbolic links
 * resolved: the deepest part of the path that exists is resolved, so a file to be created lies
 * under a real directory and a link cannot lead out.
 */
export function insideClone(clone: string): (p: string) => boolean {
  const root = realpathSync(clone);
  return (p) => {
    const rel = relative(root, realPath(root, p));
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
  };
}

/** Where a path really leads: the deepest existing part resolved (links followed), the rest appended. */
function realPath(root: string, p: string): string {
  const abs = isAbsolute(p) ? p : resolve(root, p);
  let probe = abs;
  while (!existsSync(probe) && dirname(probe) !== probe) probe = dirname(probe);
  return resolve(realpathSync(probe), relative(probe, abs));
}

/** Tools that read or write files, and the input field naming the path. */
const FILE_TOOLS: Record<string, string[]> = {
  Read: ['file_path'],
  Edit: ['file_path'],
  MultiEdit: ['file_path'],
  Write: ['file_path'],
  NotebookEdit: ['notebook_path'],
  Glob: ['path'],
  Grep: ['path'],
  LS: ['path'],
};

const WRITES = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);

/** Whether a path is in the clone's `.git` (its config could make git run a command). */
export function inGitDir(clone: string, p: string): boolean {
  const root = realpathSync(clone);
  const rel = relative(root, realPath(root, p));
  return rel === '.git' || rel.startsWith(`.git${sep}`);
}

/** Tools with no reach outside the session. */
const HARMLESS = new Set(['TodoWrite', 'TodoRead', 'ExitPlanMode']);

/** Shell metacharacters: a command with any of them is more than the one command it looks like. */
const SHELL_META = /[;&|`$<>(){}\\\n\r*?[\]!~]/;

/**
 * What a coding agent may do, decided per tool call (a denial goes back to the agent as the
 * tool's error, without ending its turn, so it carries on with the legitimate work):
 * - files: read and edit only inside its clone (symbolic links resolved, so a link cannot lead out);
 * - the shell: only the repository's own commands (its CI command, and `git status|diff|log|show`),
 *   each exactly as configured, nothing chained;
 * - no web, no sub-agents, no other tools; MCP tools only from ClusterClaw's own server.
 */
export function toolPermissions(opts: { root: string; commands: readonly string[]; mcpServer?: string }) {
  const root = realpathSync(opts.root);
  const inside = insideClone(root);
  return (tool: string, input: Record<string, unknown>): ToolDecision => {
    if (HARMLESS.has(tool)) return { allow: true };
    const fields = FILE_TOOLS[tool];
    if (fields) {
      for (const f of fields) {
        const p = input[f];
        if (p === undefined && (tool === 'Glob' || tool === 'Grep' || tool === 'LS')) continue;
        if (typeof p !== 'string' || !inside(p))
          return {
            allow: false,
            message: `${tool} is allowed only inside the repository's clone (${root}); ${String(p)} is outside it`,
          };
        if (WRITES.has(tool) && inGitDir(root, p))
          return { allow: false, message: `${tool} may not change the clone's .git: ClusterClaw commits your work` };
      }
      return { allow: true };
    }
    if (tool === 'Bash') {
      const command = String(input.command ?? '').trim();
      const git = /^git (status|diff|log|show)( [A-Za-z0-9._/:=@^~-]+)*$/.test(command) && !SHELL_META.test(command);
      if (opts.commands.includes(command) || git) return { allow: true };
      return {
        allow: false,
        message: `shell commands are limited to this repository's own: ${[...opts.commands, 'git status|diff|log|show'].map((c) => `\`${c}\``).join(', ')}; \`${command.slice(0, 200)}\` was not run`,
      };
    }
    if (opts.mcpServer && tool.startsWith(`mcp__${opts.mcpServer}__`)) return { allow: true };
    if (tool === 'WebFetch' || tool === 'WebSearch')
      return { allow: false, message: 'no network: web tools are not available to this agent' };
    return { allow: false, message: `${tool} is not available to this agent` };
  };
}
