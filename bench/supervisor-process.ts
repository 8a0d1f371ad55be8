// One supervisor replica for bench/supervisor-scale.ts: `claw serve`'s supervisor without HTTP.
// Config from env (DATABASE_URL, KUBECONFIG, CLAW_CONFIG, ANTHROPIC_*); prints `ready`, then on
// SIGTERM finishes its runs and prints its peak RSS and the CPU time it spent since ready as JSON.
import { loadConfig } from '../src/config.ts';
import { openRuntime } from '../src/runtime.ts';
import { Supervisor } from '../src/supervisor/supervisor.ts';

const config = loadConfig();
const rt = await openRuntime(config, { logLevel: 'warn' });
const supervisor = new Supervisor({ db: rt.store.db, config, logger: rt.logger, kubeConfigFor: rt.kubeConfigFor, sinks: [], listen: rt.store.listen, owner: process.env.OWNER });
let peakRss = process.memoryUsage().rss;
let atPeak = process.memoryUsage();
// rss() alone is cheap; the full breakdown (a heap walk) only when a new peak is reached.
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) [peakRss, atPeak] = [rss, process.memoryUsage()];
}, 50);
await supervisor.start();
const cpuAtReady = process.cpuUsage();
process.stdout.write('ready\n');
await new Promise<void>((done) => process.once('SIGTERM', done));
await supervisor.stop();
clearInterval(sampler);
await rt.close();
// SDK keep-alive sockets may hold the loop open; the replica's work is done.
const cpu = process.cpuUsage(cpuAtReady);
process.stdout.write(`${JSON.stringify({ peakRss, atPeak, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`, () => process.exit(0));
