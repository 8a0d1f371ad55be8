import { describe, expect, it } from 'vitest';
import type { AlertGroup, StoredAlert } from '../../../src/store/schema.ts';
import { alertDigestMessage, alertNoteMessage, alertRootMessage } from '../../../src/surfaces/slack/alert-blocks.ts';

const group = (over: Partial<AlertGroup> = {}) =>
  ({
    id: '1',
    receiver: 'claw',
    group_key: '{}:{alertname="KubePodCrashLooping"}',
    status: 'firing',
    group_labels: { alertname: 'KubePodCrashLooping', namespace: 'shop' },
    common_labels: { alertname: 'KubePodCrashLooping', namespace: 'shop', severity: 'warning' },
    common_annotations: { summary: 'Pod is crash looping.' },
    external_url: 'http://alertmanager:9093',
    channel: 'C0ALERTS',
    investigate: true,
    muted: false,
    cluster: 'default',
    firing: 1,
    resolved: 0,
    first_seen_at: new Date('2026-08-20T09:14:07Z'),
    resolved_at: null,
    ...over,
  }) as AlertGroup;
const alert = (
  labels: Record<string, string>,
  annotations: Record<string, string>,
  generator_url = 'http://prometheus:9090/graph?g0.expr=up',
) => ({ fingerprint: 'f', status: 'firing', labels, annotations, generator_url, starts_at: new Date() }) as StoredAlert;

describe('alert messages', () => {
  it('show what fires where, and link the runbook, the graph and a pre-filled silence', () => {
    const m = alertRootMessage(
      {
        group: group(),
        alerts: [
          alert(
            { alertname: 'KubePodCrashLooping', namespace: 'shop', pod: 'cart-1' },
            { runbook_url: 'https://runbooks.example/crash' },
          ),
        ],
      },
      'prod',
    );
    const body = JSON.stringify(m.blocks);
    expect(m.text).toBe('FIRING: KubePodCrashLooping (1 firing) in shop');
    expect(body).toContain(':fire: *FIRING* · *KubePodCrashLooping* · warning');
    expect(body).toContain('cluster `prod`');
    expect(body).toContain(':red_circle: pod=cart-1');
    expect(body).toContain('<https://runbooks.example/crash|Runbook>');
    expect(body).toContain('<http://prometheus:9090/graph?g0.expr=up|Prometheus>');
    expect(body).toContain(
      `<http://alertmanager:9093/#/silences/new?filter=${encodeURIComponent('{alertname="KubePodCrashLooping", namespace="shop"}')}|Silence>`,
    );
  });

  it('escape label and annotation text, and drop links that are not plain http(s)', () => {
    const hostile = alert(
      { alertname: 'X', pod: '<!channel>' },
      { description: 'restart <https://evil.example|here> & <@U0BOSS>', runbook_url: 'javascript:alert(1)' },
      'file:///etc/passwd',
    );
    const m = alertRootMessage(
      { group: group({ common_annotations: { summary: '<!here> now' } }), alerts: [hostile] },
      'prod',
    );
    const body = JSON.stringify(m.blocks);
    expect(body).not.toMatch(/<!channel>|<!here>|<https:\/\/evil|<@U0BOSS>/);
    expect(body).toContain('&lt;!channel&gt;');
    expect(body).not.toContain('javascript:');
    expect(body).not.toContain('file://');
    expect(alertNoteMessage([{ kind: 'fired', text: '1 new alert firing: pod=<!channel>' }]).text).toBe(
      ':fire: 1 new alert firing: pod=&lt;!channel&gt;',
    );
  });

  it('a digest lists groups, firing first, and says how many more it does not show', () => {
    const groups = Array.from({ length: 45 }, (_, i) =>
      group({
        id: String(i),
        common_labels: { alertname: `A${i}`, namespace: `ns-${i}` },
        status: i < 40 ? 'firing' : 'resolved',
      }),
    );
    const m = alertDigestMessage({
      digest: { id: '1', channel: 'C0ALERTS', opened_at: new Date('2026-08-20T10:02:00Z') } as never,
      groups,
    });
    expect(m.text).toBe('Alert storm: 45 alert groups (40 firing)');
    expect(JSON.stringify(m.blocks)).toContain('… and 5 more groups');
  });
});
