import { describe, expect, it } from 'vitest';
import { createLogger, withLogContext, withoutLogContext } from '../../src/observability/logger.ts';

function capture() {
  const lines: Record<string, any>[] = [];
  const raw: string[] = [];
  const logger = createLogger(
    'debug',
    { service: 'claw' },
    {
      write: (l) => {
        raw.push(l);
        lines.push(JSON.parse(l));
      },
    },
  );
  return { logger, lines, raw };
}

describe('logger', () => {
  it('puts the context ids on every line logged inside it, across awaits and timers, and none outside', async () => {
    const { logger, lines } = capture();
    await withLogContext({ runId: 'r1', taskId: 't1' }, async () => {
      logger.info('start');
      await new Promise((r) => setTimeout(r, 5));
      logger.child({ component: 'sink' }).warn('after a timer');
      await withLogContext({ attempt: 2 }, async () => logger.info('nested'));
      withoutLogContext(() => logger.info('background loop'));
    });
    logger.info('outside');
    expect(lines.map((l) => [l.msg, l.runId, l.taskId, l.attempt])).toEqual([
      ['start', 'r1', 't1', undefined],
      ['after a timer', 'r1', 't1', undefined],
      ['nested', 'r1', 't1', 2],
      ['background loop', undefined, undefined, undefined],
      ['outside', undefined, undefined, undefined],
    ]);
  });

  it('keeps concurrent contexts apart', async () => {
    const { logger, lines } = capture();
    const run = (id: string) =>
      withLogContext({ runId: id }, async () => {
        for (let i = 0; i < 3; i++) {
          await new Promise((r) => setTimeout(r, Math.random() * 5));
          logger.info(`step of ${id}`);
        }
      });
    await Promise.all([run('a'), run('b'), run('c')]);
    expect(lines).toHaveLength(9);
    for (const l of lines) expect(l.msg).toBe(`step of ${l.runId}`);
  });

  it('never writes a secret: by key, in messages, in nested values and in error messages and stacks', () => {
    const { logger, raw } = capture();
    const secrets = [
      'xoxb-123456789012-123456789012-abcdefABCDEF',
      'sk-ant-api03-abcdefghijklmnop0123',
      'hunter2-but-longer',
      's3cr3t-db-pass',
      'Zm9vYmFyYmF6cXV4',
    ];
    logger.info(
      {
        token: secrets[4],
        config: { slack: { botToken: secrets[0] } },
        headers: { authorization: `Bearer ${secrets[4]}` },
      },
      'config loaded',
    );
    logger.info(`calling the model with key ${secrets[1]}`);
    logger.warn({ url: `postgres://claw:${secrets[3]}@db:5432/claw` }, 'database reconnecting');
    logger.error({ err: new Error(`login failed: password=${secrets[2]}`) }, 'cannot connect');
    logger.info({ nested: { deep: [{ value: `Authorization: Bearer ${secrets[0]}` }] } }, 'request');
    const out = raw.join('');
    for (const s of secrets) expect(out, s).not.toContain(s);
    // What is not secret survives, so the lines stay useful.
    expect(out).toContain('postgres://claw:[redacted]@db:5432/claw');
    expect(out).toContain('"type":"Error","message":"login failed: password=[redacted]"');
    expect(out).toContain('"service":"claw"');
  });
});
