import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Metrics } from '../../observability/metrics.ts';
import type { SlackSurface } from '../slack/slack-app.ts';
import { bearerMatches, refuseUnread, slackHeadersProblem } from './edge.ts';
import { healthz, sendJson } from './health.ts';

/** Slack payloads are a few KiB; Bolt enforces the same limit on bodies without a length. */
const SLACK_BODY_LIMIT = 1024 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface HttpRoutes {
  metrics: Metrics;
  /** `METRICS_TOKEN`: when set, `/metrics` wants it as a bearer token. */
  metricsToken?: string;
  readyz: (res: ServerResponse) => Promise<void>;
  alertmanagerWebhook: Handler;
  /** Absent when Slack is not configured: `/slack/events` answers 503. */
  slack?: SlackSurface;
}

/**
 * Every HTTP path `claw serve` answers, and nothing else. Requests without their credentials are
 * refused before their body is read (edge.ts); each surface's own handler does the rest.
 */
export function httpRouter(r: HttpRoutes): RequestListener {
  const routes: Record<string, Handler> = {
    'GET /healthz': healthz,
    'GET /metrics': (req, res) => metricsRoute(r, req, res),
    'GET /readyz': (_req, res) => void r.readyz(res).catch((e) => sendJson(res, 500, { error: (e as Error).message })),
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const exact = routes[`${req.method} ${path}`];
    if (exact) return exact(req, res);
    if (path === '/webhooks/alertmanager') return r.alertmanagerWebhook(req, res);
    if (path === '/slack/events') return slackRoute(r.slack, req, res);
    sendJson(res, 404, { error: `no route for ${req.method} ${path}` });
  };
}

function metricsRoute(r: HttpRoutes, req: IncomingMessage, res: ServerResponse) {
  if (!bearerMatches(req.headers.authorization, r.metricsToken))
    return refuseUnread(
      res,
      401,
      { error: 'bad or missing credentials (Authorization: Bearer $METRICS_TOKEN)' },
      { 'www-authenticate': 'Bearer' },
    );
  void r.metrics.render().then(
    ({ contentType, body }) => {
      res.writeHead(200, { 'content-type': contentType });
      res.end(body);
    },
    (e) => sendJson(res, 500, { error: (e as Error).message }),
  );
}

function slackRoute(slack: SlackSurface | undefined, req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'POST only' });
  if (!slack) return sendJson(res, 503, { error: 'Slack is not configured on this server' });
  if (slack.mode === 'socket')
    return sendJson(res, 404, { error: 'this server receives Slack over Socket Mode (SLACK_APP_TOKEN), not HTTP' });
  const problem = slackHeadersProblem(req, SLACK_BODY_LIMIT);
  if (problem) return refuseUnread(res, problem.code, { error: problem.error });
  slack.receiver.requestListener(req, res);
}
