#!/usr/bin/env node
// The `claw` command. Runs under Node 24 (type stripping) through npm's bin PATH; see README.
import { runCli } from './run-cli.ts';

// `claw runs | head -1`: the reader has what it wanted and left. The rest has nowhere to go, which
// is not an error: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });

process.exitCode = await runCli(process.argv.slice(2));
