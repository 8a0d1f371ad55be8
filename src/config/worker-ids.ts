import { ConfigError } from '../domain/errors.ts';
import type { ClawFile } from './config-file.ts';

/**
 * Providers a worker id may name without being declared: the model APIs, and the coding agents
 * (a route may name `claude-code:`, `codex:` or `openclaw:` workers before a build runs them;
 * such a worker is skipped like one whose credentials are absent).
 */
export const BUILTIN_PROVIDERS = ['anthropic', 'openai', 'claude-code', 'codex', 'openclaw'] as const;

const TASK_KINDS = ['investigate', 'remediate', 'report', 'change', 'security', 'generate'];

/**
 * A misspelled worker id would be skipped silently at run time, leaving a route to the runbooks
 * alone: every id a route names must be `runbooks`, a registry alias, or `<provider>:<model>` with
 * a known provider (built in, or under models.providers); every route key a task kind or
 * `alert:<AlertName>`; every registry entry's provider known, unless the entry has its own baseUrl.
 */
export function checkWorkerIds(file: ClawFile): void {
  const models = file.models;
  if (!models) return;
  const declared = Object.keys(models.providers ?? {});
  const known = [...BUILTIN_PROVIDERS, ...declared];
  const providers = () => `${known.join(', ')}${declared.length ? '' : ' (or one declared under models.providers)'}`;
  for (const [id, e] of Object.entries(models.registry ?? {})) {
    const provider = e.provider ?? (id.includes(':') ? id.slice(0, id.indexOf(':')) : undefined);
    if (provider && !e.baseUrl && !known.includes(provider))
      throw new ConfigError(
        `models.registry.${id}: unknown provider "${provider}": expected ${providers()}, or a baseUrl of its own`,
      );
  }
  for (const [kind, ids] of Object.entries(models.routes ?? {})) {
    if (!TASK_KINDS.includes(kind) && !/^alert:[A-Za-z_][A-Za-z0-9_]*$/.test(kind))
      throw new ConfigError(`models.routes.${kind}: not a task kind (${TASK_KINDS.join(', ')}) or alert:<AlertName>`);
    ids.forEach((id, i) => {
      if (id === 'runbooks' || models.registry?.[id]) return;
      const colon = id.indexOf(':');
      const where = `models.routes.${kind}[${i}]`;
      if (colon <= 0 || colon === id.length - 1)
        throw new ConfigError(
          `${where}: unknown worker "${id}": expected runbooks, an alias under models.registry, or <provider>:<model>`,
        );
      const provider = id.slice(0, colon);
      if (!known.includes(provider))
        throw new ConfigError(`${where}: unknown provider "${provider}" in worker "${id}": expected ${providers()}`);
    });
  }
}
