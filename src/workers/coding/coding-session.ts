/** How one turn of a coding agent ended: done (its summary), or why not. */
export interface TurnResult {
  ok: boolean;
  summary: string;
  error?: string;
  usage?: { costUsd?: number };
}

/**
 * A live coding-agent session in its own clone: `turn` sends a message (the brief, then CI's
 * failures) and resolves when the agent says it is done with it. Every coding agent ClusterClaw
 * runs is driven through this, so the CI gate and supervision are the same for all of them.
 */
export interface CodingSession {
  turn(message: string): Promise<TurnResult>;
  close(): Promise<void>;
}
