import { describe, expect, it } from 'vitest';
import { budgetTail, redactText } from '../../src/cluster/redact.ts';

describe('redactText', () => {
  it.each([
    ['Authorization: Bearer abcdefghijklmnop123', 'abcdefghijklmnop123'],
    ['password=hunter2hunter2', 'hunter2hunter2'],
    ['"api_key": "sk-live-aaaaaaaaaaaaaaaaaaaa"', 'sk-live-aaaaaaaaaaaaaaaaaaaa'],
    ['token xoxb-123456789012-abcdefghij', 'xoxb-123456789012-abcdefghij'],
    ['AKIAABCDEFGHIJKLMNOP in env', 'AKIAABCDEFGHIJKLMNOP'],
    ['dsn=postgres://u:pw123@h/db', 'pw123'],
    ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop', 'eyJzdWIiOiIxMjM0NTY3ODkwIn0'],
  ])('hides the secret in %s', (input, secret) => {
    const out = redactText(input);
    expect(out).not.toContain(secret);
    expect(out).toContain('[redacted');
  });

  it('leaves ordinary log lines alone', () => {
    const line = 'panic: runtime error: invalid memory address or nil pointer dereference';
    expect(redactText(line)).toBe(line);
  });

  it('keeps the tail of long text and says what was cut', () => {
    expect(budgetTail('a'.repeat(100) + 'END', 10)).toMatch(/^\[… 93 earlier characters omitted …\]\na{7}END$/);
  });
});
