// Benchmarks as ratios against baselines measured in the same run (these machines are noisy).
// Run: `npm run bench` writes BENCHMARKS.md; `npm run bench -- slack-ack tls-reads` re-runs only
// those and replaces their sections in the existing file.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentEventsSection } from './agent-events.ts';
import { alertStormSection } from './alert-storm.ts';
import { backupUpgradeSection } from './backup-upgrade-reviews.ts';
import { chaosKillSection } from './chaos-kill.ts';
import { ciGateSection } from './ci-gate.ts';
import { codingFleetSection } from './coding-fleet.ts';
import { contextSizeSection } from './context-size.ts';
import { execRoundtripSection } from './exec-roundtrip.ts';
import { firstFindingSection } from './first-finding.ts';
import { gitopsIncidentSection } from './gitops-incident.ts';
import { investigationSection } from './investigation.ts';
import { readVsKubectlSection } from './read-vs-kubectl.ts';
import { redactionSection } from './redaction.ts';
import { sandboxCostSection } from './sandbox-cost.ts';
import { securityPostureSection } from './security-posture.ts';
import { slackAckSection } from './slack-ack.ts';
import { supervisorScaleSection } from './supervisor-scale.ts';
import { tlsReadsSection } from './tls-reads.ts';

const BENCHES: Record<string, () => Promise<string>> = {
  'read-vs-kubectl': readVsKubectlSection,
  'context-size': contextSizeSection,
  investigation: investigationSection,
  'tls-reads': tlsReadsSection,
  'supervisor-scale': supervisorScaleSection,
  'slack-ack': slackAckSection,
  'alert-storm': alertStormSection,
  'chaos-kill': chaosKillSection,
  redaction: redactionSection,
  'first-finding': firstFindingSection,
  'ci-gate': ciGateSection,
  'agent-events': agentEventsSection,
  'coding-fleet': codingFleetSection,
  'sandbox-cost': sandboxCostSection,
  'exec-roundtrip': execRoundtripSection,
  'gitops-incident': gitopsIncidentSection,
  'security-posture': securityPostureSection,
  'backup-upgrade': backupUpgradeSection,
};
const FILE = join(import.meta.dirname, '..', 'BENCHMARKS.md');
const heading = (section: string) => section.split('\n', 1)[0]!;

const only = process.argv.slice(2);
for (const name of only)
  if (!BENCHES[name]) throw new Error(`unknown benchmark ${name}; one of: ${Object.keys(BENCHES).join(', ')}`);
const header = `# Benchmarks

Produced by \`npm run bench\` (bench/run-all.ts) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch}.
Ratios compare measurements taken in the same run; absolute times vary with the machine.
`;
let sections: string[];
if (only.length) {
  // Keep the other sections as they were measured; replace (or add) the re-run ones in place.
  const old = (await readFile(FILE, 'utf8')).split(/\n(?=## )/).slice(1);
  sections = old.map((s) => s.trimEnd());
  for (const name of only) {
    const fresh = (await BENCHES[name]!()).trimEnd();
    const at = sections.findIndex((s) => heading(s) === heading(fresh));
    if (at >= 0) sections[at] = fresh;
    else sections.push(fresh);
  }
} else {
  sections = [];
  for (const run of Object.values(BENCHES)) sections.push((await run()).trimEnd());
}
const doc = `${header}\n${sections.join('\n\n')}\n`;
await writeFile(FILE, doc);
process.stdout.write(doc);
