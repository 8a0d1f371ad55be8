import type { RevisionFacts } from '../../analyzers/problem-facts.ts';
import type { Problem } from '../../analyzers/snapshot.ts';
import { cpuMillis, formatCpu, formatMi, quantityToMi } from '../../lib/quantity.ts';

export type Remediation = { tool: string; input: Record<string, unknown>; why: string } | { escalate: string };

/** What the runbooks know about the cluster beyond the problem itself, read through tools. */
export interface RemediationContext {
  /** get_workload's view of the problem's workload, when it has one. */
  workload?: {
    containers: {
      name: string;
      ports: { name?: string; containerPort: number }[];
      readinessProbe?: string;
      livenessProbe?: string;
    }[];
  };
  /** The finding's evidence, the container's last log lines included (the runbooks read them first). */
  evidence?: string[];
}

const ROLLABLE = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

/**
 * The deterministic remediation for a problem, or why a human must act. Rolling back is chosen
 * when the failure arrived with the current revision and the previous one was healthy — or, for a
 * revision that cannot start at all, when the previous one is the last that ran (a revision at zero
 * pods after Recreate or a finished rollout is not evidence it was unhealthy), saying so.
 */
export function chooseRemediation(p: Problem, rc: RemediationContext = {}): Remediation {
  const { kind, namespace, name } = p.object;
  const r: Partial<RevisionFacts> = 'failureIsNewRevision' in p.facts ? p.facts : {};
  const undo = (what: string, cannotStart = false): Remediation | undefined => {
    if (kind !== 'Deployment' || !r.previousRevision) return undefined;
    // A Deployment a Helm release installed goes back with its release: a rollout undo would
    // leave Helm's record (and the next upgrade) saying otherwise.
    const release = p.owner?.kind === 'HelmChart' ? p.owner : undefined;
    const back = release
      ? { tool: 'helm_rollback', input: { namespace: release.namespace, release: release.name } }
      : { tool: 'rollout_undo', input: { namespace, name, toRevision: r.previousRevision } };
    const via = release ? `; it belongs to Helm release ${release.name}, so the release is rolled back` : '';
    if (r.failureIsNewRevision)
      return {
        ...back,
        why: `${what} started with revision ${r.currentRevision} while revision ${r.previousRevision} ${(r.previousAvailable ?? 0) > 0 ? `still has ${r.previousAvailable} pod(s) available` : 'was serving before the rollout'}${via}`,
      };
    if (cannotStart && r.onlyNewFails)
      return {
        ...back,
        why: `revision ${r.currentRevision} cannot start (${what}); revision ${r.previousRevision} is the last one that ran. It has no pods now (${r.strategy === 'Recreate' ? 'the Recreate strategy scaled it to zero before starting the new one' : 'the rollout finished and scaled it down'}), so its health is not known, only that it is not failing this way: rolling back to it is the standard way back${via}`,
      };
    return undefined;
  };
  switch (p.category) {
    case 'crash_loop': {
      const rollback = undo('the crash loop', true);
      if (rollback) return rollback;
      // A restart only helps a transient failure; one that fails the same way at every start needs a change.
      const fatal = deterministicCause(rc.evidence ?? []);
      if (fatal)
        return {
          escalate: `the container fails the same way at every start (${fatal}): a restart will not help; change what it names (the code, a file, a setting or a config value)${r.previousRevision ? '' : ' — there is no earlier revision to roll back to'}`,
        };
      return ROLLABLE.has(kind)
        ? {
            tool: 'rollout_restart',
            input: { namespace, kind, name },
            why: r.previousRevision
              ? `the previous revision is not known to be healthy, so rolling back is not clearly safer than restarting`
              : 'there is no earlier revision to roll back to, and the logs point at a transient failure',
          }
        : { escalate: `no controller to restart ${kind} ${name}` };
    }
    case 'oom_killed': {
      const f = p.facts;
      const limit = quantityToMi(f.limits?.memory);
      if (!ROLLABLE.has(kind) || limit === undefined)
        return (
          undo('the OOM kills') ?? {
            escalate: 'the container has no memory limit to raise: the node itself is out of memory',
          }
        );
      const next = formatMi(limit * 2);
      return {
        tool: 'set_resources',
        input: { namespace, kind, name, container: f.container, limits: { memory: next } },
        why: `container ${f.container} is killed at its ${f.limits?.memory} memory limit; doubling it to ${next} gives the working set room`,
      };
    }
    case 'image_pull':
      return (
        undo('the image pull failure', true) ?? {
          escalate: `image ${p.facts.image} cannot be pulled and no earlier healthy revision is known: fix the image reference or the registry credentials`,
        }
      );
    case 'config_missing':
      return (
        undo('the missing configuration', true) ?? {
          escalate:
            'the referenced ConfigMap/Secret (or key) does not exist; someone who knows its contents must create it',
        }
      );
    case 'probe_failure':
      return (
        undo('the probe failure') ??
        probePortFix(p, rc) ?? {
          escalate: 'the probe fails but its target looks right: the application is not answering',
        }
      );
    case 'unschedulable_placement': {
      const f = p.facts;
      const cordoned = f.cordonedReadyNodes?.[0];
      if ((f.nodesCordoned ?? 0) > 0 && cordoned)
        return {
          tool: 'uncordon',
          input: { node: cordoned },
          why: `${f.nodesCordoned} of ${f.nodesTotal} node(s) are cordoned; ${cordoned} is Ready, so uncordoning it gives the pods a place to run`,
        };
      return (
        undo('the placement failure') ?? {
          escalate:
            "no node satisfies the pod's selectors, affinity or tolerations; adding matching nodes or changing the rules is a human decision",
        }
      );
    }
    case 'unschedulable_resources':
      return (
        undo('the resource shortage') ?? {
          escalate:
            'the cluster lacks the CPU/memory these pods request: add capacity or lower the requests deliberately',
        }
      );
    case 'service_no_endpoints': {
      const f = p.facts;
      if (kind === 'Ingress')
        return {
          escalate: `the Ingress routes to ${f.missingServices?.join(', ')}, which does not exist: fix the backend name or create the Service`,
        };
      if (f.scaledToZero)
        return {
          escalate: `${f.scaledToZero.kind} ${f.scaledToZero.name} is scaled to 0 replicas: scale it back up (how many it needs is a human's call)`,
        };
      const suggested = f.suggested;
      if (!suggested) return { escalate: "no pod in the namespace looks like this Service's target" };
      const patch = Object.fromEntries([
        ...Object.keys(f.selector ?? {}).map((k) => [k, null]),
        ...Object.entries(suggested),
      ]);
      return {
        tool: 'patch',
        input: {
          apiVersion: 'v1',
          kind: 'Service',
          namespace,
          name,
          patchType: 'merge',
          patch: { spec: { selector: patch } },
        },
        why: `the selector matches no pod; pods labelled ${Object.entries(suggested)
          .map(([k, v]) => `${k}=${v}`)
          .join(',')} are the closest match`,
      };
    }
    case 'node_not_ready': {
      // A NotReady node found on the node itself; pods on it (a workload's facts) say nothing of the node.
      const f = 'stranded' in p.facts ? p.facts : { stranded: 0, cordoned: false };
      return f.stranded > 0
        ? {
            tool: 'drain',
            input: { node: name },
            why: `${f.stranded} pod(s) are stranded on NotReady node ${name}; draining moves them to healthy nodes through the Eviction API`,
          }
        : f.cordoned
          ? { escalate: `node ${name} is NotReady and already cordoned; it needs a human to repair or replace it` }
          : { tool: 'cordon', input: { node: name }, why: `node ${name} is NotReady; cordoning keeps new pods off it` };
    }
    case 'rollout_stuck':
      return (
        undo('the stalled rollout') ?? {
          escalate: 'the rollout is stuck and there is no earlier revision to return to',
        }
      );
    case 'cpu_throttling': {
      const f = p.facts;
      const limit = cpuMillis(f.limits.cpu);
      if (!ROLLABLE.has(kind) || !limit)
        return { escalate: 'no CPU limit to raise on a workload the vocabulary can change' };
      const next = formatCpu(limit * 2);
      return {
        tool: 'set_resources',
        input: { namespace, kind, name, container: f.container, limits: { cpu: next } },
        why: `container ${f.container} uses ${f.usedMillis}m of its ${f.limits.cpu} CPU limit and is throttled; doubling the limit to ${next} removes the cap`,
      };
    }
    case 'volume_filling': {
      const f = p.facts;
      if (!f.expandable)
        return {
          escalate:
            'the claim is filling up and its storage class does not allow expansion: free space or migrate the data',
        };
      const next = `${Math.max(1, Math.ceil((f.capacityBytes * 2) / 2 ** 30))}Gi`;
      return {
        tool: 'expand_pvc',
        input: { namespace, name, size: next },
        why: `the volume is ${Math.round((100 * f.usedBytes) / f.capacityBytes)}% full; doubling the claim to ${next} leaves room to act on the cause`,
      };
    }
    case 'pvc_pending':
      return {
        escalate:
          "a claim's storage class cannot be changed in place; the claim must be recreated with a working class (or the class created)",
      };
    case 'helm_release_failed': {
      const f = p.facts;
      if (f.fluxHelmRelease)
        return {
          escalate: `Flux HelmRelease ${f.fluxHelmRelease} manages release ${f.release}: fix its values or chart in Git; a rollback by hand would be undone at its next reconcile`,
        };
      if (f.status !== 'failed' || !f.deployedRevision)
        return {
          escalate: `Helm release ${f.release} is ${f.status} at revision ${f.revision} with no deployed revision to return to: a human must resolve it`,
        };
      return {
        tool: 'helm_rollback',
        input: { namespace: f.namespace, release: f.release, revision: f.deployedRevision },
        why: `revision ${f.revision} of Helm release ${f.release} failed; revision ${f.deployedRevision} is the one still deployed`,
      };
    }
    case 'job_failed':
      return { escalate: 'rerunning a Job means recreating it; fix the cause shown in its logs first' };
    default:
      return { escalate: 'no deterministic remediation for this finding' };
  }
}

/** A probe aimed at a port the container does not declare, when it declares exactly one: point the probe there. */
function probePortFix(
  p: Extract<Problem, { category: 'probe_failure' }>,
  rc: RemediationContext,
): Remediation | undefined {
  const c = rc.workload?.containers.find((x) => x.name === p.facts.container);
  if (c?.ports.length !== 1 || !ROLLABLE.has(p.object.kind)) return undefined;
  const port = c.ports[0]!.containerPort;
  const fix: Record<string, unknown> = {};
  for (const [field, text] of [
    ['readinessProbe', c.readinessProbe],
    ['livenessProbe', c.livenessProbe],
  ] as const) {
    const m = text ? /^(http|tcp) (?:(\S+) )?port (\S+)/.exec(text) : null;
    if (!m || m[3] === String(port) || m[3] === c.ports[0]!.name) continue;
    fix[field] = m[1] === 'http' ? { httpGet: { port } } : { tcpSocket: { port } };
  }
  if (!Object.keys(fix).length) return undefined;
  return {
    tool: 'patch',
    input: {
      apiVersion: 'apps/v1',
      kind: p.object.kind,
      namespace: p.object.namespace,
      name: p.object.name,
      patchType: 'strategic',
      patch: { spec: { template: { spec: { containers: [{ name: c.name, ...fix }] } } } },
    },
    why: `the ${Object.keys(fix).join(' and ')} of container ${c.name} target a port it does not declare; it declares only ${port}`,
  };
}

/** Log lines that say a start-up fails for a reason a restart cannot change. */
const DETERMINISTIC =
  /panic:|Traceback \(most recent call last\)|Exception in thread|Unhandled exception|segmentation fault|nil pointer dereference|no such file or directory|cannot find module|ModuleNotFoundError|ImportError|missing required|is required|must be set|invalid (?:configuration|config|value|setting)|unknown (?:flag|option|setting)|undefined (?:setting|variable)/i;
/** Log lines of a failure that may pass: a dependency not there yet, a timeout. */
const TRANSIENT =
  /connection refused|ECONNREFUSED|timed? ?out|i\/o timeout|temporarily unavailable|connection reset|no route to host|too many connections|service unavailable/i;

/**
 * The quoted log line that shows a deterministic start-up failure, or undefined when the logs show
 * none — or also show a transient one (a restart may then help). Judged by the logs, not the exit code.
 */
export function deterministicCause(evidence: readonly string[]): string | undefined {
  const text = evidence.join('\n');
  if (TRANSIENT.test(text)) return undefined;
  const line = text.split(/\n|" \/ "/).find((l) => DETERMINISTIC.test(l));
  return line
    ?.replace(/^.*?log: "|"$/g, '')
    .trim()
    .slice(0, 200);
}
