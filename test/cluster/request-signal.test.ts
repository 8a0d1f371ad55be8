import { createServer, type Server } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeReader } from '../../src/cluster/kube-reader.ts';
import {
  abortable,
  type Flights,
  requestSignal,
  sharedRead,
  withRequestSignal,
} from '../../src/cluster/request-signal.ts';
import { sandboxKubeconfig } from '../../src/sandbox/kubeconfig.ts';

/** A read that takes `ms` unless the signal its requests carry aborts; records each start. */
function read(log: (AbortSignal | undefined)[], ms = 30) {
  return () =>
    new Promise<string>((resolve, reject) => {
      const signal = requestSignal();
      log.push(signal);
      const t = setTimeout(() => resolve(`read ${log.length}`), ms);
      signal?.addEventListener('abort', () => {
        clearTimeout(t);
        reject(new Error('aborted'));
      });
    });
}

describe('shared reads', () => {
  it('coalesces concurrent identical reads and keeps nothing once they settle', async () => {
    const flights: Flights<string> = new WeakMap();
    const owner = {};
    const log: (AbortSignal | undefined)[] = [];
    const all = await Promise.all([1, 2, 3].map(() => sharedRead(flights, owner, 'shop', read(log))));
    expect(all).toEqual(['read 1', 'read 1', 'read 1']);
    expect(log).toHaveLength(1);
    await sharedRead(flights, owner, 'shop', read(log));
    expect(log).toHaveLength(2); // afresh once the first settled
    await Promise.all([sharedRead(flights, owner, 'a', read(log)), sharedRead(flights, owner, 'b', read(log))]);
    expect(log).toHaveLength(4); // different keys never share
  });

  it('aborts the shared request only when every run that joined it has been killed', async () => {
    const flights: Flights<string> = new WeakMap();
    const log: (AbortSignal | undefined)[] = [];
    const runA = new AbortController();
    const runB = new AbortController();
    const a = withRequestSignal(runA.signal, () => sharedRead(flights, {}, 'x', read(log, 5000)));
    const owner = {};
    const b1 = withRequestSignal(runA.signal, () => sharedRead(flights, owner, 'ns', read(log, 5000)));
    const b2 = withRequestSignal(runB.signal, () => sharedRead(flights, owner, 'ns', read(log, 5000)));
    const shared = log[1]!;
    expect(shared).not.toBe(runA.signal); // the shared request carries its own signal, not one run's
    runA.abort(new Error('run A killed'));
    await expect(a).rejects.toThrow('aborted'); // alone on its read: torn down with its run
    expect(shared.aborted).toBe(false); // run B still waits on the shared one
    runB.abort(new Error('run B killed'));
    expect(shared.aborted).toBe(true);
    await expect(b1).rejects.toThrow('aborted');
    await expect(b2).rejects.toThrow('aborted');
  });
});

describe('killing a run reaches its Kubernetes requests', () => {
  let blackhole: Server;
  let kc: KubeConfig;
  beforeAll(async () => {
    // An API server that accepts connections and never answers: a hung cluster.
    blackhole = createServer(() => {});
    await new Promise<void>((r) => blackhole.listen(0, '127.0.0.1', r));
    kc = new KubeConfig();
    kc.loadFromString(sandboxKubeconfig(`http://127.0.0.1:${(blackhole.address() as { port: number }).port}`));
  });
  afterAll(() => blackhole.close());

  it('rejects a hung read as soon as the run is killed, so the killed worker stops instead of carrying on later', async () => {
    const reader = new KubeReader(abortable(abortable(kc))); // wrapping twice is harmless
    const run = new AbortController();
    const read = withRequestSignal(run.signal, () => reader.listNamespaces());
    const settled = read.then(
      () => 'answered',
      (e: Error) => e.message,
    );
    await new Promise((r) => setTimeout(r, 200));
    const killedAt = Date.now();
    run.abort(new Error('run exceeded its 1s timeout'));
    expect(await settled).toBe('run exceeded its 1s timeout');
    expect(Date.now() - killedAt).toBeLessThan(500);
    // Without a run's signal the same read is not aborted by anything of ours.
    const outside = reader.listNamespaces().then(
      () => 'answered',
      () => 'rejected',
    );
    const winner = await Promise.race([outside, new Promise((r) => setTimeout(() => r('still waiting'), 300))]);
    expect(winner).toBe('still waiting');
  });
});
