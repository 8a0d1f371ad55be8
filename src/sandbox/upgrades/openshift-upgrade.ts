import type { KubeObject } from '../../lib/kube-object.ts';
import { type ClusterState, isoSeconds } from '../cluster-state.ts';
import type { ResourceType } from '../resources.ts';
import { startPoolUpdate, stepPool } from './machine-config-pools.ts';

/** Simulated seconds between two operators reaching the new version. */
const STEP_MS = 1_000;
/** How long an update may wait on a degraded operator before the CVO reports Failing. */
const FAILING_AFTER_MS = 10_000;
/** Manifests in a release payload, for the "n of m done" message (a 4.17 payload has ~900). */
const PAYLOAD_MANIFESTS = 903;

const lastStep = new WeakMap<ClusterState, number>();

interface Types {
  cv: ResourceType;
  co: ResourceType;
  mcp?: ResourceType;
}

/**
 * OpenShift's cluster-version operator over the sandbox, as `oc adm upgrade` sees it: a new
 * `spec.desiredUpdate` is resolved against availableUpdates and conditionalUpdates, checked
 * (a minor update while Upgradeable=False fails its precondition, unless forced), accepted
 * (history gets a Partial entry, Progressing "Working towards X: n of m done"), then each
 * ClusterOperator reaches the new version in turn — machine-config last, rolling the
 * MachineConfigPools that are not paused — until the update is Completed. A Degraded operator
 * stops it (Progressing "waiting on X", then Failing). Upgradeable mirrors the operators'.
 */
export function runOpenShiftUpgrade(state: ClusterState): void {
  const cv = state.types.findByKind('config.openshift.io/v1', 'ClusterVersion');
  const co = state.types.findByKind('config.openshift.io/v1', 'ClusterOperator');
  if (!cv || !co) return;
  const t: Types = { cv, co, mcp: state.types.findByKind('machineconfiguration.openshift.io/v1', 'MachineConfigPool') };
  const version = state.store.get(cv, undefined, 'version');
  if (!version) return;
  const next = structuredClone(version);
  next.status ??= {};
  mirrorUpgradeable(state, t, next);
  const want = next.spec?.desiredUpdate;
  const current = currentVersion(next);
  if (
    want &&
    (want.version || want.image) &&
    want.version !== next.status.desired?.version &&
    want.image !== next.status.desired?.image
  )
    accept(state, next, want, current);
  else if (next.status.history?.[0]?.state === 'Partial') advance(state, t, next);
  if (JSON.stringify(next.status) !== JSON.stringify(version.status))
    state.store.update(cv, next, { statusOnly: true });
}

export function currentVersion(cv: KubeObject): string | undefined {
  const h = (cv.status?.history ?? []) as { state: string; version: string }[];
  return h.find((x) => x.state === 'Completed')?.version ?? cv.status?.desired?.version;
}

const minor = (v: string | undefined) => v?.split('.').slice(0, 2).join('.');

function setCondition(cv: KubeObject, type: string, status: string, reason: string, message: string, now: string) {
  const conditions = (cv.status.conditions ?? []) as any[];
  const old = conditions.find((c) => c.type === type);
  const c = {
    type,
    status,
    reason,
    message,
    lastTransitionTime: old?.status === status ? old.lastTransitionTime : now,
  };
  cv.status.conditions = [...conditions.filter((x) => x.type !== type), c];
}

function condition(o: KubeObject, type: string): any {
  return ((o.status?.conditions ?? []) as any[]).find((c) => c.type === type);
}

function mirrorUpgradeable(state: ClusterState, t: Types, cv: KubeObject): void {
  const blocked = state.store.list(t.co).find((o) => condition(o, 'Upgradeable')?.status === 'False');
  const now = isoSeconds(state.now());
  if (blocked) {
    const c = condition(blocked, 'Upgradeable');
    setCondition(
      cv,
      'Upgradeable',
      'False',
      c.reason ?? 'ClusterOperatorsNotUpgradeable',
      `Cluster operator ${blocked.metadata.name} should not be upgraded between minor versions: ${c.message ?? ''}`,
      now,
    );
  } else if (condition(cv, 'Upgradeable')?.status === 'False')
    setCondition(cv, 'Upgradeable', 'True', 'AsExpected', '', now);
}

function accept(state: ClusterState, cv: KubeObject, want: any, current: string | undefined): void {
  const now = isoSeconds(state.now());
  const releases = [
    ...((cv.status.availableUpdates ?? []) as any[]),
    ...((cv.status.conditionalUpdates ?? []) as any[]).map((u) => u.release),
  ];
  const release = releases.find(
    (r) => (want.version && r.version === want.version) || (want.image && r.image === want.image),
  );
  const label = want.version || want.image;
  if (!release) {
    setCondition(
      cv,
      'ReleaseAccepted',
      'False',
      'RetrievePayload',
      `Retrieving payload failed version="${want.version ?? ''}" image="${want.image ?? ''}": unknown version ${label}`,
      now,
    );
    return;
  }
  const isMinor = minor(release.version) !== minor(current);
  if (isMinor && condition(cv, 'Upgradeable')?.status === 'False' && !want.force) {
    setCondition(
      cv,
      'ReleaseAccepted',
      'False',
      'PreconditionChecks',
      `Preconditions failed for payload loaded version="${release.version}" image="${release.image}": Precondition "ClusterVersionUpgradeable" failed because of "${condition(cv, 'Upgradeable').reason}": ${condition(cv, 'Upgradeable').message}`,
      now,
    );
    return;
  }
  cv.status.desired = {
    version: release.version,
    image: release.image,
    ...(release.url ? { url: release.url } : {}),
    channels: release.channels ?? [],
  };
  cv.status.history = [
    {
      state: 'Partial',
      startedTime: now,
      completionTime: null,
      version: release.version,
      image: release.image,
      verified: true,
    },
    ...((cv.status.history ?? []) as any[]),
  ];
  setCondition(
    cv,
    'ReleaseAccepted',
    'True',
    'PayloadLoaded',
    `Payload loaded version="${release.version}" image="${release.image}" architecture="amd64"`,
    now,
  );
  setCondition(
    cv,
    'Progressing',
    'True',
    '',
    `Working towards ${release.version}: 0 of ${PAYLOAD_MANIFESTS} done (0% complete)`,
    now,
  );
  setCondition(cv, 'Failing', 'False', '', '', now);
  lastStep.set(state, state.now().getTime());
}

function advance(state: ClusterState, t: Types, cv: KubeObject): void {
  const target = cv.status.history[0].version as string;
  const nowMs = state.now().getTime();
  const now = isoSeconds(state.now());
  // machine-config goes last: it rolls the nodes once everything else runs the new release.
  const operators = state.store
    .list(t.co)
    .sort((a, b) => Number(a.metadata.name === 'machine-config') - Number(b.metadata.name === 'machine-config'));
  const behind = operators.filter((o) => operatorVersion(o) !== target);
  const pools = t.mcp ? state.store.list(t.mcp) : [];
  const rolling = pools.filter(
    (p) => !p.spec?.paused && (p.status?.updatedMachineCount ?? 0) < (p.status?.machineCount ?? 0),
  );
  const done = operators.length - behind.length;
  const pct = operators.length ? Math.floor((done / operators.length) * 100) : 100;
  const progress = `${Math.floor((pct / 100) * PAYLOAD_MANIFESTS)} of ${PAYLOAD_MANIFESTS} done (${pct}% complete)`;
  if (!behind.length && !rolling.length) {
    cv.status.history[0] = { ...cv.status.history[0], state: 'Completed', completionTime: now };
    cv.status.availableUpdates = ((cv.status.availableUpdates ?? []) as any[]).filter((u) => newer(u.version, target));
    setCondition(cv, 'Progressing', 'False', '', `Cluster version is ${target}`, now);
    setCondition(cv, 'Available', 'True', '', `Done applying ${target}`, now);
    setCondition(cv, 'Failing', 'False', '', '', now);
    return;
  }
  const next = behind[0];
  // The operator the update waits on: the next one behind, or machine-config while its pools roll.
  const waitingOn = next ?? operators.find((o) => o.metadata.name === 'machine-config');
  const degraded = waitingOn && condition(waitingOn, 'Degraded')?.status === 'True';
  if (degraded && !next && t.mcp) for (const p of rolling) stepPool(state, { mcp: t.mcp, co: t.co }, p, now);
  if (degraded) {
    const since = Date.parse(cv.status.history[0].startedTime);
    setCondition(
      cv,
      'Progressing',
      'True',
      '',
      `Working towards ${target}: ${progress}, waiting on ${waitingOn!.metadata.name}`,
      now,
    );
    if (nowMs - since >= FAILING_AFTER_MS)
      setCondition(
        cv,
        'Failing',
        'True',
        'ClusterOperatorDegraded',
        `Cluster operator ${waitingOn!.metadata.name} is degraded`,
        now,
      );
    return;
  }
  if (nowMs - (lastStep.get(state) ?? 0) < STEP_MS) return;
  lastStep.set(state, nowMs);
  if (next) {
    const o = structuredClone(next);
    o.status = {
      ...o.status,
      versions: [
        ...((o.status?.versions ?? []) as any[]).filter((v) => v.name !== 'operator'),
        { name: 'operator', version: target },
      ],
    };
    if (o.metadata.name === 'machine-config' && t.mcp)
      for (const p of pools.filter((x) => !x.spec?.paused)) startPoolUpdate(state, t.mcp, p, target, now);
    state.store.update(t.co, o, { statusOnly: true });
  } else for (const p of rolling) stepPool(state, { mcp: t.mcp!, co: t.co }, p, now);
  setCondition(
    cv,
    'Progressing',
    'True',
    '',
    `Working towards ${target}: ${progress}${next ? '' : ', waiting on machine-config'}`,
    now,
  );
}

function operatorVersion(o: KubeObject): string | undefined {
  return ((o.status?.versions ?? []) as any[]).find((v) => v.name === 'operator')?.version;
}

function newer(a: string, b: string): boolean {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) > (pb[i] ?? 0);
  return false;
}
