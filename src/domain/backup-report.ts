import type { KubeObject } from '../lib/kube-object.ts';
import type { Finding, SecuritySeverity } from './findings.ts';
import type { SecurityFix } from './security-finding.ts';

/** A backup finding: ranked like posture findings, with the proposal that fixes it when there is one. */
export interface BackupFinding extends Finding {
  severity: SecuritySeverity;
  fix?: SecurityFix;
}

/** A Backup as the report shows it. */
export interface BackupView {
  name: string;
  /** Velero's namespace, where the Backup object lives. */
  namespace: string;
  phase: string;
  /** When it started and finished (RFC 3339), and its age in hours at the report's time. */
  startedAt?: string;
  completedAt?: string;
  ageHours?: number;
  expiresAt?: string;
  location?: string;
  schedule?: string;
  items?: number;
  errors?: number;
  warnings?: number;
  /** failureReason or validation errors. */
  reason?: string;
}

/** One namespace's protection: what covers it, its last good backup, and whether it can be restored now. */
export interface NamespaceBackup {
  namespace: string;
  /**
   * `protected`: a schedule covers it and its last good backup is as recent as the schedule
   * promises; `unscheduled`: recently backed up, but nothing will back it up again; `stale`: a
   * schedule covers it but its last good backup is older than that; `failing`: its latest backup
   * failed; `unprotected`: no recent good backup and no schedule.
   */
  status: 'protected' | 'unscheduled' | 'stale' | 'failing' | 'unprotected';
  schedules: { name: string; schedule: string; paused: boolean; lastBackup?: string }[];
  lastGood?: BackupView;
  lastAttempt?: BackupView;
  restorable: boolean;
  /** The backup a restore would use now: the last good one, else the newest partially failed one. */
  restoreFrom?: string;
  /** "yes: from X (completed 5h ago, 212 items)" or why not. */
  restore: string;
}

/** What `backup_status` (and `claw backup --json` under `backups`) returns (docs/backup.md). */
export interface BackupReport {
  scope: string;
  at: string;
  velero: { installed: boolean; namespace?: string; note?: string };
  locations: { name: string; namespace: string; phase: string; default: boolean; message?: string }[];
  namespaces: NamespaceBackup[];
  restores: {
    name: string;
    backup: string;
    phase: string;
    into: string[];
    at?: string;
    reason?: string;
    errors?: number;
    warnings?: number;
  }[];
  findings: BackupFinding[];
  unavailable: string[];
}

/** What the backup analyzers read: Velero's objects (undefined: not installed) and the namespaces in scope. */
export interface BackupSnapshot {
  namespace?: string;
  now: Date;
  /** Namespaces in scope, and which hold something worth keeping (workloads or claims). */
  namespaces: { name: string; holdsData: boolean }[];
  velero?: { backups: KubeObject[]; schedules: KubeObject[]; restores: KubeObject[]; locations: KubeObject[] };
  unavailable: string[];
}
