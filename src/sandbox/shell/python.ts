import { Blocked, Exited } from './process.ts';
import type { Io, Program, Shell } from './sh-run.ts';

/**
 * `python`/`python3` in the official image, bounded: `-c CODE`, `script.py`, `-m http.server`.
 * Code is checked for the syntax errors people actually make (Python 2 print, unbalanced
 * brackets or quotes, a missing colon or indented block) and then run statement by statement:
 * print of literals, imports (the standard library only), time.sleep, sys.exit, raise, a memory
 * hog's allocation, and `while True:` loops. Anything else is taken to succeed silently.
 */
export const python: Program = (sh, argv, io) => {
  const args = argv.slice(1).filter((a) => a !== '-u');
  if (args[0] === '--version' || args[0] === '-V') {
    io.out('Python 3.12.7\n');
    return 0;
  }
  if (args[0] === '-c') return runCode(sh, args[1] ?? '', '<string>', io);
  if (args[0] === '-m') {
    if (args[1] === 'http.server') {
      const port = Number(args.slice(2).find((a) => /^\d+$/.test(a)) ?? 8000);
      const files = [...sh.proc.fs.files].filter(([f]) => f.startsWith(sh.cwd === '/' ? '/' : `${sh.cwd}/`));
      const listing = `<!DOCTYPE HTML>\n<html><body><h1>Directory listing for /</h1></body></html>\n`;
      sh.proc.listen(
        port,
        new Map([
          ['/', listing],
          ...files.map(([f, c]): [string, string] => [f.slice(sh.cwd.length === 1 ? 0 : sh.cwd.length), c]),
        ]),
      );
      io.err(`Serving HTTP on 0.0.0.0 port ${port} (http://0.0.0.0:${port}/) ...\n`);
      throw new Blocked('http.server');
    }
    io.err(`${argv[0]}: No module named ${args[1]}\n`);
    return 1;
  }
  if (args[0] === undefined) return 0; // no tty: reads an empty stdin and exits
  const file = sh.path(args[0]);
  const code = sh.proc.fs.files.get(file);
  if (code === undefined) {
    io.err(`${argv[0]}: can't open file '${file}': [Errno 2] No such file or directory\n`);
    return 2;
  }
  return runCode(sh, code, file, io);
};

const STDLIB = new Set(
  'os sys time json math random socket http http.server urllib urllib.request re datetime signal logging threading subprocess pathlib collections itertools functools typing hashlib base64 uuid string io shutil tempfile argparse'.split(
    ' ',
  ),
);
const BLOCK = /^(if|elif|else|for|while|def|class|try|except|finally|with)\b/;

function runCode(sh: Shell, code: string, file: string, io: Io): number {
  // Statements split on newlines and on semicolons outside quotes; each remembers its source line.
  const source = code.split('\n');
  const lines: string[] = [];
  const origin: number[] = [];
  source.forEach((text, n) => {
    const indent = text.length - text.trimStart().length;
    text.split(/;(?=(?:[^'"]*['"][^'"]*['"])*[^'"]*$)/).forEach((part, k) => {
      lines.push((k === 0 ? part : ' '.repeat(indent) + part.trim()).replace(/\s+$/, ''));
      origin.push(n);
    });
  });
  const error = syntaxError(lines);
  if (error) {
    const text = source[origin[error.line]!]!.trim();
    io.err(
      `  File "${file}", line ${origin[error.line]! + 1}\n    ${text}\n    ${'^'.repeat(Math.max(1, text.length))}\n${error.message}\n`,
    );
    return 1;
  }
  try {
    execBlock(sh, lines, 0, lines.length, io, file);
    return 0;
  } catch (e) {
    if (e instanceof PyError) {
      io.err(
        `Traceback (most recent call last):\n  File "${file}", line ${origin[e.line]! + 1}, in <module>\n${e.message}\n`,
      );
      return 1;
    }
    throw e;
  }
}

class PyError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(message);
    this.line = line;
  }
}

function syntaxError(lines: string[]): { line: number; message: string } | undefined {
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!.trim();
    if (!l || l.startsWith('#')) continue;
    if (/^print\s+["'\w]/.test(l))
      return { line: i, message: `SyntaxError: Missing parentheses in call to 'print'. Did you mean print(...)?` };
    const stripped = l.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '""');
    if (/["']/.test(stripped.replace(/""/g, '')))
      return { line: i, message: 'SyntaxError: unterminated string literal (detected at line ' + (i + 1) + ')' };
    for (const ch of stripped) {
      if ('([{'.includes(ch)) depth++;
      if (')]}'.includes(ch) && --depth < 0) return { line: i, message: `SyntaxError: unmatched '${ch}'` };
    }
    if (depth > 0 && i === lines.length - 1) return { line: i, message: `SyntaxError: '(' was never closed` };
    if (BLOCK.test(l) && depth === 0 && !l.endsWith(':') && !/:\s*\S/.test(l.replace(/\[[^\]]*\]/g, '')))
      return { line: i, message: `SyntaxError: expected ':'` };
    if (BLOCK.test(l) && l.endsWith(':')) {
      const next = lines.slice(i + 1).find((x) => x.trim());
      const indent = (s: string) => s.length - s.trimStart().length;
      if (!next || indent(next) <= indent(lines[i]!))
        return {
          line: Math.min(i + 1, lines.length - 1),
          message: `IndentationError: expected an indented block after '${l.split(/\W/)[0]}' statement on line ${i + 1}`,
        };
    }
    if (/=\s*$/.test(l) && !/[=!<>]=\s*$/.test(l)) return { line: i, message: 'SyntaxError: invalid syntax' };
  }
  return undefined;
}

function execBlock(sh: Shell, lines: string[], from: number, to: number, io: Io, file: string): void {
  for (let i = from; i < to; i++) {
    const raw = lines[i]!;
    const l = raw.trim();
    if (!l || l.startsWith('#')) continue;
    sh.proc.step();
    const indent = raw.length - raw.trimStart().length;
    if (BLOCK.test(l) && l.endsWith(':')) {
      let end = i + 1;
      while (end < to && (!lines[end]!.trim() || lines[end]!.length - lines[end]!.trimStart().length > indent)) end++;
      if (/^while\s+(True|1)\s*:$/.test(l)) {
        for (;;) execBlock(sh, lines, i + 1, end, io, file);
      }
      if (/^(if|for|with|try)\b/.test(l)) execBlock(sh, lines, i + 1, end, io, file);
      i = end - 1;
      continue;
    }
    statement(sh, l, i, io);
  }
}

function statement(sh: Shell, l: string, line: number, io: Io): void {
  let m = /^(?:import|from)\s+([\w.]+)/.exec(l);
  if (m) {
    if (!STDLIB.has(m[1]!) && !STDLIB.has(m[1]!.split('.')[0]!))
      throw new PyError(`ModuleNotFoundError: No module named '${m[1]!.split('.')[0]}'`, line);
    return;
  }
  m = /^print\((.*)\)$/.exec(l);
  if (m) {
    io.out(`${literal(m[1]!)}\n`);
    return;
  }
  m = /^(?:time\.)?sleep\(([\d.]+)\)$/.exec(l);
  if (m) {
    sh.proc.sleep(Number(m[1]));
    return;
  }
  m = /^(?:sys\.exit|exit|quit)\((.*)\)$/.exec(l);
  if (m) {
    const arg = m[1]!.trim();
    if (arg && !/^\d+$/.test(arg)) io.err(`${literal(arg)}\n`);
    throw new Exited(/^\d+$/.test(arg) ? Number(arg) : arg ? 1 : 0);
  }
  m = /^raise\s+(\w+)(?:\((.*)\))?$/.exec(l);
  if (m) throw new PyError(`${m[1]}${m[2] ? `: ${literal(m[2])}` : ''}`, line);
  if (/\b\d+\s*\/\s*0\b/.test(l)) throw new PyError('ZeroDivisionError: division by zero', line);
  m =
    /(?:bytearray|bytes|' '\s*\*|"\s*"\s*\*|\[0\]\s*\*)\s*\(?\s*([\d_]+)(?:\s*\*\s*([\d_]+))*(?:\s*\*\s*([\d_]+))?/.exec(
      l,
    );
  if (m) {
    const bytes = [m[1], m[2], m[3]].filter(Boolean).reduce((n, x) => n * Number(x!.replace(/_/g, '')), 1);
    sh.proc.memoryMi += bytes / (1024 * 1024);
  }
}

function literal(expr: string): string {
  const parts = expr.split(/\s*,\s*(?=(?:[^'"]*['"][^'"]*['"])*[^'"]*$)/);
  return parts
    .map((p) => {
      const s = /^f?(["'])(.*)\1$/s.exec(p.trim());
      return s ? s[2]!.replace(/\\n/g, '\n') : p.trim();
    })
    .join(' ');
}
