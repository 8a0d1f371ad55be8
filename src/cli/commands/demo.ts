import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { rolloutStatus } from '../../analyzers/rollout.ts';
import { decide } from '../../approvals/decide.ts';
import { KubeReader } from '../../cluster/kube-reader.ts';
import { type Config, loadConfig } from '../../config/config.ts';
import { Interrupted } from '../../domain/errors.ts';
import { DEMO_APPROVER, DEMO_SEED } from '../../sandbox/seeds/demo-seed.ts';
import { startSandbox } from '../../sandbox/start-sandbox.ts';
import { createTask } from '../../tasks/create-task.ts';
import { buildReport } from '../../tasks/report.ts';
import { runtimeForCli } from '../cli-runtime.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';
import { cancelRequested, driveOwnRun } from '../drive-own-run.ts';
import { style } from '../terminal-sink.ts';

const QUESTION = 'checkout is failing since the 1.4.2 release, what is wrong?';

export const demoCommand: Command = {
  ...commandInfo('demo'),
  async run(argv) {
    const { values } = parse(
      argv,
      {
        yes: { type: 'boolean', short: 'y', default: false },
        verbose: { type: 'boolean', short: 'v', default: false },
      },
      false,
    );
    const out = process.stderr;
    const dir = await mkdtemp(join(tmpdir(), 'claw-demo-'));
    const kubeconfigPath = join(dir, 'kubeconfig');
    const sandbox = await startSandbox({ stateYaml: await readFile(DEMO_SEED, 'utf8'), kubeconfigPath });
    out.write(
      `${style.bold('ClusterClaw demo')} — simulated cluster at ${sandbox.url} (kubeconfig ${kubeconfigPath})\n`,
    );
    out.write(style.dim(`Seeded incident: shop/cart release 1.4.2 crashes on start; 1.4.1 was healthy.\n\n`));
    // The demo is the product on a simulated cluster: same config, plus the sandbox and a demo approver.
    const base = loadConfig();
    const config: Config = {
      ...base,
      kubeconfig: kubeconfigPath,
      approvals: { ...base.approvals, approvers: [...base.approvals.approvers, DEMO_APPROVER] },
    };
    const rt = await runtimeForCli(config, { verbose: values.verbose });
    try {
      await new Promise((r) => setTimeout(r, 1500)); // let the crash loop show itself (first exit after 1 s)
      out.write(`${style.bold('$')} claw investigate "${QUESTION}"\n`);
      const requester = `cli:${config.osUser}`;
      const { run } = await createTask(rt.store.db, {
        kind: 'investigate',
        source: 'cli',
        requester,
        question: QUESTION,
        timeoutSeconds: config.runs.timeoutSeconds,
      });
      let done = await driveOwnRun(rt, run.id, requester);
      const report = await buildReport(rt.store.db, run.id);
      const proposal = report.proposals.find((p) => p.status === 'pending');
      if (done.status !== 'awaiting_approval' || !proposal) {
        out.write(`${style.red('demo: expected a proposal, got run status')} ${done.status}: ${done.summary}\n`);
        return 1;
      }
      out.write(`\n${style.bold('Proposal')} ${proposal.id} — ${proposal.summary}\n`);
      out.write(
        `risk ${proposal.risk} · expires ${proposal.expiresAt} · artifact ${proposal.artifactHash.slice(0, 16)}…\n`,
      );
      out.write(`${colorDiff(proposal.dryRun.diff)}\n\n`);
      const answer = values.yes || (await confirm(`Approve as ${DEMO_APPROVER}? [y/N] `));
      if (answer === 'interrupted') {
        // Ctrl-C at the prompt: nothing is left waiting for the next claw command to find.
        await cancelRequested(rt, run.id, requester);
        throw new Interrupted(`interrupted: run ${run.id} cancelled and its proposal withdrawn; nothing was changed`);
      }
      if (!answer) {
        await decide(
          { db: rt.store.db, config },
          { proposalId: proposal.id, actor: DEMO_APPROVER, decision: 'reject', reason: 'declined in the demo' },
        );
        await driveOwnRun(rt, run.id, requester);
        out.write('Rejected: no change was made.\n');
        return 0;
      }
      const decision = await decide(
        { db: rt.store.db, config },
        {
          proposalId: proposal.id,
          actor: DEMO_APPROVER,
          decision: 'approve',
          reason: values.yes ? 'demo --yes' : 'approved at the demo prompt',
        },
      );
      if (!decision.ok) {
        out.write(`${style.red('approval refused:')} ${decision.message}\n`);
        return 1;
      }
      out.write(`${style.green('✔')} approved by ${DEMO_APPROVER}; executing…\n`);
      done = await driveOwnRun(rt, run.id, requester);
      const d = await new KubeReader(rt.kubeConfigFor('default')).readDeployment('shop', 'cart');
      const verdict = rolloutStatus(d);
      out.write(
        `\n${style.bold('Summary')}\n${done.summary}\n${style.dim(`kubectl rollout status: ${verdict.message}`)}\nrun ${done.id}: ${done.status}\n`,
      );
      return done.status === 'succeeded' && verdict.done ? 0 : 1;
    } finally {
      await rt.close();
      await sandbox.stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

/** y/N on a terminal; `interrupted` on Ctrl-C (readline's own SIGINT, or the AbortError it turns into). */
async function confirm(prompt: string): Promise<boolean | 'interrupted'> {
  if (!process.stdin.isTTY) {
    process.stderr.write('Not a terminal: run `claw demo --yes` to approve without asking.\n');
    return false;
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const ctrlC = new AbortController();
  rl.once('SIGINT', () => ctrlC.abort());
  try {
    return /^y(es)?$/i.test((await rl.question(prompt, { signal: ctrlC.signal })).trim());
  } catch (e) {
    if ((e as Error).name === 'AbortError') return 'interrupted';
    throw e;
  } finally {
    rl.close();
  }
}

function colorDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) => (l.startsWith('+') ? style.green(l) : l.startsWith('-') ? style.red(l) : style.dim(l)))
    .join('\n');
}
