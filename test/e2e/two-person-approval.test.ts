import { beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../src/sandbox/cluster-state.ts';
import { getProposal } from '../../src/store/proposals.ts';
import { makeProposal } from '../helpers/proposal-fixture.ts';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { buttonClickBody, postSigned } from '../helpers/slack-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'two-person-secret';
const CHANNEL = 'C0INCIDENT';
const RBAC = 'rbac.authorization.k8s.io/v1';

describe('two-person approval through signed Slack clicks', () => {
  // Changes go to the cluster as the approver (impersonation): the sandbox's RBAC lets group sre deploy.
  const identities = ['U0ALICE', 'U0BOB', 'U0CAROL']
    .map((u) => `    ${u}: { user: ${u.slice(2).toLowerCase()}@example.com, groups: [sre] }`)
    .join('\n');
  const h = useSlackApp({
    secret: SECRET,
    clawYaml: `approvals:\n  approvers: [U0ALICE, U0BOB, S0SRE]\n  impersonate: true\n  identities:\n${identities}\n`,
    server: { supervisor: { pollMs: 100, verifyTimeoutMs: 20_000 } },
  });
  beforeAll(() => {
    h.sandbox.state.store.create(T.role, {
      apiVersion: RBAC,
      kind: 'Role',
      metadata: { name: 'deployers', namespace: 'shop' },
      rules: [{ apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'patch'] }],
    });
    h.sandbox.state.store.create(T.roleBinding, {
      apiVersion: RBAC,
      kind: 'RoleBinding',
      metadata: { name: 'sre-deployers', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployers' },
      subjects: [{ kind: 'Group', name: 'sre', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    h.slack.userGroups = { S0SRE: ['U0CAROL'] };
  });

  it('a high-risk change waits for a second, distinct approver; the card counts "1 of 2"; it runs once after both', async () => {
    const db = h.app.runtime.store.db;
    const { proposal } = await makeProposal(
      db,
      h.sandbox,
      h.app.runtime.config,
      'scale',
      { namespace: 'shop', name: 'cart', replicas: 0 },
      'U0ONCALL',
    );
    expect(proposal).toMatchObject({ risk: 'high', required_approvals: 2, policy_rule: 'default:high-risk' });
    const click = (user: string) =>
      postSigned(
        `${h.app.url}/slack/events`,
        SECRET,
        buttonClickBody({
          actionId: 'claw_approve',
          value: proposal.id,
          user,
          channel: CHANNEL,
          messageTs: '1700000009.000100',
          threadTs: '1700000001.000100',
        }),
      );
    const writes = () => h.sandbox.journal.filter((r) => r.method === 'PATCH' && !r.dryRun);
    const realWrites = () => writes().length;

    expect((await click('U0ALICE')).status).toBe(200);
    const first = await waitFor('the "1 of 2" card', () =>
      h.slack.callsTo('chat.update').find((c) => JSON.stringify(c.args.blocks).includes('1 of 2')),
    );
    expect(JSON.stringify(first.args.blocks)).toContain('<@U0ALICE>');
    expect(JSON.stringify(first.args.blocks)).toContain('claw_approve'); // the buttons stay for the second approver
    await waitFor('the ephemeral receipt', () =>
      h.slack
        .callsTo('chat.postEphemeral')
        .find((c) => String(c.args.text).startsWith('Recorded your approval: 1 of 2 required')),
    );
    expect((await getProposal(db, proposal.id))!.status).toBe('pending');

    // The same approver again counts for nothing.
    await click('U0ALICE');
    await waitFor('the duplicate explained', () =>
      h.slack.callsTo('chat.postEphemeral').find((c) => String(c.args.text).includes('already recorded a decision')),
    );
    expect(realWrites()).toBe(0);

    await click('U0BOB');
    const decided = await waitFor('the decided card', () =>
      h.slack
        .callsTo('chat.update')
        .find((c) => JSON.stringify(c.args.blocks).includes('Approved* by <@U0ALICE> and <@U0BOB>')),
    );
    expect(JSON.stringify(decided.args.blocks)).not.toContain('claw_approve');
    await waitFor(
      'the change executed',
      async () => (await getProposal(db, proposal.id))?.status === 'executed',
      30_000,
    );
    expect(realWrites()).toBe(1);
    // The cluster saw the human whose approval completed the quorum, not the bot.
    expect(writes()[0]!.impersonated).toEqual({ user: 'bob@example.com', groups: ['sre', 'system:authenticated'] });
  }, 60_000);

  it("an approver withdraws their approval with the card's button; the card counts again", async () => {
    const db = h.app.runtime.store.db;
    const { proposal } = await makeProposal(
      db,
      h.sandbox,
      h.app.runtime.config,
      'scale',
      { namespace: 'shop', name: 'cart', replicas: 0 },
      'U0ONCALL',
    );
    const click = (actionId: string, user: string) =>
      postSigned(
        h.events(),
        SECRET,
        buttonClickBody({
          actionId,
          value: proposal.id,
          user,
          channel: CHANNEL,
          messageTs: '1700000039.000100',
          threadTs: '1700000001.000100',
        }),
      );
    const updates = () => h.slack.callsTo('chat.update').filter((c) => c.args.ts === '1700000039.000100');
    await click('claw_approve', 'U0ALICE');
    const counted = await waitFor('the "1 of 2" card', () => updates()[0]);
    expect(JSON.stringify(counted.args.blocks)).toContain('claw_withdraw');
    await click('claw_withdraw', 'U0BOB');
    await waitFor('no approval to withdraw', () =>
      h.slack
        .callsTo('chat.postEphemeral')
        .find((c) => c.args.user === 'U0BOB' && String(c.args.text).includes('no approval on this proposal')),
    );
    await click('claw_withdraw', 'U0ALICE');
    await waitFor('the receipt', () =>
      h.slack
        .callsTo('chat.postEphemeral')
        .find((c) => c.args.user === 'U0ALICE' && String(c.args.text).startsWith('Withdrew your approval: 0 of 2')),
    );
    const recounted = await waitFor('the card counted again', () => updates()[1]);
    expect(JSON.stringify(recounted.args.blocks)).not.toContain('1 of 2');
    expect(JSON.stringify(recounted.args.blocks)).not.toContain('claw_withdraw');
    expect((await getProposal(db, proposal.id))!.status).toBe('pending');
  }, 60_000);

  it('a member of an approver user group may approve; someone outside it may not', async () => {
    const db = h.app.runtime.store.db;
    const { proposal } = await makeProposal(
      db,
      h.sandbox,
      h.app.runtime.config,
      'rollout_restart',
      { namespace: 'shop', kind: 'Deployment', name: 'cart' },
      'U0ONCALL',
    );
    const click = (user: string) =>
      postSigned(
        `${h.app.url}/slack/events`,
        SECRET,
        buttonClickBody({
          actionId: 'claw_approve',
          value: proposal.id,
          user,
          channel: CHANNEL,
          messageTs: '1700000019.000100',
          threadTs: '1700000001.000100',
        }),
      );
    await click('U0DAVE');
    await waitFor('the refusal', () =>
      h.slack
        .callsTo('chat.postEphemeral')
        .find((c) => c.args.user === 'U0DAVE' && String(c.args.text).includes('is not an approver for this change')),
    );
    expect((await getProposal(db, proposal.id))!.status).toBe('pending');
    await click('U0CAROL');
    await waitFor('approved by a group member', async () => (await getProposal(db, proposal.id))?.status !== 'pending');
    expect(h.slack.callsTo('usergroups.users.list').map((c) => c.args.usergroup)).toContain('S0SRE');
  }, 60_000);

  it('an approver may not approve their own request (allowSelfApproval is off)', async () => {
    const db = h.app.runtime.store.db;
    const { proposal } = await makeProposal(
      db,
      h.sandbox,
      h.app.runtime.config,
      'rollout_restart',
      { namespace: 'shop', kind: 'Deployment', name: 'cart' },
      'U0ALICE',
    );
    await postSigned(
      `${h.app.url}/slack/events`,
      SECRET,
      buttonClickBody({
        actionId: 'claw_approve',
        value: proposal.id,
        user: 'U0ALICE',
        channel: CHANNEL,
        messageTs: '1700000029.000100',
        threadTs: '1700000001.000100',
      }),
    );
    await waitFor('the self-approval refusal', () =>
      h.slack
        .callsTo('chat.postEphemeral')
        .find((c) => c.args.user === 'U0ALICE' && String(c.args.text).includes('allowSelfApproval')),
    );
    expect((await getProposal(db, proposal.id))!.status).toBe('pending');
  }, 60_000);
});
