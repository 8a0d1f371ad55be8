import type { AlertRouting } from '../config/config.ts';
import { type Matcher, parseMatcher } from '../domain/alert-matchers.ts';

/** Where a group goes and what happens to it: decided once, when the group opens. */
export interface RouteDecision {
  channel?: string;
  investigate: boolean;
  mute: boolean;
  cluster?: string;
  /** Which route matched (its index in alerts.routes), or undefined for the defaults. */
  route?: number;
}

const compiled = new WeakMap<object, Matcher[][]>();

/**
 * claw.yaml `alerts.routes`, first match wins (like an Alertmanager route without `continue`);
 * a route's unset fields fall back to the defaults (`slack.alertChannel`, `alerts.investigate`).
 */
export function routeAlert(routing: AlertRouting, labels: Readonly<Record<string, string>>): RouteDecision {
  let matchers = compiled.get(routing);
  if (!matchers) {
    matchers = routing.routes.map((r) => r.matchers.map(parseMatcher));
    compiled.set(routing, matchers);
  }
  const i = matchers.findIndex((ms) => ms.every((m) => m.matches(labels)));
  const r = i >= 0 ? routing.routes[i] : undefined;
  return {
    channel: r?.channel ?? routing.defaultChannel,
    investigate: r?.investigate ?? routing.investigate,
    mute: r?.mute ?? false,
    cluster: r?.cluster,
    route: i >= 0 ? i : undefined,
  };
}
