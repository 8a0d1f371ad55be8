import type { HelmRollbackRequest } from './helm-rollback.ts';
import type { MaintenancePlanRequest } from './maintenance-plan.ts';
import type { ObjectRef } from './object-ref.ts';
import type { WriteRequest } from './write-request.ts';

/** What a write tool produces instead of acting: the exact request a proposal will carry. */
export interface WritePlan {
  action: string;
  target: ObjectRef;
  /** A cluster write, or a rollback the executor runs through the real helm. */
  request: WriteRequest | HelmRollbackRequest | MaintenancePlanRequest;
  summary: string;
  risk: 'low' | 'medium' | 'high';
  blastRadius: { pods?: number; replicas?: number; namespaces?: string[]; description: string };
  /** How a human would undo this if it goes wrong (shown on the card). */
  rollback: string;
  /**
   * The same undo as a vocabulary call, when one exists: if the change applies but does not
   * verify, it becomes a ready rollback proposal (which still needs policy, a dry-run and approval).
   */
  undo?: UndoCall;
}

export interface UndoCall {
  tool: string;
  input: Record<string, unknown>;
}
