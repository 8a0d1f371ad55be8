import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One cluster with one of each security finding (test/fixtures/security/posture.yaml says which). */
export const POSTURE = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'security', 'posture.yaml'), 'utf8');

/** The same cluster without the Trivy Operator: its CRDs not served, its reports not loaded. */
export const POSTURE_NO_TRIVY = POSTURE.split(/^---$/m)
  .filter((d) => !/kind: SandboxCRDs|aquasecurity\.github\.io/.test(d))
  .join('---');
