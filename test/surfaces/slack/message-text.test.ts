import { describe, expect, it } from 'vitest';
import type { AlertGroup, Proposal, StoredAlert } from '../../../src/store/schema.ts';
import { alertDigestMessage, alertNoteMessage, alertRootMessage } from '../../../src/surfaces/slack/alert-blocks.ts';
import {
  closedCard,
  decidedCard,
  findingMessage,
  outcomeMessage,
  proposalCard,
  rootMessage,
  type SlackMessage,
  textMessage,
} from '../../../src/surfaces/slack/blocks.ts';
import { finalMessage } from '../../../src/surfaces/slack/final-message.ts';

// What an attacker writes into rationale (a steered model), alert names, labels, namespaces and
// log lines: a channel ping and a link dressed as a button.
const HOSTILE = '<!channel> <https://evil.example/approve|click to approve> <@U0BOSS>';
const FORBIDDEN = /<!channel>|<!here>|<https:\/\/evil|<@U0BOSS>/;

const proposal = (over: Partial<Proposal> = {}) =>
  ({
    id: 'prop_01',
    run_id: 'run_01',
    task_id: 'task_01',
    action: 'scale',
    cluster: 'prod',
    target: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
    request: {},
    request_view: HOSTILE,
    target_spec_hash: 'a',
    artifact_hash: 'f'.repeat(64),
    dry_run: { ok: true },
    diff: HOSTILE,
    risk: 'high',
    blast_radius: { description: HOSTILE, rollback: HOSTILE, warnings: [HOSTILE] },
    rationale: `Scale cart ${HOSTILE}`,
    required_approvals: 1,
    policy_rule: 'default',
    approvers: [],
    status: 'pending',
    outcome: null,
    slack_channel: null,
    slack_ts: null,
    expires_at: new Date('2026-11-28T12:00:00Z'),
    created_at: new Date(),
    decided_at: null,
    executed_at: null,
    ...over,
  }) as Proposal;
const group = {
  id: '1',
  receiver: 'claw',
  group_key: 'k',
  status: 'firing',
  group_labels: { alertname: HOSTILE },
  common_labels: { alertname: HOSTILE, namespace: HOSTILE },
  common_annotations: { summary: HOSTILE },
  external_url: 'http://am:9093',
  channel: 'C0',
  investigate: true,
  muted: false,
  cluster: 'default',
  firing: 1,
  resolved: 0,
  first_seen_at: new Date(),
  resolved_at: null,
} as unknown as AlertGroup;
const alert = {
  fingerprint: 'f',
  status: 'firing',
  labels: { alertname: HOSTILE, namespace: HOSTILE },
  annotations: { description: HOSTILE },
  generator_url: 'http://prom:9090',
  starts_at: new Date(),
} as unknown as StoredAlert;

const messages: [string, SlackMessage][] = [
  ['investigation root', rootMessage({ question: HOSTILE, namespace: 'shop', requester: 'U0ONCALL' }, 'prod')],
  [
    'change root',
    rootMessage({ question: HOSTILE, namespace: null, requester: 'U0ONCALL' }, 'prod', {
      name: 'gitops',
      branch: 'main',
      ci: HOSTILE,
      delivery: 'push-branch',
    }),
  ],
  [
    'finding',
    findingMessage({
      category: 'crash_loop',
      summary: HOSTILE,
      object: { kind: 'Pod', namespace: 'shop', name: 'x' },
      evidence: [HOSTILE],
    }),
  ],
  ['proposal card', proposalCard(proposal())],
  ['decided card', decidedCard(proposal({ status: 'rejected' }), ['U0APPROVER1'], 'rejected', HOSTILE)],
  ['closed card', closedCard(proposal({ status: 'expired' }))],
  ['execution outcome', outcomeMessage({ applied: false, verified: false, message: HOSTILE, proposalId: 'prop_01' })],
  ['plain text', textMessage(HOSTILE)],
  [
    'final message',
    finalMessage({
      status: 'succeeded',
      summary: HOSTILE,
      runId: 'run_01',
      findings: [
        {
          category: 'crash_loop',
          summary: HOSTILE,
          object: { kind: 'Pod', namespace: 'shop', name: 'x' },
          evidence: [HOSTILE],
        },
      ],
      proposals: [proposal()],
    }),
  ],
  ['alert root', alertRootMessage({ group, alerts: [alert] }, 'prod')],
  ['alert note', alertNoteMessage([{ kind: 'fired', text: HOSTILE }])],
  [
    'alert digest',
    alertDigestMessage({ digest: { id: '1', channel: 'C0', opened_at: new Date() } as never, groups: [group] }),
  ],
];

describe("every message's text fallback and blocks are escaped like the blocks", () => {
  it.each(messages)('%s', (_name, m) => {
    expect(m.text).not.toMatch(FORBIDDEN);
    expect(JSON.stringify(m.blocks ?? [])).not.toMatch(FORBIDDEN);
  });
});
