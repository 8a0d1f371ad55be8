import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { routeAlert } from '../../src/alerts/alert-routes.ts';
import { alertTask } from '../../src/alerts/alert-task.ts';
import { taskAlertOf } from '../../src/domain/alert-catalog.ts';
import { fingerprintOf } from '../../src/domain/alert-fingerprint.ts';
import { classify, uniqueAlerts } from '../../src/domain/alert-group-delta.ts';
import { parseMatcher } from '../../src/domain/alert-matchers.ts';
import { parsePayload } from '../../src/domain/alertmanager-payload.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/alertmanager/${name}.json`, import.meta.url), 'utf8'));

describe('fingerprints', () => {
  it('match what Alertmanager computed for every fixture alert', () => {
    for (const f of ['crashloop-firing', 'pvc-filling-critical']) {
      for (const a of fixture(f).alerts) expect(fingerprintOf(a.labels)).toBe(a.fingerprint);
    }
    expect(fingerprintOf({})).toBe('cbf29ce484222325');
  });
});

describe('matchers', () => {
  it('read Alertmanager matcher syntax, anchored regexes, and a missing label as empty', () => {
    const labels = { alertname: 'KubePodCrashLooping', severity: 'critical', namespace: 'payments' };
    expect(parseMatcher('severity="critical"').matches(labels)).toBe(true);
    expect(parseMatcher('severity=~"warning|critical"').matches(labels)).toBe(true);
    expect(parseMatcher('severity=~"crit"').matches(labels)).toBe(false);
    expect(parseMatcher('namespace!~"kube-.*"').matches(labels)).toBe(true);
    expect(parseMatcher('team=""').matches(labels)).toBe(true);
    expect(parseMatcher('alertname != Watchdog').matches(labels)).toBe(true);
    expect(parseMatcher('summary="say \\"hi\\""').value).toBe('say "hi"');
    expect(() => parseMatcher('severity')).toThrow(/not a label matcher/);
    expect(() => parseMatcher('x=~"("')).toThrow(/x=~/);
  });

  it('route: first match wins and unset fields fall back to the defaults', () => {
    const routing = {
      routes: [
        { matchers: ['alertname="Watchdog"'], mute: true },
        { matchers: ['severity="critical"'], channel: 'C0CRIT', cluster: 'prod' },
        { matchers: ['namespace=~"shop|payments"'], investigate: false },
      ],
      defaultChannel: 'C0ALERTS',
      investigate: true,
      digest: { threshold: 10, windowSeconds: 60, idleMinutes: 5 },
      reinvestigateAfterMinutes: 30,
      maxBodyBytes: 1,
    };
    expect(routeAlert(routing, { alertname: 'Watchdog' })).toMatchObject({ mute: true, channel: 'C0ALERTS', route: 0 });
    expect(routeAlert(routing, { alertname: 'X', severity: 'critical', namespace: 'shop' })).toMatchObject({
      channel: 'C0CRIT',
      investigate: true,
      cluster: 'prod',
      route: 1,
    });
    expect(routeAlert(routing, { alertname: 'X', namespace: 'shop' })).toMatchObject({
      channel: 'C0ALERTS',
      investigate: false,
      route: 2,
    });
    expect(routeAlert(routing, { alertname: 'X' })).toEqual({
      channel: 'C0ALERTS',
      investigate: true,
      mute: false,
      cluster: undefined,
      route: undefined,
    });
  });
});

describe('payload validation', () => {
  it("accepts the fixtures and fills in a missing fingerprint with Alertmanager's", () => {
    const p = fixture('crashloop-firing');
    expect(parsePayload(p).alerts).toHaveLength(2);
    delete p.alerts[0].fingerprint;
    expect(parsePayload(p).alerts[0]!.fingerprint).toBe('40a8e9b69a14ce3c');
  });

  it('names each wrong field', () => {
    const p = fixture('crashloop-firing');
    p.version = '3';
    p.alerts[1].startsAt = 'yesterday';
    p.alerts[0].labels.pod = 7;
    const err = (() => {
      try {
        parsePayload(p);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(err).toMatch(/version: only version "4"/);
    expect(err).toMatch(/alerts\[1\]\.startsAt: expected an RFC 3339 time/);
    expect(err).toMatch(/alerts\[0\]\.labels\.pod/);
    expect(() => parsePayload({ version: '4' })).toThrow(/groupKey/);
    expect(() => parsePayload([])).toThrow(/not an Alertmanager webhook payload/);
    expect(() => parsePayload({ ...fixture('crashloop-firing'), alerts: [] })).toThrow(/at least one alert/);
  });
});

describe('per-fingerprint delta', () => {
  const a = (fp: string, status: 'firing' | 'resolved') => ({
    fingerprint: fp,
    status,
    labels: { alertname: 'A', pod: fp },
    annotations: {},
    startsAt: '2026-08-20T09:14:07Z',
    generatorURL: '',
  });

  it('names what the store wrote: new firing, new resolved, resolved after firing, firing again', () => {
    const d = classify(
      [a('n1', 'firing'), a('n2', 'resolved'), a('f1', 'resolved'), a('r1', 'firing'), a('same', 'firing')],
      [
        { fingerprint: 'n1', status: 'firing', inserted: true },
        { fingerprint: 'n2', status: 'resolved', inserted: true },
        { fingerprint: 'f1', status: 'resolved', inserted: false },
        { fingerprint: 'r1', status: 'firing', inserted: false },
      ],
    );
    expect(d.fired.map((x) => x.fingerprint)).toEqual(['n1']);
    expect(d.resolved.map((x) => x.fingerprint)).toEqual(['n2', 'f1']);
    expect(d.wasFiring).toBe(1);
    expect(d.refired.map((x) => x.fingerprint)).toEqual(['r1']);
    expect(uniqueAlerts([a('x', 'firing'), a('x', 'resolved')])).toEqual([a('x', 'resolved')]);
  });
});

describe('alert → investigation scope', () => {
  it('names the alert, the namespace and the pods, with the categories that explain a crash loop', () => {
    const p = parsePayload(fixture('crashloop-firing'));
    const t = alertTask(p);
    expect(t.namespace).toBe('payments');
    expect(t.question).toMatch(
      /^KubePodCrashLooping \(warning\) is firing in namespace payments: Pod is crash looping\. \(pod payments-api-7d9c6b8f5-x2k8q, pod payments-api-7d9c6b8f5-q9wzt\)/,
    );
    expect(t.alert.categories).toContain('crash_loop');
    expect(t.alert.objects).toEqual([
      { kind: 'Pod', name: 'payments-api-7d9c6b8f5-x2k8q', namespace: 'payments' },
      { kind: 'Pod', name: 'payments-api-7d9c6b8f5-q9wzt', namespace: 'payments' },
    ]);
  });

  it("points a PVC alert at the claim, not the kubelet's node, and a node alert at the node", () => {
    const pvc = taskAlertOf(parsePayload(fixture('pvc-filling-critical')));
    expect(pvc.objects).toEqual([{ kind: 'PersistentVolumeClaim', name: 'data-postgres-0', namespace: 'data' }]);
    expect(pvc.categories).toEqual(['volume_filling']);
    const node = taskAlertOf({
      commonLabels: {},
      commonAnnotations: {},
      alerts: [{ labels: { alertname: 'KubeNodeNotReady', node: 'worker-2', condition: 'Ready' } }],
    });
    expect(node.objects).toEqual([{ kind: 'Node', name: 'worker-2' }]);
    expect(node.categories).toEqual(['node_not_ready']);
  });
});
