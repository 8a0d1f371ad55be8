/**
 * The JSONPath subset CRDs' printer columns use, evaluated as the API server's table convertor
 * does: `.a.b` (with `\.` escaping a dot inside a key), `['a.b']`, `[0]`, `[*]` and filters
 * `[?(@.type=="Ready")]` / `!=`. Returns every match, in order.
 */
export function findResults(root: unknown, path: string): unknown[] {
  let current: unknown[] = [root];
  for (const step of parseSteps(path)) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v == null || typeof v !== 'object') continue;
      if (step.kind === 'key') {
        const child = (v as Record<string, unknown>)[step.key];
        if (child !== undefined) next.push(child);
      } else if (step.kind === 'index') {
        if (Array.isArray(v) && v.at(step.index) !== undefined) next.push(v.at(step.index));
      } else if (step.kind === 'all') {
        next.push(...(Array.isArray(v) ? v : Object.values(v)));
      } else if (Array.isArray(v)) {
        next.push(
          ...v.filter((item) => {
            const got = findResults(item, step.path)[0];
            return step.op === '==' ? String(got) === step.value : got !== undefined && String(got) !== step.value;
          }),
        );
      }
    }
    current = next;
  }
  return current;
}

/** A value as the table convertor prints it (Go's `%v`): arrays `[a b]`, objects `map[k:v]`. */
export function printValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`;
  if (v !== null && typeof v === 'object')
    return `map[${Object.keys(v)
      .sort()
      .map((k) => `${k}:${printValue((v as Record<string, unknown>)[k])}`)
      .join(' ')}]`;
  return String(v);
}

type Step =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: string; op: '==' | '!='; value: string };

function parseSteps(path: string): Step[] {
  const steps: Step[] = [];
  let i = path.startsWith('{') ? 1 : 0;
  const end = path.endsWith('}') ? path.length - 1 : path.length;
  while (i < end) {
    const c = path[i];
    if (c === '.') {
      let key = '';
      i++;
      while (i < end && path[i] !== '.' && path[i] !== '[') {
        if (path[i] === '\\' && i + 1 < end) i++;
        key += path[i++];
      }
      if (key === '*') steps.push({ kind: 'all' });
      else if (key) steps.push({ kind: 'key', key });
    } else if (c === '[') {
      const close = matchingBracket(path, i);
      const inner = path.slice(i + 1, close).trim();
      i = close + 1;
      const quoted = /^(['"])(.*)\1$/.exec(inner);
      const filter = /^\?\(@(\.[^=!]+?)\s*(==|!=)\s*(['"]?)(.*?)\3\)$/.exec(inner);
      if (quoted) steps.push({ kind: 'key', key: quoted[2]!.replace(/\\\./g, '.') });
      else if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (filter)
        steps.push({ kind: 'filter', path: filter[1]!, op: filter[2] as '==' | '!=', value: filter[4]! });
      else throw new Error(`unsupported JSONPath segment [${inner}]`);
    } else i++;
  }
  return steps;
}

function matchingBracket(path: string, open: number): number {
  let depth = 0;
  let quote = '';
  for (let i = open; i < path.length; i++) {
    const c = path[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[') depth++;
    else if (c === ']' && --depth === 0) return i;
  }
  throw new Error(`unbalanced [ in JSONPath ${path}`);
}
