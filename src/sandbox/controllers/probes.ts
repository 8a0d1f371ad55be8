import type { DerivedBehaviour } from '../images/container-behaviour.ts';

/** A probe judged against what the container serves: when it fails, and what the kubelet says. */
export interface ProbeCheck {
  /** Whether the probe fails `s` seconds after the container instance started. */
  failsAt(s: number): boolean;
  /** Fails at every moment (the answer does not change with time). */
  always: boolean;
  message(kind: 'Liveness' | 'Readiness' | 'Startup', ip: string): string;
}

const PASS: ProbeCheck = { failsAt: () => false, always: false, message: () => '' };

/**
 * httpGet and tcpSocket probes reach the ports the process listens on (an opaque image listens on
 * all), and httpGet needs a path the server answers with 200; exec probes run their command in the
 * container's filesystem as it stood at that moment. gRPC probes pass.
 */
export function probeCheck(probe: any, container: any, b: DerivedBehaviour): ProbeCheck {
  if (!probe) return PASS;
  if (probe.exec) {
    if (!b.exec) return PASS;
    const argv: string[] = probe.exec.command ?? [];
    const run = (s: number) => b.exec!(argv, s);
    return {
      failsAt: (s) => run(s).code !== 0,
      always: false,
      message: (kind) => `${kind} probe failed: ${run(Number.MAX_SAFE_INTEGER).output.trim()}`,
    };
  }
  const action = probe.httpGet ?? probe.tcpSocket;
  if (!action || b.ports === undefined) return PASS;
  const port =
    typeof action.port === 'number'
      ? action.port
      : ((container.ports ?? []).find((p: any) => p.name === action.port)?.containerPort ?? Number(action.port));
  const path = probe.httpGet ? (action.path ?? '/') : undefined;
  const scheme = (action.scheme ?? 'HTTP').toLowerCase();
  const listening = b.ports.includes(port);
  const served = b.paths?.[port];
  const notFound = listening && path !== undefined && served !== undefined && !served.includes(path.split('?')[0]!);
  if (listening && !notFound) return PASS;
  return {
    failsAt: () => true,
    always: true,
    message: (kind, ip) =>
      notFound
        ? `${kind} probe failed: HTTP probe failed with statuscode: 404`
        : path !== undefined
          ? `${kind} probe failed: Get "${scheme}://${ip}:${port}${path}": dial tcp ${ip}:${port}: connect: connection refused`
          : `${kind} probe failed: dial tcp ${ip}:${port}: connect: connection refused`,
  };
}

/** Seconds after start at which failing liveness checks reach the threshold and the kubelet kills the container. */
export function livenessKillAfter(probe: any, check: ProbeCheck): number | undefined {
  if (!probe || check === PASS) return undefined;
  const delay = probe.initialDelaySeconds ?? 0;
  const period = probe.periodSeconds ?? 10;
  const threshold = probe.failureThreshold ?? 3;
  if (check.always) return delay + period * threshold;
  let failures = 0;
  for (let k = 0; k < 720; k++) {
    const s = delay + k * period;
    failures = check.failsAt(s) ? failures + 1 : 0;
    if (failures >= threshold) return s;
  }
  return undefined;
}
