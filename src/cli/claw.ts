#!/usr/bin/env node
// The `claw` command. Runs under Node 24 (type stripping) through npm's bin PATH; see README.
import { runCli } from './run-cli.ts';

process.exitCode = await runCli(process.argv.slice(2));
