import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, type ImageBehaviour, T } from '../cluster-state.ts';
import { clusterNetwork } from '../network/cluster-network.ts';
import { Blocked, Exited, type LogChunk, type Network, Proc, type Served, SimFs } from '../shell/process.ts';
import { type Io, type Program, Shell, type Toolbox } from '../shell/sh-run.ts';
import { containerEnv, containerFiles } from './container-inputs.ts';
import { officialName, parseImageRef } from './image-ref.ts';
import { emptyDirMounts, emptyDirVersion, setEmptyDirWrites, writesUnderMounts } from './pod-volumes.ts';
import { GENERIC_PROGRAMS, type ImageProfile, otherProfile, profileOf } from './profiles.ts';
import { OFFICIAL_IMAGES, TAG_CATALOGUE } from './registry.data.ts';

export interface ExecOptions {
  stdin?: string;
  net?: Network;
  /** Files earlier commands in this container instance wrote (null: removed); this one's writes are added. */
  overlay?: Map<string, string | null>;
  /** A terminal session: `command` is one line of shell, run in the session's shell (created on first use). */
  session?: { shell?: Shell };
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved, as a probe's message shows them. */
  output: string;
  /** The command would run for ever (`sleep infinity`, `tail -f`, a server). */
  blocked: boolean;
}

/** A behaviour the sandbox worked out from the image and the container's command, not declared. */
export interface DerivedBehaviour extends ImageBehaviour {
  /** Per listening port, the HTTP paths answered with 200 (others 404); absent: every path. */
  paths?: Record<number, string[]>;
  /** Per listening port, what it answers (paths and bodies), for connections from other pods. */
  served?: Record<number, Served>;
  /** What the process printed, stamped with seconds since the container started. */
  logLines?: LogChunk[];
  /** The runtime could not start the process (exit 128, reason StartError). */
  startError?: string;
  /**
   * Runs a command in the container as it stood `at` seconds after start (an exec probe, or
   * `kubectl exec` with the pod's network and the files earlier execs wrote in `overlay`).
   */
  exec?: (argv: string[], at: number, opts?: ExecOptions) => ExecResult;
}

/** Whether the registry has this image; undefined when it does, else the pull error containerd reports. */
export function pullError(image: string): string | undefined {
  const ref = parseImageRef(image);
  if (!ref) return `couldn't parse image name "${image}": invalid reference format`;
  const name = officialName(ref);
  if (name === undefined) return undefined;
  const resolve = `failed to pull and unpack image "${ref.canonical}": failed to resolve reference "${ref.canonical}"`;
  if (!OFFICIAL_IMAGES.has(name))
    return `${resolve}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`;
  const tags = TAG_CATALOGUE[name];
  if (tags && !ref.digest && !tags.has(ref.tag)) return `${resolve}: ${ref.canonical}: not found`;
  return undefined;
}

const OPAQUE: ImageBehaviour = {};

/**
 * How one container behaves: a `SandboxImage` for its image wins outright; otherwise a missing
 * image fails to pull, and a known image (or a command the sandbox can interpret) runs as its
 * simulated process. An image the sandbox knows nothing about, with no command it can read, is an
 * opaque server: it runs, listens on every port, and answers every path.
 */
export function deriveBehaviour(state: ClusterState, pod: KubeObject, c: any): DerivedBehaviour {
  const declared = state.images.get(c.image);
  if (declared) return declared;
  const missing = pullError(c.image);
  if (missing) return { pullError: missing };
  const ref = parseImageRef(c.image)!;
  const name = officialName(ref);
  const profile = name ? profileOf(name, ref.tag) : otherProfile(ref.repository.replace(/^.*\/(pause)$/, '$1'));
  const argv = [...(c.command ?? profile?.entrypoint ?? []), ...(c.args ?? (c.command ? [] : (profile?.cmd ?? [])))];
  if (!profile && (argv.length === 0 || !GENERIC_PROGRAMS[basename(argv[0]!)])) return OPAQUE;
  return run(state, pod, c, profile, argv);
}

/**
 * Exec for a container whose behaviour was declared (a SandboxImage) or is opaque: a shell and the
 * usual tools over its environment and mounted files, its servers answering on every port.
 */
export function genericExec(state: ClusterState, pod: KubeObject, c: any): NonNullable<DerivedBehaviour['exec']> {
  return run(state, pod, c, undefined, ['sleep', 'infinity']).exec!;
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

function toolbox(profile: ImageProfile | undefined, probing: boolean): Toolbox {
  return {
    flavour: profile?.flavour ?? 'dash',
    program: (name) =>
      profile ? profile.programs[name] : (GENERIC_PROGRAMS[name] ?? (probing ? () => 0 : opaqueServer)),
  };
}

/** An unknown image's own binary: a server listening everywhere. */
const opaqueServer: Program = (sh) => {
  sh.proc.everywhere = true;
  throw new Blocked('opaque');
};

function run(
  state: ClusterState,
  pod: KubeObject,
  c: any,
  profile: ImageProfile | undefined,
  argv: string[],
): DerivedBehaviour {
  const env = containerEnv(state, pod, c, profile?.env ?? { PATH: '/usr/local/bin:/usr/bin:/bin' });
  const mounted = containerFiles(state, pod, c, profile?.files ?? {});
  const fs = new SimFs(mounted.files);
  for (const d of mounted.dirs) fs.dirs.add(d);
  const proc = new Proc(env, fs, pod.metadata.name);
  // The main process sees the cluster network as it is when the container first starts (a client
  // pod's wget, a startup check); what it found stays its outcome for the pod's life.
  proc.net = clusterNetwork(state, pod, (p, x) =>
    deriving.has(keyOf(p, x)) ? undefined : containerBehaviour(state, p, x),
  );
  const tools = toolbox(profile, false);
  if (argv.length === 0 || !tools.program(basename(argv[0]!)))
    return {
      startError: `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: exec: "${argv[0] ?? ''}": executable file not found in $PATH: unknown`,
      exitCode: 128,
      ports: [],
    };
  const io: Io = { stdin: '', out: (s) => proc.log(s), err: (s) => proc.log(s) };
  const sh = new Shell(proc, tools, 'sh');
  let exitCode: number | undefined;
  try {
    exitCode = sh.invoke(argv, io);
  } catch (e) {
    if (e instanceof Exited) exitCode = e.code;
    else if (!(e instanceof Blocked)) throw e;
  }
  // What an init container leaves in the pod's emptyDirs, the containers after it find there.
  if ((pod.spec?.initContainers ?? []).some((x: any) => x.name === c.name))
    for (const [volume, files] of writesUnderMounts(emptyDirMounts(pod, c), proc.fs.events))
      setEmptyDirWrites(state, pod, volume, c.name, files);
  const ports = proc.everywhere ? undefined : [...proc.ports.keys()];
  const paths: Record<number, string[]> = {};
  const served: Record<number, Served> = {};
  for (const [port, s] of proc.ports) {
    served[port] = s;
    if (s !== '*') paths[port] = [...s.keys()];
  }
  // A server is ready once its last port opens; a process that listens on nothing, as it starts.
  const readyAt = proc.ports.size ? proc.listenedAt : exitCode === undefined && !proc.everywhere ? 0 : proc.t;
  return {
    exitCode,
    startSeconds: exitCode === undefined ? readyAt : Math.max(1, proc.t),
    memoryMi: proc.memoryMi || undefined,
    cpuMillis: proc.cpuMillis,
    ports,
    paths,
    served,
    logs: proc.out.map((o) => o.text).join(''),
    logLines: proc.out,
    exec: (command, at, opts = {}) => {
      const fresh = () => {
        const p = new Proc(env, fs.at(at, proc.initialFiles), pod.metadata.name);
        for (const [path, content] of opts.overlay ?? [])
          content === null ? p.fs.files.delete(path) : p.fs.put(path, content);
        if (at >= readyAt) for (const [port, s] of proc.ports) p.ports.set(port, s);
        p.everywhere = proc.everywhere;
        p.net = opts.net;
        p.mainArgv = argv;
        return new Shell(p, toolbox(profile, true), 'sh');
      };
      // A terminal session keeps one shell: its variables, `cd` and files last from line to line.
      if (opts.session && !opts.session.shell) opts.session.shell = fresh();
      const execSh = opts.session?.shell ?? fresh();
      const p = execSh.proc;
      const firstEvent = p.fs.events.length;
      let stdout = '';
      let stderr = '';
      let output = '';
      const io: Io = {
        stdin: opts.stdin ?? '',
        out: (s) => {
          stdout += s;
          output += s;
        },
        err: (s) => {
          stderr += s;
          output += s;
        },
      };
      const done = (code: number, blocked = false) => {
        for (const e of p.fs.events.slice(firstEvent)) opts.overlay?.set(e.path, e.content);
        return { code, stdout, stderr, output, blocked };
      };
      if (opts.session) {
        try {
          return done(execSh.script(command.join(' '), io));
        } catch (e) {
          if (e instanceof Exited) return done(e.code);
          if (e instanceof Blocked) return done(1, true);
          throw e;
        }
      }
      if (!execSh.tools.program(basename(command[0] ?? ''))) {
        io.err(
          `OCI runtime exec failed: exec failed: unable to start container process: exec: "${command[0]}": executable file not found in $PATH: unknown\n`,
        );
        return done(126);
      }
      try {
        return done(execSh.invoke(command, io));
      } catch (e) {
        if (e instanceof Exited) return done(e.code);
        if (e instanceof Blocked) return done(1, true);
        throw e;
      }
    },
  };
}

const caches = new WeakMap<ClusterState, Map<string, DerivedBehaviour>>();

/** Cached per container spec and the inputs it reads, so the kubelet's tick stays cheap. */
// Containers being derived right now: a server asked about while its own derivation connects out is not up yet.
const deriving = new Set<string>();
const keyOf = (pod: KubeObject, c: any) => `${pod.metadata.uid}/${c.name}`;

export function containerBehaviour(state: ClusterState, pod: KubeObject, c: any): DerivedBehaviour {
  const cache = caches.get(state) ?? new Map<string, DerivedBehaviour>();
  caches.set(state, cache);
  const declared = state.images.get(c.image);
  if (declared) return declared;
  const key = JSON.stringify([
    pod.metadata.uid,
    c.name,
    c.image,
    c.command,
    c.args,
    c.env,
    c.envFrom,
    c.volumeMounts,
    inputsVersion(state, pod),
    emptyDirVersion(state, pod, c.name),
  ]);
  let b = cache.get(key);
  if (!b) {
    if (cache.size > 20_000) cache.clear();
    deriving.add(keyOf(pod, c));
    try {
      b = deriveBehaviour(state, pod, c);
    } finally {
      deriving.delete(keyOf(pod, c));
    }
    cache.set(key, b);
  }
  return b;
}

/** The resourceVersions of the ConfigMaps and Secrets a pod reads (env and volumes). */
function inputsVersion(state: ClusterState, pod: KubeObject): string {
  const names = new Set<string>();
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap) names.add(`cm/${v.configMap.name}`);
    if (v.secret) names.add(`s/${v.secret.secretName}`);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) names.add(`cm/${s.configMap.name}`);
      if (s.secret) names.add(`s/${s.secret.name}`);
    }
  }
  for (const c of pod.spec?.containers ?? []) {
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef) names.add(`cm/${e.configMapRef.name}`);
      if (e.secretRef) names.add(`s/${e.secretRef.name}`);
    }
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef) names.add(`cm/${e.valueFrom.configMapKeyRef.name}`);
      if (e.valueFrom?.secretKeyRef) names.add(`s/${e.valueFrom.secretKeyRef.name}`);
    }
  }
  if (names.size === 0) return '';
  return [...names]
    .map((n) => {
      const [kind, name] = n.split('/') as [string, string];
      return state.store.get(kind === 'cm' ? T.configMap : T.secret, pod.metadata.namespace, name)?.metadata
        .resourceVersion;
    })
    .join(',');
}
