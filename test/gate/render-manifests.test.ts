import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderManifests } from '../../src/gate/render-manifests.ts';
import { HELM, KUBECTL } from '../helpers/kubectl.ts';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'claw-render-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

describe.skipIf(!KUBECTL || !HELM)(
  'the gate renders what a repository deploys: charts, kustomizations, plain YAML',
  () => {
    beforeAll(() => {
      // The gate runs the helm on PATH; CI puts it there, a developer machine may keep it in .ci/bin.
      if (HELM!.includes('/')) process.env.PATH = `${dirname(HELM!)}:${process.env.PATH}`;
    });

    it('renders a chart with the real helm template and its default values, never reading its templates as YAML', async () => {
      const dir = tree({
        'charts/api/Chart.yaml': 'apiVersion: v2\nname: api\nversion: 0.1.0\n',
        'charts/api/values.yaml': 'replicas: 2\n',
        'charts/api/templates/cm.yaml':
          'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: {{ .Release.Name }}-settings}\ndata: {replicas: "{{ .Values.replicas }}"}\n',
        'deploy/extra.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\n',
      });
      const out = await renderManifests(dir, ['**']);
      expect(out.errors).toEqual([]);
      expect(out.sources).toEqual(['helm charts/api', 'yaml deploy/extra.yaml']);
      expect(out.objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
        'ConfigMap/api-settings',
        'ConfigMap/extra',
      ]);
      expect(out.objects[0]!.data).toEqual({ replicas: '2' });
    });

    it('refuses a chart that does not render, with helm’s own words', async () => {
      const dir = tree({
        'charts/bad/Chart.yaml': 'apiVersion: v2\nname: bad\nversion: 0.1.0\n',
        'charts/bad/templates/cm.yaml': 'kind: ConfigMap\nmetadata: {name: {{ .Values.missing.deep }}}\n',
      });
      const out = await renderManifests(dir, ['charts/**']);
      expect(out.objects).toEqual([]);
      expect(out.errors).toEqual([
        expect.stringMatching(/^helm template charts\/bad: .*nil pointer evaluating interface \{\}\.deep/),
      ]);
    });
  },
);
