import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { T } from '../../src/sandbox/cluster-state.ts';
import { useSlackApp } from '../helpers/slack-app-harness.ts';
import { waitFor } from '../helpers/wait-for.ts';

const run = promisify(execFile);
const TOKEN = 'real-am-token';
/** Debian's package names the server prometheus-alertmanager; upstream tarballs call it alertmanager. */
const BINARY = ['/usr/bin/prometheus-alertmanager', '/usr/local/bin/alertmanager', '/usr/bin/alertmanager'].find(
  existsSync,
);
const AMTOOL = ['/usr/bin/amtool', '/usr/local/bin/amtool'].find(existsSync);

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

// CI installs the Debian package (.ci/run); a developer machine without it skips, loudly.
describe.skipIf((!BINARY || !AMTOOL) && !process.env.CI)('a real Alertmanager posting to claw serve', () => {
  const h = useSlackApp({
    secret: 'e2e-signing-secret',
    clawYaml: 'slack:\n  alertChannel: C0ALERTS\napprovals:\n  approvers: [U0APPROVER1]\n',
    env: { ALERTMANAGER_TOKEN: TOKEN },
    server: { alerts: { pollMs: 100, holdMs: 200 } },
  });
  let am: ChildProcess;
  let amUrl = '';
  let dir = '';
  let amLog = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'claw-am-'));
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    await writeFile(
      join(dir, 'alertmanager.yml'),
      [
        'route:',
        '  receiver: claw',
        '  group_by: [alertname, namespace]',
        '  group_wait: 1s',
        '  group_interval: 1s',
        '  repeat_interval: 1h',
        'receivers:',
        '- name: claw',
        '  webhook_configs:',
        `  - url: ${h.app.url}/webhooks/alertmanager`,
        '    send_resolved: true',
        '    http_config:',
        '      authorization:',
        `        credentials: ${TOKEN}`,
        '',
      ].join('\n'),
    );
    am = spawn(
      BINARY!,
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    am.stderr!.on('data', (c) => (amLog += c));
    await waitFor(
      'Alertmanager ready',
      async () => (await fetch(`${amUrl}/-/ready`).catch(() => undefined))?.ok,
      20_000,
      100,
    );
  });
  afterAll(async () => {
    // Alertmanager writes its state on the way out: wait for it before removing its directory.
    if (am && am.exitCode === null) {
      const exited = new Promise((r) => am.once('exit', r));
      am.kill('SIGTERM');
      await exited;
    }
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  const amtool = (...args: string[]) => run(AMTOOL!, ['alert', 'add', `--alertmanager.url=${amUrl}`, ...args]);
  const roots = () =>
    h.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.channel === 'C0ALERTS' && !c.args.thread_ts && c.result?.ok);
  const thread = (ts: string) =>
    h.slack
      .callsTo('chat.postMessage')
      .filter((c) => c.args.thread_ts === ts)
      .map((c) => String(c.args.text));

  it('one thread per group, one investigation each, new alerts and the resolution in the same thread', async () => {
    const pod = h.sandbox.state.store.list(T.pod, 'shop').find((p) => p.metadata.name.startsWith('cart-'))!
      .metadata.name;
    const crash = ['alertname=KubePodCrashLooping', 'namespace=shop', 'container=cart', 'severity=warning'];
    const pvc = [
      'alertname=KubePersistentVolumeFillingUp',
      'namespace=data',
      'persistentvolumeclaim=data-postgres-0',
      'severity=critical',
    ];
    await amtool(...crash, `pod=${pod}`, '--annotation=summary=Pod is crash looping.');
    await amtool(...pvc, '--annotation=summary=PersistentVolume is filling up.');
    await waitFor('two alert threads', () => roots().length >= 2 || undefined, 30_000);
    const crashRoot = roots().find((c) => String(c.args.text).includes('KubePodCrashLooping'))!;
    const pvcRoot = roots().find((c) => String(c.args.text).includes('KubePersistentVolumeFillingUp'))!;
    expect(crashRoot.args.text).toBe('FIRING: KubePodCrashLooping (1 firing) in shop');
    expect(pvcRoot.args.text).toBe('FIRING: KubePersistentVolumeFillingUp (1 firing) in data');
    const crashTs = String(crashRoot.result!.ts);

    // A second pod joins the group: Alertmanager re-sends the whole group; the thread says what is new.
    await amtool(...crash, 'pod=cart-5d8f7c9b6-zz9qp', '--annotation=summary=Pod is crash looping.');
    await waitFor(
      'the new alert in the crash-loop thread',
      () => thread(crashTs).find((t) => t.includes('1 new alert firing: pod=cart-5d8f7c9b6-zz9qp')),
      30_000,
    );

    // Both groups end: each thread gets its resolution, and no group ever got a second thread.
    const end = new Date(Date.now() - 1000).toISOString();
    await amtool(...crash, `pod=${pod}`, `--end=${end}`);
    await amtool(...crash, 'pod=cart-5d8f7c9b6-zz9qp', `--end=${end}`);
    await amtool(...pvc, `--end=${end}`);
    await waitFor(
      'the crash-loop resolution',
      () => thread(crashTs).find((t) => t.includes('Resolved: every alert in this group has ended')),
      30_000,
    );
    await waitFor(
      'the PVC resolution',
      () => thread(String(pvcRoot.result!.ts)).find((t) => t.includes('Resolved: every alert')),
      30_000,
    );
    expect(roots().filter((c) => String(c.args.text).includes('Kube'))).toHaveLength(2);
    const tasks = await h.app.runtime.store.db
      .selectFrom('tasks')
      .select(['namespace', 'slack_thread_ts'])
      .where('source', '=', 'alert')
      .orderBy('namespace')
      .execute();
    expect(tasks).toEqual([
      { namespace: 'data', slack_thread_ts: String(pvcRoot.result!.ts) },
      { namespace: 'shop', slack_thread_ts: crashTs },
    ]);
    const groups = await h.app.runtime.store.db
      .selectFrom('alert_groups')
      .select(['receiver', 'status', 'firing', 'resolved', 'group_key'])
      .orderBy('id')
      .execute();
    expect(groups).toEqual([
      {
        receiver: 'claw',
        status: 'resolved',
        firing: 0,
        resolved: 2,
        group_key: '{}:{alertname="KubePodCrashLooping", namespace="shop"}',
      },
      {
        receiver: 'claw',
        status: 'resolved',
        firing: 0,
        resolved: 1,
        group_key: '{}:{alertname="KubePersistentVolumeFillingUp", namespace="data"}',
      },
    ]);
    expect(amLog).not.toMatch(/level=error/);
  }, 120_000);
});
