import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../helpers/cli.ts';

describe('claw policy explain', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-policy-'));
    await writeFile(
      join(dir, 'claw.yaml'),
      [
        'approvals: { approvers: [U0A, U0B] }',
        'policy:',
        '  limits: { noScaleToZero: { clusters: [prod] } }',
        '  rules:',
        '    - { name: payments-leads, match: { namespaces: [payments] }, approvals: 2, approvers: [U0LEAD1, U0LEAD2] }',
        '  requireBackup:',
        '    - { name: ledger-data, namespaces: [ledger], actions: [delete_pod], maxAgeHours: 12 }',
      ].join('\n'),
    );
    env = { CLAW_CONFIG: join(dir, 'claw.yaml'), CLAW_DATA_DIR: dir };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('says why a change is denied or who must approve it, with every rule considered', async () => {
    const denied = await run(
      [
        'policy',
        'explain',
        '--action',
        'scale',
        '-n',
        'shop',
        '--cluster',
        'prod',
        '--replicas',
        '0',
        '--risk',
        'high',
      ],
      env,
    );
    expect(denied.code).toBe(0);
    expect(denied.stdout).toMatch(
      /^DENY \(limit:no-scale-to-zero\): scaling to zero is not allowed in namespace shop on cluster prod\n/,
    );
    const rule = await run(['policy', 'explain', '--action', 'rollout_restart', '-n', 'payments', '--json'], env);
    expect(JSON.parse(rule.stdout)).toMatchObject({
      decision: 'require_approval',
      count: 2,
      approvers: ['U0LEAD1', 'U0LEAD2'],
      rule: 'rule:payments-leads',
    });
    const plain = await run(['policy', 'explain', '--action', 'rollout_restart', '-n', 'shop'], env);
    expect(plain.stdout).toContain('REQUIRE 1 APPROVAL (default:one-approver) from U0A, U0B');
    expect(plain.stdout).toContain('  rule:payments-leads: no match (scope default/shop)');
    const bad = await run(['policy', 'explain', '--action', 'scale', '--risk', 'extreme'], env);
    expect(bad).toMatchObject({ code: 2 });
    expect(bad.stderr).toContain('--risk must be one of low, medium, high');
    const nuke = await run(['policy', 'explain', '--action', 'nuke'], env);
    expect(nuke).toMatchObject({ code: 2, stdout: '' });
    expect(nuke.stderr).toMatch(/--action nuke: not an action of the vocabulary \(.*rollout_undo.*scale.*\)/);
    expect((await run(['policy'], env)).stderr).toContain('a subcommand is required: explain');
  }, 60_000);

  it("says when the README's one-approver setup could never approve a change, and refuses a rule that never could", async () => {
    const one = join(dir, 'one.yaml');
    await writeFile(one, 'approvals: { approvers: [U0ME] }\n');
    const high = await run(['policy', 'explain', '--action', 'drain', '--kind', 'Node', '--risk', 'high'], {
      CLAW_CONFIG: one,
      CLAW_DATA_DIR: join(dir, 'one'),
    });
    expect(high.stdout).toContain('REQUIRE 2 APPROVALS (default:high-risk) from U0ME');
    expect(high.stdout).toContain(
      'UNSATISFIABLE: needs 2 distinct approvers but only 1 can approve (U0ME) (add an approver, or set policy.highRiskApprovals)',
    );
    const never = join(dir, 'never.yaml');
    await writeFile(never, 'approvals: { approvers: [U0ME] }\npolicy:\n  rules: [{ name: all, approvals: 2 }]\n');
    const refused = await run(['policy', 'explain', '--action', 'scale'], {
      CLAW_CONFIG: never,
      CLAW_DATA_DIR: join(dir, 'never'),
    });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      'claw policy: policy.rules[0] (all): needs 2 distinct approvers but only 1 can approve (U0ME) in approvals.approvers; it could never be approved\n',
    );
  }, 60_000);

  it('judges policy.requireBackup against the backup ages it is given', async () => {
    const args = ['policy', 'explain', '--action', 'delete_pod', '-n', 'ledger', '--kind', 'Pod'];
    const old = await run([...args, '--backup-age', 'ledger=30'], env);
    expect(old.stdout).toMatch(
      /^DENY \(require-backup:ledger-data\): namespace ledger was last backed up 30h ago: policy requires a good backup newer than 12h before delete_pod/,
    );
    const fresh = await run([...args, '--backup-age', 'ledger=2'], env);
    expect(fresh.stdout).toMatch(/^REQUIRE 1 APPROVAL/);
    expect(fresh.stdout).toContain('require-backup:ledger-data: ledger backed up within 12h');
    const bad = await run([...args, '--backup-age', 'ledger'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--backup-age ledger: expected NAMESPACE=HOURS or NAMESPACE=none');
  });
});
