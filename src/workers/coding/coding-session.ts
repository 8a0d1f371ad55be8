/** How one turn of a coding agent ended: done (its summary), or why not. */
export interface TurnResult {
  ok: boolean;
  summary: string;
  error?: string;
  usage?: { costUsd?: number };
  /** The turn was interrupted by the supervisor's nudge: its context, to continue the session with. */
  nudged?: string;
}

/**
 * A live coding-agent session in its own clone: `turn` sends a message (the brief, then CI's
 * failures) and resolves when the agent says it is done with it. Every coding agent ClusterClaw
 * runs is driven through this, so the CI gate and supervision are the same for all of them.
 */
export interface CodingSession {
  /**
   * `signal` is the turn's (WorkerContext.turnSignal): aborted with a `Nudge`, the session
   * interrupts the agent and the turn ends `nudged`; the session stays open for the next message.
   */
  turn(message: string, signal?: AbortSignal): Promise<TurnResult>;
  close(): Promise<void>;
}
