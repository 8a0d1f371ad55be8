import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { CLAW } from './cli.ts';
import { waitFor } from './wait-for.ts';

/** A port nobody listens on now (each replica keeps its own across restarts, like a pod IP). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/**
 * `claw serve` replicas as child processes on one PostgreSQL: killed with SIGKILL (a node dying,
 * the OOM killer) or stopped with SIGTERM (a rolling update), and restarted on the same port.
 */
export class ReplicaSet {
  readonly ports: number[];
  private readonly children: (ChildProcess | undefined)[];
  private readonly env: Record<string, string | undefined>;
  /** The last output of each replica (for failure messages), kept short. */
  readonly tails: string[];
  kills = 0;

  private constructor(ports: number[], env: Record<string, string | undefined>) {
    this.ports = ports;
    this.env = env;
    this.children = ports.map(() => undefined);
    this.tails = ports.map(() => '');
  }

  static async start(count: number, env: Record<string, string | undefined>): Promise<ReplicaSet> {
    const set = new ReplicaSet(await Promise.all(Array.from({ length: count }, freePort)), env);
    await Promise.all(set.ports.map((_, i) => set.startOne(i)));
    return set;
  }

  url(i: number): string {
    return `http://127.0.0.1:${this.ports[i]}`;
  }

  alive(i: number): boolean {
    const c = this.children[i];
    return Boolean(c && c.exitCode === null && c.signalCode === null);
  }

  /** The lease owner string this replica's supervisor writes on runs it holds. */
  owner(i: number): string | undefined {
    const pid = this.children[i]?.pid;
    return pid ? `${hostname()}:${pid}` : undefined;
  }

  async startOne(i: number): Promise<void> {
    const child = spawn(process.execPath, [CLAW, 'serve'], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LOG_LEVEL: 'info',
        ...this.env,
        PORT: String(this.ports[i]),
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.children[i] = child;
    child.stderr!.on('data', (d: Buffer) => {
      this.tails[i] = (this.tails[i] + String(d)).slice(-8000);
    });
    // Ready to take traffic when /healthz answers (the kubelet's startup probe).
    const healthy = () =>
      fetch(`${this.url(i)}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    await waitFor(
      `replica ${i} to answer /healthz`,
      async () => {
        if (child.exitCode !== null) throw new Error(`replica ${i} exited ${child.exitCode}: ${this.tails[i]}`);
        return healthy();
      },
      30_000,
      20,
    );
  }

  /** SIGKILL: no shutdown hooks, leases left to expire. */
  async kill(i: number): Promise<void> {
    const c = this.children[i];
    if (!this.alive(i) || !c) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
    this.kills++;
  }

  /** SIGTERM, and the exit code (0 for a clean graceful shutdown). */
  async terminate(i: number): Promise<number | null> {
    const c = this.children[i];
    if (!this.alive(i) || !c) return c?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    c.kill('SIGTERM');
    return exited;
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.ports.map((_, i) => this.terminate(i)));
  }
}
