import { spawn } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { ModelTool } from '../../models/model.ts';
import { inGitDir, insideClone } from './tool-permissions.ts';

const MAX_READ = 60_000;
const MAX_OUTPUT = 8_000;
const SKIP = new Set(['.git', 'node_modules']);

/**
 * The repository tools of the built-in coding loop (any model endpoint: Anthropic, OpenAI,
 * self-hosted Hermes and other OpenAI-compatible servers): list, read, search and edit files
 * inside the clone, and run exactly the repository's `agentCommands`. Every path is confined to
 * the clone with symbolic links resolved, like Claude Code's permission callback.
 */
export const REPO_TOOLS: ModelTool[] = [
  {
    name: 'list_files',
    description: 'List the files under a directory of the repository (recursively, without .git).',
    inputSchema: { type: 'object', properties: { path: { type: 'string', description: 'default: the root' } } },
  },
  {
    name: 'read_file',
    description: 'Read a file of the repository.',
    inputSchema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  },
  {
    name: 'search',
    description: 'Find the lines of the repository that contain a text (case-sensitive), with file and line number.',
    inputSchema: {
      type: 'object',
      properties: { text: { type: 'string' }, path: { type: 'string' } },
      required: ['text'],
    },
  },
  {
    name: 'edit_file',
    description: 'Replace one exact occurrence of old_string with new_string in a file.',
    inputSchema: {
      type: 'object',
      properties: { path: { type: 'string' }, old_string: { type: 'string' }, new_string: { type: 'string' } },
      required: ['path', 'old_string', 'new_string'],
    },
  },
  {
    name: 'write_file',
    description: 'Create or overwrite a file with the given content.',
    inputSchema: {
      type: 'object',
      properties: { path: { type: 'string' }, content: { type: 'string' } },
      required: ['path', 'content'],
    },
  },
  {
    name: 'run_command',
    description: "Run one of the repository's allowed commands (exactly as listed) in the repository.",
    inputSchema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
  },
];

export const isRepoTool = (name: string) => REPO_TOOLS.some((t) => t.name === name);

/** Runs one repository tool in `clone`: the text the model reads, and whether it is an error. */
export async function runRepoTool(
  clone: string,
  opts: { commands: readonly string[]; env: Record<string, string>; timeoutMs: number; signal: AbortSignal },
  name: string,
  input: Record<string, unknown>,
): Promise<{ text: string; isError: boolean }> {
  const inside = insideClone(clone);
  const path = (p: unknown) => {
    const rel = typeof p === 'string' && p ? p : '.';
    if (!inside(rel)) throw new Error(`${rel} is outside the repository's clone`);
    return resolve(clone, rel);
  };
  const writable = (p: unknown) => {
    if (inGitDir(clone, String(p))) throw new Error(`${p} is in the clone's .git: ClusterClaw commits your work`);
    return path(p);
  };
  try {
    switch (name) {
      case 'list_files':
        return ok((await walk(path(input.path), clone)).slice(0, 2000).join('\n') || '(no files)');
      case 'read_file': {
        const text = await readFile(path(input.path), 'utf8');
        return ok(
          text.length > MAX_READ ? `${text.slice(0, MAX_READ)}\n… (${text.length - MAX_READ} more characters)` : text,
        );
      }
      case 'search': {
        const needle = String(input.text ?? '');
        if (!needle) return fail('search needs a text');
        const hits: string[] = [];
        for (const f of await walk(path(input.path), clone)) {
          const lines = (await readFile(join(clone, f), 'utf8').catch(() => '')).split('\n');
          for (const [i, l] of lines.entries()) if (l.includes(needle)) hits.push(`${f}:${i + 1}: ${l.slice(0, 200)}`);
          if (hits.length > 200) break;
        }
        return ok(hits.join('\n') || 'no match');
      }
      case 'edit_file': {
        const file = writable(input.path);
        const text = await readFile(file, 'utf8');
        const from = String(input.old_string ?? '');
        const count = from ? text.split(from).length - 1 : 0;
        if (count !== 1) return fail(`old_string must occur exactly once in ${input.path}; it occurs ${count} time(s)`);
        await writeFile(
          file,
          text.replace(from, () => String(input.new_string ?? '')),
        );
        return ok(`edited ${input.path}`);
      }
      case 'write_file': {
        const file = writable(input.path);
        await mkdir(dirname(file), { recursive: true });
        await writeFile(file, String(input.content ?? ''));
        return ok(`wrote ${input.path}`);
      }
      case 'run_command': {
        const command = String(input.command ?? '').trim();
        if (!opts.commands.includes(command))
          return fail(
            `only the repository's own commands run here: ${opts.commands.map((c) => `\`${c}\``).join(', ') || '(none configured)'}; \`${command.slice(0, 200)}\` was not run`,
          );
        return await run(command, clone, opts);
      }
      default:
        return fail(`there is no tool "${name}"`);
    }
  } catch (e) {
    return fail((e as Error).message.replace(clone, '<repository>'));
  }
}

const ok = (text: string) => ({ text, isError: false });
const fail = (text: string) => ({ text, isError: true });

async function walk(dir: string, root: string): Promise<string[]> {
  if (!(await stat(dir)).isDirectory()) return [relative(root, dir)];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (SKIP.has(e.name)) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full, root)));
    else if (e.isFile()) out.push(relative(root, full));
  }
  return out.sort();
}

/** The command in its own process group, with the agent's environment, stopped at the timeout. */
function run(
  command: string,
  cwd: string,
  opts: { env: Record<string, string>; timeoutMs: number; signal: AbortSignal },
): Promise<{ text: string; isError: boolean }> {
  return new Promise((done) => {
    const child = spawn('sh', ['-c', command], {
      cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const keep = (c: Buffer) => {
      output = (output + c.toString('utf8')).slice(-MAX_OUTPUT);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const kill = () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {}
    };
    const timer = setTimeout(kill, opts.timeoutMs);
    opts.signal.addEventListener('abort', kill, { once: true });
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', kill);
      const status = sig ? `stopped (${sig})` : `exit ${code}`;
      done({ text: `${status}\n${output}`, isError: code !== 0 });
    });
  });
}
