import { Blocked, Exited } from './process.ts';
import type { Program, Shell } from './sh-run.ts';

/** What sh itself does, in every image that has a shell. */
export const BUILTINS: Record<string, Program> = {
  ':': () => 0,
  true: () => 0,
  false: () => 1,
  echo: (_sh, argv, io) => {
    let args = argv.slice(1);
    let newline = true;
    let escapes = false;
    while (args[0] && /^-[neE]+$/.test(args[0])) {
      if (args[0].includes('n')) newline = false;
      if (args[0].includes('e')) escapes = true;
      args = args.slice(1);
    }
    let text = args.join(' ');
    if (escapes) text = unescapeText(text);
    io.out(newline ? `${text}\n` : text);
    return 0;
  },
  printf: (_sh, argv, io) => {
    const format = argv[1] ?? '';
    const args = argv.slice(2);
    let k = 0;
    let out = '';
    do {
      out += unescapeText(format).replace(/%(-?\d*)([sdif%])/g, (_, width: string, conv: string) => {
        if (conv === '%') return '%';
        const v = args[k++] ?? (conv === 's' ? '' : '0');
        const s = conv === 's' ? v : String(Math.trunc(Number(v) || 0));
        const w = Number(width);
        return w < 0 ? s.padEnd(-w) : s.padStart(w || 0);
      });
    } while (k > 0 && k < args.length);
    io.out(out);
    return 0;
  },
  exit: (sh, argv) => {
    throw new Exited(argv[1] === undefined ? sh.status : Number(argv[1]) & 255);
  },
  export: (sh, argv) => {
    for (const a of argv.slice(1)) {
      const m = /^([A-Za-z_]\w*)(?:=(.*))?$/s.exec(a);
      if (m?.[2] !== undefined) sh.vars.set(m[1]!, m[2]);
    }
    return 0;
  },
  unset: (sh, argv) => {
    for (const a of argv.slice(1)) sh.vars.delete(a);
    return 0;
  },
  cd: (sh, argv, io) => {
    const target = sh.path(argv[1] ?? sh.vars.get('HOME') ?? '/');
    if (!sh.proc.fs.isDir(target)) {
      io.err(`${sh.flavourPrefix(1)}cd: can't cd to ${argv[1]}\n`);
      return 2;
    }
    sh.cwd = target;
    return 0;
  },
  pwd: (sh, _argv, io) => {
    io.out(`${sh.cwd}\n`);
    return 0;
  },
  set: (sh, argv) => {
    for (const a of argv.slice(1)) {
      if (/^-\w*e/.test(a)) sh.errexit = true;
      if (/^\+\w*e/.test(a)) sh.errexit = false;
    }
    return 0;
  },
  trap: () => 0,
  wait: () => 0,
  sleep: (sh, argv, io) => {
    if (argv.length < 2) {
      io.err('sleep: missing operand\n');
      return 1;
    }
    let total = 0;
    for (const a of argv.slice(1)) {
      if (a === 'infinity' || a === 'inf') throw new Blocked('sleep infinity');
      const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(a);
      if (!m) {
        io.err(`sleep: invalid time interval '${a}'\n`);
        return 1;
      }
      total += Number(m[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[m[2]!]!;
    }
    sh.proc.sleep(total);
    return 0;
  },
  exec: (sh, argv, io) => {
    if (argv.length < 2) return 0;
    throw new Exited(sh.invoke(argv.slice(1), io));
  },
  eval: (sh, argv, io) => sh.script(argv.slice(1).join(' '), io),
  test: (sh, argv) => testExpr(sh, argv.slice(1)),
  '[': (sh, argv, io) => {
    if (argv[argv.length - 1] !== ']') {
      io.err(`${sh.flavourPrefix(1)}[: missing ]\n`);
      return 2;
    }
    return testExpr(sh, argv.slice(1, -1));
  },
};

function testExpr(sh: Shell, a: string[]): number {
  if (a[0] === '!') return testExpr(sh, a.slice(1)) === 0 ? 1 : 0;
  const ok = (b: boolean) => (b ? 0 : 1);
  if (a.length === 0) return 1;
  if (a.length === 1) return ok(a[0] !== '');
  if (a.length === 2) {
    const [op, v] = a as [string, string];
    const path = sh.path(v);
    switch (op) {
      case '-z':
        return ok(v === '');
      case '-n':
        return ok(v !== '');
      case '-f':
        return ok(sh.proc.fs.files.has(path));
      case '-d':
        return ok(sh.proc.fs.isDir(path));
      case '-e':
        return ok(sh.proc.fs.files.has(path) || sh.proc.fs.isDir(path));
      case '-s':
        return ok(Boolean(sh.proc.fs.files.get(path)));
    }
    return 2;
  }
  const [x, op, y] = a as [string, string, string];
  const n = (s: string) => Number(s);
  switch (op) {
    case '=':
    case '==':
      return ok(x === y);
    case '!=':
      return ok(x !== y);
    case '-eq':
      return ok(n(x) === n(y));
    case '-ne':
      return ok(n(x) !== n(y));
    case '-lt':
      return ok(n(x) < n(y));
    case '-le':
      return ok(n(x) <= n(y));
    case '-gt':
      return ok(n(x) > n(y));
    case '-ge':
      return ok(n(x) >= n(y));
  }
  return 2;
}

export function unescapeText(s: string): string {
  return s.replace(/\\([ntr\\0]|x[0-9a-fA-F]{2})/g, (_, c: string) =>
    c === 'n'
      ? '\n'
      : c === 't'
        ? '\t'
        : c === 'r'
          ? '\r'
          : c === '\\'
            ? '\\'
            : c === '0'
              ? ''
              : String.fromCharCode(parseInt(c.slice(1), 16)),
  );
}
