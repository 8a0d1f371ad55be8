import { describe, expect, it } from 'vitest';
import {
  legalSources,
  PROPOSAL_TRANSITIONS,
  type ProposalStatus,
  type ProposalVerdict,
  type StoredOutcome,
  verdictOf,
} from '../../src/domain/proposal.ts';

describe('the proposal lifecycle', () => {
  it('settled proposals never move again; only a pending one can be decided', () => {
    const terminal = (Object.keys(PROPOSAL_TRANSITIONS) as ProposalStatus[]).filter(
      (s) => PROPOSAL_TRANSITIONS[s].length === 0,
    );
    expect(terminal.sort()).toEqual(['executed', 'expired', 'failed', 'refused', 'rejected', 'superseded']);
    const decidable = (Object.keys(PROPOSAL_TRANSITIONS) as ProposalStatus[]).filter((s) =>
      PROPOSAL_TRANSITIONS[s].includes('approved'),
    );
    // executing → approved is the fence: an executor that died before journalling applied nothing.
    expect(decidable.sort()).toEqual(['executing', 'pending']);
  });

  it.each<[string, ProposalStatus[], ProposalStatus]>([
    ['a refused proposal approved', ['refused'], 'approved'],
    ['an executed proposal executed again', ['executed'], 'executing'],
    ['a rejected proposal approved after all', ['pending', 'rejected'], 'approved'],
    ['an expired proposal claimed by the executor', ['expired'], 'executing'],
  ])('refuses a transition the table does not allow: %s', (_name, from, to) => {
    expect(() => legalSources(from, to)).toThrow(/cannot go from/);
  });

  it('allows the transitions the gate makes', () => {
    expect(legalSources(['pending'], 'approved')).toEqual(['pending']);
    expect(legalSources(['approved'], 'executing')).toEqual(['approved']);
    expect(legalSources(['executing'], 'failed')).toEqual(['executing']);
  });
});

describe("a proposal's verdict, read in one place", () => {
  const executed = { applied: true, verified: true, message: 'rollout complete' };
  it.each<[string, ProposalStatus, StoredOutcome | null, ProposalVerdict]>([
    ['waiting for a human', 'pending', null, { kind: 'open', status: 'pending' }],
    ['being executed', 'executing', null, { kind: 'open', status: 'executing' }],
    [
      'applied and verified',
      'executed',
      executed,
      { kind: 'executed', verified: true, message: 'rollout complete', recovered: false },
    ],
    [
      'applied but not verified',
      'failed',
      { applied: true, verified: false, message: 'still crashing' },
      { kind: 'executed', verified: false, message: 'still crashing', recovered: false },
    ],
    [
      'recorded by the next owner from the journal',
      'executed',
      { ...executed, recovered: true },
      { kind: 'executed', verified: true, message: 'rollout complete', recovered: true },
    ],
    [
      'voided because the target moved',
      'failed',
      { applied: false, verified: false, message: 'refused: target changed', stale: true },
      { kind: 'not_applied', message: 'refused: target changed', stale: true },
    ],
    [
      'rejected with a reason',
      'rejected',
      { rejectedBy: 'U0B', reason: 'not during the sale' },
      { kind: 'rejected', by: 'U0B', reason: 'not during the sale' },
    ],
    [
      'withdrawn with its cancelled run',
      'superseded',
      { withdrawn: 'its run was cancelled by U0A' },
      { kind: 'withdrawn', reason: 'its run was cancelled by U0A' },
    ],
    [
      'replaced by a newer proposal',
      'superseded',
      null,
      { kind: 'withdrawn', reason: 'a newer proposal for the same target replaced it' },
    ],
    ['expired', 'expired', null, { kind: 'expired' }],
    [
      'refused by policy',
      'refused',
      { refused: { stage: 'policy', rule: 'freeze', reason: 'change freeze' } },
      { kind: 'refused', stage: 'policy', rule: 'freeze', reason: 'change freeze' },
    ],
  ])('%s', (_name, status, outcome, verdict) => {
    expect(verdictOf({ status, outcome })).toEqual(verdict);
  });
});
