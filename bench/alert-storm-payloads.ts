import { fingerprintOf } from '../src/domain/alert-fingerprint.ts';

export const STORM_CHANNELS = 5;

/** Notification `k` of storm group `g`: `alertsPer` new crash-looping pods, spread over five teams' channels. */
export function stormNotification(g: number, k: number, alertsPer: number) {
  const common = {
    alertname: 'KubePodCrashLooping',
    namespace: `ns-${g}`,
    severity: 'warning',
    team: `t${g % STORM_CHANNELS}`,
    job: 'kube-state-metrics',
  };
  const startsAt = new Date(Date.UTC(2026, 7, 20, 9, 0, k)).toISOString();
  const alerts = Array.from({ length: alertsPer }, (_, i) => {
    const labels = { ...common, pod: `app-${g}-${k}-${i}`, container: 'app' };
    return {
      status: 'firing',
      labels,
      annotations: {
        summary: 'Pod is crash looping.',
        description: `Pod ns-${g}/app-${g}-${k}-${i} is in waiting state.`,
      },
      startsAt,
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph',
      fingerprint: fingerprintOf(labels),
    };
  });
  return {
    version: '4',
    groupKey: `{}:{alertname="KubePodCrashLooping", namespace="ns-${g}"}`,
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'claw',
    groupLabels: { alertname: 'KubePodCrashLooping', namespace: `ns-${g}` },
    commonLabels: common,
    commonAnnotations: { summary: 'Pod is crash looping.' },
    externalURL: 'http://alertmanager:9093',
    alerts,
  };
}
