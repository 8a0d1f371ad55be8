import type { AlertDigest, AlertGroup, StoredAlert } from '../store/schema.ts';

export interface GroupView {
  group: AlertGroup;
  /** Firing first, newest first; at most a page of them. */
  alerts: StoredAlert[];
}

export interface DigestView {
  digest: AlertDigest;
  groups: AlertGroup[];
}

/**
 * Where alert groups are shown (Slack). Every call may throw; a `PermanentNotifyError` means the
 * channel will never accept it (not invited, archived, unknown) and the dispatcher stops trying.
 */
export interface AlertNotifier {
  /** Posts the group's root message; returns its ts (the thread). */
  openThread(view: GroupView): Promise<string>;
  updateRoot(view: GroupView, ts: string): Promise<void>;
  /** Posts what changed since the thread last heard, as one message (a storm's notes coalesce). */
  postNotes(group: AlertGroup, threadTs: string, notes: { kind: string; text: string }[]): Promise<void>;
  openDigest(view: DigestView): Promise<string>;
  updateDigest(view: DigestView, ts: string): Promise<void>;
}
