// Benchmarks as ratios against baselines measured in the same run (these machines are noisy).
// Run: `npm run bench`; writes BENCHMARKS.md.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contextSizeSection } from './context-size.ts';
import { investigationSection } from './investigation.ts';
import { readVsKubectlSection } from './read-vs-kubectl.ts';
import { supervisorScaleSection } from './supervisor-scale.ts';
import { tlsReadsSection } from './tls-reads.ts';

const sections = [await readVsKubectlSection(), await contextSizeSection(), await investigationSection(), await tlsReadsSection(), await supervisorScaleSection()];
const doc = `# Benchmarks

Produced by \`npm run bench\` (bench/run-all.ts) on ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform}/${process.arch}.
Ratios compare measurements taken in the same run; absolute times vary with the machine.

${sections.join('\n')}`;
await writeFile(join(import.meta.dirname, '..', 'BENCHMARKS.md'), doc);
process.stdout.write(doc);
