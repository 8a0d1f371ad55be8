import type { Finding, SecuritySeverity } from './findings.ts';
import type { GitOpsOwner } from './gitops-owner.ts';

/** A fix the vocabulary can make: the write tool and its input, proposed through the usual gate. */
export interface SecurityFix {
  tool: string;
  input: Record<string, unknown>;
  why: string;
}

/** A posture finding (`claw security`): ranked by severity, with the fix when one is in the vocabulary. */
export interface SecurityFinding extends Finding {
  severity: SecuritySeverity;
  fix?: SecurityFix;
  /** RBAC findings: the binding that grants it and the subjects it reaches. */
  grantedBy?: string;
  subjects?: string[];
  /** A vulnerable image: the reference it runs now, and who applies the workload when Argo CD or Flux does. */
  image?: string;
  owner?: GitOpsOwner;
}

export const SEVERITY_RANK: Record<SecuritySeverity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/** The ranked report `claw security --json` prints under `posture` (docs/posture.md). */
export interface SecurityReport {
  scope: string;
  checked: { namespaces: number; workloads: number; pods: number; bindings: number; networkPolicies: number };
  /** Whether the Trivy Operator's reports could be read; `note` says why not ("not installed" is no all-clear). */
  trivy: { installed: boolean; reports: number; note?: string };
  /** Trivy ClusterComplianceReports: failing controls per spec. */
  compliance: { id: string; title: string; failing: { name: string; severity: string; totalFail: number }[] }[];
  counts: Record<SecuritySeverity, number>;
  findings: SecurityFinding[];
  /** What could not be read (permissions): said, never taken for "nothing found". */
  unavailable: string[];
}
