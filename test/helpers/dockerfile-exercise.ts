import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Runs a Dockerfile's steps without a Docker engine (none runs on these machines): each stage gets
 * a directory standing for its root filesystem; FROM, ARG, ENV, WORKDIR, COPY (honouring
 * .dockerignore), RUN, USER, EXPOSE, HEALTHCHECK, ENTRYPOINT and CMD are carried out or recorded,
 * with absolute paths in RUN and ENV mapped into that directory. Anything else is an error, so a
 * Dockerfile this cannot follow fails loudly instead of passing untested.
 */
export interface ImageRun {
  root: string;
  env: Record<string, string>;
  workdir: string;
  user?: { uid: number; gid: number };
  exposed: number[];
  healthcheck?: string[];
  entrypoint: string[];
  cmd: string[];
  bases: string[];
}

interface Stage {
  name?: string;
  root: string;
  workdir: string;
  env: Record<string, string>;
}

export function instructions(dockerfile: string): { keyword: string; args: string }[] {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [keyword, ...rest] = l.split(/\s+/);
      return { keyword: keyword!.toUpperCase(), args: rest.join(' ') };
    });
}

/** .dockerignore as "exclude everything, then allow": the only form this project uses. */
function allowedByIgnore(context: string, source: string): boolean {
  const file = join(context, '.dockerignore');
  if (!existsSync(file)) return true;
  const lines = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  if (lines[0] !== '*') throw new Error('.dockerignore: only "*" followed by "!path" lines are understood');
  return lines.slice(1).some((l) => l.startsWith('!') && l.slice(1).replace(/\/$/, '') === source.replace(/\/$/, ''));
}

const json = (args: string): string[] => JSON.parse(args) as string[];

export function exerciseDockerfile(context: string, workspace: string, shellEnv: Record<string, string>): ImageRun {
  const steps = instructions(readFileSync(join(context, 'Dockerfile'), 'utf8'));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  const image: Omit<ImageRun, 'root' | 'env' | 'workdir'> = { exposed: [], entrypoint: [], cmd: [], bases: [] };
  const expand = (s: string, env: Record<string, string> = {}) =>
    s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => env[a ?? b] ?? args[a ?? b] ?? '');
  const inRoot = (stage: Stage, s: string) => s.replace(/(^|[\s=:])\/(?=[A-Za-z])/g, `$1${stage.root}/`);
  for (const { keyword, args: raw } of steps) {
    const stage = stages.at(-1);
    if (keyword !== 'FROM' && keyword !== 'ARG' && !stage) throw new Error(`${keyword} before FROM`);
    switch (keyword) {
      case 'ARG': {
        const [k, v] = raw.split('=');
        args[k!] = v ?? args[k!] ?? '';
        break;
      }
      case 'FROM': {
        const [base, as, name] = expand(raw).split(/\s+/);
        image.bases.push(base!);
        const root = join(workspace, `stage${stages.length}`);
        mkdirSync(root, { recursive: true });
        chmodSync(root, 0o755);
        stages.push({ name: as?.toUpperCase() === 'AS' ? name : undefined, root, workdir: '/', env: {} });
        break;
      }
      case 'WORKDIR':
        stage!.workdir = expand(raw, stage!.env);
        mkdirSync(join(stage!.root, stage!.workdir), { recursive: true });
        break;
      case 'ENV':
        for (const m of raw.matchAll(/(\w+)=(\S+)/g)) stage!.env[m[1]!] = expand(m[2]!, stage!.env);
        break;
      case 'COPY': {
        const parts = raw.split(/\s+/);
        const from = parts[0]!.startsWith('--from=') ? parts.shift()!.slice('--from='.length) : undefined;
        const dest = parts.pop()!;
        const target = dest.startsWith('/') ? join(stage!.root, dest) : join(stage!.root, stage!.workdir, dest);
        for (const src of parts) {
          let origin: string;
          if (from) {
            const source = stages.find((s) => s.name === from);
            if (!source) throw new Error(`COPY --from=${from}: no such stage`);
            origin = join(source.root, src);
          } else {
            if (!allowedByIgnore(context, src)) throw new Error(`COPY ${src}: excluded by .dockerignore`);
            origin = join(context, src);
          }
          // `COPY a b ./` puts a and b into the directory; `COPY src ./src` copies src's contents.
          const to = dest.endsWith('/') ? join(target, basename(src)) : target;
          mkdirSync(dirname(to), { recursive: true });
          cpSync(origin, to, { recursive: true });
        }
        break;
      }
      case 'RUN':
        execFileSync('sh', ['-c', inRoot(stage!, raw)], {
          cwd: join(stage!.root, stage!.workdir),
          env: { ...shellEnv, ...stage!.env },
          stdio: 'pipe',
        });
        break;
      case 'USER': {
        const [uid, gid] = raw.split(':').map(Number);
        if (!Number.isInteger(uid)) throw new Error('USER must be numeric (runAsNonRoot can only check a numeric UID)');
        image.user = { uid: uid!, gid: gid ?? uid! };
        break;
      }
      case 'EXPOSE':
        image.exposed.push(...raw.split(/\s+/).map((p) => Number.parseInt(p, 10)));
        break;
      case 'HEALTHCHECK': {
        const at = raw.indexOf('CMD ');
        image.healthcheck = json(raw.slice(at + 4));
        break;
      }
      case 'ENTRYPOINT':
        image.entrypoint = json(raw);
        break;
      case 'CMD':
        image.cmd = json(raw);
        break;
      default:
        throw new Error(`Dockerfile instruction ${keyword} is not exercised here`);
    }
  }
  const last = stages.at(-1)!;
  const env = Object.fromEntries(
    Object.entries(last.env).map(([k, v]) => [k, v.startsWith('/') ? join(last.root, v) : v]),
  );
  return { ...image, root: last.root, env, workdir: join(last.root, last.workdir) };
}
