import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Short, time-ordered, URL- and Slack-safe ids: `run_` + 6 time chars + 8 random chars. */
export function newId(prefix: 'task' | 'run' | 'prop'): string {
  let t = Date.now();
  let time = '';
  for (let i = 0; i < 9; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const rand = [...randomBytes(6)].map((b) => ALPHABET[b % 32]).join('');
  return `${prefix}_${time}${rand}`;
}
