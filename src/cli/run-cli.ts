import { ErrorCode, isCodedError } from '../domain/errors.ts';
import type { Command } from './command.ts';
import { agentJobCommand } from './commands/agent-job.ts';
import { auditCommand } from './commands/audit.ts';
import { changeCommand } from './commands/change.ts';
import { approveCommand, rejectCommand, withdrawCommand } from './commands/decide.ts';
import { demoCommand } from './commands/demo.ts';
import { evalCommand } from './commands/eval.ts';
import { investigateCommand } from './commands/investigate.ts';
import { migrateCommand } from './commands/migrate.ts';
import { policyCommand } from './commands/policy.ts';
import { rbacCommand } from './commands/rbac.ts';
import { resumeCommand } from './commands/resume.ts';
import { cancelCommand, runsCommand, showCommand } from './commands/runs.ts';
import { sandboxCommand } from './commands/sandbox.ts';
import { serveCommand } from './commands/serve.ts';

const COMMANDS: Command[] = [
  serveCommand,
  demoCommand,
  sandboxCommand,
  investigateCommand,
  changeCommand,
  runsCommand,
  showCommand,
  cancelCommand,
  resumeCommand,
  approveCommand,
  rejectCommand,
  withdrawCommand,
  policyCommand,
  auditCommand,
  rbacCommand,
  migrateCommand,
  evalCommand,
  agentJobCommand,
];

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  return [
    'usage: claw <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
  ].join('\n');
}

/** Dispatches argv to a command; returns the exit code. Errors are one clear line on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(`${usage()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`claw: unknown command "${name}"\n\n${usage()}\n`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (e) {
    // A coded error is a condition we know and named: its message is the whole story, no stack trace.
    if (isCodedError(e) && e.code === ErrorCode.Usage) {
      process.stderr.write(`claw ${name}: ${e.message}\nusage: claw ${command.usage}\n`);
      return 2;
    }
    if (isCodedError(e)) {
      process.stderr.write(`claw ${name}: ${e.message}\n`);
      return e.code === ErrorCode.Interrupted ? 130 : 1;
    }
    process.stderr.write(`claw ${name}: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
}
