/**
 * A bounded POSIX sh grammar, enough for what container commands, probes and task scripts use:
 * sequences (`;`, newlines), `&&`/`||`, pipes, `&`, `!`, redirects (`>`, `>>`, `<`, `2>`, `2>&1`,
 * `&>`), `if`/`while`/`until`/`for` and `{ …; }`/`( … )` groups. Words keep their quoting; the
 * interpreter expands them. Anything outside the grammar is a syntax error, as sh reports it.
 */

export type Word = string;

export interface Redirect {
  fd: 1 | 2 | 0;
  op: '>' | '>>' | '<' | '>&';
  target: Word;
}

export type Command =
  | { type: 'simple'; assigns: { name: string; value: Word }[]; words: Word[]; redirects: Redirect[] }
  | { type: 'if'; branches: { cond: List; body: List }[]; otherwise?: List; redirects: Redirect[] }
  | { type: 'loop'; until: boolean; cond: List; body: List; redirects: Redirect[] }
  | { type: 'for'; name: string; items: Word[] | undefined; body: List; redirects: Redirect[] }
  | { type: 'group'; subshell: boolean; body: List; redirects: Redirect[] };

export interface Pipeline {
  negate: boolean;
  commands: Command[];
}

/** `op` joins an item to the next one: `;`, `&&`, `||`, or `&` (run in the background). */
export type List = { pipeline: Pipeline; op: ';' | '&&' | '||' | '&' }[];

import { ShSyntaxError, type Token, tokenize } from './sh-tokens.ts';

export { ShSyntaxError };

const RESERVED = new Set(['then', 'elif', 'else', 'fi', 'do', 'done', '}', 'in']);

export function parse(src: string): List {
  const p = new Parser(tokenize(src));
  const list = p.list([]);
  if (p.peek()) throw new ShSyntaxError(`Syntax error: "${p.peek()!.text}" unexpected`);
  return list;
}

class Parser {
  private i = 0;
  private readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isWord(text: string): boolean {
    const t = this.peek();
    return t?.kind === 'word' && t.text === text;
  }

  private expectWord(text: string): void {
    if (!this.isWord(text)) {
      const got = this.peek();
      throw new ShSyntaxError(
        got
          ? `Syntax error: "${got.text}" unexpected (expecting "${text}")`
          : `Syntax error: end of file unexpected (expecting "${text}")`,
      );
    }
    this.i++;
  }

  private skipNewlines(): void {
    while (this.peek()?.text === '\n' && this.peek()?.kind === 'op') this.i++;
  }

  /** Items until a reserved word in `stop` (or the end, or `)`). */
  list(stop: string[]): List {
    const items: List = [];
    this.skipNewlines();
    while (this.peek()) {
      const t = this.peek()!;
      if (t.kind === 'word' && stop.includes(t.text)) break;
      if (t.kind === 'op' && t.text === ')') break;
      const pipeline = this.pipeline();
      const next = this.peek();
      let op: List[number]['op'] = ';';
      if (next?.kind === 'op' && ['&&', '||', ';', '&', '\n'].includes(next.text)) {
        op = next.text === '\n' ? ';' : (next.text as List[number]['op']);
        this.i++;
        this.skipNewlines();
      }
      items.push({ pipeline, op });
      if ((op === '&&' || op === '||') && !this.peek()) throw new ShSyntaxError('Syntax error: end of file unexpected');
    }
    return items;
  }

  private pipeline(): Pipeline {
    let negate = false;
    if (this.isWord('!')) {
      negate = true;
      this.i++;
    }
    const commands = [this.command()];
    while (this.peek()?.kind === 'op' && this.peek()!.text === '|') {
      this.i++;
      this.skipNewlines();
      commands.push(this.command());
    }
    return { negate, commands };
  }

  private command(): Command {
    const t = this.peek();
    if (!t) throw new ShSyntaxError('Syntax error: end of file unexpected');
    if (t.kind === 'op' && t.text === '(') {
      this.i++;
      const body = this.list([]);
      if (this.peek()?.text !== ')') throw new ShSyntaxError('Syntax error: end of file unexpected (expecting ")")');
      this.i++;
      return { type: 'group', subshell: true, body, redirects: this.redirects() };
    }
    if (t.kind === 'op') throw new ShSyntaxError(`Syntax error: "${t.text}" unexpected`);
    if (RESERVED.has(t.text)) throw new ShSyntaxError(`Syntax error: "${t.text}" unexpected`);
    switch (t.text) {
      case '{': {
        this.i++;
        const body = this.list(['}']);
        this.expectWord('}');
        return { type: 'group', subshell: false, body, redirects: this.redirects() };
      }
      case 'if': {
        this.i++;
        const first = this.list(['then']);
        this.expectWord('then');
        const branches = [{ cond: first, body: this.list(['elif', 'else', 'fi']) }];
        let otherwise: List | undefined;
        while (this.isWord('elif')) {
          this.i++;
          const cond = this.list(['then']);
          this.expectWord('then');
          branches.push({ cond, body: this.list(['elif', 'else', 'fi']) });
        }
        if (this.isWord('else')) {
          this.i++;
          otherwise = this.list(['fi']);
        }
        this.expectWord('fi');
        return { type: 'if', branches, otherwise, redirects: this.redirects() };
      }
      case 'while':
      case 'until': {
        this.i++;
        const cond = this.list(['do']);
        this.expectWord('do');
        const body = this.list(['done']);
        this.expectWord('done');
        return { type: 'loop', until: t.text === 'until', cond, body, redirects: this.redirects() };
      }
      case 'for': {
        this.i++;
        const name = this.peek();
        if (name?.kind !== 'word' || !/^[A-Za-z_]\w*$/.test(name.text))
          throw new ShSyntaxError(`Syntax error: Bad for loop variable`);
        this.i++;
        let items: Word[] | undefined;
        this.skipNewlines();
        if (this.isWord('in')) {
          this.i++;
          items = [];
          while (this.peek()?.kind === 'word' && this.peek()!.text !== 'do') items.push(this.tokens[this.i++]!.text);
        }
        if (this.peek()?.kind === 'op' && [';', '\n'].includes(this.peek()!.text)) this.i++;
        this.skipNewlines();
        this.expectWord('do');
        const body = this.list(['done']);
        this.expectWord('done');
        return { type: 'for', name: name.text, items, body, redirects: this.redirects() };
      }
    }
    return this.simple();
  }

  private simple(): Command {
    const assigns: { name: string; value: Word }[] = [];
    const words: Word[] = [];
    const redirects: Redirect[] = [];
    for (;;) {
      const t = this.peek();
      if (!t) break;
      if (t.kind === 'op') {
        const r = this.redirect();
        if (!r) break;
        redirects.push(r);
        continue;
      }
      const assign = /^([A-Za-z_]\w*)=(.*)$/s.exec(t.text);
      if (assign && words.length === 0) assigns.push({ name: assign[1]!, value: assign[2]! });
      else words.push(t.text);
      this.i++;
    }
    return { type: 'simple', assigns, words, redirects };
  }

  private redirects(): Redirect[] {
    const out: Redirect[] = [];
    for (let r = this.redirect(); r; r = this.redirect()) out.push(r);
    return out;
  }

  private redirect(): Redirect | undefined {
    const t = this.peek();
    if (t?.kind !== 'op') return undefined;
    const target = () => {
      const w = this.tokens[this.i + 1];
      if (w?.kind !== 'word') throw new ShSyntaxError(`Syntax error: redirection unexpected`);
      this.i += 2;
      return w.text;
    };
    switch (t.text) {
      case '>':
        return { fd: 1, op: '>', target: target() };
      case '>>':
        return { fd: 1, op: '>>', target: target() };
      case '<':
        return { fd: 0, op: '<', target: target() };
      case '2>':
        return { fd: 2, op: '>', target: target() };
      case '&>': {
        const file = target();
        return { fd: 1, op: '>', target: `${file}\u0000both` };
      }
      case '2>&1':
        this.i++;
        return { fd: 2, op: '>&', target: '1' };
      case '>&':
        return { fd: 1, op: '>&', target: target() };
    }
    return undefined;
  }
}
