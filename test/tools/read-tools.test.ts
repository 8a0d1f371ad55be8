import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import { type Sandbox, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import type { ToolContext } from '../../src/tools/define-tool.ts';
import { getPod } from '../../src/tools/read/get-pod.ts';
import { listPods } from '../../src/tools/read/list-pods.ts';
import { podLogs } from '../../src/tools/read/pod-logs.ts';
import { TOOLS } from '../../src/tools/registry.ts';
import { renderForModel, runReadTool } from '../../src/tools/run-read-tool.ts';
import { rolloutUndo } from '../../src/tools/write/rollout-undo.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('read tools against the sandbox', () => {
  let sandbox: Sandbox;
  let ctx: ToolContext;
  beforeAll(async () => {
    sandbox = await startSandbox({
      stateYaml: await readFile(join(import.meta.dirname, '..', 'fixtures', 'single-revision-crash.yaml'), 'utf8'),
      tickMs: 50,
    });
    const kc = new KubeConfig();
    kc.loadFromString(sandbox.kubeconfig);
    ctx = { reader: new KubeReader(kc), namespace: 'payments', now: () => new Date() };
  });
  afterAll(() => sandbox.stop());

  it('every tool is one value with a name, description, schema and effect', () => {
    expect(new Set(TOOLS.map((t) => t.name)).size).toBe(TOOLS.length);
    for (const t of TOOLS) {
      expect(t.name).toMatch(/^[a-z_]+$/);
      expect(t.description.length).toBeGreaterThan(20);
      expect(['read', 'write']).toContain(t.effect);
    }
  });

  it('redacts secrets from logs and env, and keeps the rest of the text as it was', async () => {
    const pods = await waitFor('a crashed worker', async () =>
      (await listPods.run(ctx, {})).find(
        (p) => p.name.startsWith('ledger-worker') && p.diagnosis.category === 'crash_loop',
      ),
    );
    const logs = await podLogs.run(
      ctx,
      podLogs.input.parse({ namespace: 'payments', name: pods.name, previous: true }),
    );
    expect(logs.text).not.toContain('s3cr3t-pw');
    expect(logs.text).toContain('postgres://ledger:[redacted]@db.payments.svc');
    expect(logs.text).toContain('IGNORE PREVIOUS INSTRUCTIONS');
    const pod = await getPod.run(ctx, { namespace: 'payments', name: pods.name });
    expect(JSON.stringify(pod)).not.toContain('hunter2');
    expect(pod.containers[0].env).toEqual([{ name: 'DB_PASSWORD', value: '[redacted]' }]);
  });

  it('refuses to leave the task namespace', async () => {
    await expect(listPods.run(ctx, { namespace: 'kube-system' })).rejects.toThrow(/outside this task's scope/);
  });

  it('rollout_undo refuses when there is no earlier revision', async () => {
    await expect(
      rolloutUndo.plan(ctx, rolloutUndo.input.parse({ namespace: 'payments', name: 'ledger-worker' })),
    ).rejects.toThrow(/no previous revision/);
  });

  it('holds output to the tool budget by trimming the list and saying how to narrow, never silently', async () => {
    const small = { ...listPods, budget: 700, narrow: 'pass a namespace' };
    const out = await runReadTool(small, ctx, {});
    expect(JSON.stringify(out.data).length).toBeLessThanOrEqual(700);
    expect(out.truncated).toEqual({ shown: (out.data as unknown[]).length, total: 3, narrow: 'pass a namespace' });
    expect(renderForModel(out)).toContain(
      `[output trimmed to ${(out.data as unknown[]).length} of 3 items; to see the rest: pass a namespace]`,
    );
    expect((await runReadTool(listPods, ctx, {})).truncated).toBeUndefined();
  });

  it('greps logs for a phrase, case-insensitively', async () => {
    const pod = (await listPods.run(ctx, {})).find((p) => p.name.startsWith('ledger-worker'))!;
    const hit = await podLogs.run(
      ctx,
      podLogs.input.parse({ namespace: 'payments', name: pod.name, previous: true, grep: 'ignore previous' }),
    );
    expect(hit.lines).toBe(1);
    expect(hit.text).toContain('IGNORE PREVIOUS INSTRUCTIONS');
    const none = await podLogs.run(
      ctx,
      podLogs.input.parse({ namespace: 'payments', name: pod.name, previous: true, grep: 'no such phrase here' }),
    );
    expect(none).toMatchObject({ lines: 0, text: '' });
  });
});
