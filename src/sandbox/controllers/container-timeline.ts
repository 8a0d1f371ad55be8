import type { DerivedBehaviour } from '../images/container-behaviour.ts';

/** Where one container stands at `now`, derived from its image behaviour since the pod started. */
export interface ContainerTimeline {
  state:
    | { running: { startedAt: Date }; ready: boolean }
    | { waiting: { reason: string; message: string } }
    | { terminated: Termination };
  restartCount: number;
  lastTermination?: Termination;
  /** Container instances started so far (Created/Started events). */
  starts: number;
  /** Back-offs entered so far (BackOff events). */
  backOffs: number;
  pullFailures: number;
}

export interface Termination {
  exitCode: number;
  reason: 'Error' | 'Completed' | 'OOMKilled' | 'StartError';
  message?: string;
  startedAt: Date;
  finishedAt: Date;
}

const BACKOFF_START_S = 10;
const BACKOFF_CAP_S = 300;
const PULL_RETRY_S = 5;

/** The kubelet's crash-loop back-off: 10 s, doubling, capped at five minutes. */
export function backOffSeconds(terminations: number): number {
  return Math.min(BACKOFF_START_S * 2 ** (terminations - 1), BACKOFF_CAP_S);
}

/**
 * A pure function of (behaviour, memory limit, start, now): the simulated kubelet calls it each
 * tick, so restart counts, back-off and last state advance with time as on a real node.
 */
export interface ProbeOutcome {
  /** Seconds after start at which a failing liveness probe has the kubelet kill the container. */
  livenessKillAfter?: number;
  /** Whether the readiness probe fails `s` seconds after the instance started. */
  readinessFailsAt?: (s: number) => boolean;
}

export function containerTimeline(
  b: DerivedBehaviour,
  limitMi: number | undefined,
  podStart: Date,
  now: Date,
  restartPolicy = 'Always',
  probes: ProbeOutcome = {},
): ContainerTimeline {
  const elapsed = (now.getTime() - podStart.getTime()) / 1000;
  if (b.pullError) {
    const failures = Math.max(1, Math.floor(elapsed / PULL_RETRY_S) + 1);
    const waiting =
      elapsed < PULL_RETRY_S
        ? {
            reason: 'ErrImagePull',
            message: b.pullError.startsWith('failed to pull')
              ? b.pullError
              : `failed to pull and unpack image: ${b.pullError}`,
          }
        : { reason: 'ImagePullBackOff', message: `Back-off pulling image: ${b.pullError}` };
    return { state: { waiting }, restartCount: 0, starts: 0, backOffs: failures - 1, pullFailures: failures };
  }
  const oom = b.memoryMi !== undefined && limitMi !== undefined && b.memoryMi > limitMi;
  const runFor = b.exitCode !== undefined ? (b.startSeconds ?? 1) : Number.POSITIVE_INFINITY;
  const killed = !oom && probes.livenessKillAfter !== undefined && probes.livenessKillAfter < runFor;
  const exits = oom || b.exitCode !== undefined || killed;
  const startSeconds = killed ? probes.livenessKillAfter! : (b.startSeconds ?? (exits ? 1 : 0));
  if (!exits) {
    const startedAt = podStart;
    return {
      state: {
        running: { startedAt },
        ready: elapsed >= startSeconds && !probes.readinessFailsAt?.(elapsed),
      },
      restartCount: 0,
      starts: 1,
      backOffs: 0,
      pullFailures: 0,
    };
  }
  const exitCode = oom || killed ? 137 : (b.exitCode ?? 0);
  const reason: Termination['reason'] = oom
    ? 'OOMKilled'
    : b.startError && !killed
      ? 'StartError'
      : exitCode === 0
        ? 'Completed'
        : 'Error';
  let start = podStart.getTime();
  let last: Termination | undefined;
  for (let i = 0; ; i++) {
    const end = start + startSeconds * 1000;
    if (now.getTime() < end) {
      return {
        // A process that runs a while before it exits (a long sleep, a batch) is ready meanwhile;
        // one that dies within seconds never shows as ready.
        state: {
          running: { startedAt: new Date(start) },
          ready: !oom && !killed && startSeconds > 10 && !probes.readinessFailsAt?.((now.getTime() - start) / 1000),
        },
        restartCount: i,
        lastTermination: last,
        starts: i + 1,
        backOffs: i,
        pullFailures: 0,
      };
    }
    const term: Termination = {
      exitCode,
      reason,
      startedAt: new Date(start),
      finishedAt: new Date(end),
      ...(reason === 'StartError' ? { message: b.startError } : {}),
    };
    const restarts = restartPolicy === 'Always' || (restartPolicy === 'OnFailure' && exitCode !== 0);
    if (!restarts)
      return {
        state: { terminated: term },
        restartCount: i,
        lastTermination: last,
        starts: i + 1,
        backOffs: i,
        pullFailures: 0,
      };
    const backOff = backOffSeconds(i + 1);
    if (now.getTime() < end + backOff * 1000) {
      return {
        state: {
          waiting: {
            reason: 'CrashLoopBackOff',
            message: `back-off ${formatDuration(backOff)} restarting failed container`,
          },
        },
        restartCount: i,
        lastTermination: term,
        starts: i + 1,
        backOffs: i + 1,
        pullFailures: 0,
      };
    }
    last = term;
    start = end + backOff * 1000;
  }
}

function formatDuration(s: number): string {
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}
