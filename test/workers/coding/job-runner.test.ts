import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { bundleHead } from '../../../src/git/job-bundles.ts';
import { cloneAt, refreshMirror } from '../../../src/git/workspace.ts';
import { DEMO_SEED } from '../../../src/sandbox/seeds/demo-seed.ts';
import { startSandbox } from '../../../src/sandbox/start-sandbox.ts';
import { startJobGateway } from '../../../src/workers/coding/job-gateway.ts';
import type { JobLine } from '../../../src/workers/coding/job-session.ts';
import { podConfig } from '../../../src/workers/coding/job-worker.ts';
import { startModelProxy } from '../../../src/workers/coding/model-proxy.ts';
import { type FakeModelServer, type ScriptedTurn, startFakeModelServer } from '../../fakes/fake-model-server.ts';
import { CLAW, run } from '../../helpers/cli.ts';
import { bareRepo, git } from '../../helpers/git-repo.ts';

const CI_SH = `set -e
grep -q '^replicas: [0-9][0-9]*$' deploy/values.yaml || { echo "replicas must be a whole number" >&2; exit 1; }
echo "ci: values are valid"
`;
const REAL_KEY = 'sk-openai-real-key-0123456789abcdef';
const IMAGE = 'registry.local/clusterclaw:test';

const shell = (cmd: string): ScriptedTurn => ({
  toolCalls: [{ name: 'exec_command', input: { cmd } }],
  stopReason: 'tool_use',
});

/** A free loopback port for the replica's gateway (the Job's pod is told where it is). */
const freePort = () =>
  new Promise<number>((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => r(port));
    });
  });

describe('workers.runner kubernetes-job: each coding turn a Job, its events and work read from the pod log', () => {
  let fake: FakeModelServer;
  let recording = '';
  const r = bareRepo({ 'ci.sh': CI_SH, 'deploy/values.yaml': 'replicas: 2\n' });
  beforeAll(async () => {
    fake = await startFakeModelServer();
  });
  afterAll(() => fake.close());

  it("runs in the pod as `claw agent-job`: the real Codex CLI, reaching only the replica's gateway, writes its events and work to stdout", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'claw-job-pod-'));
    const clone = await cloneAt(
      r.config,
      await refreshMirror(r.config, join(dir, 'replica')),
      join(dir, 'replica-clone'),
    );
    let metered = 0;
    const proxy = await startModelProxy({
      wire: 'openai',
      upstream: fake.url,
      apiKey: REAL_KEY,
      onUsage: (u) => (metered += u.inputTokens + u.outputTokens),
      exhausted: () => undefined,
    });
    const gateway = await startJobGateway({ host: '127.0.0.1', port: 0 });
    const token = gateway.register({
      proxy,
      brief: 'Scale cart to 3 replicas in deploy/values.yaml.',
      config: podConfig('codex:gpt-5.4', { provider: 'codex', model: 'gpt-5.4' }, r.config, gateway.url),
      bundle: () => bundleHead(clone.dir),
    });
    let i = 0;
    const steps: ScriptedTurn[] = [
      shell('cat deploy/values.yaml'),
      shell(
        "apply_patch <<'EOF'\n*** Begin Patch\n*** Update File: deploy/values.yaml\n@@\n-replicas: 2\n+replicas: 3\n*** End Patch\nEOF",
      ),
      shell('env'),
      { text: 'Scaled cart to 3 replicas.' },
    ];
    fake.responder = () => steps[i++] ?? { text: 'Nothing more to do.' };
    try {
      const pod = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [CLAW, 'agent-job'], {
          env: {
            PATH: process.env.PATH,
            HOME: join(dir, 'home'),
            CLAW_DATA_DIR: join(dir, 'work'),
            CLAW_JOB_GATEWAY: gateway.url,
            CLAW_JOB_TOKEN: token,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
      expect(pod.code, pod.stderr).toBe(0);
      const lines = pod.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as JobLine);
      const events = lines.flatMap((l) => (l.claw === 'event' ? [l.event] : []));
      expect(events).toContainEqual(
        expect.objectContaining({
          type: 'tool_call',
          data: expect.objectContaining({ label: 'Edit deploy/values.yaml' }),
        }),
      );
      const result = lines.at(-1)!;
      expect(result).toMatchObject({ claw: 'result', ok: true, summary: 'Scaled cart to 3 replicas.' });
      expect(result.claw === 'result' && result.commit && result.bundle).toBeTruthy();
      // The agent's environment held neither the real key nor the turn's token: only its own proxy's.
      const sent = JSON.stringify(fake.requests.map((q) => q.body?.input));
      expect(sent).not.toContain(REAL_KEY);
      expect(sent).not.toContain(token);
      expect(fake.requests.every((q) => q.headers.authorization === `Bearer ${REAL_KEY}`)).toBe(true);
      expect(metered).toBeGreaterThan(0);
      recording = pod.stdout;
      // A token that is gone opens nothing.
      gateway.unregister(token);
      const refused = await fetch(`${gateway.url}/job/brief`, { headers: { authorization: `Bearer ${token}` } });
      expect(refused.status).toBe(401);
    } finally {
      await gateway.close();
      await proxy.close();
    }
  }, 180_000);

  /** A sandbox whose agent image behaves as given, and a replica's claw.yaml that runs coding turns as Jobs there. */
  async function replica(behaviour: Record<string, unknown>, extraConfig: string[] = []) {
    const dir = mkdtempSync(join(tmpdir(), 'claw-job-replica-'));
    const kubeconfig = join(dir, 'kubeconfig');
    const extra = [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'claw-agents' } },
      { apiVersion: 'sandbox.clusterclaw.dev/v1alpha1', kind: 'SandboxImage', image: IMAGE, behaviour },
    ];
    const state = `${await readFile(DEMO_SEED, 'utf8')}\n---\n${extra.map((d) => stringify(d)).join('---\n')}`;
    const sandbox = await startSandbox({ stateYaml: state, kubeconfigPath: kubeconfig });
    const port = await freePort();
    writeFileSync(
      join(dir, 'claw.yaml'),
      [
        'approvals: { approvers: [U0APPROVER] }',
        'models: { routes: { change: ["codex:gpt-5.4"] } }',
        `workers: { runner: kubernetes-job, job: { namespace: claw-agents, image: "${IMAGE}", gatewayHost: 127.0.0.1, gatewayPort: ${port}, cpu: 100m, memory: 256Mi } }`,
        ...extraConfig,
        'repos:',
        `  demo: { url: "file://${r.bare}", ci: "sh ci.sh", paths: ["deploy/**"] }`,
      ].join('\n'),
    );
    const env = {
      CLAW_CONFIG: join(dir, 'claw.yaml'),
      CLAW_DATA_DIR: join(dir, 'data'),
      OPENAI_API_KEY: REAL_KEY,
      OPENAI_BASE_URL: `${fake.url}/v1`,
      KUBECONFIG: kubeconfig,
    };
    return { sandbox, env };
  }

  it('in the replica: creates the Job, follows its pod log (the recording replayed by the sandbox), gates the work and proposes it', async () => {
    expect(recording).toContain('"claw":"result"');
    const { sandbox, env } = await replica({ logs: recording, exitCode: 0, startSeconds: 2 });
    try {
      const changed = await run(
        ['change', '--repo', 'demo', 'Scale cart to 3 replicas', '--as', 'U0ONCALL', '--json'],
        env,
        undefined,
        120_000,
      );
      expect(changed.code, changed.stderr).toBe(0);
      const report = JSON.parse(changed.stdout);
      expect(report.run, report.run.summary).toMatchObject({ status: 'awaiting_approval', worker: 'codex:gpt-5.4' });
      expect(report.proposals[0]).toMatchObject({ action: 'git_change', status: 'pending' });
      expect(report.proposals[0].dryRun.diff).toContain('+replicas: 3');
      const shown = JSON.stringify(JSON.parse((await run(['show', report.run.id, '--json'], env)).stdout));
      expect(shown).toMatch(/The agent's turn runs as Job claw-agents\/claw-agent-/);
      expect(shown).toContain('Edit deploy/values.yaml');
      const jobCalls = sandbox.journal.filter((j) => j.path.startsWith('/apis/batch/v1/namespaces/claw-agents/jobs'));
      expect(jobCalls.map((j) => j.method)).toEqual(expect.arrayContaining(['POST', 'DELETE']));
      // Nothing else was written to the cluster: the Job is ClusterClaw's own compute, in its namespace.
      const writes = sandbox.journal.filter((j) => j.method !== 'GET' && !j.dryRun);
      expect(writes.every((j) => j.path.startsWith('/apis/batch/v1/namespaces/claw-agents/jobs'))).toBe(true);
      expect(git(r.bare, 'for-each-ref', 'refs/heads/claw')).toBe('');
    } finally {
      await sandbox.stop();
    }
  }, 180_000);

  it('a silent agent Job is nudged (the Job deleted, a new one started with the nudge), then given up on', async () => {
    // The image never writes a line and never exits: no progress, as a hung agent.
    const { sandbox, env } = await replica({}, [
      'runs: { stall: { seconds: 5, maxNudges: 1 }, maxAttempts: 1, retryBackoff: { baseSeconds: 0.2, maxSeconds: 1 } }',
    ]);
    try {
      const changed = await run(
        ['change', '--repo', 'demo', 'Scale cart to 3 replicas', '--as', 'U0ONCALL', '--json'],
        env,
        undefined,
        120_000,
      );
      const report = JSON.parse(changed.stdout);
      expect(report.run.status).toBe('failed');
      expect(report.run.summary).toMatch(/no progress for \d+s after 1 nudges/);
      const shown = JSON.stringify(JSON.parse((await run(['show', report.run.id, '--json'], env)).stdout));
      expect(shown).toMatch(/No progress for \d+s: nudging codex:gpt-5.4/);
      const created = sandbox.journal.filter(
        (j) => j.method === 'POST' && j.path.endsWith('/namespaces/claw-agents/jobs'),
      );
      const deleted = sandbox.journal.filter(
        (j) => j.method === 'DELETE' && j.path.includes('/namespaces/claw-agents/jobs/'),
      );
      // The first turn's Job, then the nudged turn's: each deleted when it was stopped.
      expect(created).toHaveLength(2);
      expect(new Set(deleted.map((j) => j.path)).size).toBe(2);
      expect(
        sandbox.journal.filter((j) => j.method !== 'GET' && !j.path.includes('/namespaces/claw-agents/jobs')),
      ).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  }, 180_000);
});
