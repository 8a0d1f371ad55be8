import { arithmetic } from './arithmetic.ts';
import { Exited } from './process.ts';
import { ShSyntaxError, type Word } from './sh-parse.ts';
import type { Shell } from './sh-run.ts';

/** Expands one word as sh does: quotes, `$VAR`, `${…}`, `$(…)`, `$((…))`; unquoted results split on blanks. */
export function expandWord(sh: Shell, word: Word, split: boolean): string[] {
  const fields: string[] = [];
  let cur = '';
  let quotedSomething = false;
  const pushSplit = (value: string) => {
    const parts = value.split(/[ \t\n]+/);
    parts.forEach((p, i) => {
      if (i > 0) {
        if (cur || quotedSomething) fields.push(cur);
        cur = '';
        quotedSomething = false;
      }
      cur += p;
    });
  };
  let i = 0;
  while (i < word.length) {
    const ch = word[i]!;
    if (ch === "'") {
      const end = word.indexOf("'", i + 1);
      cur += word.slice(i + 1, end);
      quotedSomething = true;
      i = end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < word.length && word[j] !== '"') {
        if (word[j] === '\\' && '"\\$`'.includes(word[j + 1] ?? '')) {
          cur += word[j + 1];
          j += 2;
        } else if (word[j] === '$' || word[j] === '`') {
          const { value, end } = dollar(sh, word, j);
          cur += value;
          j = end;
        } else cur += word[j++];
      }
      quotedSomething = true;
      i = j + 1;
    } else if (ch === '\\') {
      cur += word[i + 1] ?? '';
      i += 2;
    } else if (ch === '$' || ch === '`') {
      const { value, end } = dollar(sh, word, i);
      if (split) pushSplit(value);
      else cur += value;
      i = end;
    } else {
      cur += ch;
      i++;
    }
  }
  if (cur || quotedSomething) fields.push(cur);
  return fields;
}

function dollar(sh: Shell, word: string, i: number): { value: string; end: number } {
  if (word[i] === '`') {
    const end = word.indexOf('`', i + 1);
    return { value: sh.substitute(word.slice(i + 1, end)), end: end + 1 };
  }
  const next = word[i + 1];
  if (next === '(' && word[i + 2] === '(') {
    const end = word.indexOf('))', i);
    const expr = word.slice(i + 3, end).replace(/\$?([A-Za-z_]\w*)/g, (_, v) => sh.vars.get(v) || '0');
    return { value: String(arithmetic(expr)), end: end + 2 };
  }
  if (next === '(') {
    const end = closeParen(word, i + 1);
    return { value: sh.substitute(word.slice(i + 2, end)), end: end + 1 };
  }
  if (next === '{') {
    const end = word.indexOf('}', i);
    return { value: parameter(sh, word.slice(i + 2, end)), end: end + 1 };
  }
  const m = /^(\?|\$|#|@|\*|[0-9]|[A-Za-z_]\w*)/.exec(word.slice(i + 1));
  if (!m) return { value: '$', end: i + 1 };
  return { value: sh.variable(m[1]!), end: i + 1 + m[1]!.length };
}

/** `${VAR}`, `${#VAR}`, `${VAR:-word}`, `${VAR:=word}`, `${VAR:+word}`, `${VAR:?}`. */
function parameter(sh: Shell, expr: string): string {
  if (expr.startsWith('#')) return String(sh.variable(expr.slice(1)).length);
  const m = /^([A-Za-z_]\w*|[0-9?#@*$])(:?[-=+?])?(.*)$/s.exec(expr);
  if (!m) throw new ShSyntaxError(`\${${expr}}: Bad substitution`);
  const value = sh.variable(m[1]!);
  const unset = m[2]?.startsWith(':') ? !value : !sh.vars.has(m[1]!);
  const word = () => expandWord(sh, m[3]!, false).join(' ');
  switch (m[2]?.replace(':', '')) {
    case '-':
      return unset ? word() : value;
    case '=':
      if (unset) sh.vars.set(m[1]!, word());
      return sh.variable(m[1]!);
    case '+':
      return unset ? '' : word();
    case '?':
      if (unset) throw new Exited(2);
      return value;
  }
  return value;
}

function closeParen(word: string, open: number): number {
  let depth = 0;
  for (let i = open; i < word.length; i++) {
    if (word[i] === '(') depth++;
    else if (word[i] === ')' && --depth === 0) return i;
  }
  return word.length;
}
