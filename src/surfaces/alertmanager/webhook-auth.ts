import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Alertmanager authenticates with `http_config.authorization` (`Bearer <token>`) or `basic_auth`
 * (any username, the token as password). Compared in constant time over digests, so neither the
 * token's content nor its length leaks through timing.
 */
export function authorized(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2) as [string, string?];
  let presented: string | undefined;
  if (/^bearer$/i.test(scheme)) presented = value;
  else if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    presented = colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return presented !== undefined && timingSafeEqual(digest(presented), digest(token));
}
