// One supervisor replica for bench/supervisor-scale.ts: `claw serve`'s supervisor without HTTP.
// Config from env (DATABASE_URL, KUBECONFIG, CLAW_CONFIG, ANTHROPIC_*); prints `ready`, then on
// SIGTERM finishes its runs and prints its peak RSS, heap limit and the CPU time it spent since ready (or since SIGUSR2) as JSON.
import { getHeapStatistics } from 'node:v8';
import { loadConfig } from '../src/config/config.ts';
import { openRuntime } from '../src/runtime.ts';
import { housekeepingJobs } from '../src/scheduled/scheduled-jobs.ts';
import { Supervisor } from '../src/supervisor/supervisor.ts';

const config = loadConfig();
const rt = await openRuntime(config, { logLevel: 'warn' });
const supervisor = new Supervisor({
  db: rt.store.db,
  config,
  logger: rt.logger,
  kubeConfigFor: rt.kubeConfigFor,
  sinks: [],
  housekeeping: housekeepingJobs(rt.store.db, config),
  listen: rt.store.listen,
  owner: process.env.OWNER,
});
let peakRss = process.memoryUsage().rss;
let atPeak = process.memoryUsage();
// rss() alone is cheap; the full breakdown (a heap walk) only when a new peak is reached.
const sampler = setInterval(() => {
  const rss = process.memoryUsage.rss();
  if (rss > peakRss) [peakRss, atPeak] = [rss, process.memoryUsage()];
}, 50);
await supervisor.start();
let cpuFrom = process.cpuUsage();
// The bench's clock starts (after its warm-up wave): count CPU from here.
process.on('SIGUSR2', () => {
  cpuFrom = process.cpuUsage();
});
process.stdout.write('ready\n');
await new Promise<void>((done) => process.once('SIGTERM', done));
await supervisor.stop();
clearInterval(sampler);
await rt.close();
// SDK keep-alive sockets may hold the loop open; the replica's work is done.
const cpu = process.cpuUsage(cpuFrom);
process.stdout.write(
  `${JSON.stringify({ peakRss, atPeak, heapLimit: getHeapStatistics().heap_size_limit, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
  () => process.exit(0),
);
