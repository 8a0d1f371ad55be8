import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

// Checks made before a request's body is read: whoever cannot present credentials does not get
// to make us buffer, parse or wait for a body. Answered with `Connection: close`, so the unread
// rest of the body is never parsed as a next request.

/** Refuses with `code` at once, closing the connection instead of reading the body. */
export function refuseUnread(
  res: ServerResponse,
  code: number,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): void {
  res.writeHead(code, { 'content-type': 'application/json', connection: 'close', ...headers });
  res.end(JSON.stringify(body));
}

/** Slack signs every request (v0, X-Slack-Signature over X-Slack-Request-Timestamp and the body); it is stale after 5 minutes. */
const SLACK_MAX_SKEW_SECONDS = 300;

/**
 * Why a request to /slack/events cannot be Slack's, judged on its headers alone (the signature
 * itself needs the body, and Bolt checks it): no signature or timestamp headers, a stale or
 * future timestamp, or no declared length (the length is what caps the body as it is read).
 */
export function slackHeadersProblem(
  req: IncomingMessage,
  limit: number,
  now = Date.now(),
): { code: number; error: string } | undefined {
  const signature = req.headers['x-slack-signature'];
  const timestamp = Number(req.headers['x-slack-request-timestamp']);
  if (typeof signature !== 'string' || !signature.startsWith('v0=') || !Number.isFinite(timestamp))
    return { code: 401, error: 'not signed by Slack (X-Slack-Signature, X-Slack-Request-Timestamp)' };
  if (Math.abs(now / 1000 - timestamp) > SLACK_MAX_SKEW_SECONDS)
    return { code: 401, error: 'stale request: its timestamp is more than 5 minutes away' };
  if (req.headers['content-length'] === undefined) return { code: 411, error: 'a Content-Length is required' };
  if (Number(req.headers['content-length']) > limit)
    return { code: 413, error: `request body larger than ${limit} bytes` };
  return undefined;
}

/** `Authorization: Bearer <token>` in constant time; true when no token is configured. */
export function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer\s+(.+)$/i.exec(header ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
