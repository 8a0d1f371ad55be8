import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger } from '../../observability/logger.ts';

const ORDER = [LogLevel.DEBUG, LogLevel.INFO, LogLevel.WARN, LogLevel.ERROR];

/**
 * Bolt's and the Slack Web API client's logger, routed through ours: `claw serve` writes JSON lines
 * only, with their redaction, instead of the SDKs' `[WARN]  web-api:…` text on the console.
 */
export function slackLogger(logger: Logger, name = 'slack'): SlackLogger {
  let level = LogLevel.WARN;
  let out = logger.child({ component: name });
  const enabled = (l: LogLevel) => ORDER.indexOf(l) >= ORDER.indexOf(level);
  const text = (parts: unknown[]) =>
    parts.map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p))).join(' ');
  return {
    debug: (...m) => void (enabled(LogLevel.DEBUG) && out.debug(text(m))),
    info: (...m) => void (enabled(LogLevel.INFO) && out.info(text(m))),
    warn: (...m) => void (enabled(LogLevel.WARN) && out.warn(text(m))),
    error: (...m) => void (enabled(LogLevel.ERROR) && out.error(text(m))),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: (n) => {
      out = logger.child({ component: n });
    },
  };
}
