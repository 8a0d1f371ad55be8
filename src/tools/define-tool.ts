import type { z } from 'zod';
import type { KubeReader } from '../cluster/kube-reader.ts';
import type { PrometheusClient } from '../cluster/prometheus.ts';
import { OutOfScope } from '../domain/errors.ts';
import type { WritePlan } from '../domain/write-plan.ts';

export interface ToolContext {
  reader: KubeReader;
  /** Namespace the task is scoped to; read tools refuse to leave it. */
  namespace?: string;
  now: () => Date;
  /** Prometheus, for usage the cluster API does not give (prometheus.url in claw.yaml). */
  prometheus?: PrometheusClient;
  /** Values of the Secrets in scope; every read tool's output is scrubbed of them (Invariant 4). */
  secretValues?: () => Promise<string[]>;
}

interface ToolBase<S extends z.ZodType> {
  name: string;
  description: string;
  input: S;
  /**
   * `owner`: the `namespace` input is where a GitOps owner lives (argocd, flux-system); the tool
   * itself checks the owner deploys into the task's namespace (gitops-scope.ts).
   */
  scopeBy?: 'owner';
}

export interface ReadTool<S extends z.ZodType = z.ZodType, O = unknown> extends ToolBase<S> {
  effect: 'read';
  /** Largest output (JSON characters) handed on; beyond it the runner trims lists and says how to narrow. */
  budget?: number;
  /** How to ask for less when the output is over budget (e.g. "pass a namespace or a labelSelector"). */
  narrow?: string;
  run(ctx: ToolContext, input: z.infer<S>): Promise<O>;
}

/** A write tool never executes: `plan` returns the request; approvals/ decides whether it runs. */
export interface WriteTool<S extends z.ZodType = z.ZodType> extends ToolBase<S> {
  effect: 'write';
  plan(ctx: ToolContext, input: z.infer<S>): Promise<WritePlan>;
}

export type Tool = ReadTool | WriteTool;

export function defineReadTool<S extends z.ZodType, O>(t: Omit<ReadTool<S, O>, 'effect'>): ReadTool<S, O> {
  return { ...t, effect: 'read' };
}

export function defineWriteTool<S extends z.ZodType>(t: Omit<WriteTool<S>, 'effect'>): WriteTool<S> {
  return { ...t, effect: 'write' };
}

/** Read tools stay inside the task's namespace when it has one (Invariant 3: data cannot widen scope). */
export function checkScope(ctx: ToolContext, namespace: string | undefined): void {
  if (ctx.namespace && namespace !== undefined && namespace !== ctx.namespace) {
    throw new OutOfScope(`namespace "${namespace}" is outside this task's scope (${ctx.namespace})`);
  }
}
