import type { Budget, ModelSpec } from '../config/config.ts';
import type { Run } from '../store/schema.ts';

/**
 * A run's spend: steps (tool calls), tokens and cost at the model's list price across attempts,
 * and wall time of this attempt (a run that waited hours for approval starts its clock afresh).
 * `exhausted()` names the first budget that is spent.
 */
export class UsageMeter {
  steps: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  private readonly startedAt: number;
  private readonly budget: Budget;

  constructor(run: Run, budget: Budget, now = Date.now()) {
    this.steps = run.steps;
    this.inputTokens = run.input_tokens;
    this.outputTokens = run.output_tokens;
    this.costUsd = Number(run.cost_usd ?? 0);
    this.startedAt = now;
    this.budget = budget;
  }

  add(usage: { inputTokens: number; outputTokens: number }, spec: ModelSpec | undefined): void {
    this.inputTokens += usage.inputTokens;
    this.outputTokens += usage.outputTokens;
    if (spec?.price)
      this.costUsd +=
        (usage.inputTokens * spec.price.inputPerMTok + usage.outputTokens * spec.price.outputPerMTok) / 1e6;
  }

  /**
   * USD an agent's own SDK reports for work whose tokens were already counted (Claude Code's
   * result): counted only when the model has no list price here, so nothing is counted twice.
   */
  addReported(usd: number, spec: ModelSpec | undefined): void {
    if (!spec?.price && usd > 0) this.costUsd += usd;
  }

  exhausted(now = Date.now()): string | undefined {
    const b = this.budget;
    if (this.steps >= b.steps) return `the step budget (${b.steps} tool calls) is spent`;
    if (this.inputTokens >= b.inputTokens) return `the input-token budget (${b.inputTokens}) is spent`;
    if (this.outputTokens >= b.outputTokens) return `the output-token budget (${b.outputTokens}) is spent`;
    if (this.costUsd >= b.costUsd) return `the cost budget ($${b.costUsd}) is spent ($${this.costUsd.toFixed(4)})`;
    const wall = (now - this.startedAt) / 1000;
    if (wall >= b.wallSeconds) return `the wall-time budget (${b.wallSeconds}s) is spent`;
    return undefined;
  }

  columns() {
    return {
      steps: this.steps,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      costUsd: Math.round(this.costUsd * 1e6) / 1e6,
    };
  }
}
