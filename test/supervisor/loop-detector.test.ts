import { describe, expect, it } from 'vitest';
import type { RunEventInput } from '../../src/domain/run-events.ts';
import { LoopDetector } from '../../src/supervisor/loop-detector.ts';
import { StallWatchdog } from '../../src/supervisor/stall-watchdog.ts';

const call = (tool: string, input: unknown): RunEventInput => ({ type: 'tool_call', data: { tool, input } });
const result = (tool: string, ok: boolean, summary: string): RunEventInput => ({
  type: 'tool_result',
  data: { tool, ok, summary },
});

describe('the loop detector', () => {
  it('trips on the third identical call, whatever the order of its input keys, and counts afresh after', () => {
    const d = new LoopDetector();
    expect(d.see(call('claude-code:Read', { file_path: 'a', limit: 5 }))).toBeUndefined();
    expect(d.see(call('claude-code:Read', { file_path: 'b' }))).toBeUndefined();
    expect(d.see(call('claude-code:Read', { limit: 5, file_path: 'a' }))).toBeUndefined();
    expect(d.see(call('claude-code:Read', { file_path: 'a', limit: 5 }))).toMatch(
      /called claude-code:Read with the same input 3 times/,
    );
    expect(d.see(call('claude-code:Read', { file_path: 'a', limit: 5 }))).toBeUndefined();
  });

  it('trips on the third identical failure, never on successes or on the gate’s own CI runs', () => {
    const d = new LoopDetector();
    for (let i = 0; i < 5; i++) expect(d.see(result('codex:shell', true, 'exit 0'))).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(d.see(call('ci', { command: 'sh ci.sh' }))).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(d.see(result('ci', false, 'failed (exit 1)'))).toBeUndefined();
    expect(d.see(result('codex:shell', false, 'exit 1: make: *** No rule'))).toBeUndefined();
    expect(d.see(result('codex:shell', false, 'exit 1: make: *** No rule'))).toBeUndefined();
    expect(d.see(result('codex:shell', false, 'exit 1: make: *** No rule'))).toMatch(
      /codex:shell failed the same way 3 times/,
    );
  });
});

describe('the stall watchdog, told of a loop', () => {
  it('counts a loop as a nudge, and past the last nudge kills', () => {
    const seen: string[] = [];
    const w = new StallWatchdog({
      stallMs: 60_000,
      maxNudges: 1,
      onNudge: (n, _idle, loop) => seen.push(`nudge ${n}: ${loop}`),
      onKill: (_idle, loop) => seen.push(`kill: ${loop}`),
    });
    w.loop('same call');
    w.loop('same call again');
    w.loop('ignored once stopped');
    expect(seen).toEqual(['nudge 1: same call', 'kill: same call again']);
  });
});
