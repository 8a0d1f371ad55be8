import { verifySlackRequest } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { parseClawCommand } from '../../../src/surfaces/slack/command-parser.ts';
import { signedHeaders } from '../../helpers/slack-requests.ts';

describe('/claw text', () => {
  it.each([
    ['', { kind: 'help' }],
    ['help', { kind: 'help' }],
    [
      'investigate checkout is failing in shop',
      { kind: 'investigate', question: 'checkout is failing', namespace: 'shop' },
    ],
    ['checkout returns 502s', { kind: 'investigate', question: 'checkout returns 502s' }],
    ['why is it slow in the morning', { kind: 'investigate', question: 'why is it slow in the morning' }],
    ['investigate -n payments ledger down', { kind: 'investigate', question: 'ledger down', namespace: 'payments' }],
    ['runs', { kind: 'runs' }],
    ['status run_1m8ga36f0j2y1ct', { kind: 'status', runId: 'run_1m8ga36f0j2y1ct' }],
    ['cancel run_1m8ga36f0j2y1ct', { kind: 'cancel', runId: 'run_1m8ga36f0j2y1ct' }],
    ['retry run_1m8ga36f0j2y1ct', { kind: 'retry', runId: 'run_1m8ga36f0j2y1ct' }],
    [
      'checkout is failing in shop on prod-eu',
      { kind: 'investigate', question: 'checkout is failing', namespace: 'shop', cluster: 'prod-eu' },
    ],
    [
      'checkout is failing on admin@staging in shop',
      { kind: 'investigate', question: 'checkout is failing', namespace: 'shop', cluster: 'admin@staging' },
    ],
    [
      'pods restarting on arn:aws:eks:eu-west-1:123:cluster/prod',
      { kind: 'investigate', question: 'pods restarting', cluster: 'arn:aws:eks:eu-west-1:123:cluster/prod' },
    ],
    ['what is running on node-a right now', { kind: 'investigate', question: 'what is running on node-a right now' }],
    // The sentence's end is not part of the name (how people ask in a channel); it stays on the question.
    ['anything wrong in mon-0?', { kind: 'investigate', question: 'anything wrong?', namespace: 'mon-0' }],
    [
      'why is checkout failing in shop on prod-eu?!',
      { kind: 'investigate', question: 'why is checkout failing?!', namespace: 'shop', cluster: 'prod-eu' },
    ],
    [
      'checkout is down on kind.prod in shop.',
      { kind: 'investigate', question: 'checkout is down.', namespace: 'shop', cluster: 'kind.prod' },
    ],
    ['in shop?', { kind: 'investigate', question: 'what is failing in shop?', namespace: 'shop' }],
    ['why is it slow in the morning?', { kind: 'investigate', question: 'why is it slow in the morning?' }],
    [
      'change gitops raise cart memory to 512Mi in shop',
      { kind: 'change', repo: 'gitops', question: 'raise cart memory to 512Mi in shop' },
    ],
    ['CHANGE demo bump the chart', { kind: 'change', repo: 'demo', question: 'bump the chart' }],
    ['security', { kind: 'security' }],
    ['upgrade', { kind: 'investigate', question: 'Can we upgrade the cluster? What blocks it?' }],
    ['upgrade to 4.17.14 on prod', { kind: 'investigate', question: 'Upgrade to 4.17.14', cluster: 'prod' }],
    ['upgrade prod-eu-1-md-0 to v1.32.3', { kind: 'investigate', question: 'Upgrade prod-eu-1-md-0 to v1.32.3' }],
    [
      'backup in payments',
      {
        kind: 'investigate',
        question: 'Is namespace payments backed up, and can it be restored?',
        namespace: 'payments',
      },
    ],
    ['backups', { kind: 'investigate', question: 'Is every namespace backed up, and can it be restored?' }],
    [
      'restore payments from backup nightly-20261206020000',
      { kind: 'investigate', question: 'restore payments from backup nightly-20261206020000' },
    ],
    ['security in payments', { kind: 'security', namespace: 'payments' }],
    ['Security -n payments on prod-eu', { kind: 'security', namespace: 'payments', cluster: 'prod-eu' }],
    [
      'generate ledger from registry.example.com/pay/ledger:1.4.0 on port 9090 in staging',
      {
        kind: 'generate',
        question: 'ledger from registry.example.com/pay/ledger:1.4.0 on port 9090',
        namespace: 'staging',
      },
    ],
  ])('%j', (text, expected) => {
    expect(parseClawCommand(text)).toEqual(expected);
  });

  it.each([
    'status',
    'status nope',
    'cancel run_1 run_2',
    'runs extra',
    'investigate',
    'retry',
    'retry everything',
    'change',
    'change demo',
    'change Demo! do it',
    'security of everything please',
    'security in',
    'backup everything now',
    'upgrade in shop',
    'generate',
    'generate in shop',
  ])('%j gets usage help', (text) => {
    expect(parseClawCommand(text).kind).toBe('usage');
  });

  it.each([
    ['a NUL byte', 'checkout\u0000 is failing'],
    ['a lone high surrogate', 'checkout \uD83D is failing'],
    ['a lone low surrogate', 'checkout \uDE00 is failing'],
  ])('refuses text with %s, which the database cannot store, saying so', (_name, text) => {
    const cmd = parseClawCommand(text);
    expect(cmd).toMatchObject({ kind: 'usage', problem: expect.stringContaining('a character I cannot store') });
  });

  it('keeps emoji and other whole Unicode characters', () => {
    expect(parseClawCommand('checkout 🔥 is failing')).toEqual({
      kind: 'investigate',
      question: 'checkout 🔥 is failing',
    });
  });

  it('never throws on arbitrary input', () => {
    for (const text of ['<!channel>', '`rm -rf`', '\u0000', 'in', 'in in in', '-n', 'a'.repeat(5000)])
      expect(() => parseClawCommand(text)).not.toThrow();
  });
});

describe('Slack request signatures', () => {
  it("match Slack's published test vector", () => {
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    const headers = signedHeaders('8f742231b10e8888abcd99yyyzzz85a5', body, 1531420618);
    expect(headers['x-slack-signature']).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
    expect(() =>
      verifySlackRequest({
        signingSecret: '8f742231b10e8888abcd99yyyzzz85a5',
        body,
        headers: { 'x-slack-signature': headers['x-slack-signature']!, 'x-slack-request-timestamp': 1531420618 },
        nowMilliseconds: 1531420618 * 1000,
      }),
    ).not.toThrow();
  });
});
