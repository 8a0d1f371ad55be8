/** sh's tokens: words (quotes and substitutions kept whole, for the expander) and operators. */

export class ShSyntaxError extends Error {}

export type Token = { kind: 'word'; text: string } | { kind: 'op'; text: string };

const OPERATORS = ['&&', '||', ';;', '>>', '2>&1', '&>', '2>', '>&', ';', '&', '|', '(', ')', '<', '>', '\n'];

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === ' ' || ch === '\t') {
      i++;
      continue;
    }
    if (ch === '\\' && src[i + 1] === '\n') {
      i += 2;
      continue;
    }
    if (ch === '#') {
      while (i < src.length && src[i] !== '\n') i++;
      continue;
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i) && (o !== '2>' || isWordStart(src, i)));
    if (op && !(op.startsWith('2') && !isWordStart(src, i))) {
      out.push({ kind: 'op', text: op });
      i += op.length;
      continue;
    }
    let word = '';
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\\') {
        word += src.slice(i, i + 2);
        i += 2;
      } else if (c === "'" || c === '"') {
        const end = closing(src, i);
        word += src.slice(i, end + 1);
        i = end + 1;
      } else if (c === '$' && (src[i + 1] === '(' || src[i + 1] === '{')) {
        const end = matchingBracket(src, i + 1);
        word += src.slice(i, end + 1);
        i = end + 1;
      } else if (c === '`') {
        const end = src.indexOf('`', i + 1);
        if (end < 0) throw new ShSyntaxError('Syntax error: EOF in backquote substitution');
        word += src.slice(i, end + 1);
        i = end + 1;
      } else if (' \t\n;&|()<>'.includes(c)) break;
      else {
        word += c;
        i++;
      }
    }
    out.push({ kind: 'word', text: word });
  }
  return out;
}

function isWordStart(src: string, i: number): boolean {
  return i === 0 || ' \t\n;&|('.includes(src[i - 1]!);
}

function closing(src: string, start: number): number {
  const q = src[start]!;
  for (let i = start + 1; i < src.length; i++) {
    if (q === '"' && src[i] === '\\') i++;
    else if (src[i] === q) return i;
  }
  throw new ShSyntaxError(`Syntax error: Unterminated quoted string`);
}

function matchingBracket(src: string, open: number): number {
  const pair: Record<string, string> = { '(': ')', '{': '}' };
  const close = pair[src[open]!]!;
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    if (src[i] === "'" || src[i] === '"') i = closing(src, i);
    else if (src[i] === src[open]) depth++;
    else if (src[i] === close && --depth === 0) return i;
  }
  throw new ShSyntaxError(`Syntax error: end of file unexpected (expecting "${close}")`);
}
