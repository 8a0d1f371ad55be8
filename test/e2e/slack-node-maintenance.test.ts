import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { T } from '../../src/sandbox/cluster-state.ts';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { buttonClickBody, postSigned, slashCommandBody } from '../helpers/slack-requests.ts';
import { waitFor } from '../helpers/wait-for.ts';

const SECRET = 'e2e-signing-secret';
const APPROVERS = ['U0APPROVER1', 'U0APPROVER2'];
const CHANNEL = 'C0PLATFORM';
const SEED = join(import.meta.dirname, '..', 'fixtures', 'upgrades', 'nodes.yaml');

describe('a node maintenance plan through Slack over real HTTP: one card, two clicks, every step in the thread', () => {
  const h = useSlackApp({
    secret: SECRET,
    clawYaml: `approvals:\n  approvers: [${APPROVERS.join(', ')}]\n`,
    seed: SEED,
    crashingIn: false,
  });
  const posts = () => h.slack.callsTo('chat.postMessage');

  it('lists every step on the card, runs them one node at a time once approved, and reports each in the thread', async () => {
    const res = await postSigned(
      h.events(),
      SECRET,
      slashCommandBody({
        text: 'maintain nodes node-a and node-b, waiting for kubelet v1.32.3',
        user: 'U0ONCALL',
        channel: CHANNEL,
      }),
    );
    expect(res.status).toBe(200);
    const card = await waitFor(
      'the plan card',
      () => posts().find((c) => JSON.stringify(c.args.blocks ?? '').includes('claw_approve')),
      30_000,
    );
    const blocks = JSON.stringify(card.args.blocks);
    expect(blocks).toContain('1/2 node-a: cordon');
    expect(blocks).toContain('2/2 node-b: uncordon, and check it is Ready and schedulable');
    for (const approver of APPROVERS) {
      const current = [...posts()]
        .reverse()
        .find(
          (c) =>
            c.args.thread_ts === card.args.thread_ts && JSON.stringify(c.args.blocks ?? '').includes('claw_approve'),
        )!;
      const buttons = (current.args.blocks as any[]).find((b) => b.type === 'actions').elements;
      const click = await postSigned(
        h.events(),
        SECRET,
        buttonClickBody({
          actionId: 'claw_approve',
          value: buttons[0].value,
          user: approver,
          channel: CHANNEL,
          messageTs: (current.result?.ts ?? card.result!.ts) as string,
          threadTs: card.args.thread_ts as string,
        }),
      );
      expect(click.status).toBe(200);
    }
    await waitFor(
      'the outcome',
      () => posts().find((c) => String(c.args.text).startsWith(':white_check_mark: Applied')),
      90_000,
    );
    // Everything the thread showed, in order: posts, edits, and the progress streamed into it.
    const shown = h.slack.calls
      .filter((c) => /^chat\.(postMessage|update|startStream|appendStream|stopStream)$/.test(c.method))
      .map((c) => JSON.stringify(c.args))
      .join('\n');
    // Where each step is first said (a progress message is edited or appended to as lines come).
    const at = (s: string) => shown.indexOf(s);
    expect(at('1/2 node-a: cordoning')).toBeGreaterThan(-1);
    expect(at('1/2 node-a: done — back in service')).toBeGreaterThan(at('1/2 node-a: cordoning'));
    expect(at('2/2 node-b: cordoning')).toBeGreaterThan(at('1/2 node-a: done — back in service'));
    for (const n of ['node-a', 'node-b'])
      expect(h.sandbox.state.store.get(T.node, undefined, n)!.status.nodeInfo.kubeletVersion).toBe('v1.32.3');
  }, 150_000);
});
