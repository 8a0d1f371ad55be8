import { Blocked } from './process.ts';
import type { Io, Program, Shell } from './sh-run.ts';

/** Reads the named files (or stdin), printing `prog: file: No such file or directory` for missing ones. */
function inputs(sh: Shell, prog: string, files: string[], io: Io): { text: string; ok: boolean } {
  if (files.length === 0) return { text: io.stdin, ok: true };
  let text = '';
  let ok = true;
  for (const f of files) {
    if (f === '-') {
      text += io.stdin;
      continue;
    }
    const path = sh.path(f);
    const content = sh.proc.fs.files.get(path);
    if (content !== undefined) text += content;
    else {
      ok = false;
      io.err(sh.proc.fs.isDir(path) ? `${prog}: ${f}: Is a directory\n` : `${prog}: ${f}: No such file or directory\n`);
    }
  }
  return { text, ok };
}

const flagsAndArgs = (argv: string[]) => ({
  flags: argv.slice(1).filter((a) => /^-\w/.test(a)),
  args: argv.slice(1).filter((a) => !/^-\w/.test(a)),
});

const lines = (text: string) => text.split('\n').slice(0, text.endsWith('\n') ? -1 : undefined);

/** The coreutils every image with a shell has (GNU or busybox, whose wording mostly agrees). */
export const COREUTILS: Record<string, Program> = {
  cat: (sh, argv, io) => {
    const { text, ok } = inputs(sh, 'cat', flagsAndArgs(argv).args, io);
    io.out(text);
    return ok ? 0 : 1;
  },
  ls: (sh, argv, io) => {
    const { flags, args } = flagsAndArgs(argv);
    let status = 0;
    const long = flags.some((f) => f.includes('l'));
    for (const a of args.length ? args : ['.']) {
      const path = sh.path(a);
      if (sh.proc.fs.files.has(path)) io.out(`${a}\n`);
      else if (sh.proc.fs.isDir(path)) {
        const names = sh.proc.fs.list(path).filter((n) => flags.some((f) => f.includes('a')) || !n.startsWith('.'));
        io.out(
          names.map((n) => (long ? `-rw-r--r--    1 root     root  ${n}` : n)).join('\n') + (names.length ? '\n' : ''),
        );
      } else {
        io.err(`ls: cannot access '${a}': No such file or directory\n`);
        status = 2;
      }
    }
    return status;
  },
  touch: (sh, argv) => {
    for (const a of flagsAndArgs(argv).args) {
      const p = sh.path(a);
      sh.proc.fs.write(sh.proc.t, p, sh.proc.fs.files.get(p) ?? '');
    }
    return 0;
  },
  mkdir: (sh, argv) => {
    for (const a of flagsAndArgs(argv).args) sh.proc.fs.dirs.add(sh.path(a));
    return 0;
  },
  rm: (sh, argv, io) => {
    const { flags, args } = flagsAndArgs(argv);
    const force = flags.some((f) => f.includes('f'));
    let status = 0;
    for (const a of args) {
      if (!sh.proc.fs.remove(sh.proc.t, sh.path(a)) && !force) {
        io.err(`rm: cannot remove '${a}': No such file or directory\n`);
        status = 1;
      }
    }
    return status;
  },
  cp: (sh, argv, io) => {
    const [from, to] = flagsAndArgs(argv).args;
    const content = from === undefined ? undefined : sh.proc.fs.files.get(sh.path(from));
    if (content === undefined || to === undefined) {
      io.err(`cp: cannot stat '${from}': No such file or directory\n`);
      return 1;
    }
    sh.proc.fs.write(sh.proc.t, sh.path(to), content);
    return 0;
  },
  date: (sh, _argv, io) => {
    io.out(`${new Date(Date.UTC(2026, 0, 1) + sh.proc.t * 1000).toUTCString().replace('GMT', 'UTC')}\n`);
    return 0;
  },
  hostname: (sh, _argv, io) => {
    io.out(`${sh.proc.hostname}\n`);
    return 0;
  },
  env: (sh, argv, io) => {
    if (argv.length > 1) return sh.invoke(argv.slice(1), io);
    io.out([...sh.vars].map(([k, v]) => `${k}=${v}\n`).join(''));
    return 0;
  },
  printenv: (sh, argv, io) => {
    if (argv.length === 1) return COREUTILS.env!(sh, ['env'], io);
    const values = argv.slice(1).map((k) => sh.vars.get(k));
    for (const v of values) if (v !== undefined) io.out(`${v}\n`);
    return values.every((v) => v !== undefined) ? 0 : 1;
  },
  seq: (_sh, argv, io) => {
    const n = argv.slice(1).map(Number);
    const [first, step, last] =
      n.length === 1 ? [1, 1, n[0]!] : n.length === 2 ? [n[0]!, 1, n[1]!] : (n as [number, number, number]);
    const out: number[] = [];
    for (let i = first; step > 0 ? i <= last : i >= last; i += step) {
      out.push(i);
      if (out.length > 10_000) break;
    }
    io.out(out.map((x) => `${x}\n`).join(''));
    return 0;
  },
  head: (sh, argv, io) => headTail(sh, argv, io, 'head'),
  tail: (sh, argv, io) => {
    if (argv.includes('-f') || argv.includes('-F')) throw new Blocked('tail -f');
    return headTail(sh, argv, io, 'tail');
  },
  wc: (sh, argv, io) => {
    const { flags, args } = flagsAndArgs(argv);
    const { text, ok } = inputs(sh, 'wc', args, io);
    const counts = { l: lines(text).length, w: text.split(/\s+/).filter(Boolean).length, c: text.length };
    const which = flags.length
      ? (['l', 'w', 'c'] as const).filter((k) => flags.some((f) => f.includes(k)))
      : (['l', 'w', 'c'] as const);
    io.out(`${which.map((k) => counts[k]).join(' ')}${args.length ? ` ${args.join(' ')}` : ''}\n`);
    return ok ? 0 : 1;
  },
  grep: (sh, argv, io) => {
    const { flags, args } = flagsAndArgs(argv);
    const has = (c: string) => flags.some((f) => f.includes(c));
    const [pattern = '', ...files] = args;
    const { text, ok } = inputs(sh, 'grep', files, io);
    let re: RegExp;
    try {
      re = new RegExp(pattern, has('i') ? 'i' : '');
    } catch {
      re = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    }
    const matched = lines(text).filter((l) => re.test(l) !== has('v'));
    if (has('c')) io.out(`${matched.length}\n`);
    else if (!has('q')) io.out(matched.map((l) => `${l}\n`).join(''));
    return !ok ? 2 : matched.length ? 0 : 1;
  },
  sort: (sh, argv, io) => {
    const { text } = inputs(sh, 'sort', flagsAndArgs(argv).args, io);
    io.out(
      lines(text)
        .sort()
        .map((l) => `${l}\n`)
        .join(''),
    );
    return 0;
  },
  uniq: (sh, argv, io) => {
    const { text } = inputs(sh, 'uniq', flagsAndArgs(argv).args, io);
    io.out(
      lines(text)
        .filter((l, i, all) => i === 0 || all[i - 1] !== l)
        .map((l) => `${l}\n`)
        .join(''),
    );
    return 0;
  },
  tee: (sh, argv, io) => {
    for (const f of flagsAndArgs(argv).args) sh.proc.fs.write(sh.proc.t, sh.path(f), io.stdin);
    io.out(io.stdin);
    return 0;
  },
  basename: (_sh, argv, io) => {
    io.out(`${(argv[1] ?? '').replace(/\/$/, '').split('/').pop()}\n`);
    return 0;
  },
  dirname: (_sh, argv, io) => {
    const p = (argv[1] ?? '').replace(/\/$/, '');
    io.out(`${p.includes('/') ? p.slice(0, p.lastIndexOf('/')) || '/' : '.'}\n`);
    return 0;
  },
  id: (_sh, _argv, io) => {
    io.out('uid=0(root) gid=0(root) groups=0(root)\n');
    return 0;
  },
  whoami: (_sh, _argv, io) => {
    io.out('root\n');
    return 0;
  },
  uname: (_sh, argv, io) => {
    io.out(argv.includes('-a') ? 'Linux sandbox 6.8.0 #1 SMP x86_64 GNU/Linux\n' : 'Linux\n');
    return 0;
  },
  nproc: (_sh, _argv, io) => {
    io.out('4\n');
    return 0;
  },
  yes: () => {
    throw new Blocked('yes');
  },
};

function headTail(sh: Shell, argv: string[], io: Io, prog: 'head' | 'tail'): number {
  let n = 10;
  const files: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-n') n = Number(argv[++i]);
    else if (/^-n?\d+$/.test(a)) n = Number(a.replace(/^-n?/, ''));
    else files.push(a);
  }
  const { text, ok } = inputs(sh, prog, files, io);
  const all = lines(text);
  const picked = prog === 'head' ? all.slice(0, n) : all.slice(Math.max(0, all.length - n));
  io.out(picked.map((l) => `${l}\n`).join(''));
  return ok ? 0 : 1;
}
