import { AsyncLocalStorage } from 'node:async_hooks';
import type { KubeConfig } from '@kubernetes/client-node';

const current = new AsyncLocalStorage<AbortSignal>();
const WRAPPED = Symbol('claw.abortable');

/** Runs `fn` so that every Kubernetes request it makes (through an abortable config) ends when `signal` aborts. */
export function withRequestSignal<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  return current.run(signal, fn);
}

type Authenticating = {
  applySecurityAuthentication(context: { setSignal(s: AbortSignal): void }): Promise<void>;
  [WRAPPED]?: true;
};

/**
 * Makes a kubeconfig's requests carry the caller's abort signal (client-node has no per-call
 * signal; every request passes through the config's authentication hook, so the signal is set
 * there). A killed run's in-flight reads are torn down instead of waiting out the socket timeout.
 */
export function abortable(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as Authenticating;
  if (target[WRAPPED]) return kc;
  const apply = target.applySecurityAuthentication.bind(kc);
  target.applySecurityAuthentication = async (context) => {
    await apply(context);
    const signal = current.getStore();
    if (signal) context.setSignal(signal);
  };
  target[WRAPPED] = true;
  return kc;
}

interface Flight<V> {
  promise: Promise<V>;
  controller: AbortController;
  waiters: number;
}

export type Flights<V> = WeakMap<object, Map<string, Flight<V>>>;

/**
 * Coalesces identical concurrent reads (an alert storm on one cluster reads it once): callers of
 * the same `key` on `owner` share the in-flight promise; once it settles the next call reads
 * afresh, so nothing is kept. The shared request is aborted only when every caller that joined it
 * has been killed; a caller without a signal (the CLI) keeps it alive.
 */
export function sharedRead<V>(flights: Flights<V>, owner: object, key: string, read: () => Promise<V>): Promise<V> {
  let byKey = flights.get(owner);
  if (!byKey) {
    byKey = new Map();
    flights.set(owner, byKey);
  }
  let flight = byKey.get(key);
  if (!flight) {
    const controller = new AbortController();
    const map = byKey;
    const f: Flight<V> = {
      controller,
      waiters: 0,
      promise: current.run(controller.signal, read).finally(() => map.delete(key)),
    };
    map.set(key, f);
    flight = f;
  }
  const joined = flight;
  joined.waiters += 1;
  const signal = current.getStore();
  if (signal)
    signal.addEventListener('abort', () => --joined.waiters === 0 && joined.controller.abort(signal.reason), {
      once: true,
    });
  return joined.promise;
}

/** The signal Kubernetes requests made here would carry (undefined outside any run). */
export function requestSignal(): AbortSignal | undefined {
  return current.getStore();
}
