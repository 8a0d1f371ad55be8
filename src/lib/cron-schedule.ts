/**
 * Standard five-field cron schedules (minute hour day-of-month month day-of-week) with lists,
 * ranges, steps, names and the @hourly-style macros, in UTC (or the CronJob's timeZone when UTC).
 * Returns the latest scheduled minute in (after, upTo], which is what the CronJob controller needs.
 */
const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};
const NAMES: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
  sun: 0,
  mon: 1,
  tue: 2,
  wed: 3,
  thu: 4,
  fri: 5,
  sat: 6,
};
const RANGES: [number, number][] = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 7],
];

export type Schedule = Set<number>[];

export function parseSchedule(text: string): Schedule | undefined {
  const fields = (MACROS[text.trim()] ?? text.trim()).split(/\s+/);
  if (fields.length !== 5) return undefined;
  const out: Schedule = [];
  for (let i = 0; i < 5; i++) {
    const [lo, hi] = RANGES[i]!;
    const set = new Set<number>();
    for (const part of fields[i]!.toLowerCase().split(',')) {
      const m = /^(\*|\?|[\da-z]+(?:-[\da-z]+)?)(?:\/(\d+))?$/.exec(part);
      if (!m) return undefined;
      const value = (s: string) => (s in NAMES ? NAMES[s]! : Number(s));
      const [from, to] =
        m[1] === '*' || m[1] === '?'
          ? [lo, hi]
          : m[1]!.includes('-')
            ? m[1]!.split('-').map(value)
            : [value(m[1]!), m[2] ? hi : value(m[1]!)];
      const step = Number(m[2] ?? 1);
      if (![from, to, step].every(Number.isFinite) || from! < lo || to! > hi || step < 1) return undefined;
      for (let v = from!; v <= to!; v += step) set.add(i === 4 && v === 7 ? 0 : v);
    }
    out.push(set);
  }
  return out;
}

function matches(s: Schedule, d: Date): boolean {
  const dom = s[2]!.size < 31;
  const dow = s[4]!.size < 7;
  const day =
    dom && dow
      ? s[2]!.has(d.getUTCDate()) || s[4]!.has(d.getUTCDay())
      : s[2]!.has(d.getUTCDate()) && s[4]!.has(d.getUTCDay());
  return s[0]!.has(d.getUTCMinutes()) && s[1]!.has(d.getUTCHours()) && s[3]!.has(d.getUTCMonth() + 1) && day;
}

/** The latest scheduled time in (after, upTo], scanning back at most a week of minutes. */
export function lastScheduled(s: Schedule, after: Date, upTo: Date): Date | undefined {
  const minute = 60_000;
  const floor = Math.max(after.getTime(), upTo.getTime() - 7 * 24 * 60 * minute);
  for (let t = Math.floor(upTo.getTime() / minute) * minute; t > floor; t -= minute)
    if (matches(s, new Date(t))) return new Date(t);
  return undefined;
}

/** Velero's (robfig/cron's) `@every 6h` / `@every 90m`: the interval in ms, or undefined for other schedules. */
export function everyInterval(text: string): number | undefined {
  const m = /^@every\s+((?:\d+(?:\.\d+)?(?:h|m|s))+)$/.exec(text.trim());
  if (!m) return undefined;
  let ms = 0;
  for (const [, n, unit] of m[1]!.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g))
    ms += Number(n) * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : 1000);
  return ms > 0 ? ms : undefined;
}

/**
 * The two most recent times a schedule fired up to `upTo` (newest first), for "is the last good
 * backup older than the run before the latest?" — a five-field cron or `@every`.
 */
export function recentFirings(text: string, upTo: Date): Date[] {
  const every = everyInterval(text);
  if (every) return [new Date(upTo.getTime() - every), new Date(upTo.getTime() - 2 * every)];
  const s = parseSchedule(text);
  if (!s) return [];
  const out: Date[] = [];
  let to = upTo;
  for (let i = 0; i < 2; i++) {
    const t = lastScheduled(s, new Date(0), to);
    if (!t) break;
    out.push(t);
    to = new Date(t.getTime() - 60_000);
  }
  return out;
}
