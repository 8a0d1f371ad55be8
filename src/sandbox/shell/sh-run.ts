import { Blocked, Exited, type Proc, type ShellFlavour } from './process.ts';
import { expandWord } from './sh-expand.ts';
import { type Command, type List, type Pipeline, parse, type Redirect, ShSyntaxError, type Word } from './sh-parse.ts';

export interface Io {
  stdin: string;
  out(text: string): void;
  err(text: string): void;
}

/** A program the image ships: runs against the shell's process and returns its exit status. */
export type Program = (sh: Shell, argv: string[], io: Io) => number;

/** Which programs an image has, and which shell answers when one is missing. */
export interface Toolbox {
  flavour: ShellFlavour;
  program(name: string): Program | undefined;
}

/** An interpreter for the bounded grammar, running in one simulated process. */
export class Shell {
  status = 0;
  errexit = false;
  cwd = '/';
  readonly vars: Map<string, string>;
  readonly proc: Proc;
  readonly tools: Toolbox;
  readonly name: string;
  args: string[];

  constructor(proc: Proc, tools: Toolbox, name: string, args: string[] = []) {
    this.proc = proc;
    this.tools = tools;
    this.name = name;
    this.args = args;
    this.vars = new Map(proc.env);
  }

  /** Runs a script as `sh -c` does; syntax errors print as the shell prints them (exit 2). */
  script(src: string, io: Io): number {
    let list: List;
    try {
      list = parse(src);
    } catch (e) {
      if (!(e instanceof ShSyntaxError)) throw e;
      io.err(this.flavourPrefix(1) + `${e.message}\n`);
      return 2;
    }
    return this.list(list, io);
  }

  flavourPrefix(line: number): string {
    if (this.tools.flavour === 'bash') return `${this.name}: line ${line}: `;
    if (this.tools.flavour === 'dash') return `${this.name}: ${line}: `;
    return `${this.name}: `;
  }

  list(list: List, io: Io): number {
    for (let i = 0; i < list.length; i++) {
      const { pipeline, op } = list[i]!;
      const prev = i > 0 ? list[i - 1]!.op : ';';
      if ((prev === '&&' && this.status !== 0) || (prev === '||' && this.status === 0)) {
        continue;
      }
      if (op === '&') {
        this.background(pipeline, io);
        this.status = 0;
        continue;
      }
      this.status = this.pipeline(pipeline, io);
      if (this.errexit && this.status !== 0 && op !== '&&' && op !== '||' && !pipeline.negate)
        throw new Exited(this.status);
    }
    return this.status;
  }

  /** A background job runs on its own clock; if it blocks (a server), the port stays open. */
  private background(pipeline: Pipeline, io: Io): void {
    const t = this.proc.t;
    try {
      this.pipeline(pipeline, io);
    } catch (e) {
      if (!(e instanceof Blocked) && !(e instanceof Exited)) throw e;
    }
    this.proc.t = t;
  }

  private pipeline(p: Pipeline, io: Io): number {
    let stdin = io.stdin;
    let status = 0;
    p.commands.forEach((c, i) => {
      const last = i === p.commands.length - 1;
      let captured = '';
      const stage: Io = last ? { ...io, stdin } : { stdin, out: (s) => (captured += s), err: io.err };
      status = this.command(c, stage);
      stdin = captured;
    });
    return p.negate ? (status === 0 ? 1 : 0) : status;
  }

  private command(c: Command, io0: Io): number {
    this.proc.step();
    const io = this.redirect(c.redirects, io0);
    if (!io) return 1;
    switch (c.type) {
      case 'group': {
        if (!c.subshell) return this.list(c.body, io);
        return this.subshell(() => this.list(c.body, io));
      }
      case 'if': {
        for (const b of c.branches) if (this.list(b.cond, io) === 0) return this.list(b.body, io);
        return c.otherwise ? this.list(c.otherwise, io) : 0;
      }
      case 'loop': {
        let status = 0;
        for (;;) {
          const ok = this.list(c.cond, io) === 0;
          if (ok === c.until) return status;
          status = this.list(c.body, io);
        }
      }
      case 'for': {
        const items = c.items ? c.items.flatMap((w) => this.expand(w)) : this.args;
        let status = 0;
        for (const item of items) {
          this.vars.set(c.name, item);
          status = this.list(c.body, io);
        }
        return status;
      }
      case 'simple':
        return this.simple(c, io);
    }
  }

  private simple(c: Extract<Command, { type: 'simple' }>, io: Io): number {
    const argv = c.words.flatMap((w) => this.expand(w));
    const assigned = c.assigns.map((a) => [a.name, this.expand(a.value, false).join(' ')] as const);
    if (argv.length === 0) {
      for (const [k, v] of assigned) this.vars.set(k, v);
      return 0;
    }
    const saved = assigned.map(([k]) => [k, this.vars.get(k)] as const);
    for (const [k, v] of assigned) this.vars.set(k, v);
    try {
      return this.invoke(argv, io);
    } finally {
      for (const [k, v] of saved) v === undefined ? this.vars.delete(k) : this.vars.set(k, v);
    }
  }

  /** Runs argv[0] as a builtin or a program of the image; a missing one is 127, worded by the shell. */
  invoke(argv: string[], io: Io): number {
    const name = argv[0]!;
    const program = this.tools.program(name.includes('/') ? name.slice(name.lastIndexOf('/') + 1) : name);
    if (!program) {
      io.err(
        this.tools.flavour === 'bash'
          ? `${this.flavourPrefix(1)}${name}: command not found\n`
          : `${this.flavourPrefix(1)}${name}: not found\n`,
      );
      return 127;
    }
    return program(this, argv, io);
  }

  subshell(run: () => number): number {
    const vars = new Map(this.vars);
    const cwd = this.cwd;
    try {
      return run();
    } catch (e) {
      if (e instanceof Exited) return e.code;
      throw e;
    } finally {
      this.vars.clear();
      for (const [k, v] of vars) this.vars.set(k, v);
      this.cwd = cwd;
    }
  }

  path(p: string): string {
    const abs = p.startsWith('/') ? p : `${this.cwd.replace(/\/$/, '')}/${p}`;
    const parts: string[] = [];
    for (const seg of abs.split('/')) {
      if (!seg || seg === '.') continue;
      if (seg === '..') parts.pop();
      else parts.push(seg);
    }
    return `/${parts.join('/')}`;
  }

  private redirect(redirects: Redirect[], io: Io): Io | undefined {
    let next = { ...io };
    for (const r of redirects) {
      const [rawTarget, both] = r.target.split('\u0000');
      const target = this.expand(rawTarget!, false).join(' ');
      if (r.op === '>&') {
        if (r.fd === 2 && target === '1') next = { ...next, err: next.out };
        else if (r.fd === 1 && target === '2') next = { ...next, out: next.err };
        continue;
      }
      if (r.op === '<') {
        const content = this.proc.fs.files.get(this.path(target));
        if (content === undefined) {
          io.err(`${this.flavourPrefix(1)}cannot open ${target}: No such file\n`);
          return undefined;
        }
        next = { ...next, stdin: content };
        continue;
      }
      const sink = this.fileSink(target, r.op === '>>');
      if (r.fd === 1) next = { ...next, out: sink, ...(both ? { err: sink } : {}) };
      else next = { ...next, err: sink };
    }
    return next;
  }

  private fileSink(target: string, append: boolean): (s: string) => void {
    if (target === '/dev/null') return () => {};
    if (target === '/dev/stdout' || target === '/proc/1/fd/1') return (s) => this.proc.log(s);
    if (target === '/dev/stderr' || target === '/proc/1/fd/2') return (s) => this.proc.log(s);
    const path = this.path(target);
    if (!append) this.proc.fs.write(this.proc.t, path, '');
    return (s) => this.proc.fs.write(this.proc.t, path, (this.proc.fs.files.get(path) ?? '') + s);
  }

  /** Expands one word: quotes, `$VAR`, `${…}`, `$(…)`, `$((…))`; unquoted results split on blanks. */
  expand(word: Word, split = true): string[] {
    return expandWord(this, word, split);
  }

  /** `$(…)`: the script's stdout, trailing newlines removed; its status becomes `$?`. */
  substitute(src: string): string {
    let captured = '';
    const status = this.subshell(() =>
      this.script(src, { stdin: '', out: (s) => (captured += s), err: (s) => this.proc.log(s) }),
    );
    this.status = status;
    return captured.replace(/\n+$/, '');
  }

  variable(name: string): string {
    if (name === '?') return String(this.status);
    if (name === '$') return '1';
    if (name === '#') return String(this.args.length);
    if (name === '@' || name === '*') return this.args.join(' ');
    if (/^[0-9]$/.test(name)) return name === '0' ? this.name : (this.args[Number(name) - 1] ?? '');
    return this.vars.get(name) ?? '';
  }
}
