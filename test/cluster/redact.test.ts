import { describe, expect, it } from 'vitest';
import { budgetTail, lastWholeLines, MAX_MATCHES, redactText } from '../../src/cluster/redact.ts';
import { ADVERSARIAL_UNITS, repeatTo, scoreRedaction } from '../helpers/redaction-corpus.ts';

describe('redactText', () => {
  it('catches every secret of the corpus: the formats operators leak (env, JSON, YAML, URLs, PEM, JWTs, token shapes, connection strings)', () => {
    const score = scoreRedaction(redactText);
    expect(score.cases).toBeGreaterThanOrEqual(60);
    expect(score.missed).toEqual([]);
  });

  it('leaves ordinary logs and manifests readable: under 1% of their lines altered', () => {
    const score = scoreRedaction(redactText);
    expect(score.lines).toBeGreaterThanOrEqual(200);
    expect(score.altered.length / score.lines).toBeLessThan(0.01);
  });

  it('keeps everything around a secret as it was', () => {
    expect(redactText('dial postgres://ledger:L3dg3r-pw@db.payments.svc:5432/ledger failed')).toBe(
      'dial postgres://ledger:[redacted]@db.payments.svc:5432/ledger failed',
    );
    expect(redactText('{"user":"app","password":"a b c","port":5432}')).toBe(
      '{"user":"app","password":"[redacted]","port":5432}',
    );
    expect(redactText('Authorization: Bearer 4f9c2e7a1b3d5f6e8a0c')).toBe('Authorization: Bearer [redacted]');
    expect(redactText('db:\n  password: |\n    line-one\n\n    line-two\n  host: pg\n')).toBe(
      'db:\n  password: |\n    [redacted]\n  host: pg\n',
    );
  });

  it.each([
    ['a failed read of a Secret', 'could not read Secret: connect ECONNREFUSED 127.0.0.1:6443'],
    ['a DNS failure', 'password: getaddrinfo ENOTFOUND vault.internal'],
    [
      'the Kubernetes kind in a client error',
      'Failed to fetch resource metadata for v1/Secret: HTTP protocol is not allowed',
    ],
    ['a stack frame', 'at readSecretValues (file:///app/src/cluster/secret-values.ts:55:18)'],
  ])('reads a system error after a key word as the prose it is: %s', (_name, text) => {
    expect(redactText(text)).toBe(text);
  });

  it('still hides a value that only looks like a syscall name', () => {
    expect(redactText('secret: connect')).toBe('secret: [redacted]');
    expect(redactText('Secret: hunter2xyz')).toBe('Secret: [redacted]');
  });

  it('hides a private key whose END was cut off, to the end of the text', () => {
    expect(redactText('loading\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIIrYSSNQ')).toBe(
      'loading\n[redacted private key]',
    );
  });

  it('withholds the rest of a text made of more secret-shaped values than any log holds, instead of judging each', () => {
    const text = 'password=a1b2c3d4 '.repeat(MAX_MATCHES + 10);
    const out = redactText(text);
    expect(out).not.toContain('a1b2c3d4');
    expect(out).toMatch(/characters withheld: more than 2000 secret-shaped values in one text …\]$/);
  });

  it('keeps the tail of long text and says what was cut', () => {
    expect(budgetTail('a'.repeat(100) + 'END', 10)).toMatch(/^\[… 93 earlier characters omitted …\]\na{7}END$/);
  });

  it('trims to whole lines, so a cut never leaves a value without its key', () => {
    expect(lastWholeLines('one password=hunter2\ntwo\nthree', 12)).toBe(
      '[… 21 earlier characters omitted …]\ntwo\nthree',
    );
    expect(lastWholeLines('x'.repeat(50), 10)).toBe('[… a line of 50 characters withheld …]');
  });
});

describe('redaction runs in linear time on text built to defeat it', () => {
  const MB = 1 << 20;
  const fill = (unit: string) => repeatTo(unit, MB);

  it.each(ADVERSARIAL_UNITS)('1 MB of %j redacts in under 100 ms', (unit) => {
    const input = fill(unit);
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      redactText(input);
      best = Math.min(best, performance.now() - t);
    }
    expect(best).toBeLessThan(100);
  });
});
