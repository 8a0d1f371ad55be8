import type { KubeObject } from '../lib/kube-object.ts';
import { ApiError } from './object-store.ts';

type Predicate = (obj: KubeObject) => boolean;

/** Parses a label selector (`a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`). */
export function parseLabelSelector(selector: string | undefined): Predicate {
  if (!selector) return () => true;
  const terms = splitTerms(selector).map((term): Predicate => {
    const labels = (o: KubeObject) => o.metadata.labels ?? {};
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const [, key, op, list] = m;
      const values = list!.split(',').map((v) => v.trim());
      return op === 'in'
        ? (o) => values.includes(labels(o)[key!] as string)
        : (o) => !values.includes(labels(o)[key!] as string);
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(term);
    if (m) {
      const [, key, op, value] = m;
      return op === '!=' ? (o) => labels(o)[key!] !== value : (o) => labels(o)[key!] === value;
    }
    m = /^(!?)([\w./-]+)$/.exec(term);
    if (m) return m[1] ? (o) => !(m![2]! in labels(o)) : (o) => m![2]! in labels(o);
    throw new ApiError(400, 'BadRequest', `unable to parse requirement: ${term}`);
  });
  return (o) => terms.every((t) => t(o));
}

/** Parses a field selector: `path=value`, `path==value`, `path!=value`, comma-separated. */
export function parseFieldSelector(selector: string | undefined): Predicate {
  if (!selector) return () => true;
  const terms = splitTerms(selector).map((term): Predicate => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (!m) throw new ApiError(400, 'BadRequest', `invalid selector: '${term}'; can't understand '${term}'`);
    const [, path, op, value] = m;
    const get = (o: KubeObject) =>
      String(path!.split('.').reduce<any>((v, k) => (v == null ? undefined : v[k]), o) ?? '');
    return op === '!=' ? (o) => get(o) !== value : (o) => get(o) === value;
  });
  return (o) => terms.every((t) => t(o));
}

/** Splits on commas outside parentheses. */
function splitTerms(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}
