import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'redaction');

export interface SecretCase {
  name: string;
  text: string;
  secrets: string[];
}

/** Secrets as operators leak them: each case's secrets must all be gone after redaction. */
export function secretCorpus(): SecretCase[] {
  return parse(readFileSync(join(DIR, 'secrets.yaml'), 'utf8')) as SecretCase[];
}

/** Ordinary logs and manifests: lines that must come out of redaction unchanged. */
export function ordinaryCorpus(): string[] {
  return readFileSync(join(DIR, 'ordinary.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
}

/** Both rates for a redaction function: secrets caught (goal 100%) and ordinary lines altered (goal < 1%). */
export function scoreRedaction(redact: (text: string) => string) {
  const cases = secretCorpus();
  const missed = cases.filter((c) => {
    const out = redact(c.text);
    return c.secrets.some((s) => out.includes(s)) || !out.includes('[redacted');
  });
  const lines = ordinaryCorpus();
  const altered = lines.filter((l) => redact(l) !== l);
  return {
    cases: cases.length,
    caught: cases.length - missed.length,
    missed: missed.map((c) => ({ name: c.name, out: redact(c.text) })),
    lines: lines.length,
    altered: altered.map((l) => ({ line: l, out: redact(l) })),
  };
}

/**
 * Units that, repeated to a megabyte, attack a redaction rule: one or more for every rule (its
 * anchor repeated, its anchor with the run after it, a run that almost completes it). Quadratic
 * rules took seconds on inputs like these.
 */
export const ADVERSARIAL_UNITS = [
  'a-',
  'a',
  'A',
  'aB3/',
  '&',
  '-- ',
  ' ',
  'password',
  'password=',
  'password: "',
  'pass_',
  'passwordpassword_',
  'secretsecret',
  'authauth',
  'pass-pass-',
  'Password=',
  '%22password%22%3A%22',
  '\\"password\\":\\"',
  'AccountKey',
  'password: |\n',
  '  password: |\n    x\n',
  'token ',
  'Bearer ',
  'Bearer aaaaaaaa1',
  'Authorization: ',
  'Authorization: Bearer a1',
  'eyJ',
  'eyJaaaaa.',
  'eyJaaaaa.eyJaaaaa',
  'https://a:',
  'a://b:c',
  '://',
  'user:',
  'a@',
  '@a:',
  'ftp://',
  '?token=',
  '?key=',
  '&password=x',
  '-----BEGIN PRIVATE KEY-----',
  '-----BEGIN PRIVATE KEY-----\n-----END ',
  'AKIA',
  'AKIAIOSFODNN7EXAMPLE,',
  'ghp_',
  'sk-',
  'sk_live_',
  'xoxb-',
  'SG.',
  'hooks.slack.com/services/T',
  'AIza',
  'glpat-',
  '<password>',
  '--password ',
  '--password x ',
];

/** `unit` repeated to `bytes` characters. */
export function repeatTo(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / unit.length)).slice(0, bytes);
}
