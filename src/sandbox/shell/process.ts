/**
 * The simulated process a container runs: a clock (seconds since the container started), its
 * environment and filesystem, what it printed, which ports it listens on and what it serves, and
 * how much memory it holds. Shell and programs advance it; nothing here touches the real machine.
 */

export interface FsEvent {
  at: number;
  path: string;
  /** The new content, or null when the file was removed. */
  content: string | null;
}

export class SimFs {
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>(['/', '/tmp', '/etc', '/bin', '/usr', '/var', '/root', '/home', '/dev', '/proc']);
  /** Writes after start, in order, so a probe can see the filesystem as it was at a given second. */
  readonly events: FsEvent[] = [];

  constructor(initial: Record<string, string> = {}) {
    for (const [p, c] of Object.entries(initial)) this.put(p, c);
  }

  put(path: string, content: string): void {
    this.files.set(path, content);
    for (let d = parent(path); !this.dirs.has(d); d = parent(d)) this.dirs.add(d);
  }

  write(at: number, path: string, content: string): void {
    this.put(path, content);
    this.events.push({ at, path, content });
  }

  remove(at: number, path: string): boolean {
    if (!this.files.delete(path)) return false;
    this.events.push({ at, path, content: null });
    return true;
  }

  isDir(path: string): boolean {
    return this.dirs.has(path) || [...this.files.keys()].some((f) => f.startsWith(`${path.replace(/\/$/, '')}/`));
  }

  list(dir: string): string[] {
    const prefix = dir === '/' ? '/' : `${dir.replace(/\/$/, '')}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p !== prefix) names.add(p.slice(prefix.length).split('/')[0]!);
    }
    return [...names].filter(Boolean).sort();
  }

  /** The filesystem as it stood `at` seconds after start. */
  at(seconds: number, initial: Map<string, string>): SimFs {
    const fs = new SimFs();
    for (const [p, c] of initial) fs.put(p, c);
    for (const d of this.dirs) fs.dirs.add(d);
    for (const e of this.events) {
      if (e.at > seconds) break;
      if (e.content === null) fs.files.delete(e.path);
      else fs.put(e.path, e.content);
    }
    return fs;
  }
}

export function parent(path: string): string {
  const i = path.replace(/\/$/, '').lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** What a port answers: every path (an opaque server), or exactly these paths with these bodies, 404 elsewhere. */
export type Served = '*' | Map<string, string>;

/** What a connection from this container reaches, for the network tools (curl, wget, nc, nslookup). */
export interface Network {
  /** The address a name resolves to (Service, pod IP, cluster DNS), or undefined (NXDOMAIN). */
  resolve(host: string): { fqdn: string; address: string } | undefined;
  /** Opens a TCP connection; `served` is what the listening process answers when it is HTTP. */
  connect(
    host: string,
    port: number,
  ):
    | { ok: true; address: string; served: Served }
    | { ok: false; address?: string; error: 'unresolved' | 'refused' | 'timeout' };
}

export interface LogChunk {
  at: number;
  text: string;
}

/** A shell that can run in the image, with the wording of its errors. */
export type ShellFlavour = 'dash' | 'ash' | 'bash';

/** The process blocks from here on: a server in the foreground, `sleep infinity`, an endless loop. */
export class Blocked extends Error {}

/** `exit N`, or a program ending the process. */
export class Exited extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

/** The container could not start its process (the runtime's StartError, exit 128). */
export class StartError extends Error {}

export const HORIZON_SECONDS = 7 * 24 * 3600;
export const MAX_STEPS = 4000;
const MAX_CHUNKS = 4000;

export class Proc {
  t = 0;
  steps = 0;
  memoryMi = 0;
  cpuMillis?: number;
  /** An opaque server: it answers on every port. */
  everywhere = false;
  /** When the last port opened. */
  listenedAt = 0;
  /** The network beyond this container, when it is running in a cluster (exec); absent: loopback only. */
  net?: Network;
  /** The container's main process, for ps. */
  mainArgv: string[] = [];
  readonly out: LogChunk[] = [];
  readonly ports = new Map<number, Served>();
  readonly initialFiles: Map<string, string>;

  readonly env: Map<string, string>;
  readonly fs: SimFs;
  readonly hostname: string;

  constructor(env: Map<string, string>, fs: SimFs, hostname: string) {
    this.env = env;
    this.fs = fs;
    this.hostname = hostname;
    this.initialFiles = new Map(fs.files);
  }

  log(text: string): void {
    if (text && this.out.length < MAX_CHUNKS) this.out.push({ at: this.t, text });
  }

  step(): void {
    if (++this.steps > MAX_STEPS) throw new Blocked('busy loop');
  }

  sleep(seconds: number): void {
    if (!Number.isFinite(seconds) || this.t + seconds > HORIZON_SECONDS) throw new Blocked('sleeping');
    this.t += seconds;
  }

  listen(port: number, served: Served): void {
    this.ports.set(port, served);
    this.listenedAt = this.t;
  }
}
