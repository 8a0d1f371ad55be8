/**
 * `$(( … ))` over integers: + - * / % and comparisons, parentheses, unary minus. A tiny
 * recursive-descent evaluator (never `eval`): the expression comes from untrusted scripts.
 */
export function arithmetic(expr: string): number {
  const tokens = expr.match(/\d+|==|!=|<=|>=|&&|\|\||[-+*/%()<>!]/g) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const levels = [['||'], ['&&'], ['==', '!='], ['<', '>', '<=', '>='], ['+', '-'], ['*', '/', '%']];
  const binary = (level: number): number => {
    if (level === levels.length) return unary();
    let left = binary(level + 1);
    while (levels[level]!.includes(peek() ?? '')) {
      const op = next()!;
      const right = binary(level + 1);
      left = apply(op, left, right);
    }
    return left;
  };
  const unary = (): number => {
    const t = next();
    if (t === '-') return -unary();
    if (t === '+') return unary();
    if (t === '!') return unary() ? 0 : 1;
    if (t === '(') {
      const v = binary(0);
      next();
      return v;
    }
    return Number(t ?? 0) || 0;
  };
  return binary(0);
}

function apply(op: string, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? 0 : Math.trunc(a / b);
    case '%':
      return b === 0 ? 0 : a % b;
    case '<':
      return Number(a < b);
    case '>':
      return Number(a > b);
    case '<=':
      return Number(a <= b);
    case '>=':
      return Number(a >= b);
    case '==':
      return Number(a === b);
    case '!=':
      return Number(a !== b);
    case '&&':
      return Number(Boolean(a && b));
    default:
      return Number(Boolean(a || b));
  }
}
