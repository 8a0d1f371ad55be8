import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { type Sandbox, type SandboxOptions, startSandbox } from '../../src/sandbox/start-sandbox.ts';
import { kubectlAsync } from './kubectl.ts';

/** A sandbox for one describe block, driven with the real kubectl through a kubeconfig of its own. */
export interface KubectlSandbox {
  readonly sandbox: Sandbox;
  readonly dir: string;
  readonly env: Record<string, string>;
  /** kubectl, whatever it exits with. */
  kubectl(args: string[]): Promise<{ code: number; out: string }>;
  /** kubectl that must succeed; its output. */
  k(...args: string[]): Promise<string>;
  /** `kubectl apply -f` of a manifest written to a file. */
  apply(yaml: string): Promise<string>;
  /** Polls kubectl until its output matches, stepping simulated time by `advanceSeconds` between tries. */
  until(args: string[], want: RegExp, advanceSeconds?: number): Promise<string>;
  /** Steps the sandbox's clock. */
  advance(seconds: number): void;
}

/** Starts the sandbox before the block's tests (fast controllers: 50 ms ticks) and stops it after. */
export function kubectlSandbox(opts: {
  stateYaml?: string;
  prefix: string;
  /** More startSandbox options (CRD sets, GitOps tools, onError). */
  options?: Partial<SandboxOptions>;
}): KubectlSandbox {
  let sandbox: Sandbox | undefined;
  let dir = '';
  let env: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), opts.prefix));
    sandbox = await startSandbox({
      stateYaml: opts.stateYaml ?? '',
      kubeconfigPath: join(dir, 'kubeconfig'),
      tickMs: 50,
      ...opts.options,
    });
    env = { KUBECONFIG: join(dir, 'kubeconfig'), KUBECACHEDIR: join(dir, 'cache') };
  });
  afterAll(async () => {
    await sandbox?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const kubectl = (args: string[]) => kubectlAsync(args, env);
  const k = async (...args: string[]) => {
    const r = await kubectl(args);
    expect(r.code, `kubectl ${args.join(' ')}\n${r.out}`).toBe(0);
    return r.out;
  };
  const advance = (seconds: number) => {
    sandbox!.state.clockOffsetMs += seconds * 1000;
  };
  return {
    get sandbox() {
      return sandbox!;
    },
    get dir() {
      return dir;
    },
    get env() {
      return env;
    },
    kubectl,
    k,
    advance,
    async apply(yaml) {
      const file = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
      await writeFile(file, yaml);
      return k('apply', '-f', file);
    },
    async until(args, want, advanceSeconds = 0) {
      let got = '';
      for (let i = 0; i < 100; i++) {
        got = (await kubectl(args)).out;
        if (want.test(got)) return got;
        advance(advanceSeconds);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`kubectl ${args.join(' ')} never matched ${want}: ${got}`);
    },
  };
}
